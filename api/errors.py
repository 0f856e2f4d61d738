"""The one place where errors become HTTP: status table and DFS error bodies."""

from __future__ import annotations

import logging
from typing import Any

import falcon
from eventsourcing.persistence import InterfaceError, OperationalError

from api.i18n import Translator
from api.schemas import ErrorBody, encoder
from domain.errors import (
    AccessDeniedError,
    ConcurrencyError,
    ConflictError,
    DomainError,
    InvalidRequestError,
    NotFoundError,
    UnprocessableError,
    VersionMismatchError,
)

logger = logging.getLogger("ticketing.api")

#: Error kind (base class) -> HTTP status; the most specific base listed wins.
STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidRequestError, 400),
    (AccessDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (VersionMismatchError, 412),
    (UnprocessableError, 422),
    (ConcurrencyError, 503),
)

CODE_BY_STATUS: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    412: "PreconditionFailed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "UnprocessableEntity",
    500: "General",
    503: "ServiceUnavailable",
}

MESSAGE_BY_STATUS: dict[int, str] = {
    400: "error.bad_request",
    401: "error.unauthorized",
    403: "error.forbidden",
    404: "error.route_not_found",
    405: "error.method_not_allowed",
    409: "error.conflict",
    412: "error.version_mismatch",
    413: "error.payload_too_large",
    415: "error.unsupported_media_type",
    422: "error.unprocessable",
    500: "error.general",
    503: "error.service_unavailable",
}


class HttpError(Exception):
    """An error of the HTTP layer itself (auth, media type, body size, syntax)."""

    def __init__(
        self,
        status: int,
        *,
        sub_code: str = "NA",
        message_id: str | None = None,
        headers: dict[str, str] | None = None,
        **properties: Any,
    ) -> None:
        super().__init__(f"{status} {sub_code}")
        self.status = status
        self.sub_code = sub_code
        self.message_id = message_id or MESSAGE_BY_STATUS.get(status, "error.general")
        self.headers = headers or {}
        self.properties = properties


def bad_request(field: str, reason: str) -> HttpError:
    """A 400 for one field of the request."""
    return HttpError(400, field=field, reason=reason)


def status_of(error: DomainError) -> int:
    """The HTTP status for a domain error."""
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return 500


class ErrorRenderer:
    """Renders every non-2xx response as the DFS error body."""

    def __init__(self, translator: Translator) -> None:
        self._translator = translator

    def render(  # noqa: PLR0913
        self,
        req: falcon.Request,
        resp: falcon.Response,
        status: int,
        sub_code: str,
        message_id: str,
        properties: dict[str, Any] | None = None,
    ) -> None:
        """Write the error body (localized message, correlation id) to resp."""
        language = getattr(req.context, "language", self._translator.default_language)
        correlation_id = getattr(req.context, "correlation_id", "")
        body = ErrorBody(
            code=CODE_BY_STATUS.get(status, "General"),
            sub_code=sub_code,
            message=self._translator.gettext(language, message_id),
            correlation_id=correlation_id,
            properties=properties or None,
        )
        resp.status = status
        resp.content_type = falcon.MEDIA_JSON
        resp.data = encoder.encode(body)
        resp.set_header("Content-Language", language)
        if correlation_id:
            resp.set_header("X-Correlation-Id", correlation_id)

    def install(self, app: falcon.App[falcon.Request, falcon.Response]) -> None:
        """Register the handlers; Falcon picks the most specific by class."""
        app.add_error_handler(Exception, self._unexpected)
        app.add_error_handler(falcon.HTTPError, self._falcon_error)
        app.add_error_handler(HttpError, self._http_error)
        app.add_error_handler(DomainError, self._domain_error)
        app.add_error_handler(OperationalError, self._unavailable)
        app.add_error_handler(InterfaceError, self._unavailable)

    def _domain_error(
        self, req: falcon.Request, resp: falcon.Response, ex: DomainError, _: Any
    ) -> None:
        self.render(
            req,
            resp,
            status_of(ex),
            ex.sub_code,
            ex.message_id,
            _jsonable(ex.properties),
        )

    def _http_error(
        self, req: falcon.Request, resp: falcon.Response, ex: HttpError, _: Any
    ) -> None:
        self.render(req, resp, ex.status, ex.sub_code, ex.message_id, ex.properties)
        for name, value in ex.headers.items():
            resp.set_header(name, value)

    def _falcon_error(
        self, req: falcon.Request, resp: falcon.Response, ex: falcon.HTTPError, _: Any
    ) -> None:
        status = ex.status_code
        if status >= 500:
            logger.error("server error %s", status)
        self.render(
            req, resp, status, "NA", MESSAGE_BY_STATUS.get(status, "error.general")
        )
        if ex.headers:
            resp.set_headers(ex.headers)

    def _unavailable(
        self, req: falcon.Request, resp: falcon.Response, ex: Exception, _: Any
    ) -> None:
        logger.error("store unavailable: %s", ex)
        self.render(req, resp, 503, "NA", "error.service_unavailable")
        resp.set_header("Retry-After", "1")

    def _unexpected(
        self, req: falcon.Request, resp: falcon.Response, ex: Exception, _: Any
    ) -> None:
        logger.exception("unexpected error", exc_info=ex)
        self.render(req, resp, 500, "NA", "error.general")


def _jsonable(properties: dict[str, Any]) -> dict[str, Any]:
    """Domain error details as JSON values (uuids as strings)."""
    out: dict[str, Any] = {}
    for name, value in properties.items():
        if isinstance(value, list | tuple | set | frozenset):
            out[name] = [str(v) for v in value]
        elif isinstance(value, str | int | float | bool) or value is None:
            out[name] = value
        else:
            out[name] = str(value)
    return out
