"""Falcon resources: thin translators between HTTP and the service layer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import falcon
from msgspec import UNSET

from api.errors import bad_request
from api.http import (
    actor_of,
    check_not_blank,
    check_unique,
    etag,
    expected_version,
    read_body,
)
from api.i18n import Translator
from api.idempotency import Idempotency
from api.schemas import (
    CategoryRef,
    CategoryRequest,
    CommentCreated,
    CommentRequest,
    ContactAccessBody,
    ContactAccessRequest,
    CreateTicketRequest,
    HealthBody,
    StatusRef,
    StatusRequest,
    TicketBody,
    TicketCreated,
    UpdateTicketRequest,
    WatchlistRequest,
    encoder,
)
from api.storage import ping_store
from domain.application import TicketingApplication, TicketView

#: updateProperties names (lower-cased) -> domain property names.
UPDATE_PROPERTIES: dict[str, str] = {
    "title": "title",
    "description": "description",
    "duedate": "due_date",
    "assigneememberuid": "assignee_member_uid",
    "statusuid": "status_uid",
}


def timestamp(value: datetime) -> str:
    """RFC 3339 with offset, in milliseconds, as the contract shows."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def to_millis(value: datetime) -> datetime:
    """Keep what the API shows, so sending a shown value back is not a change."""
    return value.astimezone(UTC).replace(microsecond=value.microsecond // 1000 * 1000)


def _json(resp: falcon.Response, body: object) -> None:
    resp.content_type = falcon.MEDIA_JSON
    resp.data = encoder.encode(body)


class TicketsResource:
    """POST /v1.0/tickets, GET and PATCH /v1.0/tickets/{ticketId}."""

    def __init__(
        self,
        app: TicketingApplication,
        translator: Translator,
        idempotency: Idempotency,
        max_body_bytes: int,
    ) -> None:
        self._app = app
        self._translator = translator
        self._idempotency = idempotency
        self._max = max_body_bytes

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Create ticket."""
        body = read_body(req, CreateTicketRequest, self._max)
        check_not_blank(body.title, "title")
        check_unique(body.contact_uids, "contactUids")
        check_unique(body.participant_uids, "participantUids")
        actor = actor_of(req)
        ticket_id = uuid4()
        headers = {"Location": f"/v1.0/tickets/{ticket_id}", "ETag": etag(1)}

        def command(save_kwargs: Mapping[str, Any]) -> object:
            return self._app.create_ticket(
                actor,
                ticket_id=ticket_id,
                title=body.title,
                description=body.description,
                category_uid=body.category_uid,
                category_key=body.category_key,
                due_date=to_millis(body.due_date) if body.due_date else None,
                assignee_member_uid=body.assignee_member_uid,
                contact_uids=body.contact_uids,
                reference_uid=body.reference_uid,
                participant_uids=body.participant_uids,
                save_kwargs=save_kwargs,
            )

        self._idempotency.run(
            req,
            resp,
            actor,
            "/v1.0/tickets",
            201,
            headers,
            encoder.encode(TicketCreated(ticket_id=ticket_id)),
            command,
        )

    def on_get_item(
        self, req: falcon.Request, resp: falcon.Response, ticket_id: UUID
    ) -> None:
        """The ticket, localized, with its ETag."""
        view = self._app.get_ticket(actor_of(req), ticket_id)
        _json(resp, ticket_body(view, self._translator, req.context.language))
        resp.set_header("ETag", etag(view.ticket.version))

    #: HEAD answers as GET does, without the body (Falcon drops it).
    on_head_item = on_get_item

    def on_patch_item(
        self, req: falcon.Request, resp: falcon.Response, ticket_id: UUID
    ) -> None:
        """Update a ticket."""
        body = read_body(req, UpdateTicketRequest, self._max)
        requested = requested_changes(body)
        version = self._app.update_ticket(
            actor_of(req),
            ticket_id,
            requested,
            expected_version=expected_version(req),
        )
        resp.status = falcon.HTTP_204
        resp.set_header("ETag", etag(version))


def requested_changes(body: UpdateTicketRequest) -> dict[str, Any]:
    """The domain properties an update names, with their new values.

    With updateProperties, each listed property is applied (absent means cleared);
    without it, every property present in the body is applied.
    """
    present = {
        name: getattr(body, name)
        for name in UPDATE_PROPERTIES.values()
        if getattr(body, name) is not UNSET
    }
    if body.update_properties is None:
        selected = present
    else:
        selected = {}
        for position, raw in enumerate(body.update_properties):
            name = UPDATE_PROPERTIES.get(raw.lower())
            if name is None:
                raise bad_request(
                    f"updateProperties[{position}]", f"unknown property {raw!r}"
                )
            if name in selected:
                raise bad_request(
                    f"updateProperties[{position}]", f"{raw!r} is listed twice"
                )
            selected[name] = present.get(name)
    for name, field in (("title", "title"), ("status_uid", "statusUid")):
        if name in selected and selected[name] is None:
            raise bad_request(field, "cannot be cleared")
    check_not_blank(selected.get("title"), "title")
    if selected.get("due_date") is not None:
        selected["due_date"] = to_millis(selected["due_date"])
    return selected


def ticket_body(view: TicketView, translator: Translator, language: str) -> TicketBody:
    """The read-side shape of a ticket."""
    ticket, category, status = view.ticket, view.category, view.status
    return TicketBody(
        ticket_id=ticket.id,
        title=ticket.title,
        description=ticket.description,
        category=CategoryRef(
            uid=category.id,
            key=category.key,
            name=translator.name(category.names, language, category.key),
        )
        if category
        else None,
        status=StatusRef(
            uid=status.id,
            key=status.key,
            name=translator.name(status.names, language, status.key),
            is_closed=status.is_closed,
        )
        if status
        else None,
        due_date=timestamp(ticket.due_date) if ticket.due_date else None,
        assignee_member_uid=ticket.assignee_member_uid,
        contact_uids=ticket.contact_uids,
        participant_uids=ticket.participant_uids,
        reference_uid=ticket.reference_uid,
        created_at=timestamp(ticket.created_on),
        created_by=ticket.created_by,
        updated_at=timestamp(ticket.updated_at),
        updated_by=ticket.updated_by,
        version=ticket.version,
    )


class CommentsResource:
    """POST /v1.0/tickets/{ticketId}/comments and PUT .../comments/{commentId}."""

    def __init__(
        self, app: TicketingApplication, idempotency: Idempotency, max_body_bytes: int
    ) -> None:
        self._app = app
        self._idempotency = idempotency
        self._max = max_body_bytes

    def on_post(
        self, req: falcon.Request, resp: falcon.Response, ticket_id: UUID
    ) -> None:
        """Add a comment to a ticket."""
        body = read_body(req, CommentRequest, self._max)
        check_not_blank(body.comment, "comment")
        actor = actor_of(req)
        comment_id = uuid4()
        headers = {"Location": f"/v1.0/tickets/{ticket_id}/comments/{comment_id}"}
        version = expected_version(req)

        def command(save_kwargs: Mapping[str, Any]) -> object:
            return self._app.add_comment(
                actor,
                ticket_id,
                body.comment,
                comment_id=comment_id,
                expected_version=version,
                save_kwargs=save_kwargs,
            )

        self._idempotency.run(
            req,
            resp,
            actor,
            f"/v1.0/tickets/{ticket_id}/comments",
            201,
            headers,
            encoder.encode(CommentCreated(comment_id=comment_id)),
            command,
        )

    def on_put_item(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        ticket_id: UUID,
        comment_id: UUID,
    ) -> None:
        """Update specified comment."""
        body = read_body(req, CommentRequest, self._max)
        check_not_blank(body.comment, "comment")
        version = self._app.edit_comment(
            actor_of(req),
            ticket_id,
            comment_id,
            body.comment,
            expected_version=expected_version(req),
        )
        resp.status = falcon.HTTP_204
        resp.set_header("ETag", etag(version))


class WatchlistResource:
    """POST and DELETE /v1.0/tickets/watchlist."""

    def __init__(self, app: TicketingApplication, max_body_bytes: int) -> None:
        self._app = app
        self._max = max_body_bytes

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Add tickets to member watch-list."""
        body = read_body(req, WatchlistRequest, self._max)
        check_unique(body.ticket_ids, "ticketIds")
        self._app.watch(actor_of(req), body.ticket_ids)
        resp.status = falcon.HTTP_204

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Remove tickets from member watch-list."""
        body = read_body(req, WatchlistRequest, self._max)
        check_unique(body.ticket_ids, "ticketIds")
        self._app.unwatch(actor_of(req), body.ticket_ids)
        resp.status = falcon.HTTP_204


class ContactAccessResource:
    """PUT and GET /v1.0/members/{memberUid}/contact-access (admin)."""

    def __init__(self, app: TicketingApplication, max_body_bytes: int) -> None:
        self._app = app
        self._max = max_body_bytes

    def on_put(
        self, req: falcon.Request, resp: falcon.Response, member_uid: UUID
    ) -> None:
        """Replace a member's grants."""
        body = read_body(req, ContactAccessRequest, self._max)
        check_unique(body.contact_uids, "contactUids")
        self._app.put_contact_access(actor_of(req), member_uid, body.contact_uids)
        resp.status = falcon.HTTP_204

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, member_uid: UUID
    ) -> None:
        """A member's grants."""
        contacts = self._app.get_contact_access(actor_of(req), member_uid)
        _json(resp, ContactAccessBody(member_uid=member_uid, contact_uids=contacts))


class CategoryResource:
    """PUT /v1.0/ticket-categories/{categoryUid} (admin)."""

    def __init__(self, app: TicketingApplication, max_body_bytes: int) -> None:
        self._app = app
        self._max = max_body_bytes

    def on_put(
        self, req: falcon.Request, resp: falcon.Response, category_uid: UUID
    ) -> None:
        """Create or replace a category."""
        body = read_body(req, CategoryRequest, self._max)
        _check_names(body.names)
        self._app.put_category(
            actor_of(req),
            category_uid,
            key=body.key,
            names=body.names,
            active=body.active,
        )
        resp.status = falcon.HTTP_204


class StatusResource:
    """PUT /v1.0/ticket-statuses/{statusUid} (admin)."""

    def __init__(self, app: TicketingApplication, max_body_bytes: int) -> None:
        self._app = app
        self._max = max_body_bytes

    def on_put(
        self, req: falcon.Request, resp: falcon.Response, status_uid: UUID
    ) -> None:
        """Create or replace a status."""
        body = read_body(req, StatusRequest, self._max)
        _check_names(body.names)
        self._app.put_status(
            actor_of(req),
            status_uid,
            key=body.key,
            names=body.names,
            is_initial=body.is_initial,
            is_closed=body.is_closed,
        )
        resp.status = falcon.HTTP_204


def _check_names(names: dict[str, str]) -> None:
    for language, name in names.items():
        check_not_blank(name, f"names.{language}")


class HealthResource:
    """GET /health/live and /health/ready."""

    def __init__(self, app: TicketingApplication) -> None:
        self._app = app

    def on_get_live(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The process answers."""
        _json(resp, HealthBody(status="ok"))

    def on_get_ready(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The event store answers."""
        ping_store(self._app)
        _json(resp, HealthBody(status="ready"))
