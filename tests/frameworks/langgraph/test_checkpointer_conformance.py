"""MemoryCheckpointer under LangGraph's own checkpointer conformance suite
(``langgraph-checkpoint-conformance``): over InMemorySaver and AsyncSqliteSaver it passes every
capability the bare saver passes, and it declares exactly the capabilities the saver has."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import DetectedCapabilities
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from memory_core_langgraph import MemoryCheckpointer

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder

SaverFactory = Callable[[Path], Any]


def _in_memory(_: Path) -> Any:
    async def make() -> AsyncGenerator[BaseCheckpointSaver[Any], None]:
        yield InMemorySaver()

    return make


def _async_sqlite(directory: Path) -> Any:
    async def make() -> AsyncGenerator[BaseCheckpointSaver[Any], None]:
        path = directory / f"checkpoints-{id(object())}.db"
        async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
            yield saver

    return make


def _wrapped(bare: Any, memory: Memory) -> Any:
    async def make() -> AsyncGenerator[BaseCheckpointSaver[Any], None]:
        async for saver in bare():
            wrapper = MemoryCheckpointer(saver, memory)
            try:
                yield wrapper
            finally:
                await asyncio.to_thread(wrapper.close)

    return make


@pytest.fixture
def memory(fast_tmp: Path, embedder: LocalEmbedder) -> Iterator[Memory]:
    with Memory(MemoryConfig(home=fast_tmp / "home"), embedder=embedder) as engine:
        yield engine


def _summary(report: Any) -> dict[str, tuple[bool, bool | None]]:
    return {name: (result.detected, result.passed) for name, result in report.results.items()}


@pytest.mark.parametrize("bare_saver", [_in_memory, _async_sqlite], ids=["memory", "sqlite"])
async def test_the_wrapper_passes_what_the_bare_saver_passes(
    bare_saver: SaverFactory, memory: Memory, tmp_path: Path
) -> None:
    bare = checkpointer_test(name="bare")(bare_saver(tmp_path))
    wrapped = checkpointer_test(name="wrapped")(_wrapped(bare_saver(tmp_path), memory))
    bare_report, wrapped_report = await validate(bare), await validate(wrapped)
    assert _summary(wrapped_report) == _summary(bare_report)
    failures = {n: r.failures for n, r in wrapped_report.results.items() if r.passed is False}
    assert failures == {}
    assert wrapped_report.passed_all_base()


class _CopyingSaver(InMemorySaver):
    """A saver with one optional capability (copy_thread, sync and async)."""

    def __init__(self) -> None:
        super().__init__()
        self.copied: list[tuple[str, str]] = []

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self.copied.append((source_thread_id, target_thread_id))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self.copy_thread(source_thread_id, target_thread_id)


async def test_optional_operations_exist_exactly_when_the_saver_has_them(memory: Memory) -> None:
    plain = MemoryCheckpointer(InMemorySaver(), memory)
    copying_saver = _CopyingSaver()
    copying = MemoryCheckpointer(copying_saver, memory)
    try:
        for wrapper, saver in ((plain, plain.saver), (copying, copying_saver)):
            assert DetectedCapabilities.from_instance(wrapper) == (
                DetectedCapabilities.from_instance(saver)
            )
        assert isinstance(copying, MemoryCheckpointer)
        copying.copy_thread("a", "b")
        await copying.acopy_thread("c", "d")
        assert copying_saver.copied == [("a", "b"), ("c", "d")]
        with pytest.raises(NotImplementedError):  # as the base class does
            plain.copy_thread("a", "b")
        with pytest.raises(NotImplementedError):
            await plain.aprune(["a"])
        ids: Sequence[str] = ["r1"]
        with pytest.raises(NotImplementedError):
            copying.delete_for_runs(ids)
    finally:
        plain.close()
        copying.close()
