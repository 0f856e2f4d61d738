"""The directory: member-to-contact grants, ticket categories and ticket statuses.

Unique keys are enforced with one small index aggregate per key, whose id is derived
from the key (uuid5): two writers claiming the same key collide on the index stream.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:dfs-ticketing")


class AccessRule(StrEnum):
    """Whether a member needs access to any or to all of a ticket's contacts."""

    ANY = "any"
    ALL = "all"

    def allows(self, grants: frozenset[UUID], contacts: list[UUID]) -> bool:
        """True when a member holding these grants may access these contacts."""
        if not contacts:
            return False
        if self is AccessRule.ANY:
            return not grants.isdisjoint(contacts)
        return grants.issuperset(contacts)


def contact_access_id(member_uid: UUID) -> UUID:
    """The id of a member's grants stream."""
    return uuid5(_NAMESPACE, f"contact-access/{member_uid}")


def key_index_id(kind: str, key: str) -> UUID:
    """The id of the index stream that reserves a key of a kind."""
    return uuid5(_NAMESPACE, f"key/{kind}/{key}")


INITIAL_STATUS_ID = uuid5(_NAMESPACE, "initial-status")


class ContactAccess(Aggregate):
    """The contacts a member has access to."""

    @staticmethod
    def create_id(member_uid: UUID) -> UUID:
        """One stream per member."""
        return contact_access_id(member_uid)

    @event("Granted")
    def __init__(self, member_uid: UUID, contact_uids: list[UUID], actor: UUID) -> None:
        self.member_uid = member_uid
        self.contact_uids = list(contact_uids)

    def replace(self, contact_uids: list[UUID], actor: UUID) -> bool:
        """Replace the grants; no event when they are the same set."""
        if set(contact_uids) == set(self.contact_uids):
            return False
        self._replaced(contact_uids=list(contact_uids), actor=actor)
        return True

    @event("Replaced")
    def _replaced(self, contact_uids: list[UUID], actor: UUID) -> None:
        self.contact_uids = list(contact_uids)


class KeyIndex(Aggregate):
    """Reserves a unique key of some kind for one owner uid."""

    @staticmethod
    def create_id(kind: str, key: str) -> UUID:
        """One stream per (kind, key)."""
        return key_index_id(kind, key)

    @event("Claimed")
    def __init__(self, kind: str, key: str, owner_uid: UUID) -> None:
        self.kind = kind
        self.key = key
        self.owner_uid: UUID | None = owner_uid

    def claim(self, owner_uid: UUID) -> None:
        """Give the key to an owner (callers check that it is free)."""
        if self.owner_uid != owner_uid:
            self._claimed_again(owner_uid=owner_uid)

    @event("Reclaimed")
    def _claimed_again(self, owner_uid: UUID) -> None:
        self.owner_uid = owner_uid

    def release(self) -> None:
        """Free the key."""
        if self.owner_uid is not None:
            self._released()

    @event("Released")
    def _released(self) -> None:
        self.owner_uid = None


class Category(Aggregate):
    """A ticket category: a unique key, localized names, and whether it is active."""

    @staticmethod
    def create_id(category_uid: UUID) -> UUID:
        """Categories are identified by their uid."""
        return category_uid

    @event("Registered")
    def __init__(
        self,
        category_uid: UUID,
        key: str,
        names: dict[str, str],
        active: bool,
        actor: UUID,
    ) -> None:
        self.key = key
        self.names = dict(names)
        self.active = active

    def revise(
        self, key: str, names: dict[str, str], active: bool, actor: UUID
    ) -> bool:
        """Change what differs; no event when nothing does."""
        if (key, names, active) == (self.key, self.names, self.active):
            return False
        self._revised(key=key, names=dict(names), active=active, actor=actor)
        return True

    @event("Revised")
    def _revised(
        self, key: str, names: dict[str, str], active: bool, actor: UUID
    ) -> None:
        self.key = key
        self.names = names
        self.active = active


class Status(Aggregate):
    """A ticket status: a unique key, localized names, initial and closed flags."""

    @staticmethod
    def create_id(status_uid: UUID) -> UUID:
        """Statuses are identified by their uid."""
        return status_uid

    @event("Registered")
    def __init__(
        self,
        status_uid: UUID,
        key: str,
        names: dict[str, str],
        is_initial: bool,
        is_closed: bool,
        actor: UUID,
    ) -> None:
        self.key = key
        self.names = dict(names)
        self.is_initial = is_initial
        self.is_closed = is_closed

    def revise(self, actor: UUID, **values: Any) -> bool:
        """Change what differs among key, names, is_initial, is_closed."""
        current = {
            "key": self.key,
            "names": self.names,
            "is_initial": self.is_initial,
            "is_closed": self.is_closed,
        }
        merged = {**current, **values}
        if merged == current:
            return False
        self._revised(actor=actor, **merged)
        return True

    @event("Revised")
    def _revised(
        self,
        key: str,
        names: dict[str, str],
        is_initial: bool,
        is_closed: bool,
        actor: UUID,
    ) -> None:
        self.key = key
        self.names = dict(names)
        self.is_initial = is_initial
        self.is_closed = is_closed


class InitialStatus(Aggregate):
    """Which status new tickets get (at most one at a time)."""

    @staticmethod
    def create_id() -> UUID:
        """A single stream for the whole deployment."""
        return INITIAL_STATUS_ID

    @event("Pointed")
    def __init__(self, status_uid: UUID | None) -> None:
        self.status_uid = status_uid

    def point(self, status_uid: UUID | None) -> None:
        """Make another status (or none) the initial one."""
        if status_uid != self.status_uid:
            self._repointed(status_uid=status_uid)

    @event("Repointed")
    def _repointed(self, status_uid: UUID | None) -> None:
        self.status_uid = status_uid
