"""Run llama.cpp's OpenAI-compatible server (xllamacpp) on 127.0.0.1 until stdin closes.

    python tests/integration/llamacpp_server.py MODEL.gguf [--alias NAME] [--ctx N] [--threads N]

Prints one line, ``LISTENING http://127.0.0.1:PORT``, once the model is loaded and the server
listens (the port is picked by the OS: port 0), then serves until its standard input reaches
end of file (the parent closed it, or died), and stops the server. llama.cpp's own log goes
to stderr.

A separate process, so that a crash inside the native library cannot take the test run with
it, and so that its threads and logs stay out of the test process.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

HOST = "127.0.0.1"  # never 0.0.0.0: the server must not be reachable from outside


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="the GGUF file")
    parser.add_argument("--alias", default="smollm2", help="the model name the server serves")
    parser.add_argument("--ctx", type=int, default=2048, help="context window (tokens)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-predict", type=int, default=1024, help="server-side token cap")
    args = parser.parse_args(argv)
    if not args.model.is_file():
        parser.error(f"no model file at {args.model}")

    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(args.model)
    params.model_alias = {args.alias}
    params.hostnames = [HOST]
    params.port = 0  # a free port, chosen by the OS
    params.n_ctx = args.ctx
    params.n_parallel = 1
    params.n_predict = args.max_predict
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.offline = True  # never download anything
    params.ui = False
    params.warmup = False
    # Every request is evaluated from scratch: with a reused prompt cache the numbers (and so
    # a greedy reply) could depend on which request came before.
    params.cache_prompt = False
    params.cache_ram_mib = 0

    server = xllamacpp.Server(params)
    address = str(server.listening_address)
    if not address.startswith(f"http://{HOST}:"):
        print(f"ERROR listening on {address}, not {HOST}", flush=True)
        del server
        return 1
    print(f"LISTENING {address}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        sys.stdin.read()  # until the parent closes the pipe (or exits)
    del server  # stops the HTTP server and the main loop
    return 0


if __name__ == "__main__":
    sys.exit(main())
