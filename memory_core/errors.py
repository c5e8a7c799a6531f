"""Typed errors. Every message says what went wrong *and* what to do about it.

    >>> from memory_core.errors import MissingScopeError
    >>> try:
    ...     raise MissingScopeError()
    ... except MissingScopeError as exc:
    ...     "user_id" in str(exc)
    True

All errors derive from :class:`MemoryCoreError`, so ``except MemoryCoreError`` catches
everything this package raises on purpose. Input errors also derive from ``ValueError``
and lookups from ``KeyError``-like semantics are *not* used (``KeyError`` mangles messages).
"""

from __future__ import annotations


class MemoryCoreError(Exception):
    """Base class of every error memory-core raises on purpose."""


# --- bad input -----------------------------------------------------------------------


class InvalidInputError(MemoryCoreError, ValueError):
    """The call's arguments are wrong; nothing was written."""


class MissingScopeError(InvalidInputError):
    def __init__(self, operation: str = "add") -> None:
        super().__init__(
            f"{operation}() needs at least one scope id: pass user_id=, agent_id= or run_id= "
            "(non-empty strings). Scopes keep one user's memories away from another's."
        )


class InvalidScopeError(InvalidInputError):
    def __init__(self, name: str, value: object) -> None:
        super().__init__(
            f"{name} must be a non-empty string without surrounding whitespace, got {value!r}. "
            f"Pass a stable identifier such as {name}='alice'."
        )


class EmptyTextError(InvalidInputError):
    def __init__(self) -> None:
        super().__init__(
            "Nothing to remember: the text (or every message's content) is empty. "
            "Pass a non-empty string, a message dict or a list of messages."
        )


class TextTooLongError(InvalidInputError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"A memory's text is {length} characters, over the limit of {limit}. Split it into "
            "smaller messages, or raise MemoryConfig.max_text_length "
            "(env MEMORY_CORE_MAX_TEXT_LENGTH) if you really want longer memories."
        )


class InvalidMessageError(InvalidInputError):
    """A message is not a str, a {'role', 'content'} dict, or a list of those."""


class InvalidFilterError(InvalidInputError):
    """A filter is malformed: unknown operator, wrong value type, empty group."""


class UnknownFilterOperatorError(InvalidFilterError):
    def __init__(self, operator: str, known: tuple[str, ...]) -> None:
        super().__init__(
            f"Unknown filter operator {operator!r}. Use one of {', '.join(known)}, e.g. "
            "{'score': {'gte': 3}}, or the groups AND / OR / NOT with a list of filters."
        )


class ReservedSourceKeyError(InvalidInputError):
    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        super().__init__(
            f"source key(s) {', '.join(map(repr, keys))} are reserved for the framework adapters "
            "(they decide where a record shows up in a framework). Put your own tags in "
            "metadata= or under other source keys; an adapter passes its stamp as "
            "memory_core.types.Provenance({...})."
        )


# --- lookups ---------------------------------------------------------------------------


class MemoryNotFoundError(MemoryCoreError, LookupError):
    def __init__(self, memory_id: str) -> None:
        self.memory_id = memory_id
        super().__init__(
            f"No memory with id {memory_id!r}. It may have been deleted, or belong to another "
            "store; list ids with get_all(user_id=...) or `memory-core list`."
        )


# --- configuration and storage ---------------------------------------------------------


class ConfigError(MemoryCoreError, ValueError):
    """The configuration is invalid or names something that is not installed."""


class DimensionMismatchError(ConfigError):
    """A vector's size differs from what its collection (or vector space) holds;
    ``existing`` is the stored size, ``configured`` the size given."""

    def __init__(
        self, collection: str, existing: int, configured: int, *, message: str | None = None
    ) -> None:
        self.collection, self.existing, self.configured = collection, existing, configured
        super().__init__(
            message
            or f"Collection {collection!r} holds {existing}-dimensional vectors but the embedder "
            f"makes {configured}-dimensional ones. Use the embedder the collection was built "
            "with, point vector_store.collection at a new name, or re-import into a new home."
        )


class HomeError(MemoryCoreError, OSError):
    """The home directory (MEMORY_CORE_HOME) cannot be used."""


class HomeUnreadableError(HomeError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"Cannot use memory home {path!r}: {reason}. Check its permissions, or point "
            "MEMORY_CORE_HOME (or MemoryConfig.home) at a directory you can read and write."
        )


class HomeCorruptError(HomeError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"Memory home {path!r} is damaged: {reason}. Restore it from a backup or an "
            "`memory-core export`, or move it aside and start a new home."
        )


class HomeLockedError(HomeError):
    """``holder`` names the process holding the home (``"process 4242 (python app.py)"``)
    when it can be told, else it is ``None``."""

    def __init__(self, path: str, holder: str | None = None, *, same_process: bool = False) -> None:
        self.holder = holder
        if same_process:  # two engines on one home in one process: share the first one
            advice = (
                "Another Memory on this home is open in this same process (an adapter given a "
                "config builds its own): open one Memory and pass it to every adapter "
                "(memory=memory), or close the first one."
            )
        else:
            advice = (
                "The embedded stores allow one process at a time: close the other Memory (or "
                "CLI), share one Memory object between threads, or use a Qdrant server for "
                "several processes."
            )
        held = holder or "another process"
        super().__init__(f"Memory home {path!r} is in use by {held}. {advice}")


class StoreError(MemoryCoreError):
    """A backend (vector store, graph store, history) failed."""


class GraphUnavailableError(StoreError):
    """The graph backend cannot be reached (a Bolt server down, a connection refused).

    The engine never raises it from ``add`` or ``search``: they go on over the vector path,
    say ``"graph": {"status": "skipped", ...}`` in their result, and the graph writes wait
    in the journal until the backend is back."""


class EmbeddingError(MemoryCoreError):
    """The embedder failed or is not available."""


class LLMError(MemoryCoreError):
    """The LLM failed after its retries, or kept answering something unusable.

    ``usage`` is what the failed attempt cost (``llm_calls``, ``prompt_tokens``,
    ``completion_tokens``) when the calls were answered, else ``None``."""

    def __init__(self, message: str, *, usage: dict[str, int] | None = None) -> None:
        super().__init__(message)
        self.usage = usage


class WrongLoopError(MemoryCoreError, RuntimeError):
    """A sync call was made from the engine's own event loop, where waiting for the engine
    would deadlock it (as LangGraph's stores refuse the same)."""

    def __init__(self, async_name: str | None = None, *, reason: str | None = None) -> None:
        if reason is not None:
            super().__init__(reason)
            return
        instead = f"`await ...{async_name}(...)`" if async_name else "the async twin (`a...`)"
        super().__init__(
            "A synchronous memory-core call was made from inside the engine's own event loop; "
            f"it would wait for that loop forever. Use {instead} there, or call the sync "
            "method from another thread."
        )


class ClosedError(MemoryCoreError):
    def __init__(self) -> None:
        super().__init__(
            "This Memory is closed. Create a new one (Memory() or Memory.from_config(...)), "
            "or use it as a context manager so it stays open for the block."
        )
