"""Deterministic ids and hashes: the same write twice, even concurrently, is one memory.

>>> from memory_core.types import Scope
>>> with using(IdScheme.new()):
...     a = memory_id(Scope(user_id="alice"), "message", "I like  Tea ", role="user")
...     same = a == memory_id(Scope(user_id="alice"), "message", "i like tea", role="user")
...     other = a == memory_id(Scope(user_id="bob"), "message", "I like tea", role="user")
>>> same, other
(True, False)

Ids are derived under the home's *id scheme* (:class:`IdScheme`), kept in the home:

* **version 2** (every new home): HMAC-SHA256, under a random per-home secret, of an
  unambiguous JSON encoding of the parts (scope ids, kind, speaker, normalized text). No
  separator a caller's id can forge (``user "a|agent_id=b"`` and ``user "a"`` never meet), and
  an id cannot be computed outside the home, so knowing a scope and a text does not reveal a
  memory's id.
* **version 1** (homes written before it): uuid5 of the ``|``-joined scope, kept so that those
  homes keep deduplicating and finding their keyed records. Export and re-import into a new
  home to leave it.

The engine makes its home's scheme current (:func:`using`) for every call; outside an engine,
version 1 applies (what tools that predict ids for an import expect).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import secrets
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from memory_core.types import Kind, Scope

#: Namespace of every memory id (uuid5). Changing it changes every id: never do.
ID_NAMESPACE = uuid.UUID("6f1c3a52-8a0e-4d55-9a57-3b0f0c4e2d11")


def normalize_text(text: str) -> str:
    """The form two texts must share to count as the same memory: NFKC, case-folded,
    whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True, slots=True)
class IdScheme:
    """How a home derives ids (see the module docstring)."""

    version: int
    secret: bytes = b""

    @classmethod
    def new(cls) -> IdScheme:
        """The scheme of a new home: version 2 under a fresh random secret."""
        return cls(2, secrets.token_bytes(32))

    def derive(self, legacy: str, *parts: str | None) -> str:
        """The id of ``parts``; ``legacy`` is what version 1 hashed for the same thing."""
        if self.version == 1:
            return str(uuid.uuid5(ID_NAMESPACE, legacy))
        material = json.dumps(parts, ensure_ascii=False).encode("utf-8", "surrogatepass")
        digest = hmac.new(self.secret, material, hashlib.sha256).digest()
        return str(_uuid8(digest[:16]))


LEGACY = IdScheme(1)
_CURRENT: contextvars.ContextVar[IdScheme] = contextvars.ContextVar("id_scheme", default=LEGACY)


def current() -> IdScheme:
    """The id scheme of the engine running this call (version 1 outside any engine)."""
    return _CURRENT.get()


def use(scheme: IdScheme) -> None:
    """Make ``scheme`` current for the rest of this task (the engine does it on each call)."""
    _CURRENT.set(scheme)


@contextmanager
def using(scheme: IdScheme) -> Iterator[IdScheme]:
    """``scheme`` current inside the block."""
    token = _CURRENT.set(scheme)
    try:
        yield scheme
    finally:
        _CURRENT.reset(token)


def scope_parts(scope: Scope) -> tuple[str | None, str | None, str | None]:
    """A scope as parts of an id: each id in its own slot, so none can forge another."""
    return (scope.user_id, scope.agent_id, scope.run_id)


def memory_id(
    scope: Scope, kind: Kind, text: str, *, role: str | None = None, actor_id: str | None = None
) -> str:
    """The id of a memory: scope, kind, speaker and normalized text.

    The speaker (role and actor) is part of the identity: "yes" said by Alice and by Bob
    are two memories; the same sentence sent twice by Alice is one.
    """
    norm = normalize_text(text)
    legacy = "\x1f".join((scope.key(), kind, role or "", actor_id or "", norm))
    return current().derive(legacy, "memory", *scope_parts(scope), kind, role, actor_id, norm)


def keyed_id(*parts: str) -> str:
    """The record id of a caller's key (a namespace's labels and a key) under the current
    scheme; adapters call ``engine.records.keyed_id`` instead, which names its home's scheme."""
    return scheme_keyed_id(current(), parts)


def scheme_keyed_id(scheme: IdScheme, parts: tuple[str, ...]) -> str:
    return scheme.derive("\x1e".join(("keyed", *parts)), "keyed", *parts)


def _uuid8(raw: bytes) -> uuid.UUID:
    """A UUID of version 8 (RFC 9562: custom) from 16 bytes."""
    value = int.from_bytes(raw, "big")
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # the RFC variant
    value = (value & ~(0xF000 << 64)) | (8 << 76)
    return uuid.UUID(int=value)


def text_hash(text: str) -> str:
    """MD5 of the exact text, as Mem0 reports it (an identity check, not security)."""
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def successor_id(base_id: str, attempt: int) -> str:
    """The id to use when ``base_id`` is taken by another text (a memory updated in place, or
    an expired version that must stay for ``as_of`` reads). Deterministic, so racing writes
    of the same text still meet on one id."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{base_id}#{attempt}"))
