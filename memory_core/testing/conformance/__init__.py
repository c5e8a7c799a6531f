"""Conformance suites shipped with memory-core, so third-party backends and bridges can run
them (as LangGraph ships ``langgraph-checkpoint-conformance``).

:mod:`memory_core.testing.conformance.embedder`: the embedder protocol.
"""
