"""The service as it runs: migrate, then gunicorn workers (PostgreSQL and SQLite).

Everything goes through real HTTP to a multi-worker gunicorn, so requests land on
different processes that share only the database.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from api.auth import issue_token
from api.config import Config
from tests.support.gunicorn import GunicornServer, free_port, manage, service_env

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

WORKERS = 2
PARALLEL_PATCHES = 16
ADMIN_SCOPE = "ticketing.admin"
HTTP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Directory:
    """What the tests seed through the admin endpoints (fresh ids each run)."""

    member: UUID = field(default_factory=uuid4)
    participant: UUID = field(default_factory=uuid4)
    contact: UUID = field(default_factory=uuid4)
    category: UUID = field(default_factory=uuid4)
    open_status: UUID = field(default_factory=uuid4)
    in_progress_status: UUID = field(default_factory=uuid4)


@dataclass
class Service:
    """The running server, a way to mint its tokens, and its seeded directory."""

    server: GunicornServer
    secret: str
    directory: Directory = field(default_factory=Directory)

    def token(self, sub: UUID, *scopes: str, participant: UUID | None = None) -> str:
        """A token the server accepts."""
        return issue_token(
            Config(jwt_secret=self.secret),
            sub,
            scopes=scopes,
            participant_uid=participant,
        )

    def client(self, token: str) -> httpx.Client:
        """An HTTP client sending this bearer token."""
        return httpx.Client(
            base_url=self.server.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=HTTP_TIMEOUT,
        )

    def expect(self, response: httpx.Response, status: int) -> httpx.Response:
        """Assert the status; on failure show the response and the server's log."""
        assert response.status_code == status, (
            f"{response.request.method} {response.request.url} answered "
            f"{response.status_code}, expected {status}: {response.text}\n"
            f"--- server log ---\n{self.server.log()}"
        )
        return response


@pytest.fixture(scope="module", params=["postgres", "sqlite"])
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """Migrate a fresh store, start gunicorn, seed the directory; clean up after."""
    secret = secrets.token_urlsafe(32)
    settings = {
        "TICKETING_HOST": "127.0.0.1",
        "TICKETING_PORT": str(free_port()),
        "TICKETING_JWT_SECRET": secret,
        "TICKETING_WORKERS": str(WORKERS),
    }
    postgres_url: str | None = None
    schema = f"e2e_{uuid4().hex[:12]}"
    if request.param == "postgres":
        postgres_url = request.getfixturevalue("postgres_url")
        settings["TICKETING_DATABASE_URL"] = postgres_url
        settings["TICKETING_DATABASE_SCHEMA"] = schema
    else:
        store = tmp_path_factory.mktemp("sqlite") / "ticketing.sqlite3"
        settings["TICKETING_SQLITE_PATH"] = str(store)
    env = service_env(settings)
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    server: GunicornServer | None = None
    try:
        manage(env, "migrate")
        server = GunicornServer.start(env, log_path)
        service = Service(server, secret)
        _seed(service)
        yield service
    finally:
        if server is not None:
            server.stop()
        if postgres_url is not None:
            _drop_schema(postgres_url, schema)


def _seed(service: Service) -> None:
    directory = service.directory
    admin = service.client(service.token(uuid4(), ADMIN_SCOPE))
    with admin:
        service.expect(
            admin.put(
                f"/v1.0/members/{directory.member}/contact-access",
                json={"contactUids": [str(directory.contact)]},
            ),
            204,
        )
        service.expect(
            admin.put(
                f"/v1.0/ticket-categories/{directory.category}",
                json={
                    "key": "general",
                    "names": {"en": "General", "de": "Allgemein"},
                    "active": True,
                },
            ),
            204,
        )
        for uid, key, name, initial in [
            (directory.open_status, "open", "Open", True),
            (directory.in_progress_status, "in-progress", "In progress", False),
        ]:
            service.expect(
                admin.put(
                    f"/v1.0/ticket-statuses/{uid}",
                    json={
                        "key": key,
                        "names": {"en": name},
                        "isInitial": initial,
                        "isClosed": False,
                    },
                ),
                204,
            )


def _drop_schema(database_url: str, schema: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))


def _member_client(service: Service) -> httpx.Client:
    d = service.directory
    return service.client(service.token(d.member, participant=d.participant))


def _create_ticket(service: Service, client: httpx.Client, **fields: Any) -> str:
    body = {
        "title": "Printer on fire",
        "categoryKey": "general",
        "contactUids": [str(service.directory.contact)],
        **fields,
    }
    response = service.expect(client.post("/v1.0/tickets", json=body), 201)
    ticket_id: str = response.json()["ticketId"]
    return ticket_id


def test_ticket_lifecycle_through_gunicorn_is_reflected_in_the_read_side(
    service: Service,
) -> None:
    d = service.directory
    reference = uuid4()
    due = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

    with _member_client(service) as client:
        created = service.expect(
            client.post(
                "/v1.0/tickets",
                json={
                    "title": "Printer on fire",
                    "description": "Third floor",
                    "categoryUid": str(d.category),
                    "contactUids": [str(d.contact)],
                    "referenceUid": str(reference),
                },
            ),
            201,
        )
        ticket_id = created.json()["ticketId"]
        ticket_path = f"/v1.0/tickets/{ticket_id}"
        updated = service.expect(
            client.patch(
                ticket_path,
                json={
                    "title": "Printer still on fire",
                    "statusUid": str(d.in_progress_status),
                    "assigneeMemberUid": str(d.member),
                    "dueDate": due.isoformat(),
                },
            ),
            204,
        )
        commented = service.expect(
            client.post(f"{ticket_path}/comments", json={"comment": "On it."}), 201
        )
        comment_id = commented.json()["commentId"]
        service.expect(
            client.put(
                f"{ticket_path}/comments/{comment_id}",
                json={"comment": "On it, with an extinguisher."},
            ),
            204,
        )
        watchlist = {"ticketIds": [ticket_id]}
        service.expect(client.post("/v1.0/tickets/watchlist", json=watchlist), 204)
        service.expect(
            client.request("DELETE", "/v1.0/tickets/watchlist", json=watchlist), 204
        )
        read = service.expect(client.get(ticket_path), 200)

    assert created.headers["Location"].endswith(ticket_path)
    assert created.headers["ETag"] == '"1"'
    assert updated.headers["ETag"] == '"2"'
    assert commented.headers["Location"].endswith(
        f"{ticket_path}/comments/{comment_id}"
    )
    ticket = read.json()
    # created, updated, comment added, comment edited, watched, unwatched
    assert ticket["version"] == 6
    assert read.headers["ETag"] == '"6"'
    assert ticket["ticketId"] == ticket_id
    assert ticket["title"] == "Printer still on fire"
    assert ticket["description"] == "Third floor"
    assert ticket["category"] == {
        "uid": str(d.category),
        "key": "general",
        "name": "General",
    }
    assert ticket["status"] == {
        "uid": str(d.in_progress_status),
        "key": "in-progress",
        "name": "In progress",
        "isClosed": False,
    }
    assert datetime.fromisoformat(ticket["dueDate"]) == due
    assert ticket["assigneeMemberUid"] == str(d.member)
    assert ticket["contactUids"] == [str(d.contact)]
    assert ticket["participantUids"] == [str(d.participant)]
    assert ticket["referenceUid"] == str(reference)
    assert ticket["createdBy"] == str(d.member)
    assert ticket["updatedBy"] == str(d.member)
    assert datetime.fromisoformat(ticket["updatedAt"]) >= datetime.fromisoformat(
        ticket["createdAt"]
    )


def test_parallel_patches_across_workers_are_all_recorded(service: Service) -> None:
    with _member_client(service) as client:
        ticket_id = _create_ticket(service, client)
    ticket_path = f"/v1.0/tickets/{ticket_id}"
    descriptions = [f"description {i}" for i in range(PARALLEL_PATCHES)]

    def patch(description: str) -> httpx.Response:
        # One client (so one connection) per request: they spread over the workers.
        with _member_client(service) as own:
            return own.patch(ticket_path, json={"description": description})

    with ThreadPoolExecutor(max_workers=PARALLEL_PATCHES) as pool:
        responses = list(pool.map(patch, descriptions))
    with _member_client(service) as client:
        read = service.expect(client.get(ticket_path), 200)

    for response in responses:
        service.expect(response, 204)
    ticket = read.json()
    assert ticket["version"] == 1 + PARALLEL_PATCHES
    assert read.headers["ETag"] == f'"{1 + PARALLEL_PATCHES}"'
    assert ticket["description"] in descriptions
