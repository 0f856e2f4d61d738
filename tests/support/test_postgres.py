"""The throwaway-cluster path of locate_postgres, for real (local server ignored)."""

from __future__ import annotations

import psycopg
import pytest

from tests.support.postgres import (
    TEST_DATABASE_URL_VAR,
    ClusterError,
    ThrowawayCluster,
    locate_postgres,
)


@pytest.fixture
def cluster() -> ThrowawayCluster:
    """A fresh throwaway cluster (skipped where no PostgreSQL binaries exist)."""
    try:
        return ThrowawayCluster.start()
    except ClusterError as exc:
        pytest.skip(f"no throwaway cluster here: {exc}")


def test_throwaway_cluster_serves_sql_and_leaves_nothing_when_stopped(
    cluster: ThrowawayCluster,
) -> None:
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA probe")
        conn.execute("CREATE TABLE probe.t (x int)")
        conn.execute("INSERT INTO probe.t VALUES (42)")
        row = conn.execute("SELECT x FROM probe.t").fetchone()

    cluster.stop()

    assert row == (42,)
    assert not cluster.root.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(cluster.url, connect_timeout=2)


def test_locate_postgres_without_a_running_server_starts_a_throwaway_cluster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TEST_DATABASE_URL_VAR, raising=False)

    url, reason = locate_postgres(allow_running_server=False)

    if url is None:
        pytest.skip(reason)
    assert "throwaway" in reason
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_locate_postgres_explains_why_it_found_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TEST_DATABASE_URL_VAR, raising=False)

    url, reason = locate_postgres(allow_running_server=False, allow_throwaway=False)

    assert url is None
    assert reason.startswith("no PostgreSQL")


def test_an_unusable_explicit_url_is_reported_not_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TEST_DATABASE_URL_VAR, "postgresql://nobody@127.0.0.1:1/none")

    url, reason = locate_postgres()

    assert url is None
    assert TEST_DATABASE_URL_VAR in reason
