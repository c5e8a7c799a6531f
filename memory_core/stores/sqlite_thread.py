"""One SQLite connection on one dedicated thread, shared by the history and graph stores.

    >>> import asyncio, tempfile
    >>> from pathlib import Path
    >>> async def demo():
    ...     sql = SqliteThread(Path(tempfile.mkdtemp()) / "x.sqlite3", "Demo database")
    ...     await sql.run(sql.connect, "CREATE TABLE t (v INTEGER)")
    ...     value = await sql.run(lambda: sql.db.execute("SELECT 41 + 1").fetchone()[0])
    ...     await sql.close()
    ...     return value
    >>> asyncio.run(demo())
    42

Every call runs whole on the thread, so a multi-statement change is one transaction that
never interleaves with another call, and the event loop never blocks on the disk. The
connection is in autocommit mode (transactions are explicit), WAL, with a busy timeout.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from memory_core.errors import HomeCorruptError, HomeUnreadableError, StoreError

T = TypeVar("T")


class SqliteThread:
    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what  # "History database": how errors name it
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="memory-core-sql")
        self._conn: sqlite3.Connection | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the thread; SQLite errors become :class:`StoreError`."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.what} {self.path} failed: {exc}") from exc

    @property
    def db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{self.what} is not open; call open() first.")
        return self._conn

    def connect(self, schema: str) -> sqlite3.Connection:
        """Open the file and create ``schema`` if missing (call through :meth:`run`)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        except sqlite3.OperationalError as exc:
            raise HomeUnreadableError(str(self.path), f"SQLite cannot open it ({exc})") from exc
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a process crash (SIGKILL); only an OS crash can
            # lose the last transactions, and the journal replays what the stores missed.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            # Erasure erases: freed pages and cells are overwritten with zeros, so a deleted
            # memory's text does not linger in the file's free space.
            conn.execute("PRAGMA secure_delete=ON")
            conn.executescript(schema)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise HomeCorruptError(str(self.path), f"not a memory-core database ({exc})") from exc
        self._conn = conn
        return conn

    async def close(self) -> None:
        """Close the connection and stop the thread; safe to call twice."""
        if self._conn is not None:
            await self.run(self._disconnect)
        self._executor.shutdown(wait=True)

    def _disconnect(self) -> None:
        # Fold the WAL into the database and empty it: erased text must not stay in the WAL.
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()
        self._conn = None


class transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind: object, *_: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
