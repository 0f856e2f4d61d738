"""POST /v1.0/tickets/{id}/comments and PUT .../comments/{commentId}."""

from __future__ import annotations

import uuid

import pytest

from tests.api.helpers import (
    add_comment,
    assert_error,
    comment_url,
    comments_url,
    version_of,
)

# -- add -------------------------------------------------------------------------


def test_add_comment_answers_201_with_comment_id_and_location(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_post(
        comments_url(ticket_id),
        json={"comment": "First!"},
        headers=tokens.member(directory.alice),
    )

    assert result.status_code == 201
    comment_id = result.json["commentId"]
    assert str(uuid.UUID(comment_id)) == comment_id
    assert result.headers["Location"] == comment_url(ticket_id, comment_id)


def test_each_comment_gets_its_own_id(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)

    first = add_comment(client, alice, ticket_id, "one")
    second = add_comment(client, alice, ticket_id, "two")

    assert first != second


def test_adding_a_comment_increments_the_version(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    add_comment(client, tokens.member(directory.bob), ticket_id)

    assert version_of(client, tokens, ticket_id) == 2


def test_comment_of_10000_characters_is_accepted(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_post(
        comments_url(ticket_id),
        json={"comment": "c" * 10_000},
        headers=tokens.member(directory.alice),
    )

    assert result.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"comment": ""},
        {"comment": "   "},
        {"comment": "\n\t"},
        {"comment": "c" * 10_001},
        {"comment": 5},
        {"comment": None},
    ],
)
def test_invalid_comment_is_rejected(client, tokens, create_ticket, directory, body):
    ticket_id = create_ticket()

    result = client.simulate_post(
        comments_url(ticket_id), json=body, headers=tokens.member(directory.alice)
    )

    assert_error(result, 400, "BadRequest", field="comment")
    assert version_of(client, tokens, ticket_id) == 1


def test_comment_missing_is_rejected(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()

    result = client.simulate_post(
        comments_url(ticket_id), json={}, headers=tokens.member(directory.alice)
    )

    assert_error(result, 400, "BadRequest", field="comment")


def test_comment_with_unknown_field_is_rejected(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_post(
        comments_url(ticket_id),
        json={"comment": "x", "author": str(directory.bob)},
        headers=tokens.member(directory.alice),
    )

    assert_error(result, 400, "BadRequest", field="author")


def test_comment_on_unknown_ticket_is_not_found(client, tokens, directory):
    result = client.simulate_post(
        comments_url(uuid.uuid4()),
        json={"comment": "x"},
        headers=tokens.member(directory.alice),
    )

    assert_error(result, 404, "NotFound", "TicketNotFound")


def test_comment_on_a_status_uid_is_not_found(client, tokens, directory):
    result = client.simulate_post(
        comments_url(directory.open_status),
        json={"comment": "x"},
        headers=tokens.bypass(),
    )

    assert_error(result, 404, "NotFound", "TicketNotFound")


def test_comment_by_member_without_access_is_forbidden(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_post(
        comments_url(ticket_id),
        json={"comment": "x"},
        headers=tokens.member(directory.carol),
    )

    assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")
    assert version_of(client, tokens, ticket_id) == 1


def test_comment_with_matching_if_match_is_accepted(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_post(
        comments_url(ticket_id),
        json={"comment": "x"},
        headers={**tokens.member(directory.alice), "If-Match": '"1"'},
    )

    assert result.status_code == 201


def test_comment_with_stale_if_match_is_a_version_mismatch(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    add_comment(client, alice, ticket_id)

    result = client.simulate_post(
        comments_url(ticket_id),
        json={"comment": "x"},
        headers={**alice, "If-Match": '"1"'},
    )

    assert_error(result, 412, "PreconditionFailed", "VersionMismatch")
    assert version_of(client, tokens, ticket_id) == 2


def test_comment_with_if_match_star_is_accepted(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    add_comment(client, alice, ticket_id)

    result = client.simulate_post(
        comments_url(ticket_id),
        json={"comment": "x"},
        headers={**alice, "If-Match": "*"},
    )

    assert result.status_code == 201


def test_comment_with_weak_if_match_never_matches(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_post(
        comments_url(ticket_id),
        json={"comment": "x"},
        headers={**tokens.member(directory.alice), "If-Match": 'W/"1"'},
    )

    assert_error(result, 412, "PreconditionFailed", "VersionMismatch")


# -- edit ------------------------------------------------------------------------


def test_author_edits_own_comment_with_204(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    comment_id = add_comment(client, alice, ticket_id, "typo")

    result = client.simulate_put(
        comment_url(ticket_id, comment_id), json={"comment": "fixed"}, headers=alice
    )

    assert result.status_code == 204
    assert result.text == ""


def test_editing_a_comment_increments_the_version(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    comment_id = add_comment(client, alice, ticket_id, "typo")

    client.simulate_put(
        comment_url(ticket_id, comment_id), json={"comment": "fixed"}, headers=alice
    )

    assert version_of(client, tokens, ticket_id) == 3


def test_each_edit_is_a_new_version(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    comment_id = add_comment(client, alice, ticket_id, "v1")

    for text in ("v2", "v3"):
        client.simulate_put(
            comment_url(ticket_id, comment_id), json={"comment": text}, headers=alice
        )

    assert version_of(client, tokens, ticket_id) == 4


def test_edit_by_another_member_with_access_is_not_the_author(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    comment_id = add_comment(client, tokens.member(directory.alice), ticket_id)

    result = client.simulate_put(
        comment_url(ticket_id, comment_id),
        json={"comment": "hijacked"},
        headers=tokens.member(directory.bob),
    )

    assert_error(result, 403, "Forbidden", "NotCommentAuthor")
    assert version_of(client, tokens, ticket_id) == 2


def test_edit_by_bypass_token_that_did_not_write_it_is_not_the_author(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    comment_id = add_comment(client, tokens.member(directory.alice), ticket_id)

    result = client.simulate_put(
        comment_url(ticket_id, comment_id),
        json={"comment": "by an app"},
        headers=tokens.bypass(),
    )

    assert_error(result, 403, "Forbidden", "NotCommentAuthor")


def test_edit_by_member_without_ticket_access_is_forbidden(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    comment_id = add_comment(client, tokens.member(directory.alice), ticket_id)

    result = client.simulate_put(
        comment_url(ticket_id, comment_id),
        json={"comment": "x"},
        headers=tokens.member(directory.carol),
    )

    assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")


def test_author_who_lost_access_can_no_longer_edit(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    comment_id = add_comment(client, alice, ticket_id)
    directory.grant(directory.alice)

    result = client.simulate_put(
        comment_url(ticket_id, comment_id), json={"comment": "x"}, headers=alice
    )

    assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")


def test_edit_of_unknown_comment_is_not_found(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()

    result = client.simulate_put(
        comment_url(ticket_id, uuid.uuid4()),
        json={"comment": "x"},
        headers=tokens.member(directory.alice),
    )

    assert_error(result, 404, "NotFound", "CommentNotFound")


def test_edit_of_a_comment_through_another_ticket_is_not_found(
    client, tokens, create_ticket, directory
):
    alice = tokens.member(directory.alice)
    ticket_id = create_ticket()
    other_ticket = create_ticket()
    comment_id = add_comment(client, alice, ticket_id)

    result = client.simulate_put(
        comment_url(other_ticket, comment_id), json={"comment": "x"}, headers=alice
    )

    assert_error(result, 404, "NotFound", "CommentNotFound")


def test_edit_on_unknown_ticket_is_not_found(client, tokens, directory):
    result = client.simulate_put(
        comment_url(uuid.uuid4(), uuid.uuid4()),
        json={"comment": "x"},
        headers=tokens.member(directory.alice),
    )

    assert_error(result, 404, "NotFound", "TicketNotFound")


@pytest.mark.parametrize(
    "body", [{"comment": ""}, {"comment": "  "}, {"comment": "c" * 10_001}, {}]
)
def test_invalid_edit_is_rejected(client, tokens, create_ticket, directory, body):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    comment_id = add_comment(client, alice, ticket_id)

    result = client.simulate_put(
        comment_url(ticket_id, comment_id), json=body, headers=alice
    )

    assert_error(result, 400, "BadRequest", field="comment")
    assert version_of(client, tokens, ticket_id) == 2


def _edit_with_if_match(client, tokens, create_ticket, directory, if_match):
    """Edit alice's comment on a fresh ticket (now at version 2) with If-Match."""
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    comment_id = add_comment(client, alice, ticket_id)
    result = client.simulate_put(
        comment_url(ticket_id, comment_id),
        json={"comment": "edited"},
        headers={**alice, "If-Match": if_match},
    )
    return ticket_id, result


@pytest.mark.parametrize("if_match", ['"2"', "*"], ids=["current", "star"])
def test_edit_with_matching_if_match_is_accepted(
    client, tokens, create_ticket, directory, if_match
):
    _, result = _edit_with_if_match(client, tokens, create_ticket, directory, if_match)

    assert result.status_code == 204


@pytest.mark.parametrize("if_match", ['"1"', 'W/"2"'], ids=["stale", "weak"])
def test_edit_with_if_match_naming_no_current_strong_version_is_a_mismatch(
    client, tokens, create_ticket, directory, if_match
):
    ticket_id, result = _edit_with_if_match(
        client, tokens, create_ticket, directory, if_match
    )

    assert_error(result, 412, "PreconditionFailed", "VersionMismatch")
    assert version_of(client, tokens, ticket_id) == 2
