"""The Ticket aggregate: every accepted change is one event in its stream."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import (
    CommentNotFoundError,
    InvalidRequestError,
    NotCommentAuthorError,
)

#: The properties an update may change, in the order the change-log lists them.
UPDATABLE_PROPERTIES: tuple[str, ...] = (
    "title",
    "description",
    "due_date",
    "assignee_member_uid",
    "status_uid",
)

#: Properties that can never be cleared (set to None).
REQUIRED_PROPERTIES: frozenset[str] = frozenset({"title", "status_uid"})

TITLE_MAX = 256
DESCRIPTION_MAX = 10_000
COMMENT_MAX = 10_000


@dataclass(frozen=True)
class CommentRevision:
    """One text a comment had, and when it got it."""

    text: str
    at: datetime


@dataclass(frozen=True)
class Comment:
    """A comment on a ticket, with every text it ever had (oldest first)."""

    comment_id: UUID
    author: UUID
    created_at: datetime
    revisions: tuple[CommentRevision, ...] = ()

    @property
    def text(self) -> str:
        """The current text."""
        return self.revisions[-1].text

    @property
    def edited_at(self) -> datetime | None:
        """When the comment was last edited, or None if never."""
        return self.revisions[-1].at if len(self.revisions) > 1 else None


def check_title(title: object) -> str:
    """Return a valid title or raise: 1-256 characters and not blank."""
    if not isinstance(title, str) or not title.strip():
        raise InvalidRequestError("title must not be blank", field="title")
    if len(title) > TITLE_MAX:
        raise InvalidRequestError("title is too long", field="title")
    return title


def check_comment_text(text: str) -> str:
    """Return a valid comment text or raise: 1-10,000 characters and not blank."""
    if not text.strip():
        raise InvalidRequestError("comment must not be blank", field="comment")
    if len(text) > COMMENT_MAX:
        raise InvalidRequestError("comment is too long", field="comment")
    return text


class Ticket(Aggregate):
    """A ticket: its properties, comments and watchers, rebuilt from its events."""

    @staticmethod
    def create_id(ticket_id: UUID) -> UUID:
        """Tickets are identified by the id chosen when they are created."""
        return ticket_id

    def __deepcopy__(self, memo: dict[int, Any]) -> Ticket:
        """A copy that shares nothing mutable with this ticket, made cheaply.

        Everything a ticket holds is immutable (UUIDs, datetimes, strings, frozen
        comments, events) except its containers, which are copied one level deep;
        a generic deep copy of a ticket with many comments costs milliseconds.
        """
        clone = object.__new__(type(self))
        for name, value in self.__dict__.items():
            if isinstance(value, list | set | dict):
                value = type(value)(value)
            clone.__dict__[name] = value
        return clone

    @event("Created")
    def __init__(  # noqa: PLR0913
        self,
        ticket_id: UUID,
        title: str,
        description: str | None,
        category_uid: UUID,
        status_uid: UUID,
        due_date: datetime | None,
        assignee_member_uid: UUID | None,
        contact_uids: list[UUID],
        participant_uids: list[UUID],
        reference_uid: UUID | None,
        actor: UUID,
    ) -> None:
        self.title = title
        self.description = description
        self.category_uid = category_uid
        self.status_uid = status_uid
        self.due_date = due_date
        self.assignee_member_uid = assignee_member_uid
        self.contact_uids = list(contact_uids)
        self.participant_uids = list(participant_uids)
        self.reference_uid = reference_uid
        self.created_by = actor
        self.updated_by = actor
        #: When a property or a comment last changed (watching is not a change).
        self.updated_at = self.created_on
        self.comments: dict[UUID, Comment] = {}
        self.watchers: set[UUID] = set()

    @classmethod
    def open(cls, **kwargs: Any) -> Ticket:
        """Create a ticket after checking its invariants."""
        check_title(kwargs["title"])
        description = kwargs.get("description")
        if description is not None and len(description) > DESCRIPTION_MAX:
            raise InvalidRequestError("description is too long", field="description")
        if not kwargs["contact_uids"]:
            raise InvalidRequestError("at least one contact", field="contactUids")
        return cls(**kwargs)

    # -- updates ---------------------------------------------------------------

    def changes_from(self, requested: Mapping[str, Any]) -> dict[str, Any]:
        """The requested property values that differ from the current ones."""
        for name, value in requested.items():
            self.check_property(name, value)
        return {
            name: value
            for name in UPDATABLE_PROPERTIES
            if name in requested and (value := requested[name]) != getattr(self, name)
        }

    def update(self, requested: Mapping[str, Any], actor: UUID) -> bool:
        """Apply the requested property values; record only what really changes."""
        changes = self.changes_from(requested)
        if not changes:
            return False
        previous = {name: getattr(self, name) for name in changes}
        self.trigger_event(
            self.Updated, changes=changes, previous=previous, actor=actor
        )
        return True

    @staticmethod
    def check_property(name: str, value: Any) -> None:
        """Raise if a property cannot be set to this value."""
        if name not in UPDATABLE_PROPERTIES:
            raise InvalidRequestError(f"{name} cannot be updated", field=name)
        if value is None and name in REQUIRED_PROPERTIES:
            raise InvalidRequestError(f"{name} cannot be cleared", field=name)
        if name == "title":
            check_title(value)
        if name == "description" and value is not None and len(value) > DESCRIPTION_MAX:
            raise InvalidRequestError("description is too long", field="description")

    class Updated(Aggregate.Event):
        """Properties changed: their new values, their previous values, by whom."""

        changes: dict[str, Any]
        previous: dict[str, Any]
        actor: UUID

        def apply(self, aggregate: Any) -> None:
            """Set the new values; the ticket was updated at this event's time."""
            for name, value in self.changes.items():
                setattr(aggregate, name, value)
            aggregate.updated_by = self.actor
            aggregate.updated_at = self.timestamp

    # -- comments --------------------------------------------------------------

    def add_comment(self, comment_id: UUID, text: str, actor: UUID) -> None:
        """Add a comment written by the actor."""
        check_comment_text(text)
        if comment_id in self.comments:
            raise InvalidRequestError("comment id already used", field="commentId")
        self.trigger_event(
            self.CommentAdded, comment_id=comment_id, text=text, actor=actor
        )

    class CommentAdded(Aggregate.Event):
        """A comment was added; its text is the first revision."""

        comment_id: UUID
        text: str
        actor: UUID

        def apply(self, aggregate: Any) -> None:
            """Record the comment with this event's time."""
            aggregate.comments[self.comment_id] = Comment(
                comment_id=self.comment_id,
                author=self.actor,
                created_at=self.timestamp,
                revisions=(CommentRevision(text=self.text, at=self.timestamp),),
            )
            aggregate.updated_by = self.actor
            aggregate.updated_at = self.timestamp

    def check_comment_author(self, comment_id: UUID, actor: UUID) -> Comment:
        """Return the comment if the actor wrote it; raise otherwise."""
        comment = self.comments.get(comment_id)
        if comment is None:
            raise CommentNotFoundError(str(comment_id))
        if comment.author != actor:
            raise NotCommentAuthorError(str(comment_id))
        return comment

    def edit_comment(self, comment_id: UUID, text: str, actor: UUID) -> bool:
        """Replace the text of the actor's own comment, keeping the old one."""
        check_comment_text(text)
        comment = self.check_comment_author(comment_id, actor)
        if comment.text == text:
            return False
        self.trigger_event(
            self.CommentEdited, comment_id=comment_id, text=text, actor=actor
        )
        return True

    class CommentEdited(Aggregate.Event):
        """A comment got a new text; the old one stays in its history."""

        comment_id: UUID
        text: str
        actor: UUID

        def apply(self, aggregate: Any) -> None:
            """Append the new revision with this event's time."""
            comment = aggregate.comments[self.comment_id]
            aggregate.comments[self.comment_id] = replace(
                comment,
                revisions=(
                    *comment.revisions,
                    CommentRevision(text=self.text, at=self.timestamp),
                ),
            )
            aggregate.updated_by = self.actor
            aggregate.updated_at = self.timestamp

    # -- watchers --------------------------------------------------------------

    def watch(self, actor: UUID) -> bool:
        """Put the ticket on the actor's watch-list (no event if already there)."""
        if actor in self.watchers:
            return False
        self._watched(actor=actor)
        return True

    # Watch-lists are private to each member: watching bumps the version, but does
    # not change updatedAt/updatedBy, which would tell others who watches.
    @event("Watched")
    def _watched(self, actor: UUID) -> None:
        self.watchers.add(actor)

    def unwatch(self, actor: UUID) -> bool:
        """Take the ticket off the actor's watch-list (no event if not there)."""
        if actor not in self.watchers:
            return False
        self._unwatched(actor=actor)
        return True

    @event("Unwatched")
    def _unwatched(self, actor: UUID) -> None:
        self.watchers.discard(actor)
