"""Idempotency-Key handling for the two POST endpoints.

A successful request's response is recorded in the same transaction as its events
(see ``api/storage.py``), so a retry either finds the record and replays it, or
finds nothing because nothing was recorded. A concurrent duplicate waits for the
first to commit, then replays its response. Errors are never recorded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

import falcon

from api.errors import bad_request
from api.schemas import canonical_json
from api.storage import IdempotencyKeyTakenError, IdempotencyRecord
from domain.application import Actor
from domain.errors import IdempotencyKeyReusedError

HEADER = "Idempotency-Key"
_SANE_KEY = re.compile(r"[\x21-\x7e]{1,255}")


class Idempotency:
    """Runs a command at most once per (member, route, key)."""

    def __init__(self, recorder: Any) -> None:
        self._recorder = recorder

    def run(  # noqa: PLR0913
        self,
        req: falcon.Request,
        resp: falcon.Response,
        actor: Actor,
        route: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        command: Callable[[Mapping[str, Any]], object],
    ) -> None:
        """Run ``command(save_kwargs)`` and answer, or replay the recorded answer.

        ``route`` is the path with its ids in canonical form, so that every
        spelling of one ticket id shares one scope.
        """
        key = req.get_header(HEADER)
        record = None
        if key is not None:
            if not _SANE_KEY.fullmatch(key):
                raise bad_request(HEADER, "1-255 visible ASCII characters")
            record = IdempotencyRecord(
                scope=f"{actor.member_uid} {req.method} {route}",
                key=key,
                fingerprint=hashlib.sha256(
                    canonical_json(req.context.raw_body)
                ).hexdigest(),
                status=status,
                headers=dict(headers),
                body=body,
            )
            if self._replay(resp, record, reused_ok=True):
                return
        try:
            command({"idempotency": record} if record else {})
        except IdempotencyKeyTakenError:
            if record is not None and self._replay(resp, record):
                return
            raise
        _answer(resp, status, headers, body)

    def _replay(
        self,
        resp: falcon.Response,
        record: IdempotencyRecord,
        *,
        reused_ok: bool = False,
    ) -> bool:
        """Answer with the stored response if this is a retry of it.

        A key reused with another body is reported only when the command gets as
        far as saving (``reused_ok`` defers it), so that the command's own errors
        (404, 403, 412) come first, as the contract orders them; the save then
        fails on the taken key and nothing is recorded.
        """
        stored: IdempotencyRecord | None = self._recorder.select_idempotency(
            record.scope, record.key
        )
        if stored is None:
            return False
        if stored.fingerprint != record.fingerprint:
            if reused_ok:
                return False
            raise IdempotencyKeyReusedError(key=record.key)
        _answer(resp, stored.status, stored.headers, stored.body)
        resp.set_header("Idempotent-Replayed", "true")
        return True


def _answer(
    resp: falcon.Response, status: int, headers: Mapping[str, str], body: bytes
) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = body
    for name, value in headers.items():
        resp.set_header(name, value)
