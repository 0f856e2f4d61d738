"""Domain errors, each carrying its DFS subCode.

The HTTP layer maps the error *kind* (the base class) to a status code once, in
``api/errors.py``; the domain never mentions HTTP.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base class of every error the service layer raises on purpose."""

    sub_code: ClassVar[str] = "NA"
    message_id: ClassVar[str] = "error.general"

    def __init__(self, detail: str = "", **properties: Any) -> None:
        super().__init__(detail or self.sub_code)
        self.properties: dict[str, Any] = properties


class InvalidRequestError(DomainError):
    """The command is malformed (HTTP 400)."""

    message_id = "error.bad_request"


class CategoryMismatchError(InvalidRequestError):
    """categoryUid and categoryKey name different categories."""

    sub_code = "CategoryMismatch"
    message_id = "error.category_mismatch"


class CategoryRequiredError(InvalidRequestError):
    """Neither categoryUid nor categoryKey was given."""

    sub_code = "CategoryRequired"
    message_id = "error.category_required"


class AccessDeniedError(DomainError):
    """The actor may not do this (HTTP 403)."""

    message_id = "error.forbidden"


class BypassTokenRequiredError(AccessDeniedError):
    """Only a bypass token may set participants."""

    sub_code = "BypassTokenRequired"
    message_id = "error.bypass_token_required"


class CreatorInsufficientAccessError(AccessDeniedError):
    """The creator lacks access to the ticket's contacts."""

    sub_code = "CreatorInsufficientAccess"
    message_id = "error.creator_insufficient_access"


class TicketInsufficientAccessError(AccessDeniedError):
    """The member lacks access to an existing ticket."""

    sub_code = "TicketInsufficientAccess"
    message_id = "error.ticket_insufficient_access"


class NotCommentAuthorError(AccessDeniedError):
    """Only a comment's author may edit it."""

    sub_code = "NotCommentAuthor"
    message_id = "error.not_comment_author"


class NotFoundError(DomainError):
    """A named resource does not exist (HTTP 404)."""

    message_id = "error.not_found"


class TicketNotFoundError(NotFoundError):
    """The ticket does not exist."""

    sub_code = "TicketNotFound"
    message_id = "error.ticket_not_found"


class CommentNotFoundError(NotFoundError):
    """The comment does not exist on that ticket."""

    sub_code = "CommentNotFound"
    message_id = "error.comment_not_found"


class ConflictError(DomainError):
    """The command conflicts with the current state (HTTP 409)."""

    message_id = "error.conflict"


class KeyAlreadyUsedError(ConflictError):
    """A directory key is already used by another uid."""

    sub_code = "KeyAlreadyUsed"
    message_id = "error.key_already_used"


class VersionMismatchError(DomainError):
    """The expected version (If-Match) is not the current one (HTTP 412)."""

    sub_code = "VersionMismatch"
    message_id = "error.version_mismatch"


class UnprocessableError(DomainError):
    """The command is well formed but cannot be carried out (HTTP 422)."""

    message_id = "error.unprocessable"


class CategoryNotFoundError(UnprocessableError):
    """No category has that uid or key."""

    sub_code = "CategoryNotFound"
    message_id = "error.category_not_found"


class CategoryInactiveError(UnprocessableError):
    """The category is not active."""

    sub_code = "CategoryInactive"
    message_id = "error.category_inactive"


class StatusNotFoundError(UnprocessableError):
    """No status has that uid, or no initial status is configured."""

    sub_code = "StatusNotFound"
    message_id = "error.status_not_found"


class AssigneeInsufficientAccessError(UnprocessableError):
    """The assignee lacks access to the ticket's contacts."""

    sub_code = "AssigneeInsufficientAccess"
    message_id = "error.assignee_insufficient_access"


class ConcurrencyError(DomainError):
    """Retries on fresh state were exhausted (HTTP 503)."""

    message_id = "error.busy"


class IdempotencyKeyReusedError(UnprocessableError):
    """The Idempotency-Key was used before with a different request body."""

    sub_code = "IdempotencyKeyReused"
    message_id = "error.idempotency_key_reused"


class AdminScopeRequiredError(AccessDeniedError):
    """Directory endpoints need the ticketing.admin scope."""

    sub_code = "AdminScopeRequired"
    message_id = "error.admin_scope_required"


class AuditScopeRequiredError(AccessDeniedError):
    """Audit endpoints need the ticketing.audit or ticketing.admin scope."""

    sub_code = "AuditScopeRequired"
    message_id = "error.audit_scope_required"


class UidAlreadyUsedError(ConflictError):
    """The uid already identifies another kind of entry (a ticket, a status...)."""

    sub_code = "UidAlreadyUsed"
    message_id = "error.uid_already_used"
