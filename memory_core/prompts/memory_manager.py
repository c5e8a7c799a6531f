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

from pydantic import BaseModel, ConfigDict, Field

SYSTEM = """\
You are the memory manager of an AI assistant. You keep a small set of durable facts about \
the people and agents it talks to. Today is {today}.

From the NEW MESSAGES, extract facts worth remembering across conversations: preferences, \
personal details, plans, relationships, decisions, constraints, and facts about the world \
the speakers state. Skip greetings, small talk and anything only useful in this moment. \
Write each fact as one short, self-contained sentence in the language of the messages; name \
people instead of using pronouns.

Then reconcile every fact with the EXISTING MEMORIES (shown as [id] text):
- ADD: a new fact not covered by any existing memory. Give "text"; "id" is null.
- UPDATE: a fact that changes or refines an existing memory (e.g. a new city, a changed \
preference). Give the existing "id" and the full new "text".
- DELETE: an existing memory that the new messages show is no longer true, with no \
replacement. Give its "id".
- NONE: an existing memory the messages confirm or repeat. Give its "id".
Use only ids shown below. Never invent ids. If nothing is worth remembering, return no \
operations.

For ADD and UPDATE, set "valid_from" / "valid_until" (ISO-8601 dates) only when the \
messages say when the fact starts or stops holding; otherwise null. List the named \
entities (people, places, organisations, things) each fact mentions in "entities", and the \
relations between entities as (source, relationship, destination) triples in snake_case.
{custom_instructions}"""

USER = """\
EXISTING MEMORIES:
{memories}

NEW MESSAGES:
{messages}"""


class Operation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: Literal["ADD", "UPDATE", "DELETE", "NONE"]
    id: int | None = Field(description="Existing memory id for UPDATE, DELETE and NONE.")
    text: str | None = Field(description="The fact, for ADD and UPDATE.")
    valid_from: str | None = Field(description="ISO-8601 date the fact starts to hold.")
    valid_until: str | None = Field(description="ISO-8601 date the fact stops holding.")
    entities: list[str] = Field(description="Named entities the fact mentions.")


class Relation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    relationship: str
    destination: str


class MemoryOperations(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operations: list[Operation]
    relations: list[Relation]
