"""The service layer over real stores (SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import pytest
from eventsourcing.persistence import RecordConflictError

from api.config import Config
from api.storage import IdempotencyKeyTakenError, IdempotencyRecord, build_application
from domain.application import Actor, TicketingApplication
from domain.errors import AdminScopeRequiredError, VersionMismatchError
from tests.integration.helpers import open_ticket, seed


def record(key: str, fingerprint: str = "f") -> IdempotencyRecord:
    return IdempotencyRecord(
        scope="s", key=key, fingerprint=fingerprint, status=201, headers={}, body=b"{}"
    )


def test_concurrent_updates_of_one_ticket_lose_nothing(
    application: TicketingApplication,
) -> None:
    member, contact = seed(application)
    ticket = open_ticket(application, member, contact, "t")

    def update(n: int) -> int:
        return application.update_ticket(
            member, ticket.id, {"description": f"change {n}"}
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        versions = list(pool.map(update, range(16)))

    assert sorted(versions) == list(range(2, 18))
    assert application.get_ticket(member, ticket.id).ticket.version == 17


def test_stale_expected_version_is_a_mismatch(
    application: TicketingApplication,
) -> None:
    member, contact = seed(application)
    ticket = open_ticket(application, member, contact, "t")
    application.update_ticket(member, ticket.id, {"title": "u"}, expected_version=1)

    with pytest.raises(VersionMismatchError):
        application.update_ticket(member, ticket.id, {"title": "v"}, expected_version=1)


def test_idempotency_record_is_saved_with_the_events(
    application: TicketingApplication,
) -> None:
    member, contact = seed(application)

    application.create_ticket(
        member,
        title="t",
        category_key="general",
        contact_uids=[contact],
        save_kwargs={"idempotency": record("k1")},
    )

    stored = application.recorder.select_idempotency("s", "k1")  # type: ignore[attr-defined]
    assert stored is not None
    assert (stored.fingerprint, stored.status) == ("f", 201)


def test_second_record_with_the_same_key_is_refused_and_writes_nothing(
    application: TicketingApplication,
) -> None:
    member, contact = seed(application)
    kwargs = {"title": "t", "category_key": "general", "contact_uids": [contact]}
    application.create_ticket(
        member, **kwargs, save_kwargs={"idempotency": record("k")}
    )
    head = application.recorder.max_notification_id()

    with pytest.raises(IdempotencyKeyTakenError):
        application.create_ticket(
            member, **kwargs, save_kwargs={"idempotency": record("k", "other")}
        )

    assert application.recorder.max_notification_id() == head


def test_failed_event_insert_records_no_idempotency_key(
    application: TicketingApplication,
) -> None:
    member, contact = seed(application)
    ticket_id = uuid4()
    kwargs = {
        "title": "t",
        "category_key": "general",
        "contact_uids": [contact],
        "ticket_id": ticket_id,
    }
    application.create_ticket(member, **kwargs)

    with pytest.raises(RecordConflictError):
        application.create_ticket(
            member, **kwargs, save_kwargs={"idempotency": record("k2")}
        )

    assert application.recorder.select_idempotency("s", "k2") is None  # type: ignore[attr-defined]


def test_events_and_keys_survive_a_restart(config: Config) -> None:
    first = build_application(config)
    member, contact = seed(first)
    ticket = first.create_ticket(
        member,
        title="durable",
        category_key="general",
        contact_uids=[contact],
        save_kwargs={"idempotency": record("k3")},
    )
    first.close()

    second = build_application(config)
    try:
        view = second.get_ticket(member, ticket.id)
        stored = second.recorder.select_idempotency("s", "k3")  # type: ignore[attr-defined]
    finally:
        second.close()

    assert view.ticket.title == "durable"
    assert stored is not None


def test_watching_many_tickets_records_one_event_per_ticket(
    application: TicketingApplication,
) -> None:
    member, contact = seed(application)
    ids = [open_ticket(application, member, contact, f"t{n}").id for n in range(3)]
    head = application.recorder.max_notification_id() or 0

    application.watch(member, ids)

    notifications = application.recorder.select_notifications(head + 1, 10)
    assert len(notifications) == 3
    assert {n.originator_id for n in notifications} == set(ids)


def test_directory_commands_need_the_admin_scope(
    application: TicketingApplication,
) -> None:
    member = Actor(member_uid=uuid4())

    with pytest.raises(AdminScopeRequiredError):
        application.put_contact_access(member, member.member_uid, [uuid4()])
    with pytest.raises(AdminScopeRequiredError):
        application.get_contact_access(member, member.member_uid)
    with pytest.raises(AdminScopeRequiredError):
        application.put_category(member, uuid4(), key="k", names={}, active=True)
    with pytest.raises(AdminScopeRequiredError):
        application.put_status(
            member, uuid4(), key="k", names={}, is_initial=False, is_closed=False
        )
    assert application.recorder.max_notification_id() in (None, 0)


def test_reading_over_a_thousand_ids_at_once_works(
    application: TicketingApplication,
) -> None:
    member, contact = seed(application)
    ids = [open_ticket(application, member, contact, f"t{n}").id for n in range(3)]
    unknown = [uuid4() for _ in range(1200)]

    found = application.aggregates.select([*unknown, *ids])

    assert set(found) == set(ids)


def test_watching_the_same_ticket_twice_in_one_batch_watches_it_once(
    application: TicketingApplication,
) -> None:
    member, contact = seed(application)
    ticket = open_ticket(application, member, contact, "t")

    application.watch(member, [ticket.id, ticket.id])

    assert application.get_ticket(member, ticket.id).ticket.version == 2


def test_a_returned_ticket_is_the_caller_s_own_copy(
    application: TicketingApplication,
) -> None:
    member, contact = seed(application)
    ticket = open_ticket(application, member, contact, "t")

    ticket.update({"title": "changed locally"}, member.member_uid)

    view = application.get_ticket(member, ticket.id)
    assert (view.ticket.title, view.ticket.version) == ("t", 1)


def test_saving_reports_the_notification_ids_it_was_given(
    application: TicketingApplication,
) -> None:
    member, contact = seed(application)
    ticket = open_ticket(application, member, contact)
    ticket.update({"title": "u"}, member.member_uid)
    ticket.watch(member.member_uid)

    recordings = application.save(ticket)

    head = application.recorder.max_notification_id()
    assert [r.notification.id for r in recordings] == [head - 1, head]
