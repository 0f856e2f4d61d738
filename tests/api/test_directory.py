"""Section 5: contact grants, categories and statuses (admin scope, idempotent PUTs)."""

from __future__ import annotations

import uuid

import pytest

from tests.api.helpers import (
    TICKETS,
    assert_error,
    category_url,
    contact_access_url,
    get_ticket,
    status_url,
    ticket_request,
)


def _get_grants(client, tokens, member):
    result = client.simulate_get(contact_access_url(member), headers=tokens.admin())
    assert result.status_code == 200, result.text
    return result.json


# -- contact access --------------------------------------------------------------


def test_put_contact_access_answers_204_and_get_returns_the_grants(
    client, tokens, directory
):
    member = uuid.uuid4()
    contacts = sorted([str(uuid.uuid4()), str(uuid.uuid4())])

    result = client.simulate_put(
        contact_access_url(member),
        json={"contactUids": contacts},
        headers=tokens.admin(),
    )

    assert result.status_code == 204
    grants = _get_grants(client, tokens, member)
    assert grants["memberUid"] == str(member)
    assert sorted(grants["contactUids"]) == contacts


def test_put_contact_access_replaces_the_previous_grants(client, tokens, directory):
    directory.grant(directory.bob, directory.contact_b)

    grants = _get_grants(client, tokens, directory.bob)

    assert grants["contactUids"] == [str(directory.contact_b)]


def test_empty_contact_access_revokes_every_grant(client, tokens, directory):
    directory.grant(directory.bob)

    grants = _get_grants(client, tokens, directory.bob)

    assert grants["contactUids"] == []


def test_member_never_granted_has_no_contacts(client, tokens, directory):
    member = uuid.uuid4()

    grants = _get_grants(client, tokens, member)

    assert grants == {"memberUid": str(member), "contactUids": []}


def test_revoked_grants_take_effect_on_the_next_request(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    directory.grant(directory.alice)

    result = client.simulate_get(
        f"{TICKETS}/{ticket_id}", headers=tokens.member(directory.alice)
    )

    assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")


def test_new_grants_take_effect_on_the_next_request(client, tokens, directory):
    directory.grant(directory.carol, directory.contact_a)

    result = client.simulate_post(
        TICKETS, json=ticket_request(directory), headers=tokens.member(directory.carol)
    )

    assert result.status_code == 201


def test_same_grants_in_another_order_record_nothing(
    client, tokens, directory, application
):
    before = application.recorder.max_notification_id()

    directory.grant(directory.bob, directory.contact_b, directory.contact_a)

    assert application.recorder.max_notification_id() == before


def test_changing_grants_records_an_event(client, tokens, directory, application):
    before = application.recorder.max_notification_id()

    directory.grant(directory.alice, directory.contact_b)

    assert application.recorder.max_notification_id() > before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "contactUids"),
        ({"contactUids": ["x"]}, "contactUids[0]"),
        ({"contactUids": None}, "contactUids"),
        ({"contactUids": [], "memberUid": "x"}, "memberUid"),
    ],
)
def test_invalid_contact_access_body_is_rejected(
    client, tokens, directory, body, field
):
    result = client.simulate_put(
        contact_access_url(uuid.uuid4()), json=body, headers=tokens.admin()
    )

    assert_error(result, 400, "BadRequest", field=field)


def test_duplicate_contacts_in_grants_are_rejected(client, tokens, directory):
    contact = str(directory.contact_a)

    result = client.simulate_put(
        contact_access_url(directory.carol),
        json={"contactUids": [contact, contact]},
        headers=tokens.admin(),
    )

    assert_error(result, 400, "BadRequest", field="contactUids")


# -- admin scope -----------------------------------------------------------------


def _directory_requests(directory):
    return [
        ("PUT", contact_access_url(directory.carol), {"contactUids": []}),
        ("GET", contact_access_url(directory.alice), None),
        (
            "PUT",
            category_url(uuid.uuid4()),
            {"key": "new-category", "names": {"en": "New"}},
        ),
        (
            "PUT",
            status_url(uuid.uuid4()),
            {"key": "new-status", "names": {"en": "New"}},
        ),
    ]


@pytest.mark.parametrize("scope", [[], ["ticketing.bypass"], ["ticketing.audit"]])
def test_directory_endpoints_need_the_admin_scope(
    client, tokens, directory, application, scope
):
    headers = tokens.member(directory.bob, scopes=scope)
    before = application.recorder.max_notification_id()

    results = [
        client.simulate_request(method, path, json=body, headers=headers)
        for method, path, body in _directory_requests(directory)
    ]

    for result in results:
        assert_error(result, 403, "Forbidden", "AdminScopeRequired")
    assert application.recorder.max_notification_id() == before


def test_admin_scope_among_other_scopes_is_enough(client, tokens, directory):
    headers = tokens.member(uuid.uuid4(), scopes=["openid", "ticketing.admin"])

    result = client.simulate_get(contact_access_url(directory.alice), headers=headers)

    assert result.status_code == 200
    assert result.json["contactUids"] == [str(directory.contact_a)]


# -- categories ------------------------------------------------------------------


def test_put_category_is_idempotent(client, tokens, directory, application):
    body = {
        "key": "general",
        "names": {"en": "General", "de": "Allgemein", "fr": "Général"},
        "active": True,
    }
    before = application.recorder.max_notification_id()

    result = client.simulate_put(
        category_url(directory.category), json=body, headers=tokens.admin()
    )

    assert result.status_code == 204
    assert application.recorder.max_notification_id() == before


def test_changing_a_category_records_an_event(client, tokens, directory, application):
    before = application.recorder.max_notification_id()

    directory.put(
        category_url(directory.category),
        {"key": "general", "names": {"en": "Everything"}, "active": True},
    )

    assert application.recorder.max_notification_id() > before


def test_new_category_is_usable_at_once(client, tokens, directory):
    category = uuid.uuid4()
    directory.put(
        category_url(category), {"key": "billing", "names": {"en": "Billing"}}
    )
    body = ticket_request(directory, categoryKey="billing")
    del body["categoryUid"]

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    assert result.status_code == 201
    ticket = get_ticket(client, tokens.bypass(), result.json["ticketId"])
    assert ticket["category"] == {
        "uid": str(category),
        "key": "billing",
        "name": "Billing",
    }


def test_category_key_used_by_another_category_is_a_conflict(client, tokens, directory):
    result = client.simulate_put(
        category_url(uuid.uuid4()),
        json={"key": "general", "names": {"en": "Copy"}},
        headers=tokens.admin(),
    )

    assert_error(result, 409, "Conflict", "KeyAlreadyUsed")


def test_reputting_a_category_with_its_own_key_is_fine(client, tokens, directory):
    result = client.simulate_put(
        category_url(directory.category),
        json={"key": "general", "names": {"en": "Renamed"}, "active": True},
        headers=tokens.admin(),
    )

    assert result.status_code == 204


def test_changing_a_category_key_frees_the_old_key(client, tokens, directory):
    directory.put(
        category_url(directory.category),
        {"key": "general-old", "names": {"en": "General"}, "active": True},
    )
    newcomer = uuid.uuid4()

    result = client.simulate_put(
        category_url(newcomer),
        json={"key": "general", "names": {"en": "New general"}},
        headers=tokens.admin(),
    )

    assert result.status_code == 204


def test_renamed_category_key_resolves_to_the_category(client, tokens, directory):
    directory.put(
        category_url(directory.category),
        {"key": "general-old", "names": {"en": "General"}, "active": True},
    )
    old_key_body = ticket_request(directory, categoryKey="general")
    new_key_body = ticket_request(directory, categoryKey="general-old")
    del old_key_body["categoryUid"], new_key_body["categoryUid"]
    alice = tokens.member(directory.alice)

    old_key = client.simulate_post(TICKETS, json=old_key_body, headers=alice)
    new_key = client.simulate_post(TICKETS, json=new_key_body, headers=alice)

    assert_error(old_key, 422, "UnprocessableEntity", "CategoryNotFound")
    assert new_key.status_code == 201


def test_deactivated_category_can_no_longer_be_used(client, tokens, directory):
    directory.put(
        category_url(directory.category),
        {"key": "general", "names": {"en": "General"}, "active": False},
    )

    result = client.simulate_post(
        TICKETS, json=ticket_request(directory), headers=tokens.member(directory.alice)
    )

    assert_error(result, 422, "UnprocessableEntity", "CategoryInactive")


def test_reactivated_category_can_be_used_again(client, tokens, directory):
    directory.put(
        category_url(directory.inactive_category),
        {"key": "retired", "names": {"en": "Retired"}, "active": True},
    )
    body = ticket_request(directory, categoryUid=str(directory.inactive_category))

    result = client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    assert result.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"names": {"en": "x"}}, "key"),
        ({"key": "k"}, "names"),
        ({"key": "k", "names": {}}, "names"),
        ({"key": "k", "names": {"en": ""}}, None),
        ({"key": "k", "names": {"en": "   "}}, "names.en"),
        ({"key": "k", "names": {"english": "x"}}, None),
        ({"key": "", "names": {"en": "x"}}, "key"),
        ({"key": "k", "names": {"en": "x"}, "active": "yes"}, "active"),
        ({"key": "k", "names": {"en": "x"}, "colour": "red"}, "colour"),
    ],
)
def test_invalid_category_body_is_rejected(client, tokens, directory, body, field):
    result = client.simulate_put(
        category_url(uuid.uuid4()), json=body, headers=tokens.admin()
    )

    assert_error(result, 400, "BadRequest", field=field)


# -- statuses --------------------------------------------------------------------


def test_put_status_is_idempotent(client, tokens, directory, application):
    body = {"key": "open", "names": {"en": "Open", "de": "Offen"}, "isInitial": True}
    before = application.recorder.max_notification_id()

    result = client.simulate_put(
        status_url(directory.open_status), json=body, headers=tokens.admin()
    )

    assert result.status_code == 204
    assert application.recorder.max_notification_id() == before


def test_changing_a_status_records_an_event(client, tokens, directory, application):
    before = application.recorder.max_notification_id()

    directory.put(
        status_url(directory.closed_status),
        {"key": "closed", "names": {"en": "Done"}, "isClosed": True},
    )

    assert application.recorder.max_notification_id() > before


def test_status_key_used_by_another_status_is_a_conflict(client, tokens, directory):
    result = client.simulate_put(
        status_url(uuid.uuid4()),
        json={"key": "open", "names": {"en": "Copy"}},
        headers=tokens.admin(),
    )

    assert_error(result, 409, "Conflict", "KeyAlreadyUsed")


def test_reputting_a_status_with_its_own_key_is_fine(client, tokens, directory):
    result = client.simulate_put(
        status_url(directory.closed_status),
        json={"key": "closed", "names": {"en": "Shut"}, "isClosed": True},
        headers=tokens.admin(),
    )

    assert result.status_code == 204


def test_changing_a_status_key_frees_the_old_key(client, tokens, directory):
    directory.put(
        status_url(directory.closed_status),
        {"key": "done", "names": {"en": "Done"}, "isClosed": True},
    )

    result = client.simulate_put(
        status_url(uuid.uuid4()),
        json={"key": "closed", "names": {"en": "Closed again"}},
        headers=tokens.admin(),
    )

    assert result.status_code == 204


def test_marking_a_new_status_initial_gives_it_to_new_tickets(
    client, tokens, create_ticket, directory
):
    triage = uuid.uuid4()
    directory.put(
        status_url(triage),
        {"key": "triage", "names": {"en": "Triage"}, "isInitial": True},
    )

    ticket_id = create_ticket()

    status = get_ticket(client, tokens.bypass(), ticket_id)["status"]
    assert status["uid"] == str(triage)
    assert status["key"] == "triage"


def test_marking_a_new_status_initial_unmarks_the_previous_one(
    client, tokens, directory, application
):
    triage = uuid.uuid4()

    directory.put(
        status_url(triage),
        {"key": "triage", "names": {"en": "Triage"}, "isInitial": True},
    )

    assert application.get_status(directory.open_status).is_initial is False
    assert application.get_status(triage).is_initial is True


def test_unmarked_previous_status_is_already_not_initial(
    client, tokens, directory, application
):
    triage = uuid.uuid4()
    directory.put(
        status_url(triage),
        {"key": "triage", "names": {"en": "Triage"}, "isInitial": True},
    )
    before = application.recorder.max_notification_id()

    directory.put(
        status_url(directory.open_status),
        {"key": "open", "names": {"en": "Open", "de": "Offen"}, "isInitial": False},
    )

    assert application.recorder.max_notification_id() == before


def test_remarking_the_old_status_initial_gives_it_back_to_new_tickets(
    client, tokens, create_ticket, directory
):
    triage = uuid.uuid4()
    directory.put(
        status_url(triage),
        {"key": "triage", "names": {"en": "Triage"}, "isInitial": True},
    )
    directory.put(
        status_url(directory.open_status),
        {"key": "open", "names": {"en": "Open", "de": "Offen"}, "isInitial": True},
    )

    ticket_id = create_ticket()

    assert get_ticket(client, tokens.bypass(), ticket_id)["status"]["uid"] == str(
        directory.open_status
    )


def test_status_changes_show_on_existing_tickets(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    directory.put(
        status_url(directory.open_status),
        {"key": "open", "names": {"en": "New"}, "isInitial": True},
    )

    status = get_ticket(client, tokens.bypass(), ticket_id)["status"]

    assert status["name"] == "New"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"names": {"en": "x"}}, "key"),
        ({"key": "k", "names": {}}, "names"),
        ({"key": "k", "names": {"en": "x"}, "isInitial": "yes"}, "isInitial"),
        ({"key": "k", "names": {"en": "x"}, "isClosed": 1}, "isClosed"),
        ({"key": "k", "names": {"en": "x"}, "initial": True}, "initial"),
    ],
)
def test_invalid_status_body_is_rejected(client, tokens, directory, body, field):
    result = client.simulate_put(
        status_url(uuid.uuid4()), json=body, headers=tokens.admin()
    )

    assert_error(result, 400, "BadRequest", field=field)


# -- uids shared with other kinds of entries -------------------------------------


def test_status_uid_already_used_by_a_category_is_a_conflict(client, tokens, directory):
    result = client.simulate_put(
        status_url(directory.category),
        json={"key": "clash", "names": {"en": "Clash"}},
        headers=tokens.admin(),
    )

    assert_error(result, 409, "Conflict", "UidAlreadyUsed")


def test_category_uid_already_used_by_a_ticket_is_a_conflict(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_put(
        category_url(ticket_id),
        json={"key": "clash", "names": {"en": "Clash"}},
        headers=tokens.admin(),
    )

    assert_error(result, 409, "Conflict", "UidAlreadyUsed")
