"""Shared fixtures: one parametrised store fixture runs tests on both stores."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from falcon.testing import TestClient
from psycopg.sql import SQL, Identifier

from api.app import create_app
from api.auth import issue_token
from api.config import Config
from api.storage import build_application, create_schema
from domain.application import ADMIN_SCOPE, BYPASS_SCOPE, TicketingApplication
from domain.directory import AccessRule
from tests.support.postgres import locate_postgres

TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef"  # noqa: S105


def _require_postgres() -> bool:
    return os.environ.get("TICKETING_REQUIRE_POSTGRES", "") not in ("", "0", "false")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL server for this session; skip (or fail, when required) if none."""
    url, reason = locate_postgres()
    if url is None:
        if _require_postgres():
            pytest.fail(f"PostgreSQL required but unavailable: {reason}")
        pytest.skip(f"PostgreSQL unavailable: {reason}")
    return url


@pytest.fixture(scope="session")
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A schema of our own on that server, with the tables created once."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    create_schema(
        Config(
            database_url=postgres_url, database_schema=schema, jwt_secret=TEST_SECRET
        )
    )
    yield schema
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))


def _truncate_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
            )
        ]
        if tables:
            conn.execute(
                SQL("TRUNCATE {} RESTART IDENTITY").format(
                    SQL(", ").join(Identifier(schema, t) for t in tables)
                )
            )


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Config:
    """A Config over an empty store, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        config = Config(
            sqlite_path=tmp_path / "ticketing.sqlite3", jwt_secret=TEST_SECRET
        )
        create_schema(config)
    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        _truncate_schema(url, schema)
        config = Config(
            database_url=url,
            database_schema=schema,
            jwt_secret=TEST_SECRET,
            pool_size=2,
            pool_max_overflow=4,
        )
    return dataclasses.replace(config, create_tables=False)


@pytest.fixture
def access_rule() -> AccessRule:
    """The deployment's access rule; override with parametrize to test 'all'."""
    return AccessRule.ANY


@pytest.fixture
def config(store: Config, access_rule: AccessRule) -> Config:
    """The Config a test runs with."""
    return dataclasses.replace(store, access_rule=access_rule)


@pytest.fixture
def application(config: Config) -> Iterator[TicketingApplication]:
    """The service layer over the test store."""
    app = build_application(config)
    yield app
    app.close()


@pytest.fixture
def client(config: Config, application: TicketingApplication) -> TestClient:
    """A Falcon test client over the real app."""
    return TestClient(create_app(config, application))


@dataclass
class Tokens:
    """Mints bearer tokens for the test config."""

    config: Config

    def member(self, member_uid: uuid.UUID, **kwargs: Any) -> dict[str, str]:
        """Authorization header of a plain member token."""
        token = issue_token(self.config, member_uid, **kwargs)
        return {"Authorization": f"Bearer {token}"}

    def bypass(self, sub: uuid.UUID | None = None, **kwargs: Any) -> dict[str, str]:
        """Authorization header of a bypass (app) token."""
        return self.member(sub or uuid.uuid4(), scopes=[BYPASS_SCOPE], **kwargs)

    def admin(self, sub: uuid.UUID | None = None) -> dict[str, str]:
        """Authorization header of an admin token."""
        return self.member(sub or uuid.uuid4(), scopes=[ADMIN_SCOPE])


@pytest.fixture
def tokens(config: Config) -> Tokens:
    """Token factory for the test config."""
    return Tokens(config)


@dataclass
class Directory:
    """A small seeded directory: contacts, members with grants, category, statuses."""

    client: TestClient
    admin: dict[str, str]
    contact_a: uuid.UUID = field(default_factory=uuid.uuid4)
    contact_b: uuid.UUID = field(default_factory=uuid.uuid4)
    #: has access to contact_a only
    alice: uuid.UUID = field(default_factory=uuid.uuid4)
    #: has access to contact_a and contact_b
    bob: uuid.UUID = field(default_factory=uuid.uuid4)
    #: has no grants at all
    carol: uuid.UUID = field(default_factory=uuid.uuid4)
    category: uuid.UUID = field(default_factory=uuid.uuid4)
    inactive_category: uuid.UUID = field(default_factory=uuid.uuid4)
    open_status: uuid.UUID = field(default_factory=uuid.uuid4)
    closed_status: uuid.UUID = field(default_factory=uuid.uuid4)

    def put(self, path: str, body: dict[str, Any]) -> None:
        """PUT a directory entry as admin, asserting 204."""
        result = self.client.simulate_put(path, json=body, headers=self.admin)
        assert result.status_code == 204, result.text

    def grant(self, member: uuid.UUID, *contacts: uuid.UUID) -> None:
        """Replace a member's grants."""
        self.put(
            f"/v1.0/members/{member}/contact-access",
            {"contactUids": [str(c) for c in contacts]},
        )

    def seed(self) -> Directory:
        """Create the entries through the admin API."""
        self.grant(self.alice, self.contact_a)
        self.grant(self.bob, self.contact_a, self.contact_b)
        self.put(
            f"/v1.0/ticket-categories/{self.category}",
            {
                "key": "general",
                "names": {"en": "General", "de": "Allgemein", "fr": "Général"},
                "active": True,
            },
        )
        self.put(
            f"/v1.0/ticket-categories/{self.inactive_category}",
            {"key": "retired", "names": {"en": "Retired"}, "active": False},
        )
        self.put(
            f"/v1.0/ticket-statuses/{self.open_status}",
            {"key": "open", "names": {"en": "Open", "de": "Offen"}, "isInitial": True},
        )
        self.put(
            f"/v1.0/ticket-statuses/{self.closed_status}",
            {"key": "closed", "names": {"en": "Closed"}, "isClosed": True},
        )
        return self


@pytest.fixture
def directory(client: TestClient, tokens: Tokens) -> Directory:
    """A seeded directory (see Directory)."""
    return Directory(client=client, admin=tokens.admin()).seed()


@pytest.fixture
def create_ticket(
    client: TestClient, tokens: Tokens, directory: Directory
) -> Callable[..., str]:
    """Create a ticket as alice (or another member) and return its id."""

    def create(member: uuid.UUID | None = None, **overrides: Any) -> str:
        body: dict[str, Any] = {
            "title": "Printer on fire",
            "categoryUid": str(directory.category),
            "contactUids": [str(directory.contact_a)],
            **overrides,
        }
        result = client.simulate_post(
            "/v1.0/tickets", json=body, headers=tokens.member(member or directory.alice)
        )
        assert result.status_code == 201, result.text
        return str(result.json["ticketId"])

    return create
