"""Gunicorn's final settings are checked against the config before serving."""

from __future__ import annotations

import pytest

from api.config import Config
from api.gunicorn_conf import is_loopback, startup_problems

REAL_SECRET = "k" * 40


@pytest.mark.parametrize(
    ("bind", "loopback"),
    [
        ("127.0.0.1:8000", True),
        ("localhost:8000", True),
        ("[::1]:8000", True),
        ("unix:/run/t.sock", True),
        ("0.0.0.0:8000", False),
        ("[::]:8000", False),
        ("10.1.2.3:80", False),
    ],
)
def test_loopback_addresses(bind: str, loopback: bool) -> None:
    assert is_loopback(bind) is loopback


def test_the_development_secret_may_not_listen_beyond_this_machine() -> None:
    problems = startup_problems(Config(), ["0.0.0.0:8000"], threads=4)

    assert any("JWT secret" in p for p in problems)


def test_a_real_secret_may_listen_anywhere() -> None:
    assert startup_problems(Config(jwt_secret=REAL_SECRET), ["0.0.0.0:80"], 4) == []


def test_more_threads_than_pooled_connections_is_refused() -> None:
    config = Config(
        jwt_secret=REAL_SECRET,
        database_url="postgresql://u@h/db",
        pool_size=4,
        pool_max_overflow=2,
    )

    assert startup_problems(config, ["127.0.0.1:8000"], threads=8)
    assert startup_problems(config, ["127.0.0.1:8000"], threads=6) == []
