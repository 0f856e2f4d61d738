"""Read-only lookups of small aggregates (grants, categories, statuses, key indexes).

A command that only needs to *look at* some aggregates fetches all of their events in
one query, instead of one query per aggregate. Each process keeps the aggregates it
has seen and applies only the newer events, so lookups are always as fresh as the
store without rebuilding from scratch.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from copy import deepcopy
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import LRUCache
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, StoredEvent

from domain.directory import AccessRule, ContactAccess, contact_access_id

A = TypeVar("A", bound=Aggregate)


class ReadonlyAggregates:
    """Fetches aggregates for reading, several per query, with a per-process cache."""

    def __init__(self, recorder: Any, mapper: Mapper[UUID], maxsize: int) -> None:
        self._recorder = recorder
        self._mapper = mapper
        self._cache: LRUCache[UUID, Aggregate] | None = (
            LRUCache(maxsize=maxsize) if maxsize > 0 else None
        )
        self._lock = threading.Lock()

    def select(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, Aggregate]:
        """The aggregates that exist among these ids, as of now."""
        if not aggregate_ids:
            return {}
        by_id: dict[UUID, list[StoredEvent]] = {}
        for stored in self._select_events(aggregate_ids):
            by_id.setdefault(stored.originator_id, []).append(stored)  # type: ignore[arg-type]
        found: dict[UUID, Aggregate] = {}
        for aggregate_id, events in by_id.items():
            aggregate = self._cached(aggregate_id)
            version = aggregate.version if aggregate is not None else 0
            newer = [e for e in events if e.originator_version > version]
            if newer:
                # Never mutate a cached aggregate another thread may be reading.
                aggregate = deepcopy(aggregate)
                for stored in newer:
                    event: Any = self._mapper.to_domain_event(stored)
                    aggregate = event.mutate(aggregate)
                if aggregate is not None and self._cache is not None:
                    with self._lock:
                        self._cache.put(aggregate_id, aggregate)
            if aggregate is not None:
                found[aggregate_id] = aggregate
        return found

    def _cached(self, aggregate_id: UUID) -> Aggregate | None:
        if self._cache is None:
            return None
        with self._lock:
            try:
                return self._cache.get(aggregate_id)
            except KeyError:
                return None

    def _select_events(self, aggregate_ids: Sequence[UUID]) -> Sequence[StoredEvent]:
        select_many = getattr(self._recorder, "select_events_of", None)
        if select_many is not None:
            result: Sequence[StoredEvent] = select_many(list(aggregate_ids))
            return result
        return [e for i in aggregate_ids for e in self._recorder.select_events(i)]


class Reads:
    """The read-only aggregates one command looks at, fetched together up front."""

    def __init__(
        self, store: ReadonlyAggregates, rule: AccessRule, aggregate_ids: list[UUID]
    ) -> None:
        self._store = store
        self._rule = rule
        self._asked = set(aggregate_ids)
        self._found = store.select(aggregate_ids)

    def get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """An aggregate of that class, or None (fetched now if not asked up front)."""
        if aggregate_id not in self._asked:
            self._asked.add(aggregate_id)
            self._found.update(self._store.select([aggregate_id]))
        aggregate = self._found.get(aggregate_id)
        return aggregate if isinstance(aggregate, cls) else None

    def grants(self, member_uid: UUID) -> frozenset[UUID]:
        """The contacts a member has access to."""
        access = self.get(ContactAccess, contact_access_id(member_uid))
        return frozenset(access.contact_uids) if access else frozenset()

    def allows(self, member_uid: UUID, contact_uids: list[UUID]) -> bool:
        """Whether the access rule lets the member access these contacts."""
        return self._rule.allows(self.grants(member_uid), contact_uids)
