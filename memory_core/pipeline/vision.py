"""Images in messages: described through the LLM when vision is on, else a placeholder.

    >>> from memory_core.pipeline.normalize import normalize_messages
    >>> [m] = normalize_messages([{"role": "user", "content": [
    ...     {"type": "text", "text": "my dog"},
    ...     {"type": "image_url", "image_url": {"url": "https://x/dog.png"}}]}])
    >>> m.content, m.images
    ('my dog\\n[image]', ('https://x/dog.png',))

With ``enable_vision`` each image becomes ``[image: <description>]`` in the message text, one
``text`` call per image; without it the ``[image]`` placeholder stays, saying an image was
there. The descriptions' token usage is added to the ``add`` result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from memory_core.llms.base import LLM, Usage
from memory_core.pipeline.normalize import IMAGE_PLACEHOLDER, Message
from memory_core.prompts import fill, vision


async def describe_images(
    messages: Sequence[Message],
    llm: LLM,
    *,
    prompts: Mapping[str, str],
    custom_instructions: str | None = None,
) -> tuple[list[Message], Usage]:
    """Messages with every image placeholder replaced by the LLM's description."""
    usage = Usage()
    system = fill(
        "vision.system",
        prompts.get("vision.system", vision.SYSTEM),
        {"custom_instructions": custom_instructions or ""},
    )
    described: list[Message] = []
    for message in messages:
        content = message.content
        for url in message.images:
            if not url:
                continue
            reply = await llm.text([
                {"role": "system", "content": system},
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]},
            ])  # fmt: skip
            usage += reply.usage
            content = content.replace(IMAGE_PLACEHOLDER, f"[image: {reply.value.strip()}]", 1)
        described.append(dataclasses.replace(message, content=content))
    return described, usage
