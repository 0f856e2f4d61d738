"""Section 1: when several errors apply, the first of
401, route 404 / 405, 415, 413, 400, resource 404, 403, 412, 422 wins.

Each test builds a request that deserves two adjacent errors of that order and
asserts that the earlier one is answered.
"""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from falcon.testing import TestClient

from api.app import create_app
from tests.api.helpers import (
    TICKETS,
    WATCHLIST,
    add_comment,
    assert_error,
    category_url,
    comment_url,
    comments_url,
    ticket_request,
    ticket_url,
    version_of,
)


@pytest.fixture
def small_client(config, application):
    """A client whose body limit is 200 bytes."""
    return TestClient(
        create_app(dataclasses.replace(config, max_body_bytes=200), application)
    )


# -- 401 before route 404 / 405 --------------------------------------------------


def test_unauthorized_beats_unknown_route(client):
    result = client.simulate_get("/v1.0/nowhere")

    assert_error(result, 401, "Unauthorized")


def test_unauthorized_beats_wrong_method(client):
    result = client.simulate_put(ticket_url(uuid.uuid4()), json={})

    assert_error(result, 401, "Unauthorized")


def test_unauthorized_beats_unsupported_media_type(client):
    result = client.simulate_post(
        TICKETS, body=b"title=x", headers={"Content-Type": "text/plain"}
    )

    assert_error(result, 401, "Unauthorized")


# -- route 404 / 405 before 415 --------------------------------------------------


def test_unknown_route_beats_unsupported_media_type(client, tokens, directory):
    headers = {**tokens.member(directory.alice), "Content-Type": "text/plain"}

    result = client.simulate_post("/v1.0/nowhere", body=b"hello", headers=headers)

    assert_error(result, 404, "NotFound", "NA")


def test_wrong_method_beats_unsupported_media_type(client, tokens, directory):
    headers = {**tokens.member(directory.alice), "Content-Type": "text/plain"}

    result = client.simulate_put(
        ticket_url(uuid.uuid4()), body=b"hello", headers=headers
    )

    assert_error(result, 405, "MethodNotAllowed")
    assert "PATCH" in result.headers["Allow"]


# -- 415 before 413 before 400 ---------------------------------------------------


def test_unsupported_media_type_beats_payload_too_large(
    small_client, tokens, directory
):
    headers = {**tokens.member(directory.alice), "Content-Type": "text/plain"}

    result = small_client.simulate_post(TICKETS, body=b"x" * 1000, headers=headers)

    assert_error(result, 415, "UnsupportedMediaType")


def test_payload_too_large_beats_malformed_json(small_client, tokens, directory):
    headers = {**tokens.member(directory.alice), "Content-Type": "application/json"}

    result = small_client.simulate_post(TICKETS, body=b"{" * 1000, headers=headers)

    assert_error(result, 413, "PayloadTooLarge")


# -- 400 before resource 404 -----------------------------------------------------


def test_bad_request_beats_unknown_ticket_on_update(client, tokens, directory):
    result = client.simulate_patch(
        ticket_url(uuid.uuid4()),
        json={"title": ""},
        headers=tokens.member(directory.alice),
    )

    assert_error(result, 400, "BadRequest", field="title")


def test_bad_request_beats_unknown_ticket_on_comment(client, tokens, directory):
    result = client.simulate_post(
        comments_url(uuid.uuid4()),
        json={"comment": " "},
        headers=tokens.member(directory.alice),
    )

    assert_error(result, 400, "BadRequest", field="comment")


def test_bad_request_beats_unknown_comment_on_edit(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_put(
        comment_url(ticket_id, uuid.uuid4()),
        json={"comment": ""},
        headers=tokens.member(directory.alice),
    )

    assert_error(result, 400, "BadRequest", field="comment")


def test_bad_request_beats_unknown_ticket_on_watch(client, tokens, directory):
    ticket_id = str(uuid.uuid4())

    result = client.simulate_post(
        WATCHLIST,
        json={"ticketIds": [ticket_id, ticket_id]},
        headers=tokens.member(directory.alice),
    )

    assert_error(result, 400, "BadRequest", field="ticketIds")


def test_bad_request_beats_reused_idempotency_key(client, tokens, directory):
    headers = {**tokens.member(directory.alice), "Idempotency-Key": "bad-body"}
    client.simulate_post(TICKETS, json=ticket_request(directory), headers=headers)

    result = client.simulate_post(
        TICKETS, json=ticket_request(directory, title=" "), headers=headers
    )

    assert_error(result, 400, "BadRequest", field="title")


# -- resource 404 before 403 -----------------------------------------------------


def test_unknown_ticket_beats_missing_access_on_update(client, tokens, directory):
    result = client.simulate_patch(
        ticket_url(uuid.uuid4()),
        json={"title": "x"},
        headers=tokens.member(directory.carol),
    )

    assert_error(result, 404, "NotFound", "TicketNotFound")


def test_unknown_comment_beats_missing_access_on_edit(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_put(
        comment_url(ticket_id, uuid.uuid4()),
        json={"comment": "x"},
        headers=tokens.member(directory.carol),
    )

    assert_error(result, 404, "NotFound", "CommentNotFound")


def test_unknown_ticket_beats_inaccessible_ticket_on_watch(
    client, tokens, create_ticket, directory
):
    inaccessible = create_ticket()
    unknown = str(uuid.uuid4())

    result = client.simulate_post(
        WATCHLIST,
        json={"ticketIds": [inaccessible, unknown]},
        headers=tokens.member(directory.carol),
    )

    body = assert_error(result, 404, "NotFound", "TicketNotFound")
    assert body["properties"]["ticketIds"] == [unknown]


# -- 400 before 403 (create and directory) ---------------------------------------


def test_category_mismatch_beats_missing_creator_access(client, tokens, directory):
    body = ticket_request(directory, categoryKey="retired")

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.carol)
    )

    assert_error(result, 400, "BadRequest", "CategoryMismatch")


def test_category_required_beats_bypass_token_required(client, tokens, directory):
    body = {
        "title": "x",
        "contactUids": [str(directory.contact_a)],
        "participantUids": [str(uuid.uuid4())],
    }

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    assert_error(result, 400, "BadRequest", "CategoryRequired")


def test_invalid_directory_body_beats_missing_admin_scope(client, tokens, directory):
    result = client.simulate_put(
        category_url(uuid.uuid4()),
        json={"key": "k"},
        headers=tokens.member(directory.bob),
    )

    assert_error(result, 400, "BadRequest", field="names")


# -- 403 before 412 --------------------------------------------------------------


def test_missing_access_beats_stale_if_match_on_update(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_patch(
        ticket_url(ticket_id),
        json={"title": "x"},
        headers={**tokens.member(directory.carol), "If-Match": '"9"'},
    )

    assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")


def test_missing_access_beats_stale_if_match_on_comment(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_post(
        comments_url(ticket_id),
        json={"comment": "x"},
        headers={**tokens.member(directory.carol), "If-Match": '"9"'},
    )

    assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")


def test_not_comment_author_beats_stale_if_match(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    comment_id = add_comment(client, tokens.member(directory.alice), ticket_id)

    result = client.simulate_put(
        comment_url(ticket_id, comment_id),
        json={"comment": "x"},
        headers={**tokens.member(directory.bob), "If-Match": '"1"'},
    )

    assert_error(result, 403, "Forbidden", "NotCommentAuthor")


# -- 403 before 422 (create) -----------------------------------------------------


def test_missing_creator_access_beats_unknown_category(client, tokens, directory):
    body = ticket_request(directory, categoryUid=str(uuid.uuid4()))

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.carol)
    )

    assert_error(result, 403, "Forbidden", "CreatorInsufficientAccess")


def test_bypass_token_required_beats_inactive_category(client, tokens, directory):
    body = ticket_request(
        directory,
        categoryUid=str(directory.inactive_category),
        participantUids=[str(uuid.uuid4())],
    )

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    assert_error(result, 403, "Forbidden", "BypassTokenRequired")


# -- 412 before 422 --------------------------------------------------------------


def test_stale_if_match_beats_unknown_status(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()

    result = client.simulate_patch(
        ticket_url(ticket_id),
        json={"statusUid": str(uuid.uuid4())},
        headers={**tokens.member(directory.alice), "If-Match": '"7"'},
    )

    assert_error(result, 412, "PreconditionFailed", "VersionMismatch")


def test_stale_if_match_beats_assignee_without_access(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_patch(
        ticket_url(ticket_id),
        json={"assigneeMemberUid": str(directory.carol)},
        headers={**tokens.member(directory.alice), "If-Match": '"7"'},
    )

    assert_error(result, 412, "PreconditionFailed", "VersionMismatch")
    assert version_of(client, tokens, ticket_id) == 1


def test_stale_if_match_beats_reused_idempotency_key(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    headers = {
        **tokens.member(directory.alice),
        "Idempotency-Key": "comment-once",
        "If-Match": '"1"',
    }
    client.simulate_post(
        comments_url(ticket_id), json={"comment": "one"}, headers=headers
    )

    result = client.simulate_post(
        comments_url(ticket_id), json={"comment": "two"}, headers=headers
    )

    assert_error(result, 412, "PreconditionFailed", "VersionMismatch")


def test_missing_creator_access_beats_reused_idempotency_key(client, tokens, directory):
    headers = {**tokens.member(directory.alice), "Idempotency-Key": "create-once"}
    client.simulate_post(TICKETS, json=ticket_request(directory), headers=headers)
    forbidden = ticket_request(directory, contactUids=[str(directory.contact_b)])

    result = client.simulate_post(TICKETS, json=forbidden, headers=headers)

    assert_error(result, 403, "Forbidden", "CreatorInsufficientAccess")
