"""Section 1 conventions: error body, correlation id, localization, limits, formats."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime

import pytest
from falcon.testing import TestClient

from api.app import create_app
from tests.api.helpers import (
    CANONICAL_UUID,
    HEX32,
    RFC3339,
    TICKETS,
    WATCHLIST,
    assert_error,
    get_ticket,
    status_url,
    ticket_request,
    ticket_url,
)

# -- error body ------------------------------------------------------------------


def test_error_body_is_json_with_the_dfs_fields(client, tokens, directory):
    result = client.simulate_get(
        ticket_url(uuid.uuid4()), headers=tokens.member(directory.alice)
    )

    assert result.headers["Content-Type"].startswith("application/json")
    body = assert_error(result, 404, "NotFound", "TicketNotFound")
    assert set(body) >= {"code", "subCode", "message", "correlationId"}


def test_validation_error_carries_field_and_reason(client, tokens, directory):
    result = client.simulate_post(
        TICKETS,
        json=ticket_request(directory, title=""),
        headers=tokens.member(directory.alice),
    )

    body = assert_error(result, 400, "BadRequest", field="title")
    assert isinstance(body["properties"]["reason"], str)


def test_error_without_detail_has_no_properties(client, tokens, directory):
    result = client.simulate_get(
        "/v1.0/nowhere", headers=tokens.member(directory.alice)
    )

    body = assert_error(result, 404, "NotFound")
    assert "properties" not in body


# -- route 404, 405, 413, 415 ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/v1.0/nowhere", "/v2.0/tickets", f"{TICKETS}/{uuid.UUID(int=5)}/attachments"],
)
def test_unknown_route_is_not_found_with_the_error_body(
    client, tokens, directory, path
):
    result = client.simulate_get(path, headers=tokens.member(directory.alice))

    assert_error(result, 404, "NotFound", "NA")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", f"{TICKETS}/{uuid.UUID(int=5)}", {"GET", "PATCH"}),
        ("DELETE", f"{TICKETS}/{uuid.UUID(int=5)}", {"GET", "PATCH"}),
        ("PATCH", WATCHLIST, {"POST", "DELETE"}),
        ("DELETE", f"{TICKETS}/{uuid.UUID(int=5)}/comments", {"POST"}),
        ("GET", f"{TICKETS}/{uuid.UUID(int=5)}/comments/{uuid.UUID(int=6)}", {"PUT"}),
        ("DELETE", f"/v1.0/members/{uuid.UUID(int=5)}/contact-access", {"GET", "PUT"}),
        ("POST", f"/v1.0/ticket-categories/{uuid.UUID(int=5)}", {"PUT"}),
        ("POST", "/health/live", {"GET"}),
    ],
)
def test_wrong_method_is_405_with_allow(
    client, tokens, directory, method, path, allowed
):
    result = client.simulate_request(
        method, path, json={}, headers=tokens.member(directory.alice)
    )

    assert_error(result, 405, "MethodNotAllowed")
    listed = {m.strip() for m in result.headers["Allow"].split(",")}
    assert allowed <= listed
    assert method not in listed


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/x-www-form-urlencoded"],
)
def test_non_json_content_type_is_415(client, tokens, directory, content_type):
    headers = {**tokens.member(directory.alice), "Content-Type": content_type}

    result = client.simulate_post(TICKETS, body=b'{"title": "x"}', headers=headers)

    assert_error(result, 415, "UnsupportedMediaType")


def test_body_without_content_type_is_415(client, tokens, directory):
    result = client.simulate_post(
        TICKETS, body=b'{"title": "x"}', headers=tokens.member(directory.alice)
    )

    assert_error(result, 415, "UnsupportedMediaType")


def test_json_content_type_with_charset_is_accepted(client, tokens, directory):
    headers = {
        **tokens.member(directory.alice),
        "Content-Type": "application/json; charset=utf-8",
    }

    result = client.simulate_post(
        TICKETS, body=json.dumps(ticket_request(directory)), headers=headers
    )

    assert result.status_code == 201


@pytest.fixture
def small_client(config, application):
    """A client whose body limit is 200 bytes."""
    return TestClient(
        create_app(dataclasses.replace(config, max_body_bytes=200), application)
    )


def test_body_over_the_limit_is_413(small_client, tokens, directory, application):
    before = application.recorder.max_notification_id()
    body = ticket_request(directory, description="d" * 300)

    result = small_client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    assert_error(result, 413, "PayloadTooLarge")
    assert application.recorder.max_notification_id() == before


def test_body_within_the_limit_is_accepted(small_client, tokens, directory):
    body = ticket_request(directory, title="x")

    result = small_client.simulate_post(
        TICKETS, json=body, headers=tokens.member(directory.alice)
    )

    assert result.status_code == 201


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", f"{TICKETS}/{uuid.UUID(int=5)}"),
        ("POST", f"{TICKETS}/{uuid.UUID(int=5)}/comments"),
        ("PUT", f"{TICKETS}/{uuid.UUID(int=5)}/comments/{uuid.UUID(int=6)}"),
        ("POST", WATCHLIST),
        ("DELETE", WATCHLIST),
        ("PUT", f"/v1.0/members/{uuid.UUID(int=5)}/contact-access"),
        ("PUT", f"/v1.0/ticket-categories/{uuid.UUID(int=5)}"),
        ("PUT", f"/v1.0/ticket-statuses/{uuid.UUID(int=5)}"),
    ],
)
def test_every_body_endpoint_enforces_the_limit(small_client, tokens, method, path):
    result = small_client.simulate_request(
        method, path, json={"padding": "p" * 300}, headers=tokens.admin()
    )

    assert_error(result, 413, "PayloadTooLarge")


# -- correlation id --------------------------------------------------------------


@pytest.mark.parametrize("given", ["abc-123_XYZ", "a", "x" * 64, "0123456789abcdef"])
def test_sane_correlation_id_is_echoed(client, tokens, create_ticket, directory, given):
    ticket_id = create_ticket()

    result = client.simulate_get(
        ticket_url(ticket_id),
        headers={**tokens.member(directory.alice), "X-Correlation-Id": given},
    )

    assert result.status_code == 200
    assert result.headers["X-Correlation-Id"] == given


@pytest.mark.parametrize(
    "given", ["x" * 65, "has space", "semi;colon", "dots.are.bad", "ünïcode", "a/b"]
)
def test_insane_correlation_id_is_replaced_by_a_new_hex_id(
    client, tokens, create_ticket, directory, given
):
    ticket_id = create_ticket()

    result = client.simulate_get(
        ticket_url(ticket_id),
        headers={**tokens.member(directory.alice), "X-Correlation-Id": given},
    )

    assert result.headers["X-Correlation-Id"] != given
    assert HEX32.match(result.headers["X-Correlation-Id"])


def test_missing_correlation_id_gets_a_new_one_per_request(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)

    first = client.simulate_get(ticket_url(ticket_id), headers=alice)
    second = client.simulate_get(ticket_url(ticket_id), headers=alice)

    assert HEX32.match(first.headers["X-Correlation-Id"])
    assert HEX32.match(second.headers["X-Correlation-Id"])
    assert first.headers["X-Correlation-Id"] != second.headers["X-Correlation-Id"]


def test_correlation_id_is_echoed_in_error_body_and_header(client, tokens, directory):
    result = client.simulate_get(
        ticket_url(uuid.uuid4()),
        headers={**tokens.member(directory.alice), "X-Correlation-Id": "trace-42"},
    )

    assert result.headers["X-Correlation-Id"] == "trace-42"
    assert result.json["correlationId"] == "trace-42"


def test_correlation_id_is_on_401(client):
    result = client.simulate_get(TICKETS, headers={"X-Correlation-Id": "no-token-1"})

    assert result.status_code == 401
    assert result.headers["X-Correlation-Id"] == "no-token-1"
    assert result.json["correlationId"] == "no-token-1"


def test_correlation_id_is_on_success_without_body(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_patch(
        ticket_url(ticket_id),
        json={"title": "x"},
        headers={**tokens.member(directory.alice), "X-Correlation-Id": "patch-1"},
    )

    assert result.status_code == 204
    assert result.headers["X-Correlation-Id"] == "patch-1"


def test_correlation_id_is_on_public_endpoints(client):
    result = client.simulate_get("/health/live", headers={"X-Correlation-Id": "probe"})

    assert result.headers["X-Correlation-Id"] == "probe"


# -- 500 -------------------------------------------------------------------------


@pytest.fixture
def exploding(application, monkeypatch):
    """Make reading a ticket fail with an unexpected internal error."""

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail in ticketing_table")

    monkeypatch.setattr(application, "get_ticket", explode)


def test_unexpected_error_is_500_general_without_internals(
    client, tokens, create_ticket, directory, exploding
):
    ticket_id = create_ticket()

    result = client.simulate_get(
        ticket_url(ticket_id),
        headers={**tokens.member(directory.alice), "X-Correlation-Id": "boom-1"},
    )

    body = assert_error(result, 500, "General", "NA")
    assert body["correlationId"] == "boom-1"
    assert "properties" not in body
    for leak in (
        "secret",
        "ticketing_table",
        "RuntimeError",
        "Traceback",
        "get_ticket",
    ):
        assert leak not in result.text


def test_unexpected_error_message_is_localized(
    client, tokens, create_ticket, directory, exploding
):
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)

    english = client.simulate_get(ticket_url(ticket_id), headers=alice)
    german = client.simulate_get(
        ticket_url(ticket_id), params={"language": "de"}, headers=alice
    )

    assert german.status_code == 500
    assert german.headers["Content-Language"] == "de"
    assert german.json["message"] != english.json["message"]


# -- localization ----------------------------------------------------------------


def _language_of(client, headers, params=None, path="/health/live"):
    return client.simulate_get(path, headers=headers, params=params).headers[
        "Content-Language"
    ]


def test_default_language_is_english(client):
    assert _language_of(client, {}) == "en"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("de", "de"),
        ("fr-CH", "fr"),
        ("it-IT,it;q=0.9", "it"),
        ("ja, de;q=0.5", "de"),
        ("en;q=0.4, fr;q=0.9, de;q=0.8", "fr"),
        ("de;q=0, fr", "fr"),
        ("ja", "en"),
        ("*", "en"),
        ("xx-YY, zz", "en"),
    ],
)
def test_accept_language_is_negotiated(client, tokens, directory, accept, expected):
    result = client.simulate_get(
        ticket_url(uuid.uuid4()),
        headers={**tokens.member(directory.alice), "Accept-Language": accept},
    )

    assert result.headers["Content-Language"] == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", "de"), ("fr-CH", "fr"), ("IT", "it"), ("xx", "en")],
)
def test_language_parameter_is_honoured(client, language, expected):
    assert _language_of(client, {}, {"language": language}) == expected


def test_language_parameter_beats_accept_language(client):
    language = _language_of(client, {"Accept-Language": "fr"}, {"language": "de"})

    assert language == "de"


def test_unsupported_language_parameter_falls_back_to_the_default_not_the_header(
    client,
):
    language = _language_of(client, {"Accept-Language": "fr"}, {"language": "xx"})

    assert language == "en"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/openapi.json", None),
        ("GET", "/v1.0/nowhere", None),
        ("PUT", f"{TICKETS}/{uuid.UUID(int=5)}", {}),
        ("POST", TICKETS, {"title": ""}),
    ],
)
def test_content_language_is_on_every_response(client, tokens, method, path, body):
    result = client.simulate_request(
        method,
        path,
        json=body,
        headers={**tokens.member(uuid.uuid4()), "Accept-Language": "fr"},
    )

    assert result.headers["Content-Language"] == "fr"


def test_content_language_is_on_401(client):
    result = client.simulate_get(TICKETS, headers={"Accept-Language": "de"})

    assert result.status_code == 401
    assert result.headers["Content-Language"] == "de"


def test_content_language_is_on_success_without_body(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_patch(
        ticket_url(ticket_id),
        json={"title": "x"},
        params={"language": "it"},
        headers=tokens.member(directory.alice),
    )

    assert result.status_code == 204
    assert result.headers["Content-Language"] == "it"


def test_error_messages_are_localized_in_every_shipped_language(
    client, tokens, directory
):
    alice = tokens.member(directory.alice)
    path = ticket_url(uuid.uuid4())

    messages = {
        language: client.simulate_get(
            path, params={"language": language}, headers=alice
        )
        for language in ("en", "de", "fr", "it")
    }

    for language, result in messages.items():
        assert_error(result, 404, "NotFound", "TicketNotFound")
        assert result.headers["Content-Language"] == language
    assert len({r.json["message"] for r in messages.values()}) == 4


def test_401_message_is_localized(client):
    english = client.simulate_get(TICKETS)
    german = client.simulate_get(TICKETS, headers={"Accept-Language": "de"})

    assert german.json["message"] != english.json["message"]


def test_category_and_status_names_are_localized(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    ticket = get_ticket(
        client, {**tokens.member(directory.alice), "Accept-Language": "de"}, ticket_id
    )

    assert ticket["category"]["name"] == "Allgemein"
    assert ticket["status"]["name"] == "Offen"


def test_missing_localized_name_falls_back_to_the_default_language(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    ticket = get_ticket(
        client, {**tokens.member(directory.alice), "Accept-Language": "fr"}, ticket_id
    )

    assert ticket["category"]["name"] == "Général"
    assert ticket["status"]["name"] == "Open"


def test_name_missing_in_language_and_default_falls_back_to_the_key(
    client, tokens, create_ticket, directory
):
    pending = uuid.uuid4()
    directory.put(status_url(pending), {"key": "pending", "names": {"it": "In attesa"}})
    ticket_id = create_ticket()
    alice = tokens.member(directory.alice)
    client.simulate_patch(
        ticket_url(ticket_id), json={"statusUid": str(pending)}, headers=alice
    )

    english = get_ticket(client, alice, ticket_id)
    italian = get_ticket(client, {**alice, "Accept-Language": "it"}, ticket_id)

    assert english["status"]["name"] == "pending"
    assert italian["status"]["name"] == "In attesa"


@pytest.fixture
def german_client(config, application):
    """A client whose deployment default language is German."""
    return TestClient(
        create_app(dataclasses.replace(config, default_language="de"), application)
    )


def test_configured_default_language_is_used_without_a_preference(german_client):
    result = german_client.simulate_get("/health/live")

    assert result.headers["Content-Language"] == "de"


def test_unsupported_language_falls_back_to_the_configured_default(german_client):
    result = german_client.simulate_get(
        "/health/live", headers={"Accept-Language": "ja"}
    )

    assert result.headers["Content-Language"] == "de"


def test_missing_name_falls_back_to_the_configured_default_language(
    german_client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    ticket = get_ticket(
        german_client,
        {**tokens.member(directory.alice), "Accept-Language": "fr"},
        ticket_id,
    )

    assert ticket["status"]["name"] == "Offen"


# -- formats ---------------------------------------------------------------------


def test_uuids_in_responses_are_canonical_lower_case(client, tokens, directory):
    reference = uuid.uuid4()
    body = {
        "title": "Upper",
        "categoryUid": str(directory.category).upper(),
        "contactUids": [str(directory.contact_a).upper()],
        "assigneeMemberUid": str(directory.bob).upper(),
        "referenceUid": str(reference).upper(),
    }
    headers = tokens.member(
        str(directory.alice).upper(), participant_uid=str(uuid.uuid4()).upper()
    )

    created = client.simulate_post(TICKETS, json=body, headers=headers)

    ticket_id = created.json["ticketId"]
    assert CANONICAL_UUID.match(ticket_id)
    assert created.headers["Location"] == f"{TICKETS}/{ticket_id}"
    ticket = get_ticket(client, headers, ticket_id.upper())
    for value in (
        ticket["ticketId"],
        ticket["category"]["uid"],
        ticket["status"]["uid"],
        ticket["assigneeMemberUid"],
        ticket["referenceUid"],
        ticket["createdBy"],
        *ticket["contactUids"],
        *ticket["participantUids"],
    ):
        assert CANONICAL_UUID.match(value), value
    assert ticket["referenceUid"] == str(reference)
    assert ticket["createdBy"] == str(directory.alice)


def test_timestamps_are_rfc3339_with_offset(client, tokens, create_ticket, directory):
    ticket_id = create_ticket(dueDate="2026-03-25T09:56:29Z")

    ticket = get_ticket(client, tokens.member(directory.alice), ticket_id)

    for name in ("createdAt", "updatedAt", "dueDate"):
        assert RFC3339.match(ticket[name]), ticket[name]
        assert datetime.fromisoformat(ticket[name]).utcoffset() is not None
