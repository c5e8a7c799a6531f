"""Build the configured LLM.

    >>> from memory_core.config import LLMConfig
    >>> from memory_core.llms.factory import create_llm
    >>> llm = create_llm({"provider": "openai", "config": {"model": "m", "base_url": "http://127.0.0.1:9/v1"}})
    >>> type(llm).__name__, llm.model_name, llm.structured_mode
    ('OpenAILLM', 'm', 'json_schema')

Nothing is contacted until the first call. A config with no LLM (``None``) is the engine's
verbatim mode; it does not come here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from memory_core.config import LLMConfig

if TYPE_CHECKING:
    from memory_core.llms.openai import OpenAILLM


def create_llm(config: LLMConfig | Mapping[str, Any]) -> OpenAILLM:
    """The LLM ``config`` describes: an :class:`LLMConfig`, or a dict of one (Mem0's
    ``{"provider": ..., "config": {...}}`` shape works). Raises
    :class:`~memory_core.errors.ConfigError` when something needed (a key, an Azure
    endpoint or api_version) is missing."""
    if not isinstance(config, LLMConfig):
        config = LLMConfig.model_validate(dict(config))
    from memory_core.llms.openai import OpenAILLM  # lazily: the openai package is heavy

    return OpenAILLM(
        model=config.model,
        base_url=config.base_url,
        api_key=config.api_key.get_secret_value() if config.api_key else None,
        provider=config.provider,
        api_version=config.api_version,
        temperature=config.temperature,
        max_tokens=config.max_tokens,
        timeout=config.timeout,
        max_retries=config.max_retries,
        response_format=config.response_format,
    )
