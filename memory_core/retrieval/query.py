"""Query-side signals that become candidate lists for fusion.

    >>> payloads = {"m1": {"actor_id": "Ann"}, "m2": {"actor_id": "Bo"}, "m3": {}}
    >>> speaker_list("What did Ann's sister paint?", payloads)
    [('m1', 1.0)]
    >>> speaker_list("what did annie paint?", payloads)
    []

Many questions about a conversation name who they are about ("When did Caroline go to the
support group?"). The speaker list holds the candidates said by an actor the query names,
so fusion lifts them by the list's weight. It only re-orders candidates the other lists
found (it adds none), and costs one pass over their actor ids: no store call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any


def speaker_list(query: str, payloads: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, float]]:
    """The candidates whose ``actor_id`` appears in ``query`` as a whole word (any case),
    each scored 1.0, ordered by id."""
    actors = {p.get("actor_id") for p in payloads.values()}
    named = {a for a in actors if isinstance(a, str) and a and _pattern(a).search(query)}
    if not named:
        return []
    return sorted((doc, 1.0) for doc, p in payloads.items() if p.get("actor_id") in named)


@lru_cache(maxsize=4096)
def _pattern(actor_id: str) -> re.Pattern[str]:
    # \b fails next to non-word characters at the edges of ids like "@ann"; lookarounds don't.
    return re.compile(rf"(?<!\w){re.escape(actor_id)}(?!\w)", re.IGNORECASE)
