"""What the engine checks when it opens a home: that no part is missing, and its id scheme.

    >>> # Used by AsyncMemory when it opens, after replaying the journal:
    >>> #   await check_parts(history, store, where_vectors)
    >>> #   scheme = await id_scheme(history, store)

**Damaged homes are reported, never opened as empty.** The history (SQLite) and the vector
store must agree: a home whose history lists live memories while its vector store holds none
lost its vector directory (deleted, emptied, restored from another backup); a vector store
with points but no history row at all lost its history file. Either is a
:class:`~memory_core.errors.HomeCorruptError` naming the part and what to do — opening it as
an empty home would silently drop (or orphan) every memory.

**The id scheme** (:mod:`memory_core.ids`) lives in the history database beside the rows it
names: a new home gets version 2 and a random secret; a home written before id schemes existed
keeps version 1.
"""

from __future__ import annotations

from pathlib import Path

from memory_core.errors import HomeCorruptError
from memory_core.ids import IdScheme
from memory_core.stores.history import HistoryStore
from memory_core.stores.vector.base import VectorStore


async def check_parts(history: HistoryStore, store: VectorStore, vectors: Path | None) -> None:
    """Raise :class:`HomeCorruptError` if the history and the embedded vector store disagree
    about whether the home holds memories. ``vectors`` is the embedded store's directory
    (``None`` for a server, which other homes may share)."""
    if vectors is None:
        return
    points = await store.count(None)
    live = await history.live_memories()
    if points == 0 and live > 0:
        raise HomeCorruptError(
            str(vectors),
            f"the vector directory is missing or empty, yet the history lists {live} live "
            "memories. Restore the directory from the backup the history comes from, or run "
            "`memory-core export` on that backup and import it into a new home",
        )
    if points > 0 and (await history.counts())["history_rows"] == 0:
        raise HomeCorruptError(
            str(history.path),
            f"the history file is missing or empty, yet the vector store holds {points} "
            "memories (and the home's id secret was kept in it). Restore history.sqlite3 "
            "from a backup, or export the memories (`memory-core export`) and import them "
            "into a new home",
        )


async def id_scheme(history: HistoryStore, store: VectorStore) -> IdScheme:
    """The home's id scheme, created (version 2, new secret) for a home that has none yet."""
    version = await history.get_meta("id_scheme")
    if version == "2":
        secret = await history.get_meta("id_secret")
        if not secret:
            raise HomeCorruptError(str(history.path), "its id secret is missing")
        return IdScheme(2, bytes.fromhex(secret))
    if version == "1":
        return IdScheme(1)
    if version is not None:
        raise HomeCorruptError(str(history.path), f"id scheme {version} is newer than this release")
    written = (await history.counts())["history_rows"] > 0 or await store.count(None) > 0
    scheme = IdScheme(1) if written else IdScheme.new()
    if scheme.version == 2:
        await history.set_meta("id_secret", scheme.secret.hex())
    await history.set_meta("id_scheme", str(scheme.version))
    return scheme
