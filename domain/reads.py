"""Reading aggregates: one per-process cache, copy-on-write, batched catch-up.

Every read asks the store for the events newer than the cached version of each
aggregate, for several aggregates in one query, so reads are as fresh as the store
whichever process wrote last. Cached aggregates are snapshots that are never
mutated: new events are applied to a copy, which then replaces the snapshot, and a
command that wants to change an aggregate changes its own copy. So threads never
see an aggregate change under them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from copy import deepcopy
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import LRUCache
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, StoredEvent

from domain.directory import AccessRule, ContactAccess, contact_access_id

A = TypeVar("A", bound=Aggregate)


class CachedAggregates:
    """Aggregates by id: cached snapshots, caught up with one query per call."""

    def __init__(self, recorder: Any, mapper: Mapper[UUID], maxsize: int) -> None:
        self._recorder = recorder
        self._mapper = mapper
        self._cache: LRUCache[UUID, Aggregate] | None = (
            LRUCache(maxsize=maxsize) if maxsize > 0 else None
        )
        self._lock = threading.Lock()

    def select(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, Aggregate]:
        """Current snapshots of the aggregates that exist among these ids.

        Never mutate a returned aggregate: change a ``copy.deepcopy`` of it.
        """
        if not aggregate_ids:
            return {}
        cached = {i: self._cached(i) for i in dict.fromkeys(aggregate_ids)}
        newer: dict[UUID, list[StoredEvent]] = {}
        after = [(i, a.version if a is not None else 0) for i, a in cached.items()]
        for stored in self._select_events_after(after):
            newer.setdefault(stored.originator_id, []).append(stored)  # type: ignore[arg-type]
        found: dict[UUID, Aggregate] = {}
        for aggregate_id, snapshot in cached.items():
            events = newer.get(aggregate_id)
            if events:
                aggregate: Any = deepcopy(snapshot)
                for stored in events:
                    event: Any = self._mapper.to_domain_event(stored)
                    aggregate = event.mutate(aggregate)
                self._remember(aggregate)
                snapshot = aggregate
            if snapshot is not None:
                found[aggregate_id] = snapshot
        return found

    def remember(self, *aggregates: Aggregate) -> None:
        """Keep copies of just-saved aggregates as the newest snapshots."""
        self._remember(*(deepcopy(a) for a in aggregates))

    def _remember(self, *aggregates: Aggregate) -> None:
        if self._cache is None:
            return
        with self._lock:
            for aggregate in aggregates:
                try:
                    current = self._cache.get(aggregate.id)
                except KeyError:
                    current = None
                if current is None or current.version < aggregate.version:
                    self._cache.put(aggregate.id, aggregate)

    def _cached(self, aggregate_id: UUID) -> Aggregate | None:
        if self._cache is None:
            return None
        with self._lock:
            try:
                return self._cache.get(aggregate_id)
            except KeyError:
                return None

    def _select_events_after(
        self, after: Iterable[tuple[UUID, int]]
    ) -> Sequence[StoredEvent]:
        select_after = getattr(self._recorder, "select_events_after", None)
        if select_after is not None:
            result: Sequence[StoredEvent] = select_after(list(after))
            return result
        return [e for i, v in after for e in self._recorder.select_events(i, gt=v)]


class Reads:
    """The aggregates one command only looks at, fetched together up front."""

    def __init__(
        self, store: CachedAggregates, rule: AccessRule, aggregate_ids: list[UUID]
    ) -> None:
        self._store = store
        self._rule = rule
        self._asked = set(aggregate_ids)
        self._found = store.select(aggregate_ids)

    def prefetch(self, *aggregate_ids: UUID) -> None:
        """Fetch more aggregates now, together, for later ``get`` calls."""
        wanted = [i for i in dict.fromkeys(aggregate_ids) if i not in self._asked]
        if wanted:
            self._asked.update(wanted)
            self._found.update(self._store.select(wanted))

    def get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """An aggregate of that class, or None (fetched now if not asked up front)."""
        self.prefetch(aggregate_id)
        aggregate = self._found.get(aggregate_id)
        return aggregate if isinstance(aggregate, cls) else None

    def grants(self, member_uid: UUID) -> frozenset[UUID]:
        """The contacts a member has access to."""
        access = self.get(ContactAccess, contact_access_id(member_uid))
        return frozenset(access.contact_uids) if access else frozenset()

    def allows(self, member_uid: UUID, contact_uids: list[UUID]) -> bool:
        """Whether the access rule lets the member access these contacts."""
        return self._rule.allows(self.grants(member_uid), contact_uids)
