"""Deterministic ids and hashes: the same write twice, even concurrently, is one memory.

>>> from memory_core.types import Scope
>>> a = memory_id(Scope(user_id="alice"), "message", "I like  Tea ", role="user")
>>> a == memory_id(Scope(user_id="alice"), "message", "i like tea", role="user")
True
>>> a == memory_id(Scope(user_id="bob"), "message", "I like tea", role="user")
False
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid

from memory_core.types import Kind, Scope

#: Namespace of every memory id (uuid5). Changing it changes every id: never do.
ID_NAMESPACE = uuid.UUID("6f1c3a52-8a0e-4d55-9a57-3b0f0c4e2d11")


def normalize_text(text: str) -> str:
    """The form two texts must share to count as the same memory: NFKC, case-folded,
    whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def memory_id(
    scope: Scope, kind: Kind, text: str, *, role: str | None = None, actor_id: str | None = None
) -> str:
    """uuid5 of scope, kind, speaker and normalized text.

    The speaker (role and actor) is part of the identity: "yes" said by Alice and by Bob
    are two memories; the same sentence sent twice by Alice is one.
    """
    material = "\x1f".join((scope.key(), kind, role or "", actor_id or "", normalize_text(text)))
    return str(uuid.uuid5(ID_NAMESPACE, material))


def text_hash(text: str) -> str:
    """MD5 of the exact text, as Mem0 reports it (an identity check, not security)."""
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def successor_id(base_id: str, attempt: int) -> str:
    """The id to use when ``base_id`` is taken by another text (a memory updated in place, or
    an expired version that must stay for ``as_of`` reads). Deterministic, so racing writes
    of the same text still meet on one id."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{base_id}#{attempt}"))
