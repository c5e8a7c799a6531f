"""The embedder conformance suite (memory_core.testing.conformance.embedder) over the
LlamaIndex bridges: the engine's real local model lent to LlamaIndex (``EngineEmbedding``) and
taken back as an engine embedder (``LlamaIndexEmbedder``) — both bridges in one round trip.
(LlamaIndex's ``MockEmbedding`` is no candidate: it gives every text the same vector, which the
suite rightly rejects.)"""

from __future__ import annotations

import pytest
from memory_core_llamaindex import EngineEmbedding, LlamaIndexEmbedder

from memory_core import Memory
from memory_core.testing.conformance.embedder import CHECKS, Capability

ALL = frozenset(Capability)


@pytest.mark.parametrize("check", sorted(CHECKS))
async def test_engine_model_through_both_bridges_conforms(
    check: str, engine_memory: Memory
) -> None:
    lent = EngineEmbedding(engine_memory)
    await CHECKS[check](lambda: LlamaIndexEmbedder(lent), ALL)
