"""Concurrent writers through the HTTP layer: no lost updates, one ticket per key."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.api.helpers import (
    TICKETS,
    WATCHLIST,
    comments_url,
    get_ticket,
    ticket_request,
    ticket_url,
    version_of,
)

WRITERS = 8


def _together(count: int, request: Callable[[int], Any]) -> list[Any]:
    """Run request(i) for i in range(count) on threads released at the same moment."""
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        barrier.wait()
        return request(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_updates_without_if_match_are_all_applied(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)

    results = _together(
        WRITERS,
        lambda i: client.simulate_patch(
            ticket_url(ticket_id), json={"description": f"writer {i}"}, headers=alice
        ),
    )

    assert [r.status_code for r in results] == [204] * WRITERS
    assert version_of(client, tokens, ticket_id) == 1 + WRITERS
    etags = sorted(int(r.headers["ETag"].strip('"')) for r in results)
    assert etags == list(range(2, 2 + WRITERS))


def test_concurrent_updates_of_different_properties_all_survive(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    bodies = [
        {"title": "New title"},
        {"description": "New description"},
        {"dueDate": "2026-05-01T08:00:00.000+00:00"},
        {"assigneeMemberUid": str(directory.bob)},
        {"statusUid": str(directory.closed_status)},
    ]

    results = _together(
        len(bodies),
        lambda i: client.simulate_patch(
            ticket_url(ticket_id), json=bodies[i], headers=alice
        ),
    )

    assert [r.status_code for r in results] == [204] * len(bodies)
    ticket = get_ticket(client, alice, ticket_id)
    assert ticket["title"] == "New title"
    assert ticket["description"] == "New description"
    assert ticket["dueDate"] == "2026-05-01T08:00:00.000+00:00"
    assert ticket["assigneeMemberUid"] == str(directory.bob)
    assert ticket["status"]["uid"] == str(directory.closed_status)
    assert ticket["version"] == 1 + len(bodies)


def test_concurrent_updates_with_the_same_if_match_let_exactly_one_win(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    headers = {**tokens.member(directory.alice), "If-Match": '"1"'}

    results = _together(
        WRITERS,
        lambda i: client.simulate_patch(
            ticket_url(ticket_id), json={"description": f"writer {i}"}, headers=headers
        ),
    )

    statuses = sorted(r.status_code for r in results)
    assert statuses == [204] + [412] * (WRITERS - 1)
    assert all(
        r.json["subCode"] == "VersionMismatch" for r in results if r.status_code == 412
    )
    assert version_of(client, tokens, ticket_id) == 2


def test_concurrent_comments_are_all_kept(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()
    bob = tokens.member(directory.bob)

    results = _together(
        WRITERS,
        lambda i: client.simulate_post(
            comments_url(ticket_id), json={"comment": f"comment {i}"}, headers=bob
        ),
    )

    assert [r.status_code for r in results] == [201] * WRITERS
    assert len({r.json["commentId"] for r in results}) == WRITERS
    assert version_of(client, tokens, ticket_id) == 1 + WRITERS


def test_concurrent_watches_by_different_members_are_all_kept(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    watchers = [tokens.bypass() for _ in range(WRITERS)]

    results = _together(
        WRITERS,
        lambda i: client.simulate_post(
            WATCHLIST, json={"ticketIds": [ticket_id]}, headers=watchers[i]
        ),
    )

    assert [r.status_code for r in results] == [204] * WRITERS
    assert version_of(client, tokens, ticket_id) == 1 + WRITERS


def test_concurrent_creates_with_one_idempotency_key_make_one_ticket(
    client, tokens, directory, application
):
    headers = {**tokens.member(directory.alice), "Idempotency-Key": "race-key"}
    body = ticket_request(directory)
    before = application.recorder.max_notification_id()

    results = _together(
        WRITERS, lambda i: client.simulate_post(TICKETS, json=body, headers=headers)
    )

    assert [r.status_code for r in results] == [201] * WRITERS
    assert len({r.json["ticketId"] for r in results}) == 1
    assert application.recorder.max_notification_id() == before + 1


def test_concurrent_comments_with_one_idempotency_key_make_one_comment(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    headers = {**tokens.member(directory.alice), "Idempotency-Key": "comment-race"}

    results = _together(
        WRITERS,
        lambda i: client.simulate_post(
            comments_url(ticket_id), json={"comment": "once"}, headers=headers
        ),
    )

    assert [r.status_code for r in results] == [201] * WRITERS
    assert len({r.json["commentId"] for r in results}) == 1
    assert version_of(client, tokens, ticket_id) == 2


def test_concurrent_claims_of_one_category_key_let_exactly_one_win(
    client, tokens, directory
):
    admin = tokens.admin()
    uids = [uuid.uuid4() for _ in range(WRITERS)]

    results = _together(
        WRITERS,
        lambda i: client.simulate_put(
            f"/v1.0/ticket-categories/{uids[i]}",
            json={"key": "contested", "names": {"en": f"Contender {i}"}},
            headers=admin,
        ),
    )

    statuses = sorted(r.status_code for r in results)
    assert statuses == [204] + [409] * (WRITERS - 1)
