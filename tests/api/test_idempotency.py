"""Idempotency-Key on both POSTs: replay, scoping, errors not stored, restarts."""

from __future__ import annotations

import json

import pytest
from falcon.testing import TestClient

from api.app import create_app
from api.storage import build_application
from tests.api.helpers import (
    TICKETS,
    assert_error,
    comments_url,
    get_ticket,
    ticket_request,
    version_of,
)


def _create(client, headers, body, key):
    return client.simulate_post(
        TICKETS, json=body, headers={**headers, "Idempotency-Key": key}
    )


def _create_raw(client, headers, raw, key):
    return client.simulate_post(
        TICKETS,
        body=raw,
        headers={**headers, "Idempotency-Key": key, "Content-Type": "application/json"},
    )


# -- create ----------------------------------------------------------------------


def test_retry_with_the_same_key_and_body_replays_the_original_response(
    client, tokens, directory, application
):
    alice = tokens.member(directory.alice)
    body = ticket_request(directory)
    first = _create(client, alice, body, "key-1")
    after_first = application.recorder.max_notification_id()

    retry = _create(client, alice, body, "key-1")

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.json == first.json
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert application.recorder.max_notification_id() == after_first


def test_retry_with_a_json_equal_body_is_a_replay(
    client, tokens, directory, application
):
    alice = tokens.member(directory.alice)
    body = ticket_request(directory, description="same")
    compact = json.dumps(body, separators=(",", ":")).encode()
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=4).encode()
    first = _create_raw(client, alice, compact, "key-2")
    after_first = application.recorder.max_notification_id()

    retry = _create_raw(client, alice, b"\n  " + reordered + b"\n", "key-2")

    assert retry.status_code == 201
    assert retry.json["ticketId"] == first.json["ticketId"]
    assert application.recorder.max_notification_id() == after_first


def test_replay_does_not_change_the_ticket(client, tokens, directory):
    alice = tokens.member(directory.alice)
    body = ticket_request(directory)
    ticket_id = _create(client, alice, body, "key-3").json["ticketId"]

    _create(client, alice, body, "key-3")

    assert version_of(client, tokens, ticket_id) == 1


def test_retry_with_the_same_key_and_another_body_is_rejected(
    client, tokens, directory, application
):
    alice = tokens.member(directory.alice)
    _create(client, alice, ticket_request(directory, title="one"), "key-4")
    before = application.recorder.max_notification_id()

    result = _create(client, alice, ticket_request(directory, title="two"), "key-4")

    assert_error(result, 422, "UnprocessableEntity", "IdempotencyKeyReused")
    assert application.recorder.max_notification_id() == before


def test_key_is_scoped_to_the_tokens_member(client, tokens, directory):
    body = ticket_request(directory)
    alices = _create(client, tokens.member(directory.alice), body, "shared-key")

    bobs = _create(client, tokens.member(directory.bob), body, "shared-key")

    assert bobs.status_code == 201
    assert bobs.json["ticketId"] != alices.json["ticketId"]
    assert "Idempotent-Replayed" not in bobs.headers


def test_key_is_scoped_to_the_route(client, tokens, directory):
    alice = tokens.member(directory.alice)
    ticket_id = _create(client, alice, ticket_request(directory), "route-key").json[
        "ticketId"
    ]

    result = client.simulate_post(
        comments_url(ticket_id),
        json={"comment": "hello"},
        headers={**alice, "Idempotency-Key": "route-key"},
    )

    assert result.status_code == 201
    assert "commentId" in result.json
    assert version_of(client, tokens, ticket_id) == 2


def test_requests_without_a_key_are_never_replayed(client, tokens, directory):
    alice = tokens.member(directory.alice)
    body = ticket_request(directory)

    first = client.simulate_post(TICKETS, json=body, headers=alice)
    second = client.simulate_post(TICKETS, json=body, headers=alice)

    assert first.json["ticketId"] != second.json["ticketId"]


def test_failed_request_is_not_stored_and_can_be_retried_with_the_same_key(
    client, tokens, directory
):
    alice = tokens.member(directory.alice)
    body = ticket_request(directory, assigneeMemberUid=str(directory.carol))
    failed = _create(client, alice, body, "retry-key")
    directory.grant(directory.carol, directory.contact_a)

    retried = _create(client, alice, body, "retry-key")

    assert_error(failed, 422, "UnprocessableEntity", "AssigneeInsufficientAccess")
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers
    ticket = get_ticket(client, alice, retried.json["ticketId"])
    assert ticket["assigneeMemberUid"] == str(directory.carol)


def test_forbidden_request_is_not_stored(client, tokens, directory):
    carol = tokens.member(directory.carol)
    body = ticket_request(directory)
    failed = _create(client, carol, body, "forbidden-key")
    directory.grant(directory.carol, directory.contact_a)

    retried = _create(client, carol, body, "forbidden-key")

    assert_error(failed, 403, "Forbidden", "CreatorInsufficientAccess")
    assert retried.status_code == 201


def test_failed_request_leaves_the_key_free_for_another_body(client, tokens, directory):
    alice = tokens.member(directory.alice)
    _create(client, alice, ticket_request(directory, categoryKey="nope"), "free-key")

    result = _create(client, alice, ticket_request(directory), "free-key")

    assert result.status_code == 201


def test_replay_survives_a_restart(client, tokens, directory, config):
    alice = tokens.member(directory.alice)
    body = ticket_request(directory)
    first = _create(client, alice, body, "restart-key")
    restarted_app = build_application(config)
    try:
        restarted = TestClient(create_app(config, restarted_app))
        before = restarted_app.recorder.max_notification_id()

        retry = _create(restarted, alice, body, "restart-key")

        assert retry.status_code == 201
        assert retry.json["ticketId"] == first.json["ticketId"]
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert restarted_app.recorder.max_notification_id() == before
    finally:
        restarted_app.close()


@pytest.mark.parametrize("key", ["", "has space", "k" * 256, "tab\tkey"])
def test_malformed_key_is_rejected(client, tokens, directory, key):
    result = _create(
        client, tokens.member(directory.alice), ticket_request(directory), key
    )

    assert_error(result, 400, "BadRequest", field="Idempotency-Key")


def test_key_of_255_visible_characters_is_accepted(client, tokens, directory):
    key = "k" * 254 + "!"

    result = _create(
        client, tokens.member(directory.alice), ticket_request(directory), key
    )

    assert result.status_code == 201


# -- comments --------------------------------------------------------------------


def test_comment_retry_with_the_same_key_returns_the_same_comment(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    headers = {**tokens.member(directory.alice), "Idempotency-Key": "comment-key"}
    first = client.simulate_post(
        comments_url(ticket_id), json={"comment": "once"}, headers=headers
    )

    retry = client.simulate_post(
        comments_url(ticket_id), json={"comment": "once"}, headers=headers
    )

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.json["commentId"] == first.json["commentId"]
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert version_of(client, tokens, ticket_id) == 2


def test_comment_retry_with_another_body_is_rejected(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    headers = {**tokens.member(directory.alice), "Idempotency-Key": "comment-key-2"}
    client.simulate_post(
        comments_url(ticket_id), json={"comment": "one"}, headers=headers
    )

    result = client.simulate_post(
        comments_url(ticket_id), json={"comment": "two"}, headers=headers
    )

    assert_error(result, 422, "UnprocessableEntity", "IdempotencyKeyReused")
    assert version_of(client, tokens, ticket_id) == 2


def test_comment_key_is_scoped_to_the_ticket(client, tokens, create_ticket, directory):
    first_ticket, second_ticket = create_ticket(), create_ticket()
    headers = {**tokens.member(directory.alice), "Idempotency-Key": "per-ticket"}
    first = client.simulate_post(
        comments_url(first_ticket), json={"comment": "same"}, headers=headers
    )

    second = client.simulate_post(
        comments_url(second_ticket), json={"comment": "same"}, headers=headers
    )

    assert second.status_code == 201
    assert second.json["commentId"] != first.json["commentId"]
    assert version_of(client, tokens, second_ticket) == 2


def test_comment_replay_ignores_a_now_stale_if_match(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    headers = {
        **tokens.member(directory.alice),
        "Idempotency-Key": "if-match-key",
        "If-Match": '"1"',
    }
    first = client.simulate_post(
        comments_url(ticket_id), json={"comment": "once"}, headers=headers
    )

    retry = client.simulate_post(
        comments_url(ticket_id), json={"comment": "once"}, headers=headers
    )

    assert retry.status_code == 201
    assert retry.json["commentId"] == first.json["commentId"]


def test_failed_comment_is_not_stored(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    client.simulate_post(
        comments_url(ticket_id), json={"comment": "bump"}, headers=alice
    )
    stale = {**alice, "Idempotency-Key": "stale-key", "If-Match": '"1"'}
    failed = client.simulate_post(
        comments_url(ticket_id), json={"comment": "x"}, headers=stale
    )

    retried = client.simulate_post(
        comments_url(ticket_id),
        json={"comment": "x"},
        headers={**stale, "If-Match": '"2"'},
    )

    assert_error(failed, 412, "PreconditionFailed", "VersionMismatch")
    assert retried.status_code == 201
    assert version_of(client, tokens, ticket_id) == 3


def test_comment_key_survives_a_restart(
    client, tokens, create_ticket, directory, config
):
    ticket_id = create_ticket()
    headers = {**tokens.member(directory.alice), "Idempotency-Key": "comment-restart"}
    first = client.simulate_post(
        comments_url(ticket_id), json={"comment": "once"}, headers=headers
    )
    restarted_app = build_application(config)
    try:
        restarted = TestClient(create_app(config, restarted_app))

        retry = restarted.simulate_post(
            comments_url(ticket_id), json={"comment": "once"}, headers=headers
        )

        assert retry.json["commentId"] == first.json["commentId"]
    finally:
        restarted_app.close()
    assert version_of(client, tokens, ticket_id) == 2


@pytest.mark.parametrize("spell", [str.upper, lambda s: s.replace("-", "")])
def test_comment_key_is_scoped_to_the_ticket_not_to_how_its_id_is_spelled(
    client, tokens, create_ticket, directory, spell
):
    ticket_id = create_ticket()
    headers = {**tokens.member(directory.alice), "Idempotency-Key": "spelling"}
    first = client.simulate_post(
        comments_url(ticket_id), json={"comment": "once"}, headers=headers
    )

    retry = client.simulate_post(
        comments_url(spell(ticket_id)), json={"comment": "once"}, headers=headers
    )

    assert retry.status_code == 201
    assert retry.json["commentId"] == first.json["commentId"]
    assert version_of(client, tokens, ticket_id) == 2
