"""Section 2: bearer tokens, scopes, bypass tokens and the access rule."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from falcon.testing import TestClient

from api.app import create_app
from api.auth import issue_token
from domain.directory import AccessRule
from tests.api.helpers import (
    TICKETS,
    WATCHLIST,
    add_comment,
    assert_error,
    get_ticket,
    ticket_request,
    ticket_url,
)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _claims(sub: uuid.UUID | str, **extra):
    now = int(time.time())
    return {"sub": str(sub), "iat": now, "exp": now + 600, **extra}


def _assert_unauthorized(result):
    assert_error(result, 401, "Unauthorized")
    assert result.headers["WWW-Authenticate"].startswith("Bearer")


# -- rejected tokens -------------------------------------------------------------


def test_missing_authorization_is_unauthorized(client, create_ticket):
    ticket_id = create_ticket()

    result = client.simulate_get(ticket_url(ticket_id))

    _assert_unauthorized(result)


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Basic dXNlcjpwYXNz",
        "Token {token}",
        "{token}",
    ],
)
def test_malformed_authorization_is_unauthorized(
    client, config, create_ticket, directory, authorization
):
    ticket_id = create_ticket()
    token = issue_token(config, directory.alice)

    result = client.simulate_get(
        ticket_url(ticket_id),
        headers={"Authorization": authorization.format(token=token)},
    )

    _assert_unauthorized(result)


def test_lower_case_bearer_scheme_is_accepted(client, config, create_ticket, directory):
    ticket_id = create_ticket()
    token = issue_token(config, directory.alice)

    result = client.simulate_get(
        ticket_url(ticket_id), headers={"Authorization": f"bearer {token}"}
    )

    assert result.status_code == 200


def test_token_signed_with_another_secret_is_unauthorized(
    client, create_ticket, directory
):
    ticket_id = create_ticket()
    token = jwt.encode(
        _claims(directory.alice), "another-secret-" * 4, algorithm="HS256"
    )

    result = client.simulate_get(ticket_url(ticket_id), headers=_bearer(token))

    _assert_unauthorized(result)


def test_token_with_tampered_claims_is_unauthorized(
    client, config, create_ticket, directory
):
    ticket_id = create_ticket()
    header, _, signature = issue_token(config, directory.carol).split(".")
    forged_payload = jwt.utils.base64url_encode(
        json.dumps(_claims(directory.alice)).encode()
    ).decode()

    result = client.simulate_get(
        ticket_url(ticket_id), headers=_bearer(f"{header}.{forged_payload}.{signature}")
    )

    _assert_unauthorized(result)


def test_token_expired_beyond_the_leeway_is_unauthorized(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_get(
        ticket_url(ticket_id), headers=tokens.member(directory.alice, expires_in=-120)
    )

    _assert_unauthorized(result)


def test_token_expired_within_the_leeway_is_accepted(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_get(
        ticket_url(ticket_id), headers=tokens.member(directory.alice, expires_in=-5)
    )

    assert result.status_code == 200


def test_token_not_yet_valid_is_unauthorized(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()
    headers = tokens.member(directory.alice, nbf=int(time.time()) + 3600)

    result = client.simulate_get(ticket_url(ticket_id), headers=headers)

    _assert_unauthorized(result)


def test_token_valid_from_within_the_leeway_is_accepted(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    headers = tokens.member(directory.alice, nbf=int(time.time()) + 5)

    result = client.simulate_get(ticket_url(ticket_id), headers=headers)

    assert result.status_code == 200


def test_unsigned_alg_none_token_is_unauthorized(client, create_ticket, directory):
    ticket_id = create_ticket()
    token = jwt.encode(_claims(directory.alice), None, algorithm="none")

    result = client.simulate_get(ticket_url(ticket_id), headers=_bearer(token))

    _assert_unauthorized(result)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_token_with_another_hmac_algorithm_is_unauthorized(
    client, config, create_ticket, directory
):
    ticket_id = create_ticket()
    token = jwt.encode(_claims(directory.alice), config.jwt_secret, algorithm="HS512")

    result = client.simulate_get(ticket_url(ticket_id), headers=_bearer(token))

    _assert_unauthorized(result)


def test_token_without_sub_is_unauthorized(client, config, create_ticket, directory):
    ticket_id = create_ticket()
    claims = _claims(directory.alice)
    del claims["sub"]
    token = jwt.encode(claims, config.jwt_secret, algorithm="HS256")

    result = client.simulate_get(ticket_url(ticket_id), headers=_bearer(token))

    _assert_unauthorized(result)


@pytest.mark.parametrize("sub", ["alice", "12345", "", "not-a-uuid-at-all"])
def test_token_with_non_uuid_sub_is_unauthorized(client, tokens, create_ticket, sub):
    ticket_id = create_ticket()

    result = client.simulate_get(ticket_url(ticket_id), headers=tokens.member(sub))

    _assert_unauthorized(result)


def test_token_without_exp_is_unauthorized(client, config, create_ticket, directory):
    ticket_id = create_ticket()
    claims = _claims(directory.alice)
    del claims["exp"]
    token = jwt.encode(claims, config.jwt_secret, algorithm="HS256")

    result = client.simulate_get(ticket_url(ticket_id), headers=_bearer(token))

    _assert_unauthorized(result)


def test_token_with_non_uuid_participant_is_unauthorized(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_get(
        ticket_url(ticket_id),
        headers=tokens.member(directory.alice, participant_uid="not-a-uuid"),
    )

    _assert_unauthorized(result)


def test_unauthorized_request_changes_nothing(
    client, create_ticket, directory, application
):
    ticket_id = create_ticket()
    before = application.recorder.max_notification_id()

    result = client.simulate_patch(ticket_url(ticket_id), json={"title": "anonymous"})

    _assert_unauthorized(result)
    assert application.recorder.max_notification_id() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", TICKETS),
        ("PATCH", f"{TICKETS}/{uuid.UUID(int=1)}"),
        ("POST", f"{TICKETS}/{uuid.UUID(int=1)}/comments"),
        ("PUT", f"{TICKETS}/{uuid.UUID(int=1)}/comments/{uuid.UUID(int=2)}"),
        ("POST", WATCHLIST),
        ("DELETE", WATCHLIST),
        ("PUT", f"/v1.0/members/{uuid.UUID(int=1)}/contact-access"),
        ("GET", f"/v1.0/members/{uuid.UUID(int=1)}/contact-access"),
        ("PUT", f"/v1.0/ticket-categories/{uuid.UUID(int=1)}"),
        ("PUT", f"/v1.0/ticket-statuses/{uuid.UUID(int=1)}"),
    ],
)
def test_every_api_endpoint_needs_a_token(client, method, path):
    result = client.simulate_request(method, path, json={})

    _assert_unauthorized(result)


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/openapi.json"])
def test_health_and_openapi_need_no_token(client, path):
    result = client.simulate_get(path)

    assert result.status_code == 200


# -- issuer and audience ---------------------------------------------------------


@pytest.fixture
def strict_client(config, application):
    """A client whose config also checks issuer and audience."""
    strict = dataclasses.replace(
        config, jwt_issuer="https://idp.example", jwt_audience="ticketing"
    )
    return strict, TestClient(create_app(strict, application))


def test_token_with_the_configured_issuer_and_audience_is_accepted(
    strict_client, create_ticket, directory
):
    strict, client = strict_client
    ticket_id = create_ticket()

    result = client.simulate_get(
        ticket_url(ticket_id), headers=_bearer(issue_token(strict, directory.alice))
    )

    assert result.status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://evil.example", "aud": "ticketing"},
        {"iss": "https://idp.example", "aud": "something-else"},
        {"aud": "ticketing"},
        {"iss": "https://idp.example"},
    ],
)
def test_token_with_wrong_or_missing_issuer_or_audience_is_unauthorized(
    strict_client, config, create_ticket, directory, claims
):
    _, client = strict_client
    ticket_id = create_ticket()
    token = jwt.encode(_claims(directory.alice, **claims), config.jwt_secret, "HS256")

    result = client.simulate_get(ticket_url(ticket_id), headers=_bearer(token))

    _assert_unauthorized(result)


# -- public-key signing ----------------------------------------------------------


def _key_pair(kind: str):
    if kind == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_public_key_config_accepts_tokens_signed_with_the_private_key(
    config, application, create_ticket, directory, tmp_path, algorithm
):
    private_key = _key_pair(algorithm)
    pem = tmp_path / "public.pem"
    pem.write_bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    keyed = dataclasses.replace(config, jwt_public_key_path=pem)
    client = TestClient(create_app(keyed, application))
    ticket_id = create_ticket()
    good = issue_token(keyed, directory.alice, private_key=private_key)
    hmac = issue_token(config, directory.alice)

    accepted = client.simulate_get(ticket_url(ticket_id), headers=_bearer(good))
    rejected = client.simulate_get(ticket_url(ticket_id), headers=_bearer(hmac))

    assert accepted.status_code == 200
    _assert_unauthorized(rejected)


# -- scopes, bypass, participants ------------------------------------------------


def test_token_without_scopes_acts_with_the_members_grants(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    allowed = client.simulate_get(
        ticket_url(ticket_id), headers=tokens.member(directory.bob)
    )
    denied = client.simulate_get(
        ticket_url(ticket_id), headers=tokens.member(directory.carol)
    )

    assert allowed.status_code == 200
    assert_error(denied, 403, "Forbidden", "TicketInsufficientAccess")


def test_bypass_token_is_exempt_from_every_access_check(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    bypass = tokens.bypass()

    read = client.simulate_get(ticket_url(ticket_id), headers=bypass)
    patched = client.simulate_patch(
        ticket_url(ticket_id), json={"title": "x"}, headers=bypass
    )
    commented = client.simulate_post(
        f"{ticket_url(ticket_id)}/comments", json={"comment": "x"}, headers=bypass
    )
    watched = client.simulate_post(
        WATCHLIST, json={"ticketIds": [ticket_id]}, headers=bypass
    )

    assert [r.status_code for r in (read, patched, commented, watched)] == [
        200,
        204,
        201,
        204,
    ]


def test_bypass_token_is_recorded_as_the_actor(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()
    app_client = uuid.uuid4()

    client.simulate_patch(
        ticket_url(ticket_id), json={"title": "x"}, headers=tokens.bypass(app_client)
    )

    assert get_ticket(client, tokens.bypass(), ticket_id)["updatedBy"] == str(
        app_client
    )


def test_bypass_scope_is_not_the_admin_scope(client, tokens, directory):
    result = client.simulate_get(
        f"/v1.0/members/{directory.alice}/contact-access", headers=tokens.bypass()
    )

    assert_error(result, 403, "Forbidden", "AdminScopeRequired")


def test_admin_scope_alone_grants_no_ticket_access(
    client, tokens, create_ticket, directory
):
    ticket_id = create_ticket()

    result = client.simulate_get(ticket_url(ticket_id), headers=tokens.admin())

    assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")


def test_comment_author_is_the_tokens_member(client, tokens, create_ticket, directory):
    ticket_id = create_ticket()
    comment_id = add_comment(client, tokens.member(directory.bob), ticket_id)

    as_alice = client.simulate_put(
        f"{ticket_url(ticket_id)}/comments/{comment_id}",
        json={"comment": "x"},
        headers=tokens.member(directory.alice),
    )
    as_bob = client.simulate_put(
        f"{ticket_url(ticket_id)}/comments/{comment_id}",
        json={"comment": "x"},
        headers=tokens.member(directory.bob, participant_uid=uuid.uuid4()),
    )

    assert_error(as_alice, 403, "Forbidden", "NotCommentAuthor")
    assert as_bob.status_code == 204


# -- access rule -----------------------------------------------------------------

BOTH = "both"


def _create_for_both(client, tokens, directory, member, **overrides):
    body = ticket_request(
        directory,
        contactUids=[str(directory.contact_a), str(directory.contact_b)],
        **overrides,
    )
    return client.simulate_post(TICKETS, json=body, headers=tokens.member(member))


def test_any_rule_lets_a_member_with_one_contact_create(client, tokens, directory):
    result = _create_for_both(client, tokens, directory, directory.alice)

    assert result.status_code == 201


def test_any_rule_lets_a_member_with_one_contact_read(client, tokens, directory):
    created = _create_for_both(client, tokens, directory, directory.bob)

    result = client.simulate_get(
        ticket_url(created.json["ticketId"]), headers=tokens.member(directory.alice)
    )

    assert result.status_code == 200


def test_any_rule_accepts_an_assignee_with_one_contact(client, tokens, directory):
    result = _create_for_both(
        client, tokens, directory, directory.bob, assigneeMemberUid=str(directory.alice)
    )

    assert result.status_code == 201


@pytest.mark.parametrize("access_rule", [AccessRule.ALL])
def test_all_rule_rejects_a_creator_lacking_one_contact(client, tokens, directory):
    result = _create_for_both(client, tokens, directory, directory.alice)

    assert_error(result, 403, "Forbidden", "CreatorInsufficientAccess")


@pytest.mark.parametrize("access_rule", [AccessRule.ALL])
def test_all_rule_accepts_a_creator_with_every_contact(client, tokens, directory):
    result = _create_for_both(client, tokens, directory, directory.bob)

    assert result.status_code == 201


@pytest.mark.parametrize("access_rule", [AccessRule.ALL])
def test_all_rule_denies_reading_to_a_member_lacking_one_contact(
    client, tokens, directory
):
    created = _create_for_both(client, tokens, directory, directory.bob)

    result = client.simulate_get(
        ticket_url(created.json["ticketId"]), headers=tokens.member(directory.alice)
    )

    assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")


@pytest.mark.parametrize("access_rule", [AccessRule.ALL])
def test_all_rule_rejects_an_assignee_lacking_one_contact_on_create(
    client, tokens, directory
):
    result = _create_for_both(
        client, tokens, directory, directory.bob, assigneeMemberUid=str(directory.alice)
    )

    assert_error(result, 422, "UnprocessableEntity", "AssigneeInsufficientAccess")


@pytest.mark.parametrize("access_rule", [AccessRule.ALL])
def test_all_rule_rejects_an_assignee_lacking_one_contact_on_update(
    client, tokens, directory
):
    created = _create_for_both(client, tokens, directory, directory.bob)

    result = client.simulate_patch(
        ticket_url(created.json["ticketId"]),
        json={"assigneeMemberUid": str(directory.alice)},
        headers=tokens.member(directory.bob),
    )

    assert_error(result, 422, "UnprocessableEntity", "AssigneeInsufficientAccess")


@pytest.mark.parametrize("access_rule", [AccessRule.ALL])
def test_all_rule_denies_watching_to_a_member_lacking_one_contact(
    client, tokens, directory
):
    created = _create_for_both(client, tokens, directory, directory.bob)
    ticket_id = created.json["ticketId"]

    result = client.simulate_post(
        WATCHLIST,
        json={"ticketIds": [ticket_id]},
        headers=tokens.member(directory.alice),
    )

    body = assert_error(result, 403, "Forbidden", "TicketInsufficientAccess")
    assert body["properties"]["ticketIds"] == [ticket_id]


@pytest.mark.parametrize("access_rule", [AccessRule.ALL])
def test_all_rule_still_exempts_bypass_tokens(client, tokens, directory):
    body = ticket_request(
        directory, contactUids=[str(directory.contact_a), str(directory.contact_b)]
    )

    result = client.simulate_post(TICKETS, json=body, headers=tokens.bypass())

    assert result.status_code == 201


def test_401_does_not_tell_which_check_failed(client, tokens, directory, config):
    wrong_signature = jwt.encode(
        {"sub": str(uuid.uuid4()), "exp": int(time.time()) + 60},
        "another-secret-0123456789abcdef0123456789",
        algorithm="HS256",
    )
    bad_sub = issue_token(config, "not-a-uuid")

    reasons = {
        client.simulate_get(
            "/v1.0/tickets/00000000-0000-4000-8000-000000000001",
            headers={"Authorization": f"Bearer {token}"},
        ).json["properties"]["reason"]
        for token in (wrong_signature, bad_sub)
    }

    assert reasons == {"invalid token"}
