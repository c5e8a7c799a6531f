"""What ``add()`` does: normalize → (extract + reconcile, with an LLM) → plan → journal → apply.

* :mod:`~memory_core.pipeline.normalize` — str / dict / message lists into :class:`Message`.
* :mod:`~memory_core.pipeline.verbatim` — messages stored as they are (no LLM).
* :mod:`~memory_core.pipeline.ops` — the typed write operations the journal records.
* :mod:`~memory_core.pipeline.writer` — journal, apply to the stores, replay after a crash.
"""
