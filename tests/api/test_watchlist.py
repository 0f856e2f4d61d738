"""POST and DELETE /v1.0/tickets/watchlist: per member, all or nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.api.helpers import WATCHLIST, assert_error, get_ticket, version_of


def _watch(client, headers, *ticket_ids):
    return client.simulate_post(
        WATCHLIST, json={"ticketIds": [str(t) for t in ticket_ids]}, headers=headers
    )


def _unwatch(client, headers, *ticket_ids):
    return client.simulate_delete(
        WATCHLIST, json={"ticketIds": [str(t) for t in ticket_ids]}, headers=headers
    )


# -- add -------------------------------------------------------------------------


def test_watch_answers_204_and_records_a_version(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = _watch(client, tokens.member(directory.alice), ticket_id)

    assert result.status_code == 204
    assert result.text == ""
    assert version_of(client, tokens, ticket_id) == 2


def test_watching_several_tickets_records_one_version_on_each(
    client, tokens, create_ticket, directory
):
    first, second = create_ticket(), create_ticket()

    result = _watch(client, tokens.member(directory.alice), first, second)

    assert result.status_code == 204
    assert version_of(client, tokens, first) == 2
    assert version_of(client, tokens, second) == 2


def test_watching_an_already_watched_ticket_is_a_no_op(
    client, tokens, create_ticket, directory, application
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    _watch(client, alice, ticket_id)
    before = application.recorder.max_notification_id()

    result = _watch(client, alice, ticket_id)

    assert result.status_code == 204
    assert version_of(client, tokens, ticket_id) == 2
    assert application.recorder.max_notification_id() == before


def test_watch_lists_are_per_member(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()
    _watch(client, tokens.member(directory.alice), ticket_id)

    result = _watch(client, tokens.member(directory.bob), ticket_id)

    assert result.status_code == 204
    assert version_of(client, tokens, ticket_id) == 3


def test_watch_with_an_unknown_id_changes_nothing_and_lists_only_unknown_ids(
    client, tokens, create_ticket, directory
):
    known = create_ticket()
    unknown = str(uuid.uuid4())

    result = _watch(client, tokens.member(directory.alice), known, unknown)

    body = assert_error(result, 404, "NotFound", "TicketNotFound")
    assert body["properties"]["ticketIds"] == [unknown]
    assert version_of(client, tokens, known) == 1


def test_watching_a_category_uid_reports_it_as_an_unknown_ticket(
    client, tokens, directory
):
    category = str(directory.category)

    result = _watch(client, tokens.bypass(), category)

    body = assert_error(result, 404, "NotFound", "TicketNotFound")
    assert body["properties"]["ticketIds"] == [category]


def test_watch_reports_unknown_ids_before_inaccessible_ones(
    client, tokens, create_ticket, directory
):
    inaccessible = create_ticket(
        member=directory.bob, contactUids=[str(directory.contact_b)]
    )
    unknown = str(uuid.uuid4())

    result = _watch(client, tokens.member(directory.alice), inaccessible, unknown)

    body = assert_error(result, 404, "NotFound", "TicketNotFound")
    assert body["properties"]["ticketIds"] == [unknown]


def test_watch_with_an_inaccessible_ticket_changes_nothing_and_lists_only_it(
    client, tokens, create_ticket, directory
):
    accessible = create_ticket()
    inaccessible = create_ticket(
        member=directory.bob, contactUids=[str(directory.contact_b)]
    )

    result = _watch(client, tokens.member(directory.alice), accessible, inaccessible)

    body = assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")
    assert body["properties"]["ticketIds"] == [inaccessible]
    assert version_of(client, tokens, accessible) == 1
    assert version_of(client, tokens, inaccessible) == 1


def test_watch_by_member_without_grants_is_forbidden(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = _watch(client, tokens.member(directory.carol), ticket_id)

    body = assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")
    assert body["properties"]["ticketIds"] == [ticket_id]


def test_bypass_token_watches_without_contact_grants(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = _watch(client, tokens.bypass(), ticket_id)

    assert result.status_code == 204
    assert version_of(client, tokens, ticket_id) == 2


# -- remove ----------------------------------------------------------------------


def test_unwatch_answers_204_and_records_a_version(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    _watch(client, alice, ticket_id)

    result = _unwatch(client, alice, ticket_id)

    assert result.status_code == 204
    assert version_of(client, tokens, ticket_id) == 3


def test_unwatching_an_unwatched_ticket_is_a_no_op(
    client, tokens, create_ticket, directory, application
):
    ticket_id = create_ticket()
    before = application.recorder.max_notification_id()

    result = _unwatch(client, tokens.member(directory.alice), ticket_id)

    assert result.status_code == 204
    assert version_of(client, tokens, ticket_id) == 1
    assert application.recorder.max_notification_id() == before


def test_unwatching_twice_records_one_version(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    _watch(client, alice, ticket_id)
    _unwatch(client, alice, ticket_id)

    result = _unwatch(client, alice, ticket_id)

    assert result.status_code == 204
    assert version_of(client, tokens, ticket_id) == 3


def test_unwatch_only_removes_the_callers_watch(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    _watch(client, tokens.member(directory.alice), ticket_id)

    result = _unwatch(client, tokens.member(directory.bob), ticket_id)

    assert result.status_code == 204
    assert version_of(client, tokens, ticket_id) == 2


def test_unwatch_with_an_unknown_id_changes_nothing_and_lists_only_unknown_ids(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    _watch(client, alice, ticket_id)
    unknown = str(uuid.uuid4())

    result = _unwatch(client, alice, ticket_id, unknown)

    body = assert_error(result, 404, "NotFound", "TicketNotFound")
    assert body["properties"]["ticketIds"] == [unknown]
    assert version_of(client, tokens, ticket_id) == 2


def test_member_who_lost_access_can_still_unwatch(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    _watch(client, alice, ticket_id)
    directory.grant(directory.alice)

    result = _unwatch(client, alice, ticket_id)

    assert result.status_code == 204
    assert version_of(client, tokens, ticket_id) == 3


def test_member_who_lost_access_can_no_longer_watch(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    directory.grant(directory.alice)

    result = _watch(client, tokens.member(directory.alice), ticket_id)

    assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")


# -- body errors -----------------------------------------------------------------


@pytest.mark.parametrize("send", [_watch, _unwatch])
def test_empty_ticket_ids_are_rejected(client, tokens, directory, send):
    result = send(client, tokens.member(directory.alice))

    assert_error(result, 400, "BadRequest", field="ticketIds")


@pytest.mark.parametrize("send", [_watch, _unwatch])
def test_duplicate_ticket_ids_are_rejected(
    client, tokens, create_ticket, directory, send
):
    ticket_id = create_ticket()

    result = send(client, tokens.member(directory.alice), ticket_id, ticket_id)

    assert_error(result, 400, "BadRequest", field="ticketIds")
    assert version_of(client, tokens, ticket_id) == 1


@pytest.mark.parametrize("send", [_watch, _unwatch])
def test_more_than_100_ticket_ids_are_rejected(client, tokens, directory, send):
    ids = [uuid.uuid4() for _ in range(101)]

    result = send(client, tokens.member(directory.alice), *ids)

    assert_error(result, 400, "BadRequest", field="ticketIds")


def test_100_ticket_ids_are_within_the_limit(client, tokens, directory):
    ids = [str(uuid.uuid4()) for _ in range(100)]

    result = _watch(client, tokens.member(directory.alice), *ids)

    body = assert_error(result, 404, "NotFound", "TicketNotFound")
    assert sorted(body["properties"]["ticketIds"]) == sorted(ids)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "ticketIds"),
        ({"ticketIds": ["nope"]}, "ticketIds[0]"),
        ({"ticketIds": "nope"}, "ticketIds"),
        ({"ticketIds": [], "extra": 1}, None),
    ],
)
def test_invalid_watch_body_is_rejected(client, tokens, directory, body, field):
    result = client.simulate_post(
        WATCHLIST, json=body, headers=tokens.member(directory.alice)
    )

    assert_error(result, 400, "BadRequest", field=field)


def test_watching_bumps_the_version_but_does_not_reveal_the_watcher(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    before = get_ticket(client, alice, ticket_id)

    client.simulate_post(
        WATCHLIST, json={"ticketIds": [ticket_id]}, headers=tokens.member(directory.bob)
    )

    after = get_ticket(client, alice, ticket_id)
    assert after["version"] == before["version"] + 1
    assert after["updatedBy"] == str(directory.alice)
    assert after["updatedAt"] == before["updatedAt"]
