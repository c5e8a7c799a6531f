"""Vision: an image in a message becomes a short text description, so it can be remembered.

>>> "{custom_instructions}" in SYSTEM
True
"""

from __future__ import annotations

SYSTEM = """\
Describe this image for an assistant's long-term memory in one to three sentences: who or \
what is in it, any visible text, and anything a person might refer to later. No preamble.
{custom_instructions}"""
