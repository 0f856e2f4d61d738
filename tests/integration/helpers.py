"""Shared arrangements for service-layer tests."""

from __future__ import annotations

from uuid import UUID, uuid4

from domain.application import ADMIN_SCOPE, Actor, TicketingApplication
from domain.ticket import Ticket

ADMIN = Actor(member_uid=uuid4(), scopes=frozenset({ADMIN_SCOPE}))


def seed(app: TicketingApplication) -> tuple[Actor, UUID]:
    """A member with access to one contact, a category and an initial status."""
    member = Actor(member_uid=uuid4())
    contact = uuid4()
    app.put_contact_access(ADMIN, member.member_uid, [contact])
    app.put_category(ADMIN, uuid4(), key="general", names={"en": "G"}, active=True)
    app.put_status(
        ADMIN,
        uuid4(),
        key="open",
        names={"en": "Open"},
        is_initial=True,
        is_closed=False,
    )
    return member, contact


def open_ticket(
    app: TicketingApplication, member: Actor, contact: UUID, title: str = "t"
) -> Ticket:
    """A ticket on the seeded directory's category, for one contact."""
    return app.create_ticket(
        member, title=title, category_key="general", contact_uids=[contact]
    )
