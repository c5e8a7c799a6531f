"""The LOCOMO benchmark file (``locomo10.json``): sessions, turns and evidence ids.

    >>> sample = {"sample_id": "conv-1", "conversation": {
    ...     "speaker_a": "Ann", "speaker_b": "Bo",
    ...     "session_2_date_time": "9:05 am on 2 June, 2023",
    ...     "session_2": [{"speaker": "Bo", "dia_id": "D2:1", "text": "Look!",
    ...                    "blip_caption": "a photo of a cat"}],
    ...     "session_1_date_time": "1:56 pm on 8 May, 2023",
    ...     "session_1": [{"speaker": "Ann", "dia_id": "D1:1", "text": "Hi Bo"}]}}
    >>> for sample_id, session_no, when, turns in iter_sessions([sample]):
    ...     print(sample_id, session_no, when.isoformat(), [t.memory_text for t in turns])
    conv-1 1 2023-05-08T13:56:00+00:00 ['Hi Bo']
    conv-1 2 2023-06-02T09:05:00+00:00 ['Look! [image: a photo of a cat]']
    >>> normalize_evidence(["D8:6; D9:17", "D:11:26", "D30:05", "D"])
    ['D8:6', 'D9:17', 'D11:26', 'D30:5']

The file (CC BY-NC 4.0, Maharana et al., ACL 2024) is a list of samples, each with a
``sample_id`` and a ``conversation`` holding ``session_N`` turn lists and their
``session_N_date_time`` strings. Sessions come out in numeric order; date keys without a
session (``conv-26`` has sixteen) are skipped. Session times carry no time zone; they are
read as UTC so that the same file always gives the same timestamps. Read the file from
wherever it lives (e.g. ``../shared/data/locomo10.json``); never copy it into the package.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from memory_core.errors import InvalidInputError

_SESSION_KEY = re.compile(r"session_(\d+)")
_DATE_TIME = re.compile(
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm>[ap])\.?m\.?\s+on\s+(?P<day>\d{1,2})\s+"
    r"(?P<month>[A-Za-z]+),?\s+(?P<year>\d{4})",
    re.IGNORECASE,
)
_MONTH_NAMES = (
    "january jan|february feb|march mar|april apr|may|june jun|july jul|august aug"
    "|september sep sept|october oct|november nov|december dec"
)
_MONTHS = {
    name: number
    for number, names in enumerate(_MONTH_NAMES.split("|"), start=1)
    for name in names.split()
}
_EVIDENCE = re.compile(r"D\s*:?\s*(\d+)\s*:\s*(\d+)")


@dataclass(frozen=True, slots=True)
class LocomoTurn:
    """One utterance. ``blip_caption`` is set on image turns (the image's description)."""

    speaker: str
    dia_id: str
    text: str
    blip_caption: str | None = None

    @property
    def memory_text(self) -> str:
        """The text to remember: the utterance, plus ``[image: caption]`` on image turns."""
        if not self.blip_caption:
            return self.text
        caption = f"[image: {self.blip_caption}]"
        return f"{self.text} {caption}" if self.text.strip() else caption

    def message(self) -> dict[str, str]:
        """An OpenAI-style message for ``add()``: the speaker becomes the ``actor_id``.

        >>> LocomoTurn("Ann", "D1:1", "Hi").message()
        {'role': 'user', 'content': 'Hi', 'name': 'Ann'}
        """
        return {"role": "user", "content": self.memory_text, "name": self.speaker}

    def metadata(self, sample_id: str, session_no: int) -> dict[str, Any]:
        """Where the turn came from, kept as the memory's metadata.

        >>> LocomoTurn("Ann", "D1:3", "Hi").metadata("conv-26", 1)
        {'dia_id': 'D1:3', 'session': 1, 'sample_id': 'conv-26'}
        """
        return {"dia_id": self.dia_id, "session": session_no, "sample_id": sample_id}


class LocomoSession(NamedTuple):
    """One session of one conversation; unpacks as ``(sample_id, session_no, when, turns)``."""

    sample_id: str
    session_no: int
    session_datetime: datetime
    turns: list[LocomoTurn]


def load_locomo(path: str | Path) -> list[dict[str, Any]]:
    """The samples of a ``locomo10.json`` file (a JSON list of objects)."""
    with open(path, encoding="utf-8") as handle:
        try:
            data = json.load(handle)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"{path} is not a LOCOMO file: invalid JSON ({exc}).") from exc
    if not isinstance(data, list) or not all(isinstance(s, dict) for s in data):
        raise InvalidInputError(
            f"{path} is not a LOCOMO file: expected a JSON list of samples, each an object "
            "with 'sample_id' and 'conversation' (like locomo10.json)."
        )
    return data


def iter_sessions(
    samples: Iterable[Mapping[str, Any]], *, limit_conversations: int | None = None
) -> Iterator[LocomoSession]:
    """Every session of every sample, sessions in numeric order; at most
    ``limit_conversations`` samples when given."""
    for index, sample in enumerate(samples):
        if limit_conversations is not None and index >= limit_conversations:
            return
        sample_id = sample.get("sample_id")
        conversation = sample.get("conversation")
        if not isinstance(sample_id, str) or not sample_id or not isinstance(conversation, dict):
            raise InvalidInputError(
                f"LOCOMO sample {index} needs a non-empty 'sample_id' and a 'conversation' object."
            )
        numbers = sorted(
            int(match.group(1))
            for key in conversation
            if (match := _SESSION_KEY.fullmatch(key)) and isinstance(conversation[key], list)
        )
        for number in numbers:
            stamp = conversation.get(f"session_{number}_date_time")
            if not isinstance(stamp, str):
                raise InvalidInputError(
                    f"LOCOMO {sample_id}: session_{number} has no session_{number}_date_time."
                )
            where = f"{sample_id} session_{number}"
            turns = [_turn(raw, where) for raw in conversation[f"session_{number}"]]
            yield LocomoSession(sample_id, number, parse_session_datetime(stamp), turns)


def parse_session_datetime(value: str) -> datetime:
    """Parse LOCOMO's ``"1:56 pm on 8 May, 2023"`` (locale-independent), as UTC.

    >>> parse_session_datetime("12:09 am on 13 September, 2023").isoformat()
    '2023-09-13T00:09:00+00:00'
    """
    match = _DATE_TIME.fullmatch(value.strip())
    month = _MONTHS.get(match.group("month").lower()) if match else None
    if match is None or month is None:
        raise InvalidInputError(
            f"Cannot read the LOCOMO session time {value!r}; "
            "expected e.g. '1:56 pm on 8 May, 2023'."
        )
    hour = int(match.group("hour"))
    if not 1 <= hour <= 12:
        raise InvalidInputError(f"LOCOMO session time {value!r} has hour {hour}; expected 1–12.")
    hour = hour % 12 + (12 if match.group("ampm").lower() == "p" else 0)
    try:
        return datetime(
            int(match.group("year")), month, int(match.group("day")), hour,
            int(match.group("minute")), tzinfo=UTC,
        )  # fmt: skip
    except ValueError as exc:
        raise InvalidInputError(f"LOCOMO session time {value!r} is not a real date: {exc}") from exc


def normalize_evidence(evidence: str | Sequence[str]) -> list[str]:
    """Clean ``D<session>:<turn>`` ids from LOCOMO's evidence strings, in order, unique.

    Handles the file's malformed entries: several ids in one string (``"D8:6; D9:17"``,
    ``"D9:1 D4:4"``), a stray colon (``"D:11:26"``), zero padding (``"D30:05"``); fragments
    that hold no id (``"D"``) are dropped.

    >>> normalize_evidence("D9:1 D4:4 D9:1")
    ['D9:1', 'D4:4']
    """
    parts = [evidence] if isinstance(evidence, str) else evidence
    seen: dict[str, None] = {}
    for part in parts:
        for session, turn in _EVIDENCE.findall(part):
            seen.setdefault(f"D{int(session)}:{int(turn)}", None)
    return list(seen)


def _turn(raw: Any, where: str) -> LocomoTurn:
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"LOCOMO {where}: a turn is a {type(raw).__name__}, not an object.")
    speaker, dia_id, text = raw.get("speaker"), raw.get("dia_id"), raw.get("text", "")
    caption = raw.get("blip_caption")
    if not isinstance(speaker, str) or not speaker.strip() or not isinstance(dia_id, str):
        raise InvalidInputError(f"LOCOMO {where}: every turn needs 'speaker' and 'dia_id'.")
    if not isinstance(text, str) or (caption is not None and not isinstance(caption, str)):
        raise InvalidInputError(f"LOCOMO {where} {dia_id}: 'text' and 'blip_caption' are strings.")
    return LocomoTurn(speaker.strip(), dia_id, text, caption or None)
