"""Configuration: one typed object, read from the environment once."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from domain.directory import AccessRule

DEFAULT_PORT = 8000
DEFAULT_HOST = "127.0.0.1"
DEFAULT_MAX_BODY_BYTES = 1_048_576
DEFAULT_LANGUAGE = "en"
DEFAULT_SQLITE_PATH = Path("var") / "ticketing.sqlite3"
#: Used when TICKETING_JWT_SECRET is unset; never fit for production.
DEVELOPMENT_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # noqa: S105
DEFAULT_THREADS = 4
#: Each worker thread needs at most one connection at a time.
DEFAULT_POOL_SIZE = DEFAULT_THREADS
DEFAULT_POOL_MAX_OVERFLOW = 2
MIN_JWT_SECRET_LENGTH = 32
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: Connection parameters of TICKETING_DATABASE_URL that reach the event store; for
#: others (sslmode...) use libpq's environment variables (PGSSLMODE...).
SUPPORTED_URL_PARAMETERS = frozenset({"dbname", "host", "port", "user", "password"})
DEFAULT_AGGREGATE_CACHE_SIZE = 1000


class ConfigError(ValueError):
    """A setting has a value the service cannot use."""


def default_workers() -> int:
    """Gunicorn's usual rule of thumb: two per core, plus one."""
    return (os.cpu_count() or 1) * 2 + 1


@dataclass(frozen=True)
class Config:
    """Every setting of the service; tests build one directly."""

    port: int = DEFAULT_PORT
    host: str = DEFAULT_HOST
    database_url: str | None = None
    database_schema: str = "public"
    sqlite_path: Path = DEFAULT_SQLITE_PATH
    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    jwt_public_key_path: Path | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    access_rule: AccessRule = AccessRule.ANY
    default_language: str = DEFAULT_LANGUAGE
    workers: int = field(default_factory=default_workers)
    threads: int = DEFAULT_THREADS
    pool_size: int = DEFAULT_POOL_SIZE
    pool_max_overflow: int = DEFAULT_POOL_MAX_OVERFLOW
    aggregate_cache_size: int = DEFAULT_AGGREGATE_CACHE_SIZE
    create_tables: bool = True

    @property
    def uses_postgres(self) -> bool:
        """True when events and read models live in PostgreSQL."""
        return self.database_url is not None

    @property
    def uses_development_secret(self) -> bool:
        """True when tokens are checked with the built-in development secret."""
        return self.jwt_public_key_path is None and (
            self.jwt_secret == DEVELOPMENT_JWT_SECRET
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Read the TICKETING_* variables (see README); raise ConfigError if bad."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(f"TICKETING_{name}", "").strip()
            return value or None

        def get_int(name: str, default: int, minimum: int = 1) -> int:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(f"TICKETING_{name} must be an integer") from None
            if value < minimum:
                raise ConfigError(f"TICKETING_{name} must be at least {minimum}")
            return value

        url = get("DATABASE_URL")
        if url is not None:
            _check_database_url(url)
        rule = (get("ACCESS_RULE") or "any").lower()
        if rule not in {r.value for r in AccessRule}:
            raise ConfigError("TICKETING_ACCESS_RULE must be 'any' or 'all'")
        language = (get("DEFAULT_LANGUAGE") or DEFAULT_LANGUAGE).lower()
        if len(language) != 2 or not language.isalpha():
            raise ConfigError("TICKETING_DEFAULT_LANGUAGE must be an ISO 639-1 code")
        public_key = get("JWT_PUBLIC_KEY")
        secret = get("JWT_SECRET")
        if secret is not None and len(secret) < MIN_JWT_SECRET_LENGTH:
            raise ConfigError(
                f"TICKETING_JWT_SECRET must be at least {MIN_JWT_SECRET_LENGTH} "
                "characters"
            )
        host = get("HOST") or DEFAULT_HOST
        dev_secret = secret in (None, DEVELOPMENT_JWT_SECRET)
        if dev_secret and public_key is None and host not in LOOPBACK_HOSTS:
            raise ConfigError(
                "TICKETING_JWT_SECRET (or TICKETING_JWT_PUBLIC_KEY) must be set when "
                "TICKETING_HOST is not a loopback address"
            )
        threads = get_int("THREADS", DEFAULT_THREADS)
        return cls(
            port=get_int("PORT", DEFAULT_PORT),
            host=host,
            database_url=url,
            database_schema=get("DATABASE_SCHEMA") or "public",
            sqlite_path=Path(get("SQLITE_PATH") or DEFAULT_SQLITE_PATH),
            jwt_secret=secret or DEVELOPMENT_JWT_SECRET,
            jwt_public_key_path=Path(public_key) if public_key else None,
            jwt_issuer=get("JWT_ISSUER"),
            jwt_audience=get("JWT_AUDIENCE"),
            max_body_bytes=get_int("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            access_rule=AccessRule(rule),
            default_language=language,
            workers=get_int("WORKERS", default_workers()),
            threads=threads,
            pool_size=get_int("POOL_SIZE", threads),
            pool_max_overflow=get_int(
                "POOL_MAX_OVERFLOW", DEFAULT_POOL_MAX_OVERFLOW, minimum=0
            ),
            aggregate_cache_size=get_int(
                "AGGREGATE_CACHE_SIZE", DEFAULT_AGGREGATE_CACHE_SIZE, minimum=0
            ),
        )

    def warn_if_insecure(self) -> None:
        """Say loudly when the development JWT secret is in use."""
        if self.uses_development_secret:
            print(
                "WARNING: TICKETING_JWT_SECRET is not set; using the built-in "
                "development secret. Never run like this in production.",
                file=sys.stderr,
            )


def _check_database_url(url: str) -> None:
    """Refuse URLs the event store would not honour in full (never ignore silently)."""
    from psycopg.conninfo import conninfo_to_dict

    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError("TICKETING_DATABASE_URL must be a postgresql:// URL")
    try:
        params = conninfo_to_dict(url)
    except Exception as exc:  # psycopg.ProgrammingError, with libpq's reason
        raise ConfigError(f"TICKETING_DATABASE_URL is not valid: {exc}") from None
    unsupported = sorted(set(params) - SUPPORTED_URL_PARAMETERS)
    if unsupported:
        raise ConfigError(
            "TICKETING_DATABASE_URL parameters not supported: "
            f"{', '.join(unsupported)}; set them with libpq's environment variables "
            "instead (e.g. PGSSLMODE, PGSSLROOTCERT, PGAPPNAME)"
        )
