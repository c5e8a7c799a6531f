"""The memory manager: ONE call turns new messages into operations on existing memories.

    >>> from memory_core.prompts.memory_manager import MemoryOperations
    >>> ops = MemoryOperations.model_validate({"operations": [
    ...     {"event": "UPDATE", "id": 0, "text": "Lives in Rome", "valid_from": None,
    ...      "valid_until": None, "entities": ["Rome"]}], "relations": []})
    >>> ops.operations[0].event
    'UPDATE'

Existing memories are shown under small integer ids (0, 1, 2…), never their real ids; the
engine maps them back and rejects any id it did not show.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

SYSTEM = """\
You manage an AI assistant's long-term memory. Today is {today}.
Extract from the NEW MESSAGES the facts worth remembering across conversations \
(preferences, personal details, plans, relationships, decisions, constraints); skip small \
talk. One short self-contained sentence per fact, in the messages' language, naming people \
instead of using pronouns. Reconcile each fact with the EXISTING MEMORIES ([id] text):
- ADD: a new fact; "id" null.
- UPDATE: changes or refines memory "id"; "text" is the full new fact.
- DELETE: memory "id" is no longer true and nothing replaces it.
- NONE: memory "id" is confirmed or repeated.
Use only the ids shown; never invent one. No facts, no operations. "valid_from" / \
"valid_until": ISO-8601 dates only when the messages say when a fact starts or stops, else \
null. "entities": the people, places, organisations and things a fact names.{relations}
{custom_instructions}"""

#: Appended to ``SYSTEM`` (as ``{relations}``) when relations are extracted.
RELATIONS = """ "relations": \
(source, relationship, destination) triples between entities, relationship in snake_case."""

USER = """\
EXISTING MEMORIES:
{memories}

NEW MESSAGES:
{messages}"""


class Operation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # No field descriptions: the prompt explains every field, and the schema is sent (and
    # billed) with every call.
    event: Literal["ADD", "UPDATE", "DELETE", "NONE"]
    id: int | None
    text: str | None
    valid_from: str | None
    valid_until: str | None
    entities: list[str]


class Relation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    relationship: str
    destination: str


# The reply models carry no docstrings or descriptions: pydantic would send them inside the
# schema, which goes (and is billed) with every call, and the prompt already explains them.


# The reply when relations are not asked for (inference.extract_relations=False). A model that
# adds relations anyway (JSON mode has no schema to hold it) is not failed for it: they are
# ignored. The schema sent stays strict: additionalProperties is false on every object.
class FactOperations(BaseModel):
    model_config = ConfigDict(extra="ignore")

    operations: list[Operation]


# The reply with the relations between the entities named (for the graph).
class MemoryOperations(FactOperations):
    model_config = ConfigDict(extra="forbid")

    relations: list[Relation]
