"""Mem0's own config keys, in a section of a Mem0 config: mapped to ours, or refused with the
key to use instead.

    >>> translate("llm", {"openai_base_url": "http://127.0.0.1:8000/v1", "model": "m"})
    {'model': 'm', 'base_url': 'http://127.0.0.1:8000/v1'}
    >>> translate("vector_store", {"host": "localhost", "port": 6333})
    {'url': 'http://localhost:6333'}

A Mem0 config (``{"llm": {"provider": "openai", "config": {...}}, ...}``) then loads as it is
where memory-core has the same thing under another name, and fails naming our key where it
has no equivalent, instead of a bare "extra fields not permitted".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Mem0's ``*_base_url`` keys: each an OpenAI-compatible endpoint to memory-core.
_BASE_URLS = (
    "openai_base_url", "vllm_base_url", "lmstudio_base_url", "deepseek_base_url",
    "xai_base_url", "openrouter_base_url", "huggingface_base_url", "together_base_url",
)  # fmt: skip
#: Providers Mem0 names that memory-core reaches through its OpenAI-compatible client.
_OPENAI_COMPATIBLE = {"ollama", "vllm", "lmstudio", "deepseek", "xai", "openrouter", "together",
                      "groq", "huggingface"}  # fmt: skip

#: Keys we cannot map, with what to do instead (by section).
_REFUSED: dict[str, dict[str, str]] = {
    "llm": {
        "top_p": "leave it out (memory-core sends temperature only)",
        "top_k": "leave it out (memory-core sends temperature only)",
        "enable_vision": "set inference.enable_vision=True instead",
        "vision_details": "leave it out (images are described at the endpoint's default)",
        "http_client_proxies": "set the HTTPS_PROXY environment variable instead",
        "azure_kwargs": "use provider 'azure_openai' with base_url, api_key and api_version",
        "models": "pass one model as model=",
        "route": "pass one model as model=",
    },
    "embedder": {
        "model_kwargs": "leave it out (the local model takes none; use threads / batch_size)",
        "azure_kwargs": "use provider 'openai' with base_url and api_key of the deployment",
        "vertex_credentials_json": "use an OpenAI-compatible endpoint as base_url",
        "http_client_proxies": "set the HTTPS_PROXY environment variable instead",
        "memory_add_embedding_type": "leave it out (memory-core embeds documents and queries "
        "each their way)",
    },
    "vector_store": {
        "embedding_model_dims": "set embedder.dims (the store takes its size from the embedder)",
        "client": "pass url= and api_key= (or MemoryConfig(vector_store=...) in code)",
        "on_disk": "leave it out (the embedded store keeps vectors on disk already)",
    },
}


def translate(section: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with Mem0's keys renamed to ours; a ValueError names any we cannot take."""
    out = dict(data)
    for key, fix in _REFUSED.get(section, {}).items():
        if key in out:
            raise ValueError(f"{section}.{key} is Mem0's setting; memory-core has none: {fix}.")
    if section in ("llm", "embedder"):
        _endpoint(out)
    if section == "embedder" and "embedding_dims" in out:
        out.setdefault("dims", out.pop("embedding_dims"))
    if section == "vector_store":
        if "collection_name" in out:
            out.setdefault("collection", out.pop("collection_name"))
        if "host" in out or "port" in out:
            host, port = out.pop("host", "localhost"), out.pop("port", 6333)
            out.setdefault("url", f"http://{host}:{port}")
    return out


def _endpoint(out: dict[str, Any]) -> None:
    """Mem0's per-provider base URLs and providers -> our one OpenAI-compatible endpoint."""
    for key in _BASE_URLS:
        if key in out:
            out.setdefault("base_url", out.pop(key))
    if "ollama_base_url" in out:  # Ollama serves the OpenAI API under /v1
        out.setdefault("base_url", str(out.pop("ollama_base_url")).rstrip("/") + "/v1")
    if out.get("provider") in _OPENAI_COMPATIBLE:
        if not out.get("base_url"):
            raise ValueError(
                f"provider {out['provider']!r} is reached through its OpenAI-compatible API: "
                "use provider 'openai' with base_url= (e.g. http://localhost:11434/v1 for "
                "Ollama)."
            )
        out["provider"] = "openai"
