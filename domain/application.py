"""The service layer: one Application that runs every command against the store."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError, Recording
from eventsourcing.utils import Environment, EnvType

from domain.directory import (
    INITIAL_STATUS_ID,
    AccessRule,
    Category,
    ContactAccess,
    InitialStatus,
    KeyIndex,
    Status,
    contact_access_id,
    key_index_id,
)
from domain.errors import (
    AdminScopeRequiredError,
    AssigneeInsufficientAccessError,
    BypassTokenRequiredError,
    CategoryInactiveError,
    CategoryMismatchError,
    CategoryNotFoundError,
    CategoryRequiredError,
    CommentNotFoundError,
    ConcurrencyError,
    CreatorInsufficientAccessError,
    KeyAlreadyUsedError,
    StatusNotFoundError,
    TicketInsufficientAccessError,
    TicketNotFoundError,
    UidAlreadyUsedError,
    VersionMismatchError,
)
from domain.reads import CachedAggregates, Reads
from domain.ticket import Ticket

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)

BYPASS_SCOPE: Final = "ticketing.bypass"
ADMIN_SCOPE: Final = "ticketing.admin"
AUDIT_SCOPE: Final = "ticketing.audit"

#: ``If-Match: *``: any existing version matches.
ANY_VERSION: Final = -1

#: What a write expects the ticket's version to be: None (anything), ANY_VERSION,
#: one version, or any of several (an If-Match list).
ExpectedVersion = int | frozenset[int] | None

DEFAULT_MAX_ATTEMPTS: Final = 50
DEFAULT_CACHE_SIZE: Final = 1000


@dataclass(frozen=True)
class Actor:
    """Who is acting: a member (or an app client) and what its token allows."""

    member_uid: UUID
    participant_uid: UUID | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_bypass(self) -> bool:
        """Bypass tokens may set participants and skip contact access checks."""
        return BYPASS_SCOPE in self.scopes

    @property
    def is_admin(self) -> bool:
        """Admin tokens may manage the directory."""
        return ADMIN_SCOPE in self.scopes


@dataclass(frozen=True)
class TicketView:
    """A ticket with the reference data it points at (None if since removed)."""

    ticket: Ticket
    category: Category | None
    status: Status | None


class TicketingApplication(Application[UUID]):
    """Tickets and the directory, as commands on event-sourced aggregates."""

    name = "Ticketing"

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        access_rule: AccessRule = AccessRule.ANY,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self.access_rule = access_rule
        self.max_attempts = max_attempts
        super().__init__(env)
        self.aggregates = CachedAggregates(self.recorder, self.mapper, cache_size)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Configure only from the given env, never from os.environ."""
        return Environment(name, {**type(self).env, **(env or {})})

    # -- tickets ---------------------------------------------------------------

    def create_ticket(  # noqa: PLR0913
        self,
        actor: Actor,
        *,
        title: str,
        contact_uids: list[UUID],
        category_uid: UUID | None = None,
        category_key: str | None = None,
        description: str | None = None,
        due_date: datetime | None = None,
        assignee_member_uid: UUID | None = None,
        reference_uid: UUID | None = None,
        participant_uids: list[UUID] | None = None,
        ticket_id: UUID | None = None,
        save_kwargs: Mapping[str, Any] | None = None,
    ) -> Ticket:
        """Open a ticket; checks run in the contract's error order."""
        if category_uid is None and category_key is None:
            raise CategoryRequiredError
        reads = self._reads(
            contact_access_id(actor.member_uid),
            INITIAL_STATUS_ID,
            category_uid,
            key_index_id("category", category_key) if category_key else None,
            contact_access_id(assignee_member_uid) if assignee_member_uid else None,
        )
        category = self._resolve_category(reads, category_uid, category_key)
        if participant_uids is not None and not actor.is_bypass:
            raise BypassTokenRequiredError
        if not actor.is_bypass and not reads.allows(actor.member_uid, contact_uids):
            raise CreatorInsufficientAccessError
        if category is None:
            raise CategoryNotFoundError
        if not category.active:
            raise CategoryInactiveError
        status_uid = self._initial_status_uid(reads)
        if assignee_member_uid is not None and not reads.allows(
            assignee_member_uid, contact_uids
        ):
            raise AssigneeInsufficientAccessError
        if participant_uids is None:
            participant_uids = (
                [actor.participant_uid] if actor.participant_uid is not None else []
            )
        ticket = Ticket.open(
            ticket_id=ticket_id or uuid4(),
            title=title,
            description=description,
            category_uid=category.id,
            status_uid=status_uid,
            due_date=due_date,
            assignee_member_uid=assignee_member_uid,
            contact_uids=list(contact_uids),
            participant_uids=list(participant_uids),
            reference_uid=reference_uid,
            actor=actor.member_uid,
        )
        self.save(ticket, **(save_kwargs or {}))
        return ticket

    def update_ticket(
        self,
        actor: Actor,
        ticket_id: UUID,
        requested: Mapping[str, Any],
        *,
        expected_version: ExpectedVersion = None,
    ) -> int:
        """Apply property changes; returns the ticket's version afterwards."""
        for name, value in requested.items():
            Ticket.check_property(name, value)

        status_uid = requested.get("status_uid")
        assignee = requested.get("assignee_member_uid")

        def command() -> int:
            reads = self._reads(
                ticket_id,
                contact_access_id(actor.member_uid),
                status_uid,
                contact_access_id(assignee) if assignee else None,
            )
            ticket = self._ticket_to_change(reads, ticket_id)
            self._check_access(actor, ticket, reads)
            self._check_version(ticket, expected_version)
            changes = ticket.changes_from(requested)
            new_status = changes.get("status_uid")
            if new_status is not None and reads.get(Status, new_status) is None:
                raise StatusNotFoundError
            new_assignee = changes.get("assignee_member_uid")
            if new_assignee is not None and not reads.allows(
                new_assignee, ticket.contact_uids
            ):
                raise AssigneeInsufficientAccessError
            if ticket.update(changes, actor.member_uid):
                self.save(ticket)
            return ticket.version

        return self._retrying(command, expected_version)

    def add_comment(  # noqa: PLR0913
        self,
        actor: Actor,
        ticket_id: UUID,
        text: str,
        *,
        comment_id: UUID | None = None,
        expected_version: ExpectedVersion = None,
        save_kwargs: Mapping[str, Any] | None = None,
    ) -> tuple[UUID, int]:
        """Add a comment by the actor; returns its id and the ticket's version."""
        new_id = comment_id or uuid4()

        def command() -> tuple[UUID, int]:
            reads = self._reads(ticket_id, contact_access_id(actor.member_uid))
            ticket = self._ticket_to_change(reads, ticket_id)
            self._check_access(actor, ticket, reads)
            self._check_version(ticket, expected_version)
            ticket.add_comment(new_id, text, actor.member_uid)
            self.save(ticket, **(save_kwargs or {}))
            return new_id, ticket.version

        return self._retrying(command, expected_version)

    def edit_comment(
        self,
        actor: Actor,
        ticket_id: UUID,
        comment_id: UUID,
        text: str,
        *,
        expected_version: ExpectedVersion = None,
    ) -> int:
        """Replace the text of the actor's own comment; returns the version."""

        def command() -> int:
            reads = self._reads(ticket_id, contact_access_id(actor.member_uid))
            ticket = self._ticket_to_change(reads, ticket_id)
            if comment_id not in ticket.comments:
                raise CommentNotFoundError(str(comment_id))
            self._check_access(actor, ticket, reads)
            ticket.check_comment_author(comment_id, actor.member_uid)
            self._check_version(ticket, expected_version)
            if ticket.edit_comment(comment_id, text, actor.member_uid):
                self.save(ticket)
            return ticket.version

        return self._retrying(command, expected_version)

    def watch(self, actor: Actor, ticket_ids: Iterable[UUID]) -> None:
        """Add tickets to the actor's watch-list, all or nothing (one save)."""

        ids = list(dict.fromkeys(ticket_ids))

        def command() -> None:
            reads = self._reads(*ids, contact_access_id(actor.member_uid))
            tickets = self._tickets_to_change(reads, ids)
            denied = [t.id for t in tickets if not self._may_access(actor, t, reads)]
            if denied:
                raise TicketInsufficientAccessError(ticketIds=denied)
            self.save(*[t for t in tickets if t.watch(actor.member_uid)])

        self._retrying(command)

    def unwatch(self, actor: Actor, ticket_ids: Iterable[UUID]) -> None:
        """Remove tickets from the actor's watch-list (no access check)."""

        ids = list(dict.fromkeys(ticket_ids))

        def command() -> None:
            tickets = self._tickets_to_change(self._reads(*ids), ids)
            self.save(*[t for t in tickets if t.unwatch(actor.member_uid)])

        self._retrying(command)

    def get_ticket(self, actor: Actor, ticket_id: UUID) -> TicketView:
        """The ticket with its category and status, if the actor may see it."""
        reads = self._reads(ticket_id, contact_access_id(actor.member_uid))
        ticket = reads.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketNotFoundError(str(ticket_id))
        self._check_access(actor, ticket, reads)
        reads.prefetch(ticket.category_uid, ticket.status_uid)
        return TicketView(
            ticket=ticket,
            category=reads.get(Category, ticket.category_uid),
            status=reads.get(Status, ticket.status_uid),
        )

    # -- directory -------------------------------------------------------------

    def put_contact_access(
        self, actor: Actor, member_uid: UUID, contact_uids: list[UUID]
    ) -> None:
        """Replace a member's grants (an idempotent upsert; admin only)."""
        self._check_admin(actor)

        def command() -> None:
            grants = self._get(ContactAccess, contact_access_id(member_uid))
            if grants is None:
                grants = ContactAccess(
                    member_uid=member_uid,
                    contact_uids=contact_uids,
                    actor=actor.member_uid,
                )
            elif not grants.replace(contact_uids, actor.member_uid):
                return
            self.save(grants)

        self._retrying(command)

    def get_contact_access(self, actor: Actor, member_uid: UUID) -> list[UUID]:
        """The contacts a member has access to (empty when none; admin only)."""
        self._check_admin(actor)
        return sorted(self._reads().grants(member_uid), key=str)

    def put_category(  # noqa: PLR0913
        self,
        actor: Actor,
        category_uid: UUID,
        *,
        key: str,
        names: dict[str, str],
        active: bool,
    ) -> None:
        """Create or revise a category; its key must be unused by others."""
        self._check_admin(actor)

        def command() -> None:
            category = self._get_for_upsert(Category, category_uid)
            old_key = category.key if category else None
            keys = self._claim_key("category", key, category_uid, old_key)
            if category is None:
                category = Category(
                    category_uid=category_uid,
                    key=key,
                    names=names,
                    active=active,
                    actor=actor.member_uid,
                )
            else:
                category.revise(key, names, active, actor.member_uid)
            self.save(category, *keys)

        self._retrying(command)

    def put_status(  # noqa: PLR0913
        self,
        actor: Actor,
        status_uid: UUID,
        *,
        key: str,
        names: dict[str, str],
        is_initial: bool,
        is_closed: bool,
    ) -> None:
        """Create or revise a status; marking it initial unmarks the previous one."""
        self._check_admin(actor)

        def command() -> None:
            status = self._get_for_upsert(Status, status_uid)
            old_key = status.key if status else None
            changed: list[Aggregate] = self._claim_key(
                "status", key, status_uid, old_key
            )
            values: dict[str, Any] = {
                "key": key,
                "names": names,
                "is_initial": is_initial,
                "is_closed": is_closed,
            }
            if status is None:
                status = Status(status_uid=status_uid, actor=actor.member_uid, **values)
            else:
                status.revise(actor.member_uid, **values)
            changed.append(status)
            changed.extend(self._repoint_initial(actor, status_uid, is_initial))
            self.save(*changed)

        self._retrying(command)

    def get_status(self, status_uid: UUID) -> Status | None:
        """A status by uid, or None."""
        return self._reads().get(Status, status_uid)

    # -- helpers ---------------------------------------------------------------

    def _retrying(
        self, command: Callable[[], T], expected_version: ExpectedVersion = None
    ) -> T:
        """Run a command, rerunning it on fresh state when a write conflicts.

        With an explicit expected version a conflict means the client's version is
        stale, so it is reported instead of retried.
        """
        for attempt in range(self.max_attempts):
            try:
                return command()
            except RecordConflictError:
                if expected_version is not None and expected_version != ANY_VERSION:
                    raise VersionMismatchError from None
                # Jittered, growing back-off spreads out writers of one hot stream.
                time.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))  # noqa: S311
        raise ConcurrencyError("too many concurrent writers")

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Record, then keep what was saved as the newest cached snapshots."""
        recordings = super()._record(processing_event)
        saved: Any = processing_event.aggregates.values()
        self.aggregates.remember(*saved)
        return recordings

    def _get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """A private copy of an aggregate of that class, or None if there is none."""
        aggregate = self._reads(aggregate_id).get(cls, aggregate_id)
        return deepcopy(aggregate) if aggregate is not None else None

    def _get_for_upsert(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """Like _get, but a uid that names another kind of aggregate is a conflict."""
        aggregate = self._reads(aggregate_id).get(Aggregate, aggregate_id)
        if aggregate is not None and not isinstance(aggregate, cls):
            raise UidAlreadyUsedError(uid=str(aggregate_id))
        return deepcopy(aggregate)

    def _reads(self, *aggregate_ids: UUID | None) -> Reads:
        """Aggregates a command only looks at, fetched with one query."""
        ids = [i for i in aggregate_ids if i is not None]
        return Reads(self.aggregates, self.access_rule, ids)

    @staticmethod
    def _ticket_to_change(reads: Reads, ticket_id: UUID) -> Ticket:
        """A private copy of a ticket fetched with the command's other reads."""
        ticket = reads.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketNotFoundError(str(ticket_id))
        return deepcopy(ticket)

    @staticmethod
    def _tickets_to_change(reads: Reads, ticket_ids: list[UUID]) -> list[Ticket]:
        """Private copies of tickets fetched with the command's other reads."""
        tickets = {i: reads.get(Ticket, i) for i in ticket_ids}
        missing = [i for i, ticket in tickets.items() if ticket is None]
        if missing:
            raise TicketNotFoundError(ticketIds=missing)
        return [deepcopy(t) for t in tickets.values() if t is not None]

    @staticmethod
    def _check_admin(actor: Actor) -> None:
        if not actor.is_admin:
            raise AdminScopeRequiredError

    @staticmethod
    def _may_access(actor: Actor, ticket: Ticket, reads: Reads) -> bool:
        return actor.is_bypass or reads.allows(actor.member_uid, ticket.contact_uids)

    def _check_access(self, actor: Actor, ticket: Ticket, reads: Reads) -> None:
        if not self._may_access(actor, ticket, reads):
            raise TicketInsufficientAccessError(str(ticket.id))

    @staticmethod
    def _check_version(ticket: Ticket, expected_version: ExpectedVersion) -> None:
        if expected_version is None or expected_version == ANY_VERSION:
            return
        if isinstance(expected_version, int):
            expected_version = frozenset({expected_version})
        if ticket.version not in expected_version:
            raise VersionMismatchError(currentVersion=ticket.version)

    @staticmethod
    def _resolve_category(
        reads: Reads, category_uid: UUID | None, category_key: str | None
    ) -> Category | None:
        by_uid = reads.get(Category, category_uid) if category_uid else None
        by_key = None
        if category_key:
            index = reads.get(KeyIndex, key_index_id("category", category_key))
            if index is not None and index.owner_uid is not None:
                by_key = reads.get(Category, index.owner_uid)
        if by_uid and by_key and by_uid.id != by_key.id:
            raise CategoryMismatchError
        if (category_uid and by_uid is None) or (category_key and by_key is None):
            return None
        return by_uid or by_key

    @staticmethod
    def _initial_status_uid(reads: Reads) -> UUID:
        pointer = reads.get(InitialStatus, INITIAL_STATUS_ID)
        if pointer is None or pointer.status_uid is None:
            raise StatusNotFoundError("no initial status is configured")
        return pointer.status_uid

    def _claim_key(
        self, kind: str, key: str, owner_uid: UUID, old_key: str | None
    ) -> list[Aggregate]:
        """Reserve a key for an owner, freeing its old key; the indexes to save."""
        index = self._get(KeyIndex, key_index_id(kind, key))
        if index is not None and index.owner_uid not in (None, owner_uid):
            raise KeyAlreadyUsedError(key=key)
        changed: list[Aggregate] = []
        if index is None:
            changed.append(KeyIndex(kind=kind, key=key, owner_uid=owner_uid))
        elif index.owner_uid is None:
            index.claim(owner_uid)
            changed.append(index)
        if old_key is not None and old_key != key:
            old_index = self._get(KeyIndex, key_index_id(kind, old_key))
            if old_index is not None:
                old_index.release()
                changed.append(old_index)
        return changed

    def _repoint_initial(
        self, actor: Actor, status_uid: UUID, is_initial: bool
    ) -> list[Aggregate]:
        """Keep the single initial-status pointer in step; the aggregates to save."""
        pointer = self._get(InitialStatus, INITIAL_STATUS_ID)
        current = pointer.status_uid if pointer else None
        if is_initial == (current == status_uid):
            return []
        changed: list[Aggregate] = []
        if is_initial and current is not None:
            previous = self._get(Status, current)
            if previous is not None and previous.revise(
                actor.member_uid, is_initial=False
            ):
                changed.append(previous)
        target = status_uid if is_initial else None
        if pointer is None:
            pointer = InitialStatus(status_uid=target)
        else:
            pointer.point(target)
        changed.append(pointer)
        return changed
