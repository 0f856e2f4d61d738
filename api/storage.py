"""Storage wiring: the eventsourcing environment, and idempotency records.

Idempotency records are written by the application recorder in the same transaction
as the command's events, so a request is recorded exactly when its effect is.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import get_topic
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Identifier

from api.config import Config
from domain.application import TicketingApplication

F = TypeVar("F", bound=Callable[..., Any])

IDEMPOTENCY_TABLE = "ticketing_idempotency"
#: Attempts of a read that failed on a lost connection or an unreachable server.
READ_ATTEMPTS = 3
#: Attempts of a write whose connection was lost (each after checking the outcome).
WRITE_ATTEMPTS = 3
SQLITE_CHUNK = 200
CONNECT_TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class IdempotencyRecord:
    """A request that succeeded: its scope, key, body fingerprint and response."""

    scope: str
    key: str
    fingerprint: str
    status: int
    headers: dict[str, str]
    body: bytes

    def response_json(self) -> str:
        """The stored response as one JSON text."""
        return json.dumps(
            {
                "status": self.status,
                "headers": self.headers,
                "body": self.body.decode(),
            }
        )

    @classmethod
    def from_row(
        cls, scope: str, key: str, fingerprint: str, response: str
    ) -> IdempotencyRecord:
        """Rebuild a record from its stored columns."""
        data = json.loads(response)
        return cls(
            scope=scope,
            key=key,
            fingerprint=fingerprint,
            status=int(data["status"]),
            headers=dict(data["headers"]),
            body=str(data["body"]).encode(),
        )


class IdempotencyKeyTakenError(Exception):
    """Another request with the same key was recorded first."""


class SQLiteTicketingRecorder(SQLiteApplicationRecorder):
    """The SQLite application recorder, plus idempotency records."""

    def construct_create_table_statements(self) -> list[str]:
        """Add the idempotency table to the events table."""
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {IDEMPOTENCY_TABLE} ("
            "scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, "
            "response TEXT NOT NULL, created_at TEXT NOT NULL, "
            "PRIMARY KEY (scope, key))",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            c.execute(
                f"INSERT INTO {IDEMPOTENCY_TABLE} VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING RETURNING 1",
                (
                    record.scope,
                    record.key,
                    record.fingerprint,
                    record.response_json(),
                    datetime.now(UTC).isoformat(),
                ),
            )
            if c.fetchone() is None:
                raise IdempotencyKeyTakenError(record.key)
        return super()._insert_events(c, stored_events, **kwargs)

    def select_events_after(
        self, positions: list[tuple[UUID, int]]
    ) -> list[StoredEvent]:
        """The events of several aggregates after given versions (few queries)."""
        events: list[StoredEvent] = []
        with self.datastore.transaction(commit=False) as c:
            # SQLite caps an expression's depth at 1000: query in chunks.
            for start in range(0, len(positions), SQLITE_CHUNK):
                chunk = positions[start : start + SQLITE_CHUNK]
                where = " OR ".join(
                    ["(originator_id = ? AND originator_version > ?)"] * len(chunk)
                )
                c.execute(
                    f"SELECT * FROM {self.events_table_name} WHERE {where} "
                    "ORDER BY originator_id, originator_version",
                    [p for i, v in chunk for p in (i.hex, v)],
                )
                events.extend(
                    StoredEvent(
                        originator_id=self.convert_originator_id(row["originator_id"]),
                        originator_version=row["originator_version"],
                        topic=row["topic"],
                        state=row["state"],
                    )
                    for row in c.fetchall()
                )
        return events

    def ping(self) -> None:
        """Touch the database file (for readiness checks)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT 1")

    def select_idempotency(self, scope: str, key: str) -> IdempotencyRecord | None:
        """The recorded request with this scope and key, if any."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT fingerprint, response FROM {IDEMPOTENCY_TABLE} "
                "WHERE scope = ? AND key = ?",
                (scope, key),
            )
            row = c.fetchone()
        if row is None:
            return None
        return IdempotencyRecord.from_row(
            scope, key, row["fingerprint"], row["response"]
        )


def _reconnecting(method: F) -> F:
    """Retry a read on a lost connection, after dropping broken pooled ones."""

    @functools.wraps(method)
    def wrapper(self: PostgresTicketingRecorder, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                return method(self, *args, **kwargs)
            except (InterfaceError, OperationalError):
                if attempt == READ_ATTEMPTS:
                    raise
                self._discard_broken_connections()
        raise AssertionError("unreachable")  # pragma: no cover

    return cast(F, wrapper)


class PostgresTicketingRecorder(PostgresApplicationRecorder):
    """The PostgreSQL application recorder, plus idempotency records."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        table = Identifier(IDEMPOTENCY_TABLE)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "scope text NOT NULL, key text NOT NULL, fingerprint text NOT NULL, "
                "response jsonb NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (scope, key))"
            ).format(schema=schema, table=table)
        )
        # One save is one call of this function, in its own implicit transaction:
        # the events table lock (which keeps notification ids in commit order for
        # tailing readers, as in the parent class) is then held only while the
        # server runs it and commits, never while it waits for the client.
        # Named after the events table, so applications never share it; no
        # ON CONFLICT, so a taken idempotency key aborts the whole save.
        function = Identifier(f"{self.events_table_name}_save")
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}("
                "events {schema}.{event_type}[], "
                "key_scope text, key text, fingerprint text, response jsonb) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $$ "
                "BEGIN "
                "IF key IS NOT NULL THEN "
                "INSERT INTO {schema}.{keys} (scope, key, fingerprint, response) "
                "VALUES (key_scope, key, fingerprint, response); "
                "END IF; "
                "SET LOCAL lock_timeout = '{lock_timeout}s'; "
                "LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE; "
                "NOTIFY {channel}; "
                "RETURN QUERY INSERT INTO {schema}.{events} "
                "(originator_id, originator_version, topic, state) "
                "SELECT e.originator_id, e.originator_version, e.topic, e.state "
                "FROM unnest(events) AS e RETURNING notification_id; "
                "END $$"
            ).format(
                schema=schema,
                function=function,
                event_type=Identifier(self.stored_event_type_name),
                keys=table,
                lock_timeout=self.datastore.lock_timeout,
                events=Identifier(self.events_table_name),
                channel=Identifier(self.channel_name),
            )
        )
        self._save_sql = _as_text(
            SQL(
                "SELECT notification_id "
                "FROM {schema}.{function}(%s, %s, %s, %s, %s) AS notification_id"
            ).format(schema=schema, function=function)
        )
        self._select_events_after = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM {schema}.{table} AS e "
            "JOIN unnest(%s::uuid[], %s::bigint[]) AS after (id, version) "
            "ON e.originator_id = after.id AND e.originator_version > after.version "
            "ORDER BY e.originator_id, e.originator_version"
        ).format(schema=schema, table=Identifier(self.events_table_name))
        self._select_outcome = SQL(
            "SELECT e.originator_id, e.originator_version, e.state, e.notification_id "
            "FROM {schema}.{table} AS e "
            "JOIN unnest(%s::uuid[], %s::bigint[]) AS sent (id, version) "
            "ON e.originator_id = sent.id AND e.originator_version = sent.version"
        ).format(schema=schema, table=Identifier(self.events_table_name))
        self._select_idempotency = SQL(
            "SELECT fingerprint, response::text AS response FROM {schema}.{table} "
            "WHERE scope = %s AND key = %s"
        ).format(schema=schema, table=table)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Record one save; on a lost connection, find out what happened first.

        COMMIT may have been applied without its reply arriving, so a write is
        never simply repeated: after dropping broken pooled connections, the events
        are looked up. All there, as sent: the write committed. None there: it is
        sent again. Others there: a concurrent writer won (a conflict, retried by
        the service layer on fresh state).
        """
        if not stored_events:
            return []
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return self._insert_once(stored_events, record)
            except (InterfaceError, OperationalError):
                if attempt == WRITE_ATTEMPTS:
                    raise
                self._discard_broken_connections()
                committed = self._committed_ids(stored_events)
                if committed is not None:
                    return committed
        raise AssertionError("unreachable")  # pragma: no cover

    def _insert_once(
        self, stored_events: Sequence[StoredEvent], record: IdempotencyRecord | None
    ) -> list[int]:
        """Record one save in one statement: one round trip, one transaction."""
        events = [
            self.construct_pg_stored_event(
                e.originator_id, e.originator_version, e.topic, e.state
            )
            for e in stored_events
        ]
        key = (
            (record.scope, record.key, record.fingerprint, record.response_json())
            if record is not None
            else (None, None, None, None)
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            try:
                curs.execute(self._save_sql, (events, *key), prepare=True)
            except psycopg.errors.UniqueViolation as exc:
                if record is not None and exc.diag.table_name == IDEMPOTENCY_TABLE:
                    raise IdempotencyKeyTakenError(record.key) from None
                raise
            return [row["notification_id"] for row in curs.fetchall()]

    def _committed_ids(self, stored_events: Sequence[StoredEvent]) -> list[int] | None:
        """Notification ids if these events are stored as sent; None if absent."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self._select_outcome,
                (
                    [e.originator_id for e in stored_events],
                    [e.originator_version for e in stored_events],
                ),
            )
            rows = curs.fetchall()
        if not rows:
            return None
        sent = {(e.originator_id, e.originator_version): e.state for e in stored_events}
        mine = [
            r
            for r in rows
            if sent.get((r["originator_id"], r["originator_version"]))
            == bytes(r["state"])
        ]
        if len(mine) == len(stored_events):
            return sorted(r["notification_id"] for r in mine)
        raise IntegrityError("another writer recorded these versions first")

    def _discard_broken_connections(self) -> None:
        """Drop pooled connections the server has closed (restart, idle timeout)."""
        with contextlib.suppress(Exception):
            self.datastore.pool.check()

    @_reconnecting
    def select_events_after(
        self, positions: list[tuple[UUID, int]]
    ) -> list[StoredEvent]:
        """The events of several aggregates after given versions, in one query."""
        ids = [i for i, _ in positions]
        versions = [v for _, v in positions]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_events_after, (ids, versions), prepare=True)
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    def ping(self) -> None:
        """One round trip to the server, no retries (for readiness checks)."""
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT 1")

    @_reconnecting
    def select_idempotency(self, scope: str, key: str) -> IdempotencyRecord | None:
        """The recorded request with this scope and key, if any."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_idempotency, (scope, key), prepare=True)
            row = curs.fetchone()
        if row is None:
            return None
        return IdempotencyRecord.from_row(
            scope, key, row["fingerprint"], row["response"]
        )


def _as_text(query: Any) -> str:
    """A composed statement as the text it renders to."""
    return query if isinstance(query, str) else str(query.as_string(None))


def eventsourcing_env(
    config: Config, *, create_tables: bool | None = None
) -> dict[str, str]:
    """The eventsourcing settings derived from our Config (never from os.environ)."""
    create = config.create_tables if create_tables is None else create_tables
    env: dict[str, str] = {
        "CREATE_TABLE": "y" if create else "n",
    }
    if config.database_url is None:
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=str(config.sqlite_path),
            SQLITE_LOCK_TIMEOUT="30",
            APPLICATION_RECORDER_TOPIC=get_topic(SQLiteTicketingRecorder),
        )
        return env
    params = conninfo_to_dict(config.database_url)
    env.update(
        PERSISTENCE_MODULE="eventsourcing.postgres",
        POSTGRES_DBNAME=str(params.get("dbname") or params.get("user") or "postgres"),
        POSTGRES_HOST=str(params.get("host") or "localhost"),
        POSTGRES_PORT=str(params.get("port") or "5432"),
        POSTGRES_USER=str(params.get("user") or "postgres"),
        POSTGRES_PASSWORD=str(params.get("password") or ""),
        POSTGRES_SCHEMA=config.database_schema,
        POSTGRES_POOL_SIZE=str(config.pool_size),
        POSTGRES_MAX_OVERFLOW=str(config.pool_max_overflow),
        # Also the wait for a free pooled connection: with READ_ATTEMPTS retries a
        # request still ends (503) well within gunicorn's 30 s worker timeout.
        POSTGRES_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT_SECONDS),
        POSTGRES_LOCK_TIMEOUT="10",
        # No ping per checkout (a round trip each): a broken connection fails its
        # statement, and the recorder drops broken connections and retries.
        POSTGRES_PRE_PING="n",
        APPLICATION_RECORDER_TOPIC=get_topic(PostgresTicketingRecorder),
    )
    return env


def build_application(
    config: Config, *, create_tables: bool | None = None
) -> TicketingApplication:
    """The service layer over the configured store."""
    if config.database_url is None:
        config.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return TicketingApplication(
        eventsourcing_env(config, create_tables=create_tables),
        access_rule=config.access_rule,
        cache_size=config.aggregate_cache_size,
    )


def create_schema(config: Config) -> None:
    """Create every table once, before any worker starts."""
    if config.database_url is not None and config.database_schema != "public":
        _create_pg_schema(config)
    build_application(config, create_tables=True).close()


def _create_pg_schema(config: Config) -> None:
    env = eventsourcing_env(config)
    params: dict[str, Any] = {
        "dbname": env["POSTGRES_DBNAME"],
        "host": env["POSTGRES_HOST"],
        "port": env["POSTGRES_PORT"],
        "user": env["POSTGRES_USER"],
        "password": env["POSTGRES_PASSWORD"],
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    }
    try:
        conn = psycopg.connect(autocommit=True, **params)
    except psycopg.Error as exc:
        raise OperationalError(str(exc)) from exc
    with conn:
        conn.execute(
            SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                Identifier(config.database_schema)
            )
        )


def ping_store(app: TicketingApplication) -> None:
    """Raise unless the store answers one query now."""
    recorder: Any = app.recorder
    recorder.ping()
