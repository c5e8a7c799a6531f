"""The embedder conformance suite: what every :class:`~memory_core.embeddings.base.Embedder`
promises, checked the same way for every implementation and every bridge.

    >>> import asyncio
    >>> from memory_core.embeddings import LocalEmbedder
    >>> report = asyncio.run(run_embedder_conformance(
    ...     LocalEmbedder, {Capability.TRUNCATES_LONG_INPUT, Capability.EMBEDS_EMPTY_TEXT,
    ...                     Capability.SYMMETRIC}))
    >>> report.failed
    {}

Shipped (like LangGraph's ``langgraph-checkpoint-conformance``) so that a third-party embedder
or bridge can run it too: ``await run_embedder_conformance(make_embedder, capabilities)``, or
one check at a time from a test (``CHECKS[name](make_embedder, capabilities)``, as
``tests/conformance/test_embedder.py`` does).

What every embedder must do (the engine relies on each point):

* ``dims``: ``await ensure_dims()`` equals ``dims``, and every vector has that length.
* unit length: entity resolution and fusion compare raw dot products with fixed thresholds.
* order: ``embed_documents(texts)[i]`` is the vector of ``texts[i]``, whatever the batch.
* an empty batch gives ``[]``; a bare ``str`` or a non-str item is an ``InvalidInputError``.
* ``close()`` twice is safe.

What differs by model and is declared as a :class:`Capability`: whether an over-long text is
truncated to the model's window or refused, whether ``""`` gets a vector or is refused, and
whether a query and a document of the same text get the same vector. A refusal must be a typed
:class:`~memory_core.errors.MemoryCoreError` (``EmbeddingError`` / ``InvalidInputError``)
that says what to do — never a raw exception, a zero vector or ``NaN``.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from memory_core.embeddings.base import Embedder
from memory_core.errors import InvalidInputError, MemoryCoreError

#: Builds a fresh embedder for one check (called inside the check's event loop, because
#: some embedders bind their clients to the loop that first uses them).
Factory = Callable[[], Embedder]
Check = Callable[[Factory, Collection["Capability"]], Awaitable[None]]

TEXTS = (
    "Alice moved to Lisbon last spring.",
    "Bob is allergic to peanuts",
    "The quarterly report is due on Friday.",
    "Café crème, naïve résumé — 東京 and emoji 🎉",
)
#: Far beyond any embedding model's input window (MiniLM: 256 tokens; OpenAI's: 8,191).
LONG_TEXT = " ".join(["memory"] * 20_000)
UNIT_TOLERANCE = 1e-3


class Capability(StrEnum):
    """What an embedder may or may not do; a check expects the declared behaviour."""

    #: An over-long text is truncated to the model's window (else: a typed error).
    TRUNCATES_LONG_INPUT = "truncates_long_input"
    #: ``""`` gets a vector (else: a typed error).
    EMBEDS_EMPTY_TEXT = "embeds_empty_text"
    #: ``embed_query(t)`` equals ``embed_documents([t])[0]`` (false for asymmetric models).
    SYMMETRIC = "symmetric"


class ConformanceError(AssertionError):
    """A broken promise of the embedder protocol."""


@dataclass
class Report:
    """Which checks passed and why the others failed."""

    passed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


async def run_embedder_conformance(
    factory: Factory, capabilities: Collection[Capability] = ()
) -> Report:
    """Run every check on fresh embedders from ``factory``; never raises for a failed check."""
    report = Report()
    for name, check in CHECKS.items():
        try:
            await check(factory, capabilities)
        except ConformanceError as exc:
            report.failed[name] = str(exc)
        else:
            report.passed.append(name)
    return report


# --- the checks --------------------------------------------------------------------------


async def check_dims(factory: Factory, capabilities: Collection[Capability]) -> None:
    """``ensure_dims()`` equals ``dims`` and every vector (documents, query) has that length."""
    async with _Open(factory) as embedder:
        dims = await embedder.ensure_dims()
        _expect(isinstance(dims, int) and dims > 0, f"ensure_dims() gave {dims!r}")
        vectors = await embedder.embed_documents(list(TEXTS))
        vectors.append(await embedder.embed_query(TEXTS[0]))
        _expect(embedder.dims == dims, f"dims is {embedder.dims}, ensure_dims() said {dims}")
        lengths = {len(v) for v in vectors}
        _expect(lengths == {dims}, f"vector lengths {sorted(lengths)}, dims {dims}")


async def check_unit_length(factory: Factory, capabilities: Collection[Capability]) -> None:
    """Every vector is unit length (within 1e-3), queries included."""
    async with _Open(factory) as embedder:
        vectors = await embedder.embed_documents(list(TEXTS))
        vectors.append(await embedder.embed_query(TEXTS[1]))
        for text, vector in zip((*TEXTS, TEXTS[1]), vectors, strict=True):
            _expect_unit(vector, f"the vector of {text!r}")


async def check_order(factory: Factory, capabilities: Collection[Capability]) -> None:
    """A batch's vectors are in the texts' order, equal to embedding each text alone."""
    async with _Open(factory) as embedder:
        batch = await embedder.embed_documents(list(TEXTS))
        backwards = await embedder.embed_documents(list(reversed(TEXTS)))
        for i, text in enumerate(TEXTS):
            [alone] = await embedder.embed_documents([text])
            _expect(_cosine(batch[i], alone) > 0.999, f"batch position {i} is not {text!r}")
            _expect(_cosine(backwards[-1 - i], alone) > 0.999, f"reversed batch lost {text!r}")
        _expect(_cosine(batch[0], batch[1]) < 0.999, "different texts gave the same vector")


async def check_empty_batch(factory: Factory, capabilities: Collection[Capability]) -> None:
    """``embed_documents([])`` is ``[]`` (no request, no error)."""
    async with _Open(factory) as embedder:
        result = await embedder.embed_documents([])
        _expect(result == [], f"an empty batch gave {result!r}")


async def check_bad_input(factory: Factory, capabilities: Collection[Capability]) -> None:
    """A bare ``str`` (not a list of texts) and a non-str item raise ``InvalidInputError``."""
    async with _Open(factory) as embedder:
        for bad in ("a bare string", ["fine", 42]):
            try:
                await embedder.embed_documents(bad)  # type: ignore[arg-type]
            except InvalidInputError:
                continue
            except Exception as exc:
                raise ConformanceError(
                    f"{bad!r} raised {type(exc).__name__}, not InvalidInputError"
                ) from exc
            raise ConformanceError(f"embed_documents({bad!r}) was accepted")


async def check_empty_text(factory: Factory, capabilities: Collection[Capability]) -> None:
    """``""`` gets a unit vector (``EMBEDS_EMPTY_TEXT``) or a typed error, never a zero or
    ``NaN`` vector."""
    await _accepted_or_refused([""], Capability.EMBEDS_EMPTY_TEXT, factory, capabilities)


async def check_long_input(factory: Factory, capabilities: Collection[Capability]) -> None:
    """An over-long text is truncated to a unit vector (``TRUNCATES_LONG_INPUT``) or refused
    with a typed error — and the texts batched with it are not lost either way."""
    await _accepted_or_refused(
        [TEXTS[0], LONG_TEXT], Capability.TRUNCATES_LONG_INPUT, factory, capabilities
    )


async def check_query(factory: Factory, capabilities: Collection[Capability]) -> None:
    """``embed_query`` gives a unit vector near its text's document vector (equal to it for a
    ``SYMMETRIC`` model)."""
    async with _Open(factory) as embedder:
        query = await embedder.embed_query(TEXTS[2])
        [document] = await embedder.embed_documents([TEXTS[2]])
        other = await embedder.embed_query(TEXTS[1])
        _expect_unit(query, "a query vector")
        if Capability.SYMMETRIC in capabilities:
            _expect(_cosine(query, document) > 0.999, "query and document vectors differ")
        _expect(
            _cosine(query, document) > _cosine(other, document),
            "a query is closer to another text than to its own",
        )


async def check_close_twice(factory: Factory, capabilities: Collection[Capability]) -> None:
    """``close()`` after use, then again, raises nothing."""
    embedder = factory()
    await embedder.embed_documents([TEXTS[0]])
    await embedder.close()
    try:
        await embedder.close()
    except Exception as exc:
        raise ConformanceError(f"a second close() raised {type(exc).__name__}: {exc}") from exc


CHECKS: dict[str, Check] = {
    "dims": check_dims,
    "unit_length": check_unit_length,
    "order": check_order,
    "empty_batch": check_empty_batch,
    "bad_input": check_bad_input,
    "empty_text": check_empty_text,
    "long_input": check_long_input,
    "query": check_query,
    "close_twice": check_close_twice,
}


# --- helpers -----------------------------------------------------------------------------


class _Open:
    """A fresh embedder for one check, closed at the end whatever happens."""

    def __init__(self, factory: Factory) -> None:
        self.embedder = factory()

    async def __aenter__(self) -> Embedder:
        return self.embedder

    async def __aexit__(self, *exc: object) -> None:
        await self.embedder.close()


async def _accepted_or_refused(
    texts: list[str], capability: Capability, factory: Factory, capabilities: Collection[Capability]
) -> None:
    async with _Open(factory) as embedder:
        what = f"{capability.value} input"
        try:
            vectors = await embedder.embed_documents(texts)
        except MemoryCoreError as exc:
            _expect(capability not in capabilities, f"{what} was refused: {exc}")
            _expect(bool(str(exc).strip()), f"{what} was refused without a message")
            return
        except Exception as exc:
            raise ConformanceError(f"{what} raised an untyped {type(exc).__name__}: {exc}") from exc
        _expect(
            capability in capabilities,
            f"{what} was accepted, yet {capability.value} is not declared",
        )
        _expect(len(vectors) == len(texts), f"{len(texts)} texts gave {len(vectors)} vectors")
        for vector in vectors:
            _expect_unit(vector, f"the vector of {what}")
            _expect(len(vector) == embedder.dims, f"{what} gave a {len(vector)}-d vector")


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ConformanceError(message)


def _expect_unit(vector: Sequence[float], what: str) -> None:
    norm = math.sqrt(sum(x * x for x in vector))
    _expect(
        math.isfinite(norm) and abs(norm - 1.0) <= UNIT_TOLERANCE,
        f"{what} has norm {norm:.4f}, not 1",
    )


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms else 0.0


__all__ = [
    "CHECKS",
    "Capability",
    "ConformanceError",
    "Factory",
    "Report",
    "run_embedder_conformance",
]
