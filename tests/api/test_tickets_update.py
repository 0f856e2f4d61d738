"""PATCH /v1.0/tickets/{ticketId} and GET of one ticket: semantics, versions, errors."""

from __future__ import annotations

import uuid

import pytest

from tests.api.helpers import assert_error, get_ticket, ticket_url, version_of

DUE = "2026-05-01T08:00:00.000+00:00"


def _patch(client, headers, ticket_id, body, **extra_headers):
    return client.simulate_patch(
        ticket_url(ticket_id), json=body, headers={**headers, **extra_headers}
    )


# -- GET -------------------------------------------------------------------------


def test_get_of_unknown_ticket_is_not_found(client, tokens, directory):
    result = client.simulate_get(
        ticket_url(uuid.uuid4()), headers=tokens.member(directory.alice)
    )

    assert_error(result, 404, "NotFound", "TicketNotFound")


def test_get_by_member_without_access_is_forbidden(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_get(
        ticket_url(ticket_id), headers=tokens.member(directory.carol)
    )

    assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")


def test_get_by_another_member_with_access_is_allowed(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_get(
        ticket_url(ticket_id), headers=tokens.member(directory.bob)
    )

    assert result.status_code == 200
    assert result.headers["ETag"] == '"1"'


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_uid_of_a_category_is_not_a_ticket(client, tokens, directory, method):
    result = client.simulate_request(
        method,
        ticket_url(directory.category),
        json={"title": "x"},
        headers=tokens.bypass(),
    )

    assert_error(result, 404, "NotFound", "TicketNotFound")


# -- success and semantics -------------------------------------------------------


def test_update_answers_204_with_the_new_etag(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()

    result = _patch(
        client, tokens.member(directory.alice), ticket_id, {"title": "New title"}
    )

    assert result.status_code == 204
    assert result.headers["ETag"] == '"2"'
    assert result.text == ""


def test_update_without_update_properties_applies_every_present_property(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket(description="old")
    alice = tokens.member(directory.alice)
    body = {
        "title": "New title",
        "description": "new",
        "dueDate": DUE,
        "assigneeMemberUid": str(directory.bob),
        "statusUid": str(directory.closed_status),
    }

    _patch(client, alice, ticket_id, body)

    ticket = get_ticket(client, alice, ticket_id)
    assert ticket["title"] == "New title"
    assert ticket["description"] == "new"
    assert ticket["dueDate"] == DUE
    assert ticket["assigneeMemberUid"] == str(directory.bob)
    assert ticket["status"]["uid"] == str(directory.closed_status)
    assert ticket["status"]["isClosed"] is True
    assert ticket["updatedBy"] == str(directory.alice)


def test_update_without_update_properties_leaves_absent_properties_alone(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket(description="keep me", dueDate=DUE)
    alice = tokens.member(directory.alice)

    _patch(client, alice, ticket_id, {"title": "Only the title"})

    ticket = get_ticket(client, alice, ticket_id)
    assert ticket["description"] == "keep me"
    assert ticket["dueDate"] == DUE


def test_null_without_update_properties_clears_the_property(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket(description="gone soon")
    alice = tokens.member(directory.alice)

    _patch(client, alice, ticket_id, {"description": None})

    assert get_ticket(client, alice, ticket_id)["description"] is None


def test_update_properties_apply_only_the_listed_properties(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket(description="unchanged")
    alice = tokens.member(directory.alice)

    _patch(
        client,
        alice,
        ticket_id,
        {"updateProperties": ["title"], "title": "Listed", "description": "ignored"},
    )

    ticket = get_ticket(client, alice, ticket_id)
    assert ticket["title"] == "Listed"
    assert ticket["description"] == "unchanged"


def test_update_property_names_match_case_insensitively(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    body = {
        "updateProperties": ["TITLE", "DueDate", "assigneememberuid", "StatusUID"],
        "title": "Shouted",
        "dueDate": DUE,
        "assigneeMemberUid": str(directory.bob),
        "statusUid": str(directory.closed_status),
    }

    result = _patch(client, alice, ticket_id, body)

    assert result.status_code == 204
    ticket = get_ticket(client, alice, ticket_id)
    assert ticket["title"] == "Shouted"
    assert ticket["dueDate"] == DUE
    assert ticket["assigneeMemberUid"] == str(directory.bob)
    assert ticket["status"]["uid"] == str(directory.closed_status)


@pytest.mark.parametrize(
    ("listed", "field"),
    [
        ("description", "description"),
        ("dueDate", "dueDate"),
        ("assigneeMemberUid", "assigneeMemberUid"),
    ],
)
def test_listed_but_absent_property_is_cleared(
    client, tokens, create_ticket, directory, listed, field
):
    ticket_id = create_ticket(
        description="d", dueDate=DUE, assigneeMemberUid=str(directory.bob)
    )
    alice = tokens.member(directory.alice)

    result = _patch(client, alice, ticket_id, {"updateProperties": [listed]})

    assert result.status_code == 204
    assert get_ticket(client, alice, ticket_id)[field] is None


def test_listed_and_null_property_is_cleared(client, tokens, create_ticket, directory):
    ticket_id = create_ticket(description="d")
    alice = tokens.member(directory.alice)

    _patch(
        client,
        alice,
        ticket_id,
        {"updateProperties": ["description"], "description": None},
    )

    assert get_ticket(client, alice, ticket_id)["description"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"updateProperties": ["title"]}, "title"),
        ({"updateProperties": ["title"], "title": None}, "title"),
        ({"title": None}, "title"),
        ({"updateProperties": ["statusUid"]}, "statusUid"),
        ({"statusUid": None}, "statusUid"),
    ],
)
def test_title_and_status_cannot_be_cleared(
    client, tokens, create_ticket, directory, body, field
):
    ticket_id = create_ticket()

    result = _patch(client, tokens.member(directory.alice), ticket_id, body)

    assert_error(result, 400, "BadRequest", field=field)
    assert version_of(client, tokens, ticket_id) == 1


def test_empty_update_properties_apply_nothing(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)

    result = _patch(
        client, alice, ticket_id, {"updateProperties": [], "title": "Not applied"}
    )

    assert result.status_code == 204
    assert result.headers["ETag"] == '"1"'
    ticket = get_ticket(client, alice, ticket_id)
    assert ticket["title"] == "Printer on fire"
    assert ticket["version"] == 1


def test_empty_body_applies_nothing(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()

    result = _patch(client, tokens.member(directory.alice), ticket_id, {})

    assert result.status_code == 204
    assert result.headers["ETag"] == '"1"'


@pytest.mark.parametrize(
    "names",
    [
        ["priority"],
        ["title", "contactUids"],
        ["categoryUid"],
        ["title", "title"],
        ["title", "Title"],
    ],
    ids=["unknown", "unknown-second", "not-updatable", "repeated", "repeated-case"],
)
def test_unknown_or_repeated_update_property_names_are_rejected(
    client, tokens, create_ticket, directory, names
):
    ticket_id = create_ticket()

    result = _patch(
        client,
        tokens.member(directory.alice),
        ticket_id,
        {"updateProperties": names, "title": "x"},
    )

    body = assert_error(result, 400, "BadRequest")
    assert body["properties"]["field"].startswith("updateProperties")
    assert version_of(client, tokens, ticket_id) == 1


def test_setting_the_current_values_records_nothing(
    client, tokens, create_ticket, directory, application
):
    ticket_id = create_ticket(description="same", dueDate=DUE)
    alice = tokens.member(directory.alice)
    before = application.recorder.max_notification_id()

    result = _patch(
        client,
        alice,
        ticket_id,
        {
            "title": "Printer on fire",
            "description": "same",
            "dueDate": DUE,
            "statusUid": str(directory.open_status),
            "assigneeMemberUid": None,
        },
    )

    assert result.status_code == 204
    assert result.headers["ETag"] == '"1"'
    assert version_of(client, tokens, ticket_id) == 1
    assert application.recorder.max_notification_id() == before


def test_sending_back_the_shown_due_date_is_not_a_change(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket(dueDate="2026-03-25T11:56:29.1965357+02:00")
    alice = tokens.member(directory.alice)
    shown = get_ticket(client, alice, ticket_id)["dueDate"]

    result = _patch(client, alice, ticket_id, {"dueDate": shown})

    assert result.headers["ETag"] == '"1"'


def test_each_real_change_increments_the_version_by_one(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)

    etags = [
        _patch(client, alice, ticket_id, {"title": f"Title {n}"}).headers["ETag"]
        for n in range(3)
    ]

    assert etags == ['"2"', '"3"', '"4"']
    assert version_of(client, tokens, ticket_id) == 4


def test_several_properties_in_one_update_are_one_version(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = _patch(
        client,
        tokens.member(directory.alice),
        ticket_id,
        {"title": "A", "description": "B", "dueDate": DUE},
    )

    assert result.headers["ETag"] == '"2"'


def test_update_by_another_member_records_who_changed_it(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    _patch(client, tokens.member(directory.bob), ticket_id, {"title": "By bob"})

    ticket = get_ticket(client, tokens.bypass(), ticket_id)
    assert ticket["createdBy"] == str(directory.alice)
    assert ticket["updatedBy"] == str(directory.bob)


def test_bypass_token_updates_without_contact_grants(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    actor = uuid.uuid4()

    result = _patch(client, tokens.bypass(actor), ticket_id, {"title": "By an app"})

    assert result.status_code == 204
    assert get_ticket(client, tokens.bypass(), ticket_id)["updatedBy"] == str(actor)


# -- update errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "t" * 257}, "title"),
        ({"description": "d" * 10_001}, "description"),
        ({"dueDate": "tomorrow"}, "dueDate"),
        ({"dueDate": "2026-05-01T08:00:00"}, "dueDate"),
        ({"statusUid": "open"}, "statusUid"),
        ({"assigneeMemberUid": 5}, "assigneeMemberUid"),
        ({"contactUids": []}, "contactUids"),
        ({"updateProperties": "title"}, "updateProperties"),
    ],
)
def test_invalid_update_body_is_rejected_naming_the_field(
    client, tokens, create_ticket, directory, body, field
):
    ticket_id = create_ticket()

    result = _patch(client, tokens.member(directory.alice), ticket_id, body)

    assert_error(result, 400, "BadRequest", field=field)


def test_update_of_unknown_ticket_is_not_found(client, tokens, directory):
    result = _patch(
        client, tokens.member(directory.alice), uuid.uuid4(), {"title": "x"}
    )

    assert_error(result, 404, "NotFound", "TicketNotFound")


def test_update_by_member_without_access_is_forbidden(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = _patch(client, tokens.member(directory.carol), ticket_id, {"title": "x"})

    assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")
    assert version_of(client, tokens, ticket_id) == 1


def test_update_to_unknown_status_is_not_found(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = _patch(
        client,
        tokens.member(directory.alice),
        ticket_id,
        {"statusUid": str(uuid.uuid4())},
    )

    assert_error(result, 422, "UnprocessableEntity", "StatusNotFound")


def test_update_to_assignee_without_grants_is_rejected(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = _patch(
        client,
        tokens.member(directory.alice),
        ticket_id,
        {"assigneeMemberUid": str(directory.carol)},
    )

    assert_error(result, 422, "UnprocessableEntity", "AssigneeInsufficientAccess")
    assert get_ticket(client, tokens.bypass(), ticket_id)["assigneeMemberUid"] is None


def test_rejected_update_changes_nothing_else_in_the_same_request(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    _patch(
        client,
        tokens.member(directory.alice),
        ticket_id,
        {"title": "Should not stick", "statusUid": str(uuid.uuid4())},
    )

    ticket = get_ticket(client, tokens.bypass(), ticket_id)
    assert ticket["title"] == "Printer on fire"
    assert ticket["version"] == 1


# -- If-Match --------------------------------------------------------------------


def test_matching_if_match_is_accepted(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()

    result = _patch(
        client,
        tokens.member(directory.alice),
        ticket_id,
        {"title": "x"},
        **{"If-Match": '"1"'},
    )

    assert result.status_code == 204
    assert result.headers["ETag"] == '"2"'


def test_stale_if_match_is_a_version_mismatch(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    _patch(client, alice, ticket_id, {"title": "first"})

    result = _patch(
        client, alice, ticket_id, {"title": "second"}, **{"If-Match": '"1"'}
    )

    assert_error(result, 412, "PreconditionFailed", "VersionMismatch")
    assert get_ticket(client, alice, ticket_id)["title"] == "first"


def test_if_match_star_matches_any_version(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    _patch(client, alice, ticket_id, {"title": "first"})

    result = _patch(client, alice, ticket_id, {"title": "second"}, **{"If-Match": "*"})

    assert result.status_code == 204
    assert result.headers["ETag"] == '"3"'


def test_if_match_star_on_unknown_ticket_is_not_found(client, tokens, directory):
    result = _patch(
        client,
        tokens.member(directory.alice),
        uuid.uuid4(),
        {"title": "x"},
        **{"If-Match": "*"},
    )

    assert_error(result, 404, "NotFound", "TicketNotFound")


@pytest.mark.parametrize("header", ['W/"1"', '"one"', '"0"', '"2"', "1", '"1'])
def test_if_match_that_names_no_strong_current_version_never_matches(
    client, tokens, create_ticket, directory, header
):
    ticket_id = create_ticket()

    result = _patch(
        client,
        tokens.member(directory.alice),
        ticket_id,
        {"title": "x"},
        **{"If-Match": header},
    )

    assert_error(result, 412, "PreconditionFailed", "VersionMismatch")
    assert version_of(client, tokens, ticket_id) == 1


@pytest.mark.parametrize("header", ['"1", "7"', '"7", "1"', 'W/"7", "1"'])
def test_if_match_list_containing_the_current_etag_matches(
    client, tokens, create_ticket, directory, header
):
    ticket_id = create_ticket()

    result = _patch(
        client,
        tokens.member(directory.alice),
        ticket_id,
        {"title": "x"},
        **{"If-Match": header},
    )

    assert result.status_code == 204


def test_head_of_a_ticket_gives_its_etag_without_a_body(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_head(
        ticket_url(ticket_id), headers=tokens.member(directory.alice)
    )

    assert result.status_code == 200
    assert result.headers["ETag"] == '"1"'
    assert result.content == b""
