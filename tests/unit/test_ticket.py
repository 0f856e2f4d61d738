"""The Ticket aggregate emits exactly the events its commands imply."""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    CommentNotFoundError,
    InvalidRequestError,
    NotCommentAuthorError,
)
from domain.ticket import Ticket

ACTOR = uuid4()
OTHER = uuid4()


def new_ticket(**overrides: object) -> Ticket:
    values: dict[str, object] = {
        "ticket_id": uuid4(),
        "title": "Printer on fire",
        "description": None,
        "category_uid": uuid4(),
        "status_uid": uuid4(),
        "due_date": None,
        "assignee_member_uid": None,
        "contact_uids": [uuid4()],
        "participant_uids": [],
        "reference_uid": None,
        "actor": ACTOR,
    }
    values.update(overrides)
    return Ticket.open(**values)


def event_names(ticket: Ticket) -> list[str]:
    return [type(e).__name__ for e in ticket.collect_events()]


def test_open_emits_created_with_version_one() -> None:
    ticket_id = uuid4()

    ticket = new_ticket(ticket_id=ticket_id)

    events = ticket.collect_events()
    assert [type(e).__name__ for e in events] == ["Created"]
    assert ticket.id == ticket_id
    assert ticket.version == 1
    assert ticket.created_by == ACTOR


@pytest.mark.parametrize("title", ["", "   ", "x" * 257])
def test_open_rejects_bad_title(title: str) -> None:
    with pytest.raises(InvalidRequestError):
        new_ticket(title=title)


def test_open_requires_a_contact() -> None:
    with pytest.raises(InvalidRequestError):
        new_ticket(contact_uids=[])


def test_update_records_only_real_changes_with_old_values_and_actor() -> None:
    ticket = new_ticket(description="old")
    ticket.collect_events()

    changed = ticket.update({"title": "Printer on fire", "description": "new"}, OTHER)

    (event,) = ticket.collect_events()
    assert changed is True
    assert type(event).__name__ == "Updated"
    assert event.changes == {"description": "new"}  # type: ignore[attr-defined]
    assert event.previous == {"description": "old"}  # type: ignore[attr-defined]
    assert event.actor == OTHER  # type: ignore[attr-defined]
    assert ticket.updated_by == OTHER


def test_update_without_real_change_emits_nothing() -> None:
    ticket = new_ticket()
    ticket.collect_events()

    changed = ticket.update({"title": "Printer on fire"}, ACTOR)

    assert changed is False
    assert event_names(ticket) == []
    assert ticket.version == 1


@pytest.mark.parametrize("name", ["title", "status_uid"])
def test_required_properties_cannot_be_cleared(name: str) -> None:
    ticket = new_ticket()

    with pytest.raises(InvalidRequestError):
        ticket.update({name: None}, ACTOR)


def test_optional_properties_can_be_cleared() -> None:
    due = datetime(2026, 1, 1, tzinfo=UTC)
    ticket = new_ticket(due_date=due, assignee_member_uid=OTHER, description="d")
    ticket.collect_events()

    ticket.update(
        {"due_date": None, "assignee_member_uid": None, "description": None}, ACTOR
    )

    (event,) = ticket.collect_events()
    assert event.previous == {  # type: ignore[attr-defined]
        "description": "d",
        "due_date": due,
        "assignee_member_uid": OTHER,
    }
    assert (ticket.due_date, ticket.assignee_member_uid, ticket.description) == (
        None,
        None,
        None,
    )


def test_unknown_property_is_rejected() -> None:
    ticket = new_ticket()

    with pytest.raises(InvalidRequestError):
        ticket.update({"category_uid": uuid4()}, ACTOR)


def test_comment_added_then_edited_keeps_history() -> None:
    ticket = new_ticket()
    ticket.collect_events()
    comment_id = uuid4()

    ticket.add_comment(comment_id, "first", ACTOR)
    ticket.edit_comment(comment_id, "second", ACTOR)

    assert event_names(ticket) == ["CommentAdded", "CommentEdited"]
    comment = ticket.comments[comment_id]
    assert [r.text for r in comment.revisions] == ["first", "second"]
    assert comment.text == "second"
    assert comment.edited_at == comment.revisions[1].at
    assert ticket.version == 3


def test_editing_to_the_same_text_emits_nothing() -> None:
    ticket = new_ticket()
    comment_id = uuid4()
    ticket.add_comment(comment_id, "same", ACTOR)
    ticket.collect_events()

    changed = ticket.edit_comment(comment_id, "same", ACTOR)

    assert changed is False
    assert event_names(ticket) == []


def test_only_the_author_may_edit_a_comment() -> None:
    ticket = new_ticket()
    comment_id = uuid4()
    ticket.add_comment(comment_id, "mine", ACTOR)

    with pytest.raises(NotCommentAuthorError):
        ticket.edit_comment(comment_id, "theirs", OTHER)


def test_editing_an_unknown_comment_fails() -> None:
    ticket = new_ticket()

    with pytest.raises(CommentNotFoundError):
        ticket.edit_comment(uuid4(), "text", ACTOR)


@pytest.mark.parametrize("text", ["", "  \n", "x" * 10_001])
def test_bad_comment_text_is_rejected(text: str) -> None:
    ticket = new_ticket()

    with pytest.raises(InvalidRequestError):
        ticket.add_comment(uuid4(), text, ACTOR)


def test_watch_and_unwatch_are_events_and_idempotent() -> None:
    ticket = new_ticket()
    ticket.collect_events()

    first = ticket.watch(OTHER)
    again = ticket.watch(OTHER)
    removed = ticket.unwatch(OTHER)
    removed_again = ticket.unwatch(OTHER)

    assert (first, again, removed, removed_again) == (True, False, True, False)
    assert event_names(ticket) == ["Watched", "Unwatched"]
    assert ticket.watchers == set()


def test_replaying_events_rebuilds_the_same_state() -> None:
    ticket = new_ticket()
    comment_id = uuid4()
    ticket.add_comment(comment_id, "a", ACTOR)
    ticket.update({"title": "b"}, ACTOR)
    ticket.watch(OTHER)
    events = ticket.collect_events()

    copy: Ticket | None = None
    for event in events:
        copy = event.mutate(copy)  # type: ignore[arg-type]

    assert copy is not None
    assert (copy.title, copy.version, copy.watchers) == ("b", 4, {OTHER})
    assert copy.comments[comment_id].text == "a"
    assert isinstance(copy.id, UUID)


def test_a_copy_shares_nothing_that_changes() -> None:
    ticket = new_ticket()
    comment_id = uuid4()
    ticket.add_comment(comment_id, "first", ACTOR)
    ticket.collect_events()

    copy = deepcopy(ticket)
    copy.edit_comment(comment_id, "second", ACTOR)
    copy.watch(OTHER)
    copy.contact_uids.append(uuid4())
    copy.update({"title": "other"}, OTHER)

    assert ticket.comments[comment_id].text == "first"
    assert ticket.watchers == set()
    assert len(ticket.contact_uids) == 1
    assert (ticket.title, ticket.version) == ("Printer on fire", 2)
    assert ticket.collect_events() == []
    assert len(copy.collect_events()) == 3
