"""Input checks shared by the embedders.

>>> from memory_core.embeddings._validate import check_texts
>>> check_texts(("a", "b"))
['a', 'b']
"""

from __future__ import annotations

from collections.abc import Sequence

from memory_core.errors import InvalidInputError


def check_texts(texts: Sequence[str]) -> list[str]:
    """``texts`` as a list, or :class:`InvalidInputError` for a bare str or a non-str item."""
    if isinstance(texts, str):
        raise InvalidInputError(
            "embed_documents() takes a list of texts, got one str; wrap it: [text], "
            "or call embed_query(text)."
        )
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            raise InvalidInputError(
                f"Every text to embed must be a str, got {type(text).__name__}."
            )
    return texts
