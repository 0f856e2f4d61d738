"""Directory aggregates and the access rule."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.directory import (
    AccessRule,
    Category,
    ContactAccess,
    InitialStatus,
    KeyIndex,
    Status,
    key_index_id,
)

A, B, C = uuid4(), uuid4(), uuid4()
ADMIN = uuid4()


@pytest.mark.parametrize(
    ("rule", "grants", "contacts", "allowed"),
    [
        (AccessRule.ANY, {A}, [A, B], True),
        (AccessRule.ANY, {C}, [A, B], False),
        (AccessRule.ANY, set(), [A], False),
        (AccessRule.ALL, {A, B, C}, [A, B], True),
        (AccessRule.ALL, {A}, [A, B], False),
        (AccessRule.ALL, set(), [A], False),
    ],
)
def test_access_rule(
    rule: AccessRule, grants: set, contacts: list, allowed: bool
) -> None:
    assert rule.allows(frozenset(grants), contacts) is allowed


def test_replacing_grants_with_the_same_set_emits_nothing() -> None:
    access = ContactAccess(member_uid=A, contact_uids=[B, C], actor=ADMIN)
    access.collect_events()

    same = access.replace([C, B], ADMIN)
    changed = access.replace([B], ADMIN)

    assert (same, changed) == (False, True)
    assert [type(e).__name__ for e in access.collect_events()] == ["Replaced"]


def test_category_revision_only_when_something_differs() -> None:
    category = Category(
        category_uid=A, key="general", names={"en": "General"}, active=True, actor=ADMIN
    )
    category.collect_events()

    unchanged = category.revise("general", {"en": "General"}, True, ADMIN)
    changed = category.revise("general", {"en": "General"}, False, ADMIN)

    assert (unchanged, changed) == (False, True)
    assert category.active is False


def test_status_revision_merges_given_values() -> None:
    status = Status(
        status_uid=A,
        key="open",
        names={"en": "Open"},
        is_initial=True,
        is_closed=False,
        actor=ADMIN,
    )
    status.collect_events()

    status.revise(ADMIN, is_initial=False)

    (event,) = status.collect_events()
    assert type(event).__name__ == "Revised"
    assert (status.key, status.is_initial) == ("open", False)


def test_key_index_ids_are_deterministic_per_kind_and_key() -> None:
    index = KeyIndex(kind="category", key="general", owner_uid=A)

    assert index.id == key_index_id("category", "general")
    assert key_index_id("status", "general") != index.id


def test_key_index_release_and_claim() -> None:
    index = KeyIndex(kind="category", key="general", owner_uid=A)
    index.collect_events()

    index.release()
    index.claim(B)

    assert [type(e).__name__ for e in index.collect_events()] == [
        "Released",
        "Reclaimed",
    ]
    assert index.owner_uid == B


def test_initial_status_pointer_moves_only_on_change() -> None:
    pointer = InitialStatus(status_uid=A)
    pointer.collect_events()

    pointer.point(A)
    pointer.point(B)

    assert [type(e).__name__ for e in pointer.collect_events()] == ["Repointed"]
