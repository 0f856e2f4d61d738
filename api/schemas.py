"""Request and response bodies: msgspec structs, the only place JSON shapes live.

Encoders and decoders are built once here and reused for every request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from domain.ticket import COMMENT_MAX, DESCRIPTION_MAX, TITLE_MAX

ID_LIST_MAX = 100
KEY_MAX = 100
NAME_MAX = 256

Title = Annotated[
    str, Meta(min_length=1, max_length=TITLE_MAX, description="1-256 chars, not blank")
]
Description = Annotated[str, Meta(max_length=DESCRIPTION_MAX)]
CommentText = Annotated[
    str,
    Meta(min_length=1, max_length=COMMENT_MAX, description="1-10,000 chars, not blank"),
]
DateTime = Annotated[
    datetime, Meta(tz=True, description="RFC 3339 date-time with offset")
]
ContactUids = Annotated[
    list[UUID],
    Meta(min_length=1, max_length=ID_LIST_MAX, description="1-100 unique uuids"),
]
ParticipantUids = Annotated[
    list[UUID], Meta(max_length=ID_LIST_MAX, description="up to 100 unique uuids")
]
TicketIds = Annotated[
    list[UUID],
    Meta(min_length=1, max_length=ID_LIST_MAX, description="1-100 unique uuids"),
]
Key = Annotated[
    str,
    Meta(min_length=1, max_length=KEY_MAX, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"),
]
#: A category key as a client names it: one that names nothing is 422, not 400.
KeyReference = Annotated[str, Meta(min_length=1, max_length=KEY_MAX)]
Language = Annotated[str, Meta(pattern="^[a-z]{2}$", description="ISO 639-1")]
Name = Annotated[str, Meta(min_length=1, max_length=NAME_MAX)]
Names = Annotated[dict[Language, Name], Meta(min_length=1)]
PropertyName = Annotated[
    str,
    Meta(
        description="title, description, dueDate, assigneeMemberUid or statusUid "
        "(case-insensitive)"
    ),
]


class _Request(Struct, forbid_unknown_fields=True, rename="camel", kw_only=True):
    """Requests reject unknown fields and use camelCase names."""


class _Response(Struct, rename="camel", kw_only=True):
    """Responses use camelCase names; absent values are null."""


class CreateTicketRequest(_Request):
    """Create ticket (DFS). Either categoryUid or categoryKey must be given."""

    title: Title
    contact_uids: ContactUids
    description: Description | None = None
    category_uid: UUID | None = None
    category_key: KeyReference | None = None
    due_date: DateTime | None = None
    assignee_member_uid: UUID | None = None
    reference_uid: UUID | None = None
    participant_uids: ParticipantUids | None = None


class UpdateTicketRequest(_Request):
    """Update a ticket (DFS): updateProperties names what to apply."""

    update_properties: Annotated[list[PropertyName], Meta(max_length=5)] | None = None
    title: Title | None | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    due_date: DateTime | None | UnsetType = UNSET
    assignee_member_uid: UUID | None | UnsetType = UNSET
    status_uid: UUID | None | UnsetType = UNSET


class CommentRequest(_Request):
    """Add or edit a comment (DFS)."""

    comment: CommentText


class WatchlistRequest(_Request):
    """Add tickets to, or remove them from, the member's watch-list (DFS)."""

    ticket_ids: TicketIds


class ContactAccessRequest(_Request):
    """Replace a member's contact grants (empty list revokes all)."""

    contact_uids: Annotated[list[UUID], Meta(max_length=10_000)]


class CategoryRequest(_Request):
    """Create or replace a ticket category."""

    key: Key
    names: Names
    active: bool = True


class StatusRequest(_Request):
    """Create or replace a ticket status."""

    key: Key
    names: Names
    is_initial: bool = False
    is_closed: bool = False


class TicketCreated(_Response):
    """The id of the new ticket."""

    ticket_id: UUID


class CommentCreated(_Response):
    """The id of the new comment."""

    comment_id: UUID


class CategoryRef(_Response):
    """A ticket's category, localized."""

    uid: UUID
    key: str
    name: str


class StatusRef(_Response):
    """A ticket's status, localized."""

    uid: UUID
    key: str
    name: str
    is_closed: bool


class TicketBody(_Response):
    """A ticket as the read side returns it."""

    ticket_id: UUID
    title: str
    description: str | None
    category: CategoryRef | None
    status: StatusRef | None
    due_date: str | None
    assignee_member_uid: UUID | None
    contact_uids: list[UUID]
    participant_uids: list[UUID]
    reference_uid: UUID | None
    created_at: str
    created_by: UUID
    updated_at: str
    updated_by: UUID
    version: int


class ContactAccessBody(_Response):
    """A member's contact grants."""

    member_uid: UUID
    contact_uids: list[UUID]


class HealthBody(_Response):
    """Health check answer."""

    status: str


class ErrorBody(_Response, omit_defaults=True):
    """The DFS error body, returned with every non-2xx status."""

    code: str
    sub_code: str
    message: str
    correlation_id: str
    properties: dict[str, Any] | None = None


REQUEST_TYPES: tuple[type[Struct], ...] = (
    CreateTicketRequest,
    UpdateTicketRequest,
    CommentRequest,
    WatchlistRequest,
    ContactAccessRequest,
    CategoryRequest,
    StatusRequest,
)

encoder = msgspec.json.Encoder()
_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {
    t: msgspec.json.Decoder(t) for t in REQUEST_TYPES
}
_any_decoder = msgspec.json.Decoder()
_canonical_encoder = msgspec.json.Encoder(order="sorted")


def decoder(struct_type: type[Any]) -> msgspec.json.Decoder[Any]:
    """The shared decoder for a request type."""
    return _decoders[struct_type]


def canonical_json(raw: bytes) -> bytes:
    """The same JSON value with sorted keys and no whitespace (JSON equality)."""
    return _canonical_encoder.encode(_any_decoder.decode(raw))
