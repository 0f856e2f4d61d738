"""Cross-cutting HTTP concerns: middleware, body decoding, ETags."""

from __future__ import annotations

import re
import uuid
from typing import Any, TypeVar

import falcon
import msgspec

from api import logs
from api.auth import AuthenticationError, TokenVerifier
from api.errors import HttpError, bad_request
from api.i18n import Translator
from api.schemas import decoder
from domain.application import ANY_VERSION, Actor, ExpectedVersion

S = TypeVar("S")

CORRELATION_HEADER = "X-Correlation-Id"
_SANE_CORRELATION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MSGSPEC_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_STRONG_VERSION_TAG = re.compile(r'"([1-9][0-9]{0,17})"')
_BACKTICKED = re.compile(r"`(?P<name>[^`]+)`")

#: Paths served without a bearer token.
PUBLIC_PATHS = frozenset(
    {"/health/live", "/health/ready", "/metrics", "/openapi.json", "/docs"}
)


class ContextMiddleware:
    """Correlation id and response language, set before anything can fail."""

    def __init__(self, translator: Translator) -> None:
        self._translator = translator

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Pick the correlation id and the language for this request."""
        given = req.get_header(CORRELATION_HEADER)
        req.context.correlation_id = (
            given
            if given and _SANE_CORRELATION_ID.fullmatch(given)
            else uuid.uuid4().hex
        )
        req.context.log_token = logs.correlation_id.set(req.context.correlation_id)
        req.context.language = self._translator.negotiate(
            req.get_param("language"), req.get_header("Accept-Language")
        )

    def process_response(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        resource: object,
        req_succeeded: bool,
    ) -> None:
        """Echo the correlation id and the chosen language on every response."""
        correlation_id = getattr(req.context, "correlation_id", None)
        if correlation_id:
            resp.set_header(CORRELATION_HEADER, correlation_id)
        language = getattr(req.context, "language", None)
        if language:
            resp.set_header("Content-Language", language)
        log_token = getattr(req.context, "log_token", None)
        if log_token is not None:
            logs.correlation_id.reset(log_token)


class AuthMiddleware:
    """Every endpoint but health, metrics and the API docs needs a bearer token.

    It runs before routing, so an unauthenticated request gets 401 even for an
    unknown path (401 comes before 404/405 in the contract's error order).
    """

    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Attach the actor, or raise 401."""
        if req.path in PUBLIC_PATHS:
            req.context.actor = None
            return
        try:
            req.context.actor = self._verifier.actor(req.get_header("Authorization"))
        except AuthenticationError as exc:
            raise HttpError(
                401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                reason=str(exc),
            ) from None


def actor_of(req: falcon.Request) -> Actor:
    """The authenticated actor of a request."""
    actor: Actor = req.context.actor
    return actor


def read_body(req: falcon.Request, struct_type: type[S], max_bytes: int) -> S:
    """Decode a JSON body: 415, then 413, then 400, as the contract orders them."""
    media_type = (req.content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise HttpError(415, reason="Content-Type must be application/json")
    length = req.content_length
    if length is not None and length > max_bytes:
        raise HttpError(413, limit=max_bytes)
    raw = req.bounded_stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise HttpError(413, limit=max_bytes)
    req.context.raw_body = raw
    try:
        result: S = decoder(struct_type).decode(raw)
    except msgspec.ValidationError as exc:
        raise _validation_error(str(exc)) from None
    except msgspec.DecodeError:
        raise bad_request("$", "malformed JSON") from None
    return result


def _validation_error(message: str) -> HttpError:
    path_match = _MSGSPEC_PATH.search(message)
    reason = _MSGSPEC_PATH.sub("", message)
    if path_match and path_match.group("path"):
        field = path_match.group("path").lstrip(".")
    else:
        named = _BACKTICKED.search(reason)
        field = named.group("name") if named and "field" in reason else "$"
    return bad_request(field, reason)


def check_unique(values: list[Any] | None, field: str) -> None:
    """400 when a list that must hold unique items repeats one."""
    if values is not None and len(set(values)) != len(values):
        raise bad_request(field, "items must be unique")


def check_not_blank(value: str | None, field: str) -> None:
    """400 when a text that must say something is only white space."""
    if value is not None and not value.strip():
        raise bad_request(field, "must not be blank")


def expected_version(req: falcon.Request) -> ExpectedVersion:
    """The versions If-Match names: None if absent, ANY_VERSION for ``*``.

    Only quoted strong tags of ours (``"3"``) can match (RFC 7232 strong
    comparison); others are ignored, so a header naming none of ours gets 412.
    """
    header = req.get_header("If-Match")
    if header is None or not header.strip():
        return None
    tags = [tag.strip() for tag in header.split(",")]
    if tags == ["*"]:
        return ANY_VERSION
    return frozenset(
        int(match.group(1))
        for tag in tags
        if (match := _STRONG_VERSION_TAG.fullmatch(tag))
    )


def etag(version: int) -> str:
    """The strong ETag of a ticket version."""
    return f'"{version}"'
