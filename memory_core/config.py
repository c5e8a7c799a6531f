"""Configuration: one pydantic model, from code, a dict (Mem0's shape works) or env vars.

    >>> from memory_core.config import MemoryConfig
    >>> cfg = MemoryConfig(
    ...     home="/tmp/mc-doc",
    ...     vector_store={"provider": "qdrant", "config": {"location": ":memory:"}},
    ... )
    >>> cfg.vector_store.provider, cfg.vector_store.location
    ('qdrant', ':memory:')

Env vars use the prefix ``MEMORY_CORE_`` and ``__`` for nesting:
``MEMORY_CORE_HOME``, ``MEMORY_CORE_MAX_TEXT_LENGTH``, ``MEMORY_CORE_VECTOR_STORE__PROVIDER``,
``MEMORY_CORE_VECTOR_STORE__URL``, ``MEMORY_CORE_GRAPH_STORE__URL``,
``MEMORY_CORE_EMBEDDER__PROVIDER``,
``MEMORY_CORE_EMBEDDER__MODEL_DIR``…
Arguments given in code win over env vars.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from memory_core import mem0_keys


def _default_home() -> Path:
    return Path("~/.memory-core").expanduser()


class _Section(BaseModel):
    """A config section; accepts Mem0's ``{"provider": ..., "config": {...}}`` nesting too."""

    model_config = ConfigDict(extra="forbid")

    #: The section's name in a Mem0 config, whose own keys are mapped (see mem0_keys).
    _mem0_section: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _flatten_mem0_shape(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("config"), dict):
            data = {**{k: v for k, v in data.items() if k != "config"}, **data["config"]}
        if isinstance(data, dict) and cls._mem0_section:
            data = mem0_keys.translate(cls._mem0_section, data)
        return data


class VectorStoreConfig(_Section):
    """Where vectors live. ``qdrant_edge`` is embedded under ``home``; ``qdrant`` is a server
    (``url`` + ``api_key``) or qdrant-client's local mode (``location=":memory:"`` or ``path``)."""

    _mem0_section: ClassVar[str] = "vector_store"
    provider: Literal["qdrant_edge", "qdrant"] = "qdrant_edge"
    collection: str = Field(default="memories", pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    path: Path | None = None
    url: str | None = None
    api_key: SecretStr | None = None
    location: str | None = None
    timeout: float = 30.0
    hnsw_ef: int | None = None


class GraphStoreConfig(_Section):
    """Where entities and relations live. ``sqlite`` is embedded under ``home``; ``neo4j`` is
    any Bolt server (Neo4j 5, Memgraph, FalkorDB) at ``url``; ``none`` turns the graph off.

    Relations come from the LLM memory manager (``add(infer=True)``); without an LLM the
    graph stays empty and costs nothing."""

    provider: Literal["sqlite", "neo4j", "none"] = "sqlite"
    path: Path | None = None
    url: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    database: str | None = None
    #: Seconds to wait for the server before a write or search goes on without the graph.
    timeout: float = Field(default=5.0, gt=0)
    #: Cosine similarity of two names' embeddings at or above which they are one entity
    #: ("NYC" and "New York City": 0.92 with the local model; "Alice" and "Bob": 0.50).
    entity_threshold: float = Field(default=0.88, ge=0.0, le=1.0)
    #: Longer entity names are refused (the relation is reported under ``rejected``).
    max_name_length: int = Field(default=200, gt=0, le=1000)

    @model_validator(mode="after")
    def _needs_url(self) -> GraphStoreConfig:
        if self.provider == "neo4j" and not self.url:
            raise ValueError(
                "graph_store provider 'neo4j' needs url= (e.g. bolt://localhost:7687), and "
                "username= / password= if the server asks for them."
            )
        return self


class EmbedderConfig(_Section):
    """``local``: all-MiniLM-L6-v2 int8 ONNX through fastembed, offline. ``openai``: any
    OpenAI-compatible ``/v1/embeddings`` endpoint."""

    _mem0_section: ClassVar[str] = "embedder"
    provider: Literal["local", "openai"] = "local"
    model: str | None = None
    model_dir: Path | None = None
    base_url: str | None = None
    api_key: SecretStr | None = None
    dims: int | None = Field(default=None, gt=0)
    batch_size: int = Field(default=32, gt=0)
    threads: int | None = Field(default=None, gt=0)
    timeout: float = 60.0


class LLMConfig(_Section):
    """The memory manager's model: any OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI,
    Ollama, vLLM, llama.cpp's server). Unset means no LLM: messages are stored verbatim."""

    _mem0_section: ClassVar[str] = "llm"
    provider: Literal["openai", "azure_openai"] = "openai"
    model: str = "gpt-4.1-mini"
    base_url: str | None = None
    api_key: SecretStr | None = None
    api_version: str | None = None
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, gt=0)
    timeout: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=3, ge=0)
    #: ``json_schema``: strict structured output; ``json_object``: JSON mode + validation;
    #: ``auto``: try ``json_schema``, fall back to ``json_object`` if the endpoint refuses it.
    response_format: Literal["auto", "json_schema", "json_object"] = "auto"


class InferenceConfig(_Section):
    """How ``add(infer=True)`` uses the LLM."""

    #: ``single``: one call extracts and reconciles; ``two_call``: extract, then reconcile
    #: (for weak models).
    mode: Literal["single", "two_call"] = "single"
    custom_instructions: str | None = None
    #: Prompt overrides by name: ``memory_manager.system``, ``memory_manager.user``,
    #: ``extraction.system``, ``extraction.user``, ``procedural.system``, ``procedural.user``,
    #: ``vision.system``.
    prompts: dict[str, str] = Field(default_factory=dict)
    max_candidates: int = Field(default=20, gt=0, le=200)
    #: Ask the LLM for the relations between the entities it names (for the graph). Off
    #: saves their schema and instructions on every call.
    extract_relations: bool = True
    #: What ``add`` does when the LLM fails after its retries: raise ``LLMError``, or store
    #: the messages verbatim and say so in the result.
    on_llm_error: Literal["raise", "store_verbatim"] = "raise"
    #: Describe images through the LLM; off: an image is kept as a placeholder.
    enable_vision: bool = False


class SearchConfig(_Section):
    """Hybrid retrieval. See :mod:`memory_core.retrieval.fusion` for what each knob does."""

    #: Which candidate lists are fused: ``hybrid`` (dense + BM25), or one alone (to compare).
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    fusion: Literal["weighted", "dbsf", "rrf"] = "weighted"
    #: BM25 gets ``1 - dense_weight``. 0.3: on LOCOMO, with neighbours in the BM25 text, the
    #: lexical list is the stronger one (0.5 was best when each list indexed the turn alone).
    dense_weight: float = Field(default=0.3, ge=0.0, le=1.0)
    candidates: int = Field(default=50, gt=0, le=1000)
    rrf_k: int = Field(default=60, gt=0)
    threshold: float | None = None
    #: Weight of the graph's candidate list (memories linked to the 1-hop neighbourhood of
    #: the entities a query names), beside dense and BM25 whose weights sum to 1.
    graph_weight: float = Field(default=0.3, ge=0.0, le=1.0)
    #: Weight of the speaker list: candidates said by an actor the query names ("What did
    #: Ann say about…") are lifted by this much (0 turns it off). See retrieval.query.
    speaker_weight: float = Field(default=0.3, ge=0.0, le=1.0)


class IndexConfig(_Section):
    """What is embedded and BM25-encoded for a verbatim message (the stored memory stays the
    message itself). See :mod:`memory_core.pipeline.context`."""

    #: Neighbouring messages of the same ``add()`` call indexed with each message.
    context_before: int = Field(default=2, ge=0, le=10)
    context_after: int = Field(default=2, ge=0, le=10)
    #: Which vectors the neighbours go into: ``bm25`` only (the dense vector is the message
    #: alone), or ``both``.
    context_for: Literal["bm25", "both"] = "bm25"
    #: Put the message's ``valid_from`` date, in words, in front of the indexed text.
    date_in_text: bool = True


class MemoryConfig(BaseSettings):
    """Everything the engine needs. Zero config runs fully in-process under ``home``."""

    model_config = SettingsConfigDict(
        env_prefix="MEMORY_CORE_", env_nested_delimiter="__", extra="forbid"
    )

    home: Path = Field(default_factory=_default_home)
    vector_store: VectorStoreConfig = Field(default_factory=VectorStoreConfig)
    graph_store: GraphStoreConfig = Field(default_factory=GraphStoreConfig)
    embedder: EmbedderConfig = Field(default_factory=EmbedderConfig)
    search: SearchConfig = Field(default_factory=SearchConfig)
    index: IndexConfig = Field(default_factory=IndexConfig)
    llm: LLMConfig | None = None
    inference: InferenceConfig = Field(default_factory=InferenceConfig)
    history_db_path: Path | None = None
    max_text_length: int = Field(default=20_000, gt=0)

    @property
    def resolved_history_path(self) -> Path:
        return self.history_db_path or self.home.expanduser() / "history.sqlite3"
