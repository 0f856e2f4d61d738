"""Small helpers shared by the API tests: paths, error assertions, ticket reads."""

from __future__ import annotations

import re
import uuid
from typing import Any

from falcon.testing import Result, TestClient

TICKETS = "/v1.0/tickets"
WATCHLIST = "/v1.0/tickets/watchlist"

ERROR_FIELDS = {"code", "subCode", "message", "correlationId", "properties"}
HEX32 = re.compile(r"^[0-9a-f]{32}$")
CANONICAL_UUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
#: RFC 3339 date-time with an explicit offset (Z or +hh:mm).
RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)


def ticket_url(ticket_id: str | uuid.UUID) -> str:
    """The item path of a ticket."""
    return f"{TICKETS}/{ticket_id}"


def comments_url(ticket_id: str | uuid.UUID) -> str:
    """The comments collection of a ticket."""
    return f"{TICKETS}/{ticket_id}/comments"


def comment_url(ticket_id: str | uuid.UUID, comment_id: str | uuid.UUID) -> str:
    """One comment of a ticket."""
    return f"{TICKETS}/{ticket_id}/comments/{comment_id}"


def contact_access_url(member: str | uuid.UUID) -> str:
    """A member's contact grants."""
    return f"/v1.0/members/{member}/contact-access"


def category_url(category: str | uuid.UUID) -> str:
    """A ticket category."""
    return f"/v1.0/ticket-categories/{category}"


def status_url(status: str | uuid.UUID) -> str:
    """A ticket status."""
    return f"/v1.0/ticket-statuses/{status}"


def assert_error(
    result: Result,
    status: int,
    code: str,
    sub_code: str = "NA",
    *,
    field: str | None = None,
) -> dict[str, Any]:
    """Assert a DFS error body with this status/code/subCode; return the body."""
    assert result.status_code == status, result.text
    body: dict[str, Any] = result.json
    assert set(body) <= ERROR_FIELDS, body
    assert body["code"] == code, body
    assert body["subCode"] == sub_code, body
    assert isinstance(body["message"], str)
    assert body["message"]
    assert body["correlationId"] == result.headers["X-Correlation-Id"]
    if field is not None:
        assert body["properties"]["field"] == field, body
        assert body["properties"]["reason"], body
    return body


def get_ticket(client: TestClient, headers: dict[str, str], ticket_id: str) -> Any:
    """GET a ticket that must exist and be accessible; return its JSON."""
    result = client.simulate_get(ticket_url(ticket_id), headers=headers)
    assert result.status_code == 200, result.text
    assert result.headers["ETag"] == f'"{result.json["version"]}"'
    return result.json


def version_of(client: TestClient, tokens: Any, ticket_id: str) -> int:
    """A ticket's current version, read with a bypass token."""
    version: int = get_ticket(client, tokens.bypass(), ticket_id)["version"]
    return version


def add_comment(
    client: TestClient, headers: dict[str, str], ticket_id: str, text: str = "Hi"
) -> str:
    """Add a comment that must succeed; return its id."""
    result = client.simulate_post(
        comments_url(ticket_id), json={"comment": text}, headers=headers
    )
    assert result.status_code == 201, result.text
    return str(result.json["commentId"])


def ticket_request(directory: Any, **overrides: Any) -> dict[str, Any]:
    """A valid create-ticket body for alice's contact, with overrides."""
    return {
        "title": "Printer on fire",
        "categoryUid": str(directory.category),
        "contactUids": [str(directory.contact_a)],
        **overrides,
    }
