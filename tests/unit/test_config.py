"""Configuration from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.config import (
    DEFAULT_MAX_BODY_BYTES,
    DEVELOPMENT_JWT_SECRET,
    Config,
    ConfigError,
)
from api.storage import eventsourcing_env
from domain.directory import AccessRule


def test_defaults() -> None:
    config = Config.from_env({})

    assert config.port == 8000
    assert config.host == "127.0.0.1"
    assert config.database_url is None
    assert config.max_body_bytes == DEFAULT_MAX_BODY_BYTES
    assert config.access_rule is AccessRule.ANY
    assert config.default_language == "en"
    assert config.uses_development_secret


def test_values_are_read() -> None:
    config = Config.from_env(
        {
            "TICKETING_PORT": "9001",
            "TICKETING_DATABASE_URL": "postgresql://u:p@db:5433/tickets",
            "TICKETING_ACCESS_RULE": "ALL",
            "TICKETING_DEFAULT_LANGUAGE": "de",
            "TICKETING_MAX_BODY_BYTES": "2048",
            "TICKETING_JWT_SECRET": "s3cret-" + "x" * 32,
            "TICKETING_WORKERS": "3",
        }
    )

    assert (config.port, config.access_rule, config.default_language) == (
        9001,
        AccessRule.ALL,
        "de",
    )
    assert (config.max_body_bytes, config.workers) == (2048, 3)
    assert not config.uses_development_secret


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TICKETING_PORT", "http"),
        ("TICKETING_PORT", "0"),
        ("TICKETING_ACCESS_RULE", "some"),
        ("TICKETING_DATABASE_URL", "mysql://x"),
        ("TICKETING_DEFAULT_LANGUAGE", "english"),
        ("TICKETING_JWT_SECRET", "short"),
        ("TICKETING_DATABASE_URL", "postgresql://u@h/db?sslmode=require"),
        ("TICKETING_DATABASE_URL", "postgresql://u@h/db?application_name=x"),
        ("TICKETING_THREADS", "0"),
    ],
)
def test_bad_values_are_rejected(name: str, value: str) -> None:
    with pytest.raises(ConfigError):
        Config.from_env({name: value})


def test_postgres_url_becomes_eventsourcing_settings() -> None:
    config = Config(
        database_url="postgresql://alice:pw@db.example:5433/tickets",
        database_schema="s1",
    )

    env = eventsourcing_env(config)

    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db.example", "5433")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("alice", "pw")
    assert (env["POSTGRES_DBNAME"], env["POSTGRES_SCHEMA"]) == ("tickets", "s1")
    assert "POSTGRES_ENABLE_DB_FUNCTIONS" not in env


def test_sqlite_is_the_default_store(tmp_path: Path) -> None:
    config = Config(sqlite_path=tmp_path / "x" / "t.db", create_tables=False)

    env = eventsourcing_env(config)

    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert env["SQLITE_DBNAME"].endswith("t.db")
    assert env["CREATE_TABLE"] == "n"


def test_the_development_secret_is_refused_off_loopback() -> None:
    with pytest.raises(ConfigError):
        Config.from_env({"TICKETING_HOST": "0.0.0.0"})


def test_a_real_secret_may_serve_off_loopback() -> None:
    config = Config.from_env(
        {"TICKETING_HOST": "0.0.0.0", "TICKETING_JWT_SECRET": "k" * 40}
    )

    assert config.host == "0.0.0.0"


def test_the_pool_holds_one_connection_per_thread_by_default() -> None:
    config = Config.from_env({"TICKETING_THREADS": "6"})

    assert (config.threads, config.pool_size) == (6, 6)


def test_the_development_secret_named_explicitly_is_refused_off_loopback() -> None:
    with pytest.raises(ConfigError):
        Config.from_env(
            {
                "TICKETING_HOST": "0.0.0.0",
                "TICKETING_JWT_SECRET": DEVELOPMENT_JWT_SECRET,
            }
        )
