"""Token verification accepts only the configured algorithm."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from api.auth import AuthenticationError, TokenVerifier, issue_token
from api.config import Config


def write_public_key(private_key: Any, path: Path) -> Path:
    path.write_bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture(params=["rsa", "ec"])
def key_pair(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Any, Config]:
    if request.param == "rsa":
        private_key: Any = rsa.generate_private_key(
            public_exponent=65537, key_size=2048
        )
    else:
        private_key = ec.generate_private_key(ec.SECP256R1())
    path = write_public_key(private_key, tmp_path / "key.pem")
    return private_key, Config(jwt_public_key_path=path)


def test_public_key_tokens_are_verified(key_pair: tuple[Any, Config]) -> None:
    private_key, config = key_pair
    member = uuid4()
    token = issue_token(config, member, private_key=private_key, scopes=["a", "b"])

    actor = TokenVerifier(config).actor(f"Bearer {token}")

    assert actor.member_uid == member
    assert actor.scopes == frozenset({"a", "b"})


def _forge_hs256(claims: dict[str, Any], secret: bytes) -> str:
    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims).encode())
    signature = hmac.new(secret, header + b"." + payload, hashlib.sha256).digest()
    return (header + b"." + payload + b"." + b64(signature)).decode()


def test_hs256_token_made_with_the_public_key_is_refused(
    key_pair: tuple[Any, Config],
) -> None:
    _, config = key_pair
    assert config.jwt_public_key_path is not None
    claims = {"sub": str(uuid4()), "exp": int(time.time()) + 60}
    # The classic confusion attack: the public key used as an HMAC secret.
    forged = _forge_hs256(claims, config.jwt_public_key_path.read_bytes())

    with pytest.raises(AuthenticationError):
        TokenVerifier(config).actor(f"Bearer {forged}")


def test_token_signed_by_another_key_is_refused(key_pair: tuple[Any, Config]) -> None:
    private_key, config = key_pair
    other = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if isinstance(private_key, rsa.RSAPrivateKey)
        else ec.generate_private_key(ec.SECP256R1())
    )
    token = issue_token(config, uuid4(), private_key=other)

    with pytest.raises(AuthenticationError):
        TokenVerifier(config).actor(f"Bearer {token}")


def test_issuer_and_audience_are_checked_when_configured() -> None:
    config = Config(jwt_issuer="https://idp.example", jwt_audience="ticketing")
    verifier = TokenVerifier(config)
    good = issue_token(config, uuid4())
    wrong_issuer = issue_token(config, uuid4(), iss="https://evil.example")
    no_audience = jwt.encode(
        {
            "sub": str(uuid4()),
            "exp": int(time.time()) + 60,
            "iss": "https://idp.example",
        },
        config.jwt_secret,
        algorithm="HS256",
    )

    verifier.actor(f"Bearer {good}")
    for token in (wrong_issuer, no_audience):
        with pytest.raises(AuthenticationError):
            verifier.actor(f"Bearer {token}")


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    config = Config()
    now = time.time()
    clock = [now]
    verifier = TokenVerifier(config, clock=lambda: clock[0])
    token = issue_token(config, uuid4(), expires_in=60)
    verifier.actor(f"Bearer {token}")

    clock[0] = now + 60 + 31

    with pytest.raises(AuthenticationError):
        verifier.actor(f"Bearer {token}")


def test_a_remembered_token_is_still_refused_before_nbf() -> None:
    config = Config()
    now = time.time()
    clock = [now]
    verifier = TokenVerifier(config, clock=lambda: clock[0])
    token = issue_token(config, uuid4(), nbf=int(now) + 20)
    verifier.actor(f"Bearer {token}")  # within the 30 s leeway

    clock[0] = now - 20

    with pytest.raises(AuthenticationError):
        verifier.actor(f"Bearer {token}")


def test_a_tampered_copy_of_a_remembered_token_is_refused() -> None:
    config = Config()
    verifier = TokenVerifier(config)
    token = issue_token(config, uuid4())
    verifier.actor(f"Bearer {token}")
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-2]}AA"

    with pytest.raises(AuthenticationError):
        verifier.actor(f"Bearer {forged}")
