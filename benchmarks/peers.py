"""Running the systems under test in their own processes.

* :func:`ensure_mem0_venv` creates ``benchmarks/.venv-mem0`` from ``requirements-mem0.txt``
  with uv on first use (and again when the requirements change), so Mem0's dependencies never
  touch memory-core's environment.
* :class:`EmbeddingServer` runs ``python -m memory_core.testing.openai_server`` on 127.0.0.1:
  an OpenAI-compatible ``/v1/embeddings`` serving memory-core's LocalEmbedder vectors, which
  Mem0's ``openai`` embedder is pointed at.
* :func:`run_driver` runs one phase of a driver (``mc_driver`` in our env, ``mem0_driver.py``
  in Mem0's) as a subprocess: job JSON in, result JSON out, progress on stderr.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from benchmarks.common import BENCH_DIR, REPO_DIR, WORK_DIR, log

MEM0_VENV = BENCH_DIR / ".venv-mem0"
MEM0_REQUIREMENTS = BENCH_DIR / "requirements-mem0.txt"
MEM0_DRIVER = BENCH_DIR / "mem0_driver.py"
_STAMP = ".requirements.sha256"


def uv_command() -> list[str]:
    if os.environ.get("UV"):  # set by `uv run`
        return [os.environ["UV"]]
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def mem0_python() -> Path:
    return venv_python(MEM0_VENV)


def clean_env() -> dict[str, str]:
    """This environment without our venv's markers, so uv targets the venv it is told to."""
    return {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PYTHON")}


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path, requirements: Path, label: str) -> dict[str, Any]:
    """Create or refresh a benchmark-only venv from pinned requirements (uv), when the
    requirements file changed since the last time; return what was done and how long it took."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = venv / _STAMP
    if venv_python(venv).exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return {"created": False, "seconds": 0.0}
    start = time.perf_counter()
    log(f"creating {label} in {venv.relative_to(REPO_DIR)}")
    env = clean_env()
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run(
        [*uv_command(), "venv", "--quiet", "--allow-existing", "--python", version, str(venv)],
        check=True,
        env=env,
        timeout=600,
    )
    subprocess.run(
        [
            *uv_command(),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv_python(venv)),
            "-r",
            str(requirements),
        ],
        check=True,
        env=env,
        timeout=1200,
    )
    stamp.write_text(digest + "\n")
    return {"created": True, "seconds": round(time.perf_counter() - start, 1)}


def ensure_mem0_venv() -> dict[str, Any]:
    """Create or refresh Mem0's venv; return what was done and how long it took."""
    return ensure_venv(MEM0_VENV, MEM0_REQUIREMENTS, "Mem0's benchmark environment")


def mem0_env(home: Path) -> dict[str, str]:
    """Environment for the Mem0 driver: telemetry off, no home-directory state, offline."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "MEM0_", "VIRTUAL_ENV", "PYTHON"))
    }
    env.update(
        MEM0_TELEMETRY="False",  # read at import time by mem0.memory.telemetry
        MEM0_DIR=str(home),  # ~/.mem0 otherwise (config.json, history.db)
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        OPENAI_API_KEY="local-benchmark",
        PYTHONUNBUFFERED="1",
    )
    return env


class EmbeddingServer:
    """The local embeddings server for the length of a ``with``: ``python -m
    memory_core.testing.openai_server --port 0``."""

    def __init__(self, startup_timeout: float = 120.0) -> None:
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self.model = "all-MiniLM-L6-v2"
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> EmbeddingServer:
        env = dict(os.environ, MEMORY_CORE_HOME=str(WORK_DIR))  # model files cached in .work
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "memory_core.testing.openai_server", "--port", "0"],
            cwd=REPO_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        found: list[str] = []

        def read() -> None:
            assert self._proc is not None and self._proc.stdout is not None
            for line in self._proc.stdout:
                if "http://" in line and not found:
                    found.append(line[line.index("http://") :].strip())

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while not found:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"the embeddings server exited with {self._proc.returncode} at start-up"
                )
            if time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("the embeddings server did not start in time")
            time.sleep(0.05)
        self.base_url = found[0].rstrip("/")
        if not self.base_url.startswith(("http://127.0.0.1:", "http://localhost:")):
            self.__exit__(None, None, None)
            raise RuntimeError(f"the embeddings server is not on loopback: {self.base_url}")
        log(f"embeddings server on {self.base_url}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def run_driver(
    system: str, job: dict[str, Any], job_dir: Path, *, timeout: float = 3600
) -> dict[str, Any]:
    """Run one phase of ``system``'s driver in a subprocess; return its result."""
    job_dir.mkdir(parents=True, exist_ok=True)
    name = f"{system}-{job['phase']}-{job.get('size', 'add')}"
    job_path, out_path = job_dir / f"{name}.job.json", job_dir / f"{name}.out.json"
    if job["phase"] == "coldstart":  # the driver measures from this moment: process start
        job = dict(job, spawned_at=time.time())
    job_path.write_text(json.dumps(job, indent=2))
    out_path.unlink(missing_ok=True)
    if system == "mem0":
        cmd = [str(mem0_python()), str(MEM0_DRIVER)]
        env = mem0_env(Path(job["home"]))
    else:
        cmd = [sys.executable, "-m", "benchmarks.mc_driver"]
        env = dict(os.environ, MEMORY_CORE_HOME=job["home"], HF_HUB_OFFLINE="1")
    start = time.perf_counter()
    proc = subprocess.run(
        [*cmd, "--job", str(job_path), "--out", str(out_path)],
        cwd=REPO_DIR,
        env=env,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0 or not out_path.exists():
        raise RuntimeError(f"{name} failed (exit {proc.returncode}); see the log above")
    result: dict[str, Any] = json.loads(out_path.read_text())
    result["process_seconds"] = round(time.perf_counter() - start, 1)
    return result
