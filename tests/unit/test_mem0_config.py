"""Mem0 configs load: Mem0's own keys are mapped to ours, or refused naming the key to use."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from memory_core import MemoryConfig

MEM0_CONFIG: dict[str, Any] = {  # as Mem0's docs write one
    "llm": {"provider": "openai", "config": {
        "model": "gpt-4.1-mini", "temperature": 0.1, "max_tokens": 2000,
        "openai_base_url": "http://127.0.0.1:8000/v1", "api_key": "sk-test",
    }},
    "embedder": {"provider": "ollama", "config": {
        "model": "nomic-embed-text", "ollama_base_url": "http://localhost:11434",
        "embedding_dims": 768,
    }},
    "vector_store": {"provider": "qdrant", "config": {
        "collection_name": "mem0", "host": "localhost", "port": 6333,
    }},
}  # fmt: skip


def test_a_mem0_config_loads_with_its_keys_mapped() -> None:
    config = MemoryConfig(**MEM0_CONFIG)
    assert config.llm is not None
    assert (config.llm.base_url, config.llm.model, config.llm.max_tokens) == (
        "http://127.0.0.1:8000/v1",
        "gpt-4.1-mini",
        2000,
    )
    assert config.llm.api_key is not None and config.llm.api_key.get_secret_value() == "sk-test"
    assert (config.embedder.provider, config.embedder.base_url, config.embedder.dims) == (
        "openai",
        "http://localhost:11434/v1",
        768,
    )
    assert (config.vector_store.collection, config.vector_store.url) == (
        "mem0",
        "http://localhost:6333",
    )


@pytest.mark.parametrize(
    ("section", "key", "value", "says"),
    [
        ("llm", "top_p", 0.9, "temperature"),
        ("llm", "enable_vision", True, "inference.enable_vision"),
        ("llm", "azure_kwargs", {}, "azure_openai"),
        ("embedder", "model_kwargs", {}, "threads"),
        ("vector_store", "embedding_model_dims", 1536, "embedder.dims"),
        ("vector_store", "on_disk", True, "on disk"),
    ],
)
def test_keys_without_an_equivalent_name_what_to_use(
    section: str, key: str, value: Any, says: str
) -> None:
    provider = {"llm": "openai", "embedder": "openai", "vector_store": "qdrant"}[section]
    with pytest.raises(ValidationError, match=f"{section}.{key} is Mem0's setting") as caught:
        MemoryConfig(**{section: {"provider": provider, "config": {key: value}}})
    assert says in str(caught.value)


def test_an_openai_compatible_provider_needs_its_url() -> None:
    with pytest.raises(ValidationError, match="base_url"):
        MemoryConfig(llm={"provider": "vllm", "config": {"model": "m"}})
    config = MemoryConfig(llm={"provider": "vllm", "config": {"vllm_base_url": "http://h/v1"}})
    assert config.llm is not None and config.llm.provider == "openai"
