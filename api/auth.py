"""Bearer tokens: verification with only the configured algorithm (PyJWT)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from api.config import Config
from domain.application import Actor

LEEWAY_SECONDS = 30
#: Verified tokens remembered per process (clients reuse one token for many calls).
VERIFIED_CACHE_SIZE = 4096


class AuthenticationError(Exception):
    """The request carries no usable bearer token (HTTP 401)."""


class TokenVerifier:
    """Turns a bearer token into an Actor, or raises AuthenticationError."""

    def __init__(self, config: Config, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._issuer = config.jwt_issuer
        self._audience = config.jwt_audience
        if config.jwt_public_key_path is not None:
            self._key: Any = _load_public_key(config.jwt_public_key_path)
            self._algorithms = [
                "RS256" if isinstance(self._key, rsa.RSAPublicKey) else "ES256"
            ]
        else:
            self._key = config.jwt_secret
            self._algorithms = ["HS256"]
        required = ["exp", "sub"]
        if self._issuer:
            required.append("iss")
        if self._audience:
            required.append("aud")
        self._options: Any = {"require": required, "verify_aud": bool(self._audience)}
        # token -> (actor, exp, nbf): the signature and claims never change for one
        # token string, so only the time window is checked again on a hit.
        self._verified: dict[str, tuple[Actor, float, float | None]] = {}

    def actor(self, authorization: str | None) -> Actor:
        """The actor named by an ``Authorization: Bearer <JWT>`` header value."""
        if not authorization:
            raise AuthenticationError("missing bearer token")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError("not a bearer token")
        known = self._verified.get(token)
        if known is not None:
            actor, expires, not_before = known
            now = self._clock()
            if now >= expires + LEEWAY_SECONDS:
                self._verified.pop(token, None)
                raise AuthenticationError("token expired")
            if not_before is not None and now < not_before - LEEWAY_SECONDS:
                raise AuthenticationError("token not yet valid")
            return actor
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=self._algorithms,
                issuer=self._issuer,
                audience=self._audience,
                leeway=LEEWAY_SECONDS,
                options=self._options,
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("token expired") from None
        except jwt.ImmatureSignatureError:
            raise AuthenticationError("token not yet valid") from None
        except jwt.PyJWTError:
            # Which check failed is not told to the client.
            raise AuthenticationError("invalid token") from None
        actor = _actor_from_claims(claims)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        nbf = claims.get("nbf")
        self._verified[token] = (
            actor,
            float(claims["exp"]),
            float(nbf) if isinstance(nbf, int | float) else None,
        )
        return actor


def _actor_from_claims(claims: dict[str, Any]) -> Actor:
    member = _uuid_claim(claims, "sub")
    if member is None:
        raise AuthenticationError("invalid token")
    participant = None
    if claims.get("participant_uid") is not None:
        participant = _uuid_claim(claims, "participant_uid")
        if participant is None:
            raise AuthenticationError("invalid token")
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise AuthenticationError("invalid token")
    return Actor(
        member_uid=member, participant_uid=participant, scopes=frozenset(scope.split())
    )


def _uuid_claim(claims: dict[str, Any], name: str) -> UUID | None:
    value = claims.get(name)
    if not isinstance(value, str):
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def _load_public_key(path: Path) -> Any:
    key = load_pem_public_key(path.read_bytes())
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise ValueError(f"{path}: only RSA (RS256) or EC P-256 (ES256) keys")
    return key


def issue_token(  # noqa: PLR0913
    config: Config,
    sub: UUID | str,
    *,
    scopes: Iterable[str] = (),
    participant_uid: UUID | str | None = None,
    expires_in: int = 3600,
    private_key: Any = None,
    **claims: Any,
) -> str:
    """Mint a token the service accepts (for the demo, tests and benchmarks).

    With a public key configured, pass the matching ``private_key``.
    """
    now = int(time.time())
    payload: dict[str, Any] = {"sub": str(sub), "iat": now, "exp": now + expires_in}
    scope = " ".join(scopes)
    if scope:
        payload["scope"] = scope
    if participant_uid is not None:
        payload["participant_uid"] = str(participant_uid)
    if config.jwt_issuer:
        payload["iss"] = config.jwt_issuer
    if config.jwt_audience:
        payload["aud"] = config.jwt_audience
    payload.update(claims)
    if private_key is not None:
        algorithm = "RS256" if isinstance(private_key, rsa.RSAPrivateKey) else "ES256"
        return jwt.encode(payload, private_key, algorithm=algorithm)
    return jwt.encode(payload, config.jwt_secret, algorithm="HS256")
