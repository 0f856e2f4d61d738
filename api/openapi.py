"""The OpenAPI 3.1 document, generated from the same msgspec structs the API uses."""

from __future__ import annotations

from typing import Any

import falcon
import msgspec

from api import schemas

_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
_STATUS_TEXT = {
    400: "Bad request: malformed JSON, wrong type, missing or unknown field, bad "
    "UUID/date, string too long, blank title or comment, repeated list items "
    "(subCode NA, details in properties); CategoryMismatch; CategoryRequired",
    401: "Missing, malformed, expired, not-yet-valid or wrongly signed token",
    403: "Forbidden (see subCode)",
    404: "Not found: unknown path, or TicketNotFound / CommentNotFound",
    405: "Method not allowed (the Allow header lists the allowed ones)",
    409: "Conflict (see subCode)",
    412: "If-Match does not match the ticket's current ETag (VersionMismatch)",
    413: "Request body over the configured limit",
    415: "Request body is not JSON",
    422: "Unprocessable (see subCode)",
    500: "Unexpected error (no internals are revealed)",
    503: "Too many concurrent writers on one ticket, or the store is unavailable",
}
_COMMON_ERRORS = (401, 404, 405, 500, 503)
_BODY_ERRORS = (400, 413, 415)

_LANGUAGE_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "language",
        "in": "query",
        "required": False,
        "description": "ISO 639-1 language; wins over Accept-Language. Unsupported "
        "languages fall back to the default.",
        "schema": {"type": "string"},
    },
    {
        "name": "Accept-Language",
        "in": "header",
        "required": False,
        "description": "Preferred languages with q-values (fr-CH matches fr).",
        "schema": {"type": "string"},
    },
    {
        "name": "X-Correlation-Id",
        "in": "header",
        "required": False,
        "description": "Echoed when it is at most 64 chars of [A-Za-z0-9-_]; "
        "otherwise a new id is returned.",
        "schema": {"type": "string", "maxLength": 64},
    },
]
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": 'The ticket ETag ("<version>") the change is based on, or *.',
    "schema": {"type": "string"},
}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Scoped to the token's sub and the route, kept at least 24 hours: "
    "a retry with a JSON-equal body replays the original response (same ids); "
    "another body gives 422 IdempotencyKeyReused (after the request's own 404, "
    "403 and 412 checks). Concurrent duplicates wait for "
    "the first and receive its response, so 409 IdempotencyKeyInFlight is not "
    "produced by this implementation.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "format": "uuid"},
    }


def _ref(struct: type[Any]) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{struct.__name__}"}


def _operation(  # noqa: PLR0913
    summary: str,
    operation_id: str,
    *,
    success: int,
    success_body: type[Any] | None = None,
    request: type[Any] | None = None,
    errors: tuple[int, ...] = (),
    parameters: tuple[dict[str, Any], ...] = (),
    success_headers: tuple[str, ...] = (),
    secured: bool = True,
    description: str = "",
) -> dict[str, Any]:
    response: dict[str, Any] = {"description": "Success"}
    if success_body is not None:
        response["content"] = {"application/json": {"schema": _ref(success_body)}}
    if success_headers:
        response["headers"] = {
            name: {"schema": {"type": "string"}} for name in success_headers
        }
    responses: dict[str, Any] = {str(success): response}
    all_errors = set(errors) | set(_COMMON_ERRORS if secured else (500,))
    if request is not None:
        all_errors |= set(_BODY_ERRORS)
    for status in sorted(all_errors):
        responses[str(status)] = {
            "description": _STATUS_TEXT[status],
            "content": {"application/json": {"schema": _ERROR_REF}},
        }
    operation: dict[str, Any] = {
        "summary": summary,
        "operationId": operation_id,
        "parameters": [*_LANGUAGE_PARAMETERS, *parameters],
        "responses": responses,
    }
    if description:
        operation["description"] = description
    if request is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(request)}},
        }
    operation["security"] = [{"bearer": []}] if secured else []
    return operation


def _paths() -> dict[str, Any]:
    ticket_id = _path_param("ticketId", "The ticket's id")
    comment_id = _path_param("commentId", "The comment's id")
    return {
        "/v1.0/tickets": {
            "post": _operation(
                "Create ticket",
                "createTicket",
                success=201,
                success_body=schemas.TicketCreated,
                request=schemas.CreateTicketRequest,
                errors=(403, 422),
                parameters=(_IDEMPOTENCY_KEY,),
                success_headers=("Location", "ETag"),
                description="Either categoryUid or categoryKey must be specified. "
                "subCodes: CategoryMismatch, CategoryRequired (400); "
                "BypassTokenRequired, CreatorInsufficientAccess (403); "
                "CategoryNotFound, CategoryInactive, StatusNotFound, "
                "AssigneeInsufficientAccess, IdempotencyKeyReused (422).",
            )
        },
        "/v1.0/tickets/{ticketId}": {
            "get": _operation(
                "One ticket, localized",
                "getTicket",
                success=200,
                success_body=schemas.TicketBody,
                errors=(403,),
                parameters=(ticket_id,),
                success_headers=("ETag",),
            ),
            "head": _operation(
                "One ticket's ETag, without the body",
                "headTicket",
                success=200,
                errors=(403,),
                parameters=(ticket_id,),
                success_headers=("ETag",),
            ),
            "patch": _operation(
                "Update a ticket",
                "updateTicket",
                success=204,
                request=schemas.UpdateTicketRequest,
                errors=(403, 412, 422),
                parameters=(ticket_id, _IF_MATCH),
                success_headers=("ETag",),
                description="With updateProperties, each listed property is "
                "applied (null or absent clears it; title and statusUid cannot be "
                "cleared). Without it, every property present is applied. A change "
                "to the current value records nothing. subCodes: "
                "TicketInsufficientAccess (403), VersionMismatch (412), "
                "StatusNotFound, AssigneeInsufficientAccess (422).",
            ),
        },
        "/v1.0/tickets/{ticketId}/comments": {
            "post": _operation(
                "Add a comment to a ticket",
                "addComment",
                success=201,
                success_body=schemas.CommentCreated,
                request=schemas.CommentRequest,
                errors=(403, 412, 422),
                parameters=(ticket_id, _IF_MATCH, _IDEMPOTENCY_KEY),
                success_headers=("Location",),
            )
        },
        "/v1.0/tickets/{ticketId}/comments/{commentId}": {
            "put": _operation(
                "Update specified comment",
                "editComment",
                success=204,
                request=schemas.CommentRequest,
                errors=(403, 412),
                parameters=(ticket_id, comment_id, _IF_MATCH),
                success_headers=("ETag",),
                description="Only the author may edit (403 NotCommentAuthor); the "
                "previous text stays in the comment's history.",
            )
        },
        "/v1.0/tickets/watchlist": {
            "post": _operation(
                "Add tickets to member watch-list",
                "watchTickets",
                success=204,
                request=schemas.WatchlistRequest,
                errors=(403,),
                description="All or nothing: unknown ids give 404 TicketNotFound, "
                "then inaccessible ones 403 TicketInsufficientAccess; "
                "properties.ticketIds lists the offending ids.",
            ),
            "delete": _operation(
                "Remove tickets from member watch-list",
                "unwatchTickets",
                success=204,
                request=schemas.WatchlistRequest,
                description="All or nothing; checks existence but not access.",
            ),
        },
        "/v1.0/members/{memberUid}/contact-access": {
            "put": _operation(
                "Replace a member's contact grants (admin)",
                "putContactAccess",
                success=204,
                request=schemas.ContactAccessRequest,
                errors=(403,),
                parameters=(_path_param("memberUid", "The member"),),
            ),
            "get": _operation(
                "A member's contact grants (admin)",
                "getContactAccess",
                success=200,
                success_body=schemas.ContactAccessBody,
                errors=(403,),
                parameters=(_path_param("memberUid", "The member"),),
            ),
        },
        "/v1.0/ticket-categories/{categoryUid}": {
            "put": _operation(
                "Create or replace a category (admin)",
                "putCategory",
                success=204,
                request=schemas.CategoryRequest,
                errors=(403, 409),
                parameters=(_path_param("categoryUid", "The category"),),
                description="Keys are unique (409 KeyAlreadyUsed); a uid that "
                "already names another kind of entry is 409 UidAlreadyUsed.",
            )
        },
        "/v1.0/ticket-statuses/{statusUid}": {
            "put": _operation(
                "Create or replace a status (admin)",
                "putStatus",
                success=204,
                request=schemas.StatusRequest,
                errors=(403, 409),
                parameters=(_path_param("statusUid", "The status"),),
                description="Keys are unique (409 KeyAlreadyUsed); a uid that "
                "already names another kind of entry is 409 UidAlreadyUsed; marking "
                "one status initial unmarks the previous one.",
            )
        },
        "/health/live": {
            "get": _operation(
                "Liveness",
                "live",
                success=200,
                success_body=schemas.HealthBody,
                secured=False,
            )
        },
        "/health/ready": {
            "get": _operation(
                "Readiness: the event store answers",
                "ready",
                success=200,
                success_body=schemas.HealthBody,
                errors=(503,),
                secured=False,
            )
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document"}},
            }
        },
    }


def build_document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    response_types = (
        schemas.TicketCreated,
        schemas.CommentCreated,
        schemas.TicketBody,
        schemas.ContactAccessBody,
        schemas.HealthBody,
        schemas.ErrorBody,
    )
    _, components = msgspec.json.schema_components(
        (*schemas.REQUEST_TYPES, *response_types),
        ref_template="#/components/schemas/{name}",
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "DFS Ticketing Services API",
            "version": "26.1",
            "description": "Event-sourced implementation of the DFS Ticketing "
            "Services API v26.1. Every non-2xx response has the ErrorBody shape; "
            "errors are ordered 401, route 404/405, 415, 413, 400, resource 404, "
            "403, 412, 422. Every response carries X-Correlation-Id and "
            "Content-Language.",
        },
        "servers": [{"url": "/"}],
        "paths": _paths(),
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
        "security": [{"bearer": []}],
    }


class OpenApiResource:
    """GET /openapi.json."""

    def __init__(self) -> None:
        self._body = msgspec.json.encode(build_document())

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The document, built once."""
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._body
