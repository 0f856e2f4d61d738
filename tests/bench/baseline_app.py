"""A plain CRUD baseline for the create benchmark: one INSERT per POST.

It does what any ordinary service must for a create (verify the bearer token, decode
the JSON body, insert one row, answer 201 with the new id), over the same store and
the same gunicorn settings as the service, so the ratio service/baseline is the cost
of everything else (validation, access checks, event sourcing, projections).

Served as ``gunicorn -c python:api.gunicorn_conf 'tests.bench.baseline_app:get_app()'``
with the same TICKETING_* environment as the service.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import falcon
import jwt
from psycopg.sql import SQL, Identifier
from psycopg_pool import ConnectionPool

from api.config import Config

TABLE = "baseline_tickets"
SQLITE_LOCK_TIMEOUT_SECONDS = 30


class Store(Protocol):
    """Where the baseline keeps its rows."""

    def insert(self, ticket_id: str, title: str, body: str) -> None:
        """Insert one row."""


class PostgresStore:
    """Rows in PostgreSQL through a psycopg_pool pool, opened in the worker."""

    def __init__(self, config: Config) -> None:
        self._pool = ConnectionPool(
            config.database_url or "",
            min_size=config.pool_size,
            max_size=config.pool_size + config.pool_max_overflow,
            open=True,
        )
        self._insert = SQL(
            "INSERT INTO {} (id, title, body) VALUES (%s, %s, %s)"
        ).format(Identifier(config.database_schema, TABLE))

    def insert(self, ticket_id: str, title: str, body: str) -> None:
        """Insert one row in its own transaction."""
        with self._pool.connection() as conn:
            conn.execute(self._insert, (ticket_id, title, body), prepare=True)


class SQLiteStore:
    """Rows in an SQLite file (WAL), one connection per thread."""

    def __init__(self, config: Config) -> None:
        self._path = str(config.sqlite_path)
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self._path,
                timeout=SQLITE_LOCK_TIMEOUT_SECONDS,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    def insert(self, ticket_id: str, title: str, body: str) -> None:
        """Insert one row (autocommit)."""
        self._connection().execute(
            f"INSERT INTO {TABLE} (id, title, body) VALUES (?, ?, ?)",  # noqa: S608
            (ticket_id, title, body),
        )


def create_table(config: Config) -> None:
    """Create the baseline table once, before the workers start."""
    if config.database_url is None:
        config.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        with _sqlite(config) as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (id TEXT PRIMARY KEY, "
                "title TEXT NOT NULL, body TEXT NOT NULL, "
                "created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
        return
    import psycopg

    with psycopg.connect(config.database_url, autocommit=True) as conn:
        conn.execute(
            SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                Identifier(config.database_schema)
            )
        )
        conn.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (id uuid PRIMARY KEY, "
                "title text NOT NULL, body jsonb NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now())"
            ).format(Identifier(config.database_schema, TABLE))
        )


@contextmanager
def _sqlite(config: Config) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(config.sqlite_path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        yield conn
    finally:
        conn.close()


class TicketsResource:
    """POST /v1.0/tickets: authenticate, decode, insert, 201."""

    def __init__(self, store: Store, secret: str) -> None:
        self._store = store
        self._secret = secret

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Create one ticket row."""
        _, _, token = (req.get_header("Authorization") or "").partition(" ")
        try:
            jwt.decode(token, self._secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            raise falcon.HTTPUnauthorized() from None
        body: Any = req.get_media()
        title = body.get("title") if isinstance(body, dict) else None
        if not isinstance(title, str) or not title.strip():
            raise falcon.HTTPBadRequest()
        ticket_id = str(uuid.uuid4())
        self._store.insert(ticket_id, title, json.dumps(body))
        resp.status = falcon.HTTP_201
        resp.location = f"/v1.0/tickets/{ticket_id}"
        resp.media = {"ticketId": ticket_id}


class LiveResource:
    """GET /health/live: the process answers."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Always 200."""
        resp.media = {"status": "ok"}


def create_app(config: Config) -> falcon.App[falcon.Request, falcon.Response]:
    """The baseline WSGI app over the configured store."""
    store: Store = (
        PostgresStore(config) if config.uses_postgres else SQLiteStore(config)
    )
    app = falcon.App()
    app.add_route("/v1.0/tickets", TicketsResource(store, config.jwt_secret))
    app.add_route("/health/live", LiveResource())
    return app


def get_app() -> falcon.App[falcon.Request, falcon.Response]:
    """Gunicorn's factory: built in each worker after the fork."""
    return create_app(Config.from_env())
