"""Operator commands: ``python -m api.manage migrate|seed-demo|token``.

Every command reads the same TICKETING_* environment as the service (api.config).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from api.auth import issue_token
from api.config import Config, ConfigError
from api.storage import build_application, create_schema
from domain.application import ADMIN_SCOPE, BYPASS_SCOPE, Actor, TicketingApplication
from domain.errors import TicketNotFoundError

DEMO_TOKEN_LIFETIME = int(timedelta(hours=24).total_seconds())

# Fixed ids, so demo tokens and example requests stay valid across reseeds.
DEMO_ADMIN_UID = UUID("ad000000-0000-4000-8000-000000000001")
DEMO_BYPASS_CLIENT_UID = UUID("b1a55000-0000-4000-8000-000000000001")
DEMO_CONTACT_UIDS = (
    UUID("c0ffee00-0000-4000-8000-000000000001"),
    UUID("c0ffee00-0000-4000-8000-000000000002"),
    UUID("c0ffee00-0000-4000-8000-000000000003"),
)
DEMO_TICKET_UID = UUID("71c4e700-0000-4000-8000-000000000001")
DEMO_COMMENT_UID = UUID("c0330000-0000-4000-8000-000000000001")


@dataclass(frozen=True)
class DemoMember:
    """A demo member, its participant and its contact grants."""

    name: str
    uid: UUID
    participant_uid: UUID
    contact_uids: tuple[UUID, ...]


@dataclass(frozen=True)
class DemoCategory:
    """A demo ticket category."""

    uid: UUID
    key: str
    names: dict[str, str]
    active: bool


@dataclass(frozen=True)
class DemoStatus:
    """A demo ticket status."""

    uid: UUID
    key: str
    names: dict[str, str]
    is_initial: bool
    is_closed: bool


C1, C2, C3 = DEMO_CONTACT_UIDS

DEMO_MEMBERS = (
    DemoMember(
        "alice",
        UUID("a11ce000-0000-4000-8000-000000000001"),
        UUID("0a270000-0000-4000-8000-000000000001"),
        (C1, C2),
    ),
    DemoMember(
        "bob",
        UUID("b0b00000-0000-4000-8000-000000000002"),
        UUID("0a270000-0000-4000-8000-000000000002"),
        (C1,),
    ),
    DemoMember(
        "carol",
        UUID("ca201000-0000-4000-8000-000000000003"),
        UUID("0a270000-0000-4000-8000-000000000003"),
        (C3,),
    ),
)
ALICE, BOB, CAROL = DEMO_MEMBERS

DEMO_CATEGORIES = (
    DemoCategory(
        UUID("ca7e0000-0000-4000-8000-000000000001"),
        "general",
        {"en": "General", "de": "Allgemein", "fr": "Général", "it": "Generale"},
        active=True,
    ),
    DemoCategory(
        UUID("ca7e0000-0000-4000-8000-000000000002"),
        "onboarding",
        {
            "en": "Onboarding",
            "de": "Einführung",
            "fr": "Intégration",
            "it": "Inserimento",
        },
        active=True,
    ),
    DemoCategory(
        UUID("ca7e0000-0000-4000-8000-000000000003"),
        "legacy",
        {"en": "Legacy", "de": "Altbestand", "fr": "Historique", "it": "Storico"},
        active=False,
    ),
)

DEMO_STATUSES = (
    DemoStatus(
        UUID("57a70000-0000-4000-8000-000000000001"),
        "open",
        {"en": "Open", "de": "Offen", "fr": "Ouvert", "it": "Aperto"},
        is_initial=True,
        is_closed=False,
    ),
    DemoStatus(
        UUID("57a70000-0000-4000-8000-000000000002"),
        "in-progress",
        {
            "en": "In progress",
            "de": "In Bearbeitung",
            "fr": "En cours",
            "it": "In corso",
        },
        is_initial=False,
        is_closed=False,
    ),
    DemoStatus(
        UUID("57a70000-0000-4000-8000-000000000003"),
        "closed",
        {"en": "Closed", "de": "Geschlossen", "fr": "Fermé", "it": "Chiuso"},
        is_initial=False,
        is_closed=True,
    ),
)
OPEN, IN_PROGRESS, CLOSED = DEMO_STATUSES

DEMO_ADMIN = Actor(member_uid=DEMO_ADMIN_UID, scopes=frozenset({ADMIN_SCOPE}))


def seed_demo(app: TicketingApplication) -> None:
    """Upsert the demo directory, one demo ticket and its comment (idempotent)."""
    for member in DEMO_MEMBERS:
        app.put_contact_access(DEMO_ADMIN, member.uid, list(member.contact_uids))
    for category in DEMO_CATEGORIES:
        app.put_category(
            DEMO_ADMIN,
            category.uid,
            key=category.key,
            names=category.names,
            active=category.active,
        )
    for status in DEMO_STATUSES:
        app.put_status(
            DEMO_ADMIN,
            status.uid,
            key=status.key,
            names=status.names,
            is_initial=status.is_initial,
            is_closed=status.is_closed,
        )
    alice = Actor(member_uid=ALICE.uid, participant_uid=ALICE.participant_uid)
    try:
        ticket = app.get_ticket(alice, DEMO_TICKET_UID).ticket
    except TicketNotFoundError:
        ticket = app.create_ticket(
            alice,
            ticket_id=DEMO_TICKET_UID,
            title="Welcome to the ticketing demo",
            description="A ticket to try the examples on.",
            category_key="general",
            contact_uids=[C1],
        )
    if DEMO_COMMENT_UID not in ticket.comments:
        app.add_comment(
            alice, DEMO_TICKET_UID, "First comment.", comment_id=DEMO_COMMENT_UID
        )


def demo_tokens(config: Config) -> dict[str, str]:
    """Long-lived tokens for a member, a bypass client and an admin."""
    return {
        "MEMBER_TOKEN": issue_token(
            config,
            ALICE.uid,
            participant_uid=ALICE.participant_uid,
            expires_in=DEMO_TOKEN_LIFETIME,
        ),
        "BYPASS_TOKEN": issue_token(
            config,
            DEMO_BYPASS_CLIENT_UID,
            scopes=[BYPASS_SCOPE],
            expires_in=DEMO_TOKEN_LIFETIME,
        ),
        "ADMIN_TOKEN": issue_token(
            config, DEMO_ADMIN_UID, scopes=[ADMIN_SCOPE], expires_in=DEMO_TOKEN_LIFETIME
        ),
    }


def _curl(method: str, path: str, token: str, body: Any = None) -> str:
    parts = [
        f'curl -i -X {method} "$BASE{path}"',
        f'-H "Authorization: Bearer ${token}"',
    ]
    if body is not None:
        parts += [
            "-H 'Content-Type: application/json'",
            f"-d {shlex.quote(json.dumps(body, ensure_ascii=False))}",
        ]
    return " \\\n  ".join(parts)


def demo_guide(config: Config, tokens: dict[str, str]) -> str:
    """What to paste into a shell to try the running demo service."""
    host = "127.0.0.1" if config.host in {"0.0.0.0", "::", ""} else config.host  # noqa: S104
    if ":" in host:
        host = f"[{host}]"
    ticket = f"/v1.0/tickets/{DEMO_TICKET_UID}"
    due = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0).isoformat()
    watch = {"ticketIds": [str(DEMO_TICKET_UID)]}
    examples = [
        (
            "Create a ticket (member)",
            _curl(
                "POST",
                "/v1.0/tickets",
                "MEMBER_TOKEN",
                {
                    "title": "Printer on fire",
                    "description": "Third floor, next to the kitchen.",
                    "categoryKey": "general",
                    "contactUids": [str(C1)],
                    "dueDate": due,
                },
            ),
        ),
        (
            "Create a ticket for other participants (bypass)",
            _curl(
                "POST",
                "/v1.0/tickets",
                "BYPASS_TOKEN",
                {
                    "title": "New product on-boarding",
                    "categoryKey": "onboarding",
                    "contactUids": [str(C3)],
                    "participantUids": [str(CAROL.participant_uid)],
                },
            ),
        ),
        (
            "Update the demo ticket: in progress, assigned to bob",
            _curl(
                "PATCH",
                ticket,
                "MEMBER_TOKEN",
                {
                    "updateProperties": ["statusUid", "assigneeMemberUid"],
                    "statusUid": str(IN_PROGRESS.uid),
                    "assigneeMemberUid": str(BOB.uid),
                },
            ),
        ),
        (
            "Add a comment",
            _curl("POST", f"{ticket}/comments", "MEMBER_TOKEN", {"comment": "On it."}),
        ),
        (
            "Edit the demo comment (alice wrote it)",
            _curl(
                "PUT",
                f"{ticket}/comments/{DEMO_COMMENT_UID}",
                "MEMBER_TOKEN",
                {"comment": "First comment, edited."},
            ),
        ),
        (
            "Watch the demo ticket",
            _curl("POST", "/v1.0/tickets/watchlist", "MEMBER_TOKEN", watch),
        ),
        (
            "Stop watching it",
            _curl("DELETE", "/v1.0/tickets/watchlist", "MEMBER_TOKEN", watch),
        ),
        (
            "Grant carol access to C1 as well (admin; reseeding undoes it)",
            _curl(
                "PUT",
                f"/v1.0/members/{CAROL.uid}/contact-access",
                "ADMIN_TOKEN",
                {"contactUids": [str(C3), str(C1)]},
            ),
        ),
        (
            "Read it, in German",
            _curl("GET", ticket, "MEMBER_TOKEN") + " \\\n  -H 'Accept-Language: de'",
        ),
    ]
    lines = [
        "",
        "Demo directory:",
        *(f"  contact     C{i:<11} {c}" for i, c in enumerate(DEMO_CONTACT_UIDS, 1)),
        *(
            f"  member      {m.name:<12} {m.uid}  grants: "
            + ", ".join(f"C{DEMO_CONTACT_UIDS.index(c) + 1}" for c in m.contact_uids)
            for m in DEMO_MEMBERS
        ),
        *(
            f"  category    {c.key:<12} {c.uid}{'' if c.active else '  (inactive)'}"
            for c in DEMO_CATEGORIES
        ),
        *(f"  status      {s.key:<12} {s.uid}" for s in DEMO_STATUSES),
        f"  ticket      {DEMO_TICKET_UID}  (comment {DEMO_COMMENT_UID})",
        "",
        f"Tokens (valid {DEMO_TOKEN_LIFETIME // 3600} h): MEMBER_TOKEN is alice, "
        "BYPASS_TOKEN an app client",
        "with ticketing.bypass, ADMIN_TOKEN has ticketing.admin. "
        "Paste into your shell first:",
        "",
        f"export BASE=http://{host}:{config.port}",
        *(f"export {name}={value}" for name, value in tokens.items()),
        "",
    ]
    for title, command in examples:
        lines += [f"# {title}", command, ""]
    return "\n".join(lines)


def _migrate(config: Config, args: argparse.Namespace) -> int:
    create_schema(config)
    where = (
        f"PostgreSQL schema {config.database_schema!r}"
        if config.uses_postgres
        else f"SQLite {config.sqlite_path}"
    )
    print(f"schema ready ({where})", file=sys.stderr)
    return 0


def _seed_demo(config: Config, args: argparse.Namespace) -> int:
    create_schema(config)
    app = build_application(config, create_tables=False)
    try:
        seed_demo(app)
    finally:
        app.close()
    print("demo directory seeded", file=sys.stderr)
    if args.quiet:
        return 0
    if config.jwt_public_key_path is not None:
        print(
            "TICKETING_JWT_PUBLIC_KEY is set: mint tokens with "
            "'python -m api.manage token --private-key PEM ...'"
        )
        return 0
    print(demo_guide(config, demo_tokens(config)))
    return 0


def _token(config: Config, args: argparse.Namespace) -> int:
    private_key = None
    if args.private_key is not None:
        from cryptography.hazmat.primitives.serialization import (
            load_pem_private_key,
        )

        private_key = load_pem_private_key(args.private_key.read_bytes(), None)
    print(
        issue_token(
            config,
            args.sub,
            scopes=args.scope,
            participant_uid=args.participant,
            expires_in=args.expires_in,
            private_key=private_key,
        )
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per operation."""
    parser = argparse.ArgumentParser(
        prog="python -m api.manage",
        description="Ticketing service operations (configured by TICKETING_*).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser(
        "migrate", help="create the database schema (once, before workers start)"
    )
    migrate.set_defaults(handler=_migrate)
    seed = commands.add_parser(
        "seed-demo",
        help="upsert the demo directory; print tokens and example requests",
    )
    seed.add_argument("--quiet", action="store_true", help="seed only, print nothing")
    seed.set_defaults(handler=_seed_demo)
    token = commands.add_parser("token", help="print a signed bearer token")
    token.add_argument("--sub", type=UUID, required=True, help="member or client uid")
    token.add_argument(
        "--scope",
        action="append",
        default=[],
        help="a scope, e.g. ticketing.admin (repeatable)",
    )
    token.add_argument("--participant", type=UUID, help="participant_uid claim")
    token.add_argument(
        "--expires-in", type=int, default=3600, metavar="SECONDS", help="(3600)"
    )
    token.add_argument(
        "--private-key",
        type=Path,
        metavar="PEM",
        help="signing key matching TICKETING_JWT_PUBLIC_KEY",
    )
    token.set_defaults(handler=_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status."""
    args = build_parser().parse_args(argv)
    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        result: int = args.handler(config, args)
    except PersistenceError as exc:
        print(f"error: the database is not usable: {exc}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
