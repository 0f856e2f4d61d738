"""PostgreSQL connections dropped by the server: writes are neither lost nor doubled."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import OperationalError

from api.config import Config
from api.storage import PostgresTicketingRecorder, build_application
from domain.application import Actor, TicketingApplication
from tests.integration.helpers import open_ticket, seed


@pytest.fixture
def pg_application(config: Config) -> Any:
    if config.database_url is None:
        pytest.skip("PostgreSQL connections only")
    app = build_application(config)
    yield app
    app.close()


def seed_ticket(app: TicketingApplication) -> tuple[Actor, UUID]:
    member, contact = seed(app)
    return member, open_ticket(app, member, contact).id


def terminate_other_connections(config: Config) -> int:
    with psycopg.connect(config.database_url or "", autocommit=True) as conn:
        return conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND usename = current_user AND backend_type = 'client backend' "
            "AND application_name = ''"
        ).rowcount


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_reads_and_writes_survive_terminated_connections(
    pg_application: TicketingApplication, config: Config
) -> None:
    member, ticket_id = seed_ticket(pg_application)
    assert terminate_other_connections(config) >= 1

    versions = [
        pg_application.update_ticket(member, ticket_id, {"description": f"d{n}"})
        for n in range(6)
    ]

    assert versions == list(range(2, 8))
    assert pg_application.get_ticket(member, ticket_id).ticket.version == 7


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_a_commit_whose_reply_was_lost_counts_once(
    pg_application: TicketingApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    member, ticket_id = seed_ticket(pg_application)
    recorder = pg_application.recorder
    assert isinstance(recorder, PostgresTicketingRecorder)
    real_insert = recorder._insert_once
    calls = []

    def commit_then_lose_reply(*args: Any) -> Any:
        calls.append(args)
        real_insert(*args)
        if len(calls) == 1:
            raise OperationalError("connection lost after COMMIT")

    monkeypatch.setattr(recorder, "_insert_once", commit_then_lose_reply)

    comment_id, version = pg_application.add_comment(member, ticket_id, "once")

    assert len(calls) == 1
    assert version == 2
    ticket = pg_application.get_ticket(member, ticket_id).ticket
    assert list(ticket.comments) == [comment_id]
    assert ticket.version == 2
