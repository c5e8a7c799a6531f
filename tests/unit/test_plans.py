"""Write plans (memory_core.pipeline.plans): every erase forgets graph relations and purges
the history text, whichever call erases; puts and updates say ADD / UPDATE in history."""

from __future__ import annotations

from memory_core.pipeline.ops import DeleteOp, DeleteScopeOp, GraphForgetOp, UpsertOp
from memory_core.pipeline.plans import plan_erase, plan_erase_scope, plan_put, plan_update
from memory_core.stores.history import Purge
from memory_core.types import MemoryRecord


def _record(rid: str, text: str = "likes tea") -> MemoryRecord:
    return MemoryRecord(id=rid, text=text, hash="h", user_id="u", created_at=0, updated_at=0)


def test_an_erase_forgets_the_graph_and_purges_history() -> None:
    plan = plan_erase([_record("a"), _record("b")], graph=True)
    assert plan.ops == [DeleteOp(("a", "b")), GraphForgetOp(("a", "b"))]
    assert [(r.memory_id, r.event) for r in plan.rows] == [("a", "DELETE"), ("b", "DELETE")]
    assert plan.purges == [Purge(memory_ids=("a", "b"))]
    assert plan_erase([_record("a")], graph=False).ops == [DeleteOp(("a",))]
    assert plan_erase([], graph=True).ops == []


def test_a_put_over_stored_records_updates_and_erases_through_plan_erase() -> None:
    new, changed, gone = _record("n"), _record("c", "likes coffee"), _record("g")
    writes = [UpsertOp(new, new.text), UpsertOp(changed, changed.text)]
    stored = {"c": _record("c"), "g": gone}
    plan = plan_put(writes, stored, delete=["g", "missing", "g"], graph=True)
    assert plan.ops == [*writes, DeleteOp(("g",)), GraphForgetOp(("g",))]
    events = [(r.memory_id, r.event, r.old_memory, r.new_memory) for r in plan.rows]
    assert events == [("n", "ADD", None, "likes tea"), ("c", "UPDATE", "likes tea",
                      "likes coffee"), ("g", "DELETE", None, None)]  # fmt: skip
    assert plan.purges == [Purge(memory_ids=("g",))]


def test_an_update_keeps_the_old_text_in_history_and_the_metadata_unless_given() -> None:
    old = _record("m").model_copy(update={"metadata": {"k": 1}})
    op, plan = plan_update(old, "likes green tea", None, at=5.0)
    new = op.record
    assert (new.text, new.metadata, new.updated_at) == ("likes green tea", {"k": 1}, 5.0)
    [row] = plan.rows
    assert (row.event, row.old_memory, row.new_memory) == ("UPDATE", "likes tea", "likes green tea")
    assert plan_update(old, "x", {"k": 2}, at=5.0)[0].record.metadata == {"k": 2}


def test_a_scope_erase_purges_the_scope_and_reset_drops_the_rows() -> None:
    assert plan_erase_scope({"user_id": "u"}).ops == [DeleteScopeOp({"user_id": "u"})]
    assert plan_erase_scope(None, drop_rows=True).purges == [Purge(scope={}, drop_rows=True)]
