"""What an ``openai`` client error says, for the messages of our typed errors.

    >>> import httpx, openai
    >>> request = httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions")
    >>> response = httpx.Response(429, request=request, json={"error": {"message": "slow down"}})
    >>> exc = openai.RateLimitError("limited", response=response, body={"message": "slow down"})
    >>> error_status(exc), error_detail(exc)
    ('HTTP 429', 'slow down')

Shared by the OpenAI-compatible LLM and embedder, which both turn every client error into
their own :class:`~memory_core.errors.MemoryCoreError` naming the status and the server's words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import openai


def error_status(exc: openai.OpenAIError) -> str:
    """``HTTP 404``, or the error's class name when no response came back."""
    code = getattr(exc, "status_code", None)
    return f"HTTP {code}" if code is not None else type(exc).__name__


def error_detail(exc: openai.OpenAIError) -> str:
    """The server's own error message if it sent one, else the client's."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
    message = getattr(exc, "message", None)
    return str(message or exc)
