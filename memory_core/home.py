"""The home directory (``MEMORY_CORE_HOME``): created on first use and locked per process.

    >>> import tempfile
    >>> from pathlib import Path
    >>> home = Home(Path(tempfile.mkdtemp()) / "mc")
    >>> home.acquire(); home.path.is_dir()
    True
    >>> home.release()

The embedded stores (qdrant-edge, SQLite journal) admit one writer process; an exclusive
``flock`` on ``home/LOCK`` turns a second process into a clear :class:`HomeLockedError`
instead of silent corruption; the holder writes its pid into the file, so the error names it.
The OS drops the lock when the process dies, even on SIGKILL.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from memory_core.errors import HomeLockedError, HomeUnreadableError


class Home:
    def __init__(self, path: Path) -> None:
        self.path = path.expanduser()
        self._lock_file: IO[str] | None = None

    def acquire(self) -> None:
        """Create the directory if needed and take the process lock."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if not os.access(self.path, os.R_OK | os.W_OK | os.X_OK):
                raise HomeUnreadableError(str(self.path), "no read/write permission")
            lock_file = open(self.path / "LOCK", "a+", encoding="utf-8")  # noqa: SIM115
        except FileExistsError as exc:
            raise HomeUnreadableError(str(self.path), "it exists and is not a directory") from exc
        except NotADirectoryError as exc:
            raise HomeUnreadableError(str(self.path), "a parent is not a directory") from exc
        except PermissionError as exc:
            raise HomeUnreadableError(str(self.path), f"permission denied ({exc})") from exc
        try:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            pid = _holder_pid(lock_file)
            lock_file.close()
            holder = _describe(pid) if pid is not None else None
            raise HomeLockedError(str(self.path), holder, same_process=pid == os.getpid()) from exc
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(f"{os.getpid()}\n")
        lock_file.flush()
        self._lock_file = lock_file

    def release(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None


def _holder_pid(lock_file: IO[str]) -> int | None:
    """The pid the lock's holder wrote; ``None`` when the file holds none yet."""
    lock_file.seek(0)
    pid = lock_file.read().strip()
    return int(pid) if pid.isdigit() else None


def _describe(pid: int) -> str:
    """``process 4242 (python app.py)``, or ``process 4242`` where ``/proc`` cannot tell."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return f"process {pid}"
    command = " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    return f"process {pid} ({command[:200]})" if command else f"process {pid}"
