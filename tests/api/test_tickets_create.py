"""POST /v1.0/tickets: the created ticket, its defaults, and every create error."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from tests.api.helpers import (
    TICKETS,
    assert_error,
    get_ticket,
    status_url,
    ticket_request,
)

# -- success ---------------------------------------------------------------------


def test_create_answers_201_with_ticket_id_location_and_first_etag(
    client, tokens, directory
):
    body = ticket_request(directory)

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    assert result.status_code == 201
    ticket_id = result.json["ticketId"]
    assert str(uuid.UUID(ticket_id)) == ticket_id
    assert result.headers["Location"] == f"/v1.0/tickets/{ticket_id}"
    assert result.headers["ETag"] == '"1"'


def test_location_of_created_ticket_can_be_read(client, tokens, directory):
    alice = tokens.member(directory.alice)
    created = client.simulate_post(
        TICKETS, json=ticket_request(directory), headers=alice
    )

    result = client.simulate_get(created.headers["Location"], headers=alice)

    assert result.status_code == 200
    assert result.json["ticketId"] == created.json["ticketId"]


def test_created_ticket_shows_every_property_sent(client, tokens, directory):
    reference = uuid.uuid4()
    body = ticket_request(
        directory,
        description="Working with new instruments",
        dueDate="2026-03-25T09:56:29.196+00:00",
        assigneeMemberUid=str(directory.bob),
        referenceUid=str(reference),
    )
    alice = tokens.member(directory.alice)
    ticket_id = client.simulate_post(TICKETS, json=body, headers=alice).json["ticketId"]

    ticket = get_ticket(client, alice, ticket_id)

    assert ticket["ticketId"] == ticket_id
    assert ticket["title"] == "Printer on fire"
    assert ticket["description"] == "Working with new instruments"
    assert ticket["category"] == {
        "uid": str(directory.category),
        "key": "general",
        "name": "General",
    }
    assert ticket["status"] == {
        "uid": str(directory.open_status),
        "key": "open",
        "name": "Open",
        "isClosed": False,
    }
    assert ticket["dueDate"] == "2026-03-25T09:56:29.196+00:00"
    assert ticket["assigneeMemberUid"] == str(directory.bob)
    assert ticket["contactUids"] == [str(directory.contact_a)]
    assert ticket["participantUids"] == []
    assert ticket["referenceUid"] == str(reference)
    assert ticket["createdBy"] == str(directory.alice)
    assert ticket["updatedBy"] == str(directory.alice)
    assert ticket["version"] == 1


def test_optional_properties_absent_on_create_are_null(client, tokens, create_ticket):
    ticket_id = create_ticket()

    ticket = get_ticket(client, tokens.bypass(), ticket_id)

    for name in ("description", "dueDate", "assigneeMemberUid", "referenceUid"):
        assert ticket[name] is None, name


def test_category_can_be_named_by_key(client, tokens, directory):
    body = ticket_request(directory, categoryKey="general")
    del body["categoryUid"]

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    assert result.status_code == 201
    ticket = get_ticket(client, tokens.bypass(), result.json["ticketId"])
    assert ticket["category"]["uid"] == str(directory.category)


def test_category_uid_and_key_naming_the_same_category_are_accepted(
    client, tokens, directory
):
    body = ticket_request(directory, categoryKey="general")

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    assert result.status_code == 201


def test_new_ticket_gets_the_initial_status(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()

    ticket = get_ticket(client, tokens.bypass(), ticket_id)

    assert ticket["status"]["uid"] == str(directory.open_status)


def test_participants_default_to_the_tokens_participant(client, tokens, directory):
    participant = uuid.uuid4()
    headers = tokens.member(directory.alice, participant_uid=participant)

    result = client.simulate_post(
        TICKETS, json=ticket_request(directory), headers=headers
    )

    ticket = get_ticket(client, headers, result.json["ticketId"])
    assert ticket["participantUids"] == [str(participant)]


def test_null_participant_uids_from_a_user_token_counts_as_not_sent(
    client, tokens, directory
):
    participant = uuid.uuid4()
    headers = tokens.member(directory.alice, participant_uid=participant)

    result = client.simulate_post(
        TICKETS, json=ticket_request(directory, participantUids=None), headers=headers
    )

    assert result.status_code == 201
    ticket = get_ticket(client, headers, result.json["ticketId"])
    assert ticket["participantUids"] == [str(participant)]


def test_bypass_token_sets_participants(client, tokens, directory):
    participants = [str(uuid.uuid4()), str(uuid.uuid4())]
    bypass = tokens.bypass(participant_uid=uuid.uuid4())

    result = client.simulate_post(
        TICKETS,
        json=ticket_request(directory, participantUids=participants),
        headers=bypass,
    )

    assert result.status_code == 201
    ticket = get_ticket(client, bypass, result.json["ticketId"])
    assert ticket["participantUids"] == participants


def test_dfs_sample_due_date_with_seven_fraction_digits_is_accepted(
    client, tokens, directory
):
    body = ticket_request(directory, dueDate="2026-03-25T09:56:29.1965357+00:00")

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    assert result.status_code == 201
    ticket = get_ticket(client, tokens.bypass(), result.json["ticketId"])
    assert ticket["dueDate"] == "2026-03-25T09:56:29.196+00:00"


def test_due_date_with_another_offset_keeps_the_same_instant(client, tokens, directory):
    body = ticket_request(directory, dueDate="2026-03-25T11:56:29.500+02:00")

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    ticket = get_ticket(client, tokens.bypass(), result.json["ticketId"])
    shown = datetime.fromisoformat(ticket["dueDate"])
    assert shown == datetime.fromisoformat("2026-03-25T09:56:29.500+00:00")
    assert shown.utcoffset() is not None


def test_assignee_with_contact_access_is_accepted(client, tokens, directory):
    body = ticket_request(directory, assigneeMemberUid=str(directory.bob))

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    assert result.status_code == 201


def test_each_create_makes_a_new_ticket(client, tokens, directory):
    alice = tokens.member(directory.alice)

    first = client.simulate_post(TICKETS, json=ticket_request(directory), headers=alice)
    second = client.simulate_post(
        TICKETS, json=ticket_request(directory), headers=alice
    )

    assert first.json["ticketId"] != second.json["ticketId"]


# -- 400 -------------------------------------------------------------------------


def _post(client, tokens, directory, body):
    return client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )


def test_malformed_json_is_rejected(client, tokens, directory):
    headers = {**tokens.member(directory.alice), "Content-Type": "application/json"}

    result = client.simulate_post(TICKETS, body=b'{"title": "x",', headers=headers)

    assert_error(result, 400, "BadRequest", field="$")


def test_empty_body_is_rejected(client, tokens, directory):
    headers = {**tokens.member(directory.alice), "Content-Type": "application/json"}

    result = client.simulate_post(TICKETS, body=b"", headers=headers)

    assert_error(result, 400, "BadRequest")


def test_json_that_is_not_an_object_is_rejected(client, tokens, directory):
    result = _post(client, tokens, directory, ["title"])

    assert_error(result, 400, "BadRequest")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("title", 42),
        ("description", ["x"]),
        ("contactUids", "not-a-list"),
        ("categoryKey", 7),
        ("participantUids", {"a": 1}),
    ],
)
def test_wrong_type_is_rejected_naming_the_field(
    client, tokens, directory, name, value
):
    body = ticket_request(directory, **{name: value})

    result = _post(client, tokens, directory, body)

    assert_error(result, 400, "BadRequest", field=name)


@pytest.mark.parametrize("name", ["title", "contactUids"])
def test_missing_required_field_is_rejected_naming_the_field(
    client, tokens, directory, name
):
    body = ticket_request(directory)
    del body[name]

    result = _post(client, tokens, directory, body)

    assert_error(result, 400, "BadRequest", field=name)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"categoryUid": "not-a-uuid"}, "categoryUid"),
        ({"contactUids": ["not-a-uuid"]}, "contactUids[0]"),
        ({"assigneeMemberUid": "1234"}, "assigneeMemberUid"),
        ({"referenceUid": "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"}, "referenceUid"),
    ],
)
def test_bad_uuid_is_rejected_naming_the_field(
    client, tokens, directory, overrides, field
):
    result = _post(client, tokens, directory, ticket_request(directory, **overrides))

    assert_error(result, 400, "BadRequest", field=field)


def test_bad_uuid_later_in_a_list_names_its_position(client, tokens, directory):
    body = ticket_request(directory, contactUids=[str(directory.contact_a), "nope"])

    result = _post(client, tokens, directory, body)

    assert_error(result, 400, "BadRequest", field="contactUids[1]")


@pytest.mark.parametrize("due_date", ["not-a-date", "2026-13-45T00:00:00Z", "2026"])
def test_bad_date_is_rejected(client, tokens, directory, due_date):
    result = _post(
        client, tokens, directory, ticket_request(directory, dueDate=due_date)
    )

    assert_error(result, 400, "BadRequest", field="dueDate")


def test_date_without_offset_is_rejected(client, tokens, directory):
    body = ticket_request(directory, dueDate="2026-03-25T09:56:29")

    result = _post(client, tokens, directory, body)

    assert_error(result, 400, "BadRequest", field="dueDate")


def test_unknown_field_is_rejected_naming_it(client, tokens, directory):
    result = _post(
        client, tokens, directory, ticket_request(directory, priority="high")
    )

    assert_error(result, 400, "BadRequest", field="priority")


@pytest.mark.parametrize("title", ["", " ", " \t\n "])
def test_empty_or_blank_title_is_rejected(client, tokens, directory, title):
    result = _post(client, tokens, directory, ticket_request(directory, title=title))

    assert_error(result, 400, "BadRequest", field="title")


def test_title_of_256_characters_is_accepted(client, tokens, directory):
    result = _post(
        client, tokens, directory, ticket_request(directory, title="t" * 256)
    )

    assert result.status_code == 201


def test_title_over_256_characters_is_rejected(client, tokens, directory):
    result = _post(
        client, tokens, directory, ticket_request(directory, title="t" * 257)
    )

    assert_error(result, 400, "BadRequest", field="title")


def test_description_of_10000_characters_is_accepted(client, tokens, directory):
    body = ticket_request(directory, description="d" * 10_000)

    result = _post(client, tokens, directory, body)

    assert result.status_code == 201


def test_description_over_10000_characters_is_rejected(client, tokens, directory):
    body = ticket_request(directory, description="d" * 10_001)

    result = _post(client, tokens, directory, body)

    assert_error(result, 400, "BadRequest", field="description")


def test_empty_contact_uids_are_rejected(client, tokens, directory):
    result = _post(client, tokens, directory, ticket_request(directory, contactUids=[]))

    assert_error(result, 400, "BadRequest", field="contactUids")


def test_duplicate_contact_uids_are_rejected(client, tokens, directory):
    contact = str(directory.contact_a)
    body = ticket_request(directory, contactUids=[contact, contact])

    result = _post(client, tokens, directory, body)

    assert_error(result, 400, "BadRequest", field="contactUids")


def test_contact_uids_differing_only_in_case_are_duplicates(client, tokens, directory):
    contact = str(directory.contact_a)
    body = ticket_request(directory, contactUids=[contact, contact.upper()])

    result = _post(client, tokens, directory, body)

    assert_error(result, 400, "BadRequest", field="contactUids")


def test_one_hundred_contact_uids_are_accepted(client, tokens, directory):
    contacts = [str(directory.contact_a)] + [str(uuid.uuid4()) for _ in range(99)]

    result = _post(
        client, tokens, directory, ticket_request(directory, contactUids=contacts)
    )

    assert result.status_code == 201


def test_more_than_100_contact_uids_are_rejected(client, tokens, directory):
    contacts = [str(directory.contact_a)] + [str(uuid.uuid4()) for _ in range(100)]

    result = _post(
        client, tokens, directory, ticket_request(directory, contactUids=contacts)
    )

    assert_error(result, 400, "BadRequest", field="contactUids")


def test_duplicate_participant_uids_are_rejected(client, tokens, directory):
    participant = str(uuid.uuid4())
    body = ticket_request(directory, participantUids=[participant, participant])

    result = client.simulate_post(TICKETS, json=body, headers=tokens.bypass())

    assert_error(result, 400, "BadRequest", field="participantUids")


def test_one_hundred_participant_uids_are_accepted(client, tokens, directory):
    participants = [str(uuid.uuid4()) for _ in range(100)]
    body = ticket_request(directory, participantUids=participants)

    result = client.simulate_post(TICKETS, json=body, headers=tokens.bypass())

    assert result.status_code == 201


def test_more_than_100_participant_uids_are_rejected(client, tokens, directory):
    participants = [str(uuid.uuid4()) for _ in range(101)]
    body = ticket_request(directory, participantUids=participants)

    result = client.simulate_post(TICKETS, json=body, headers=tokens.bypass())

    assert_error(result, 400, "BadRequest", field="participantUids")


def test_category_uid_and_key_naming_different_categories_are_a_mismatch(
    client, tokens, directory
):
    body = ticket_request(directory, categoryKey="retired")

    result = _post(client, tokens, directory, body)

    assert_error(result, 400, "BadRequest", "CategoryMismatch")


@pytest.mark.parametrize("category", [{}, {"categoryUid": None, "categoryKey": None}])
def test_missing_category_is_required(client, tokens, directory, category):
    body = {"title": "x", "contactUids": [str(directory.contact_a)], **category}

    result = _post(client, tokens, directory, body)

    assert_error(result, 400, "BadRequest", "CategoryRequired")


# -- 403 -------------------------------------------------------------------------


@pytest.mark.parametrize("participants", [[], ["2c4a3f8e-31a8-4a2e-9e0f-3b2a1c0d9e8f"]])
def test_user_token_sending_participants_needs_a_bypass_token(
    client, tokens, directory, participants
):
    body = ticket_request(directory, participantUids=participants)

    result = _post(client, tokens, directory, body)

    assert_error(result, 403, "Forbidden", "BypassTokenRequired")


def test_creator_without_any_grant_is_rejected(client, tokens, directory):
    result = client.simulate_post(
        TICKETS, json=ticket_request(directory), headers=tokens.member(directory.carol)
    )

    assert_error(result, 403, "Forbidden", "CreatorInsufficientAccess")


def test_creator_without_access_to_the_contact_is_rejected(client, tokens, directory):
    body = ticket_request(directory, contactUids=[str(directory.contact_b)])

    result = _post(client, tokens, directory, body)

    assert_error(result, 403, "Forbidden", "CreatorInsufficientAccess")


def test_bypass_token_creates_without_contact_grants(client, tokens, directory):
    actor = uuid.uuid4()
    body = ticket_request(directory, contactUids=[str(directory.contact_b)])

    result = client.simulate_post(TICKETS, json=body, headers=tokens.bypass(actor))

    assert result.status_code == 201
    ticket = get_ticket(client, tokens.bypass(), result.json["ticketId"])
    assert ticket["createdBy"] == str(actor)


# -- 422 -------------------------------------------------------------------------


def test_unknown_category_uid_is_not_found(client, tokens, directory):
    body = ticket_request(directory, categoryUid=str(uuid.uuid4()))

    result = _post(client, tokens, directory, body)

    assert_error(result, 422, "UnprocessableEntity", "CategoryNotFound")


def test_unknown_category_key_is_not_found(client, tokens, directory):
    body = ticket_request(directory, categoryKey="no-such-category")
    del body["categoryUid"]

    result = _post(client, tokens, directory, body)

    assert_error(result, 422, "UnprocessableEntity", "CategoryNotFound")


def test_status_uid_given_as_category_uid_is_not_a_category(client, tokens, directory):
    body = ticket_request(directory, categoryUid=str(directory.open_status))

    result = _post(client, tokens, directory, body)

    assert_error(result, 422, "UnprocessableEntity", "CategoryNotFound")


def test_inactive_category_is_rejected(client, tokens, directory):
    body = ticket_request(directory, categoryUid=str(directory.inactive_category))

    result = _post(client, tokens, directory, body)

    assert_error(result, 422, "UnprocessableEntity", "CategoryInactive")


def test_without_an_initial_status_create_reports_status_not_found(
    client, tokens, directory
):
    directory.put(
        status_url(directory.open_status),
        {"key": "open", "names": {"en": "Open"}, "isInitial": False},
    )

    result = _post(client, tokens, directory, ticket_request(directory))

    assert_error(result, 422, "UnprocessableEntity", "StatusNotFound")


def test_assignee_without_any_grant_is_rejected(client, tokens, directory):
    body = ticket_request(directory, assigneeMemberUid=str(directory.carol))

    result = _post(client, tokens, directory, body)

    assert_error(result, 422, "UnprocessableEntity", "AssigneeInsufficientAccess")


def test_assignee_check_also_applies_to_bypass_tokens(client, tokens, directory):
    body = ticket_request(directory, assigneeMemberUid=str(directory.carol))

    result = client.simulate_post(TICKETS, json=body, headers=tokens.bypass())

    assert_error(result, 422, "UnprocessableEntity", "AssigneeInsufficientAccess")


def test_rejected_create_records_nothing(client, tokens, directory, application):
    before = application.recorder.max_notification_id()
    body = ticket_request(directory, assigneeMemberUid=str(directory.carol))

    result = _post(client, tokens, directory, body)

    assert result.status_code == 422
    assert application.recorder.max_notification_id() == before


def test_a_category_key_no_category_could_have_is_not_found_not_malformed(
    client, tokens, directory
):
    result = client.simulate_post(
        "/v1.0/tickets",
        json={
            "title": "t",
            "categoryKey": "no such key",
            "contactUids": [str(directory.contact_a)],
        },
        headers=tokens.member(directory.alice),
    )

    assert_error(result, 422, "UnprocessableEntity", "CategoryNotFound")
