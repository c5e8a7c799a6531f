"""Two-call mode, first call: facts only (for weak models); the second call reconciles them
with :mod:`~memory_core.prompts.memory_manager`'s prompt, the facts standing in for the
messages.

    >>> Facts.model_validate({"facts": ["Alice lives in Rome"]}).facts
    ['Alice lives in Rome']
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

SYSTEM = """\
You extract durable facts from a conversation for an AI assistant's long-term memory. \
Today is {today}. Keep preferences, personal details, plans, relationships, decisions and \
constraints; skip greetings and small talk. Write each fact as one short, self-contained \
sentence naming people instead of using pronouns. Return an empty list if there is nothing \
worth remembering.
{custom_instructions}"""

USER = """\
MESSAGES:
{messages}"""


class Facts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: list[str]
