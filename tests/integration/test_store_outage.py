"""PostgreSQL going away: requests answer 503 promptly, and work again after."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import psycopg.conninfo
import pytest
from falcon.testing import TestClient

from api.app import create_app
from api.config import Config
from api.storage import build_application
from tests.support.proxy import TcpProxy


@pytest.fixture
def proxied(config: Config) -> Iterator[tuple[TcpProxy, TestClient, Any]]:
    """The app over a connection to PostgreSQL that the test can cut."""
    params = psycopg.conninfo.conninfo_to_dict(config.database_url or "")
    proxy = TcpProxy(
        str(params.get("host") or "127.0.0.1"), int(params.get("port") or 5432)
    )
    proxy.start()
    url = config.database_url.replace(  # type: ignore[union-attr]
        f":{params.get('port') or 5432}/", f":{proxy.port}/"
    )
    proxied_config = dataclasses.replace(config, database_url=url)
    application = build_application(proxied_config)
    try:
        yield proxy, TestClient(create_app(proxied_config, application)), application
    finally:
        proxy.cut()
        application.close()


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_an_outage_is_a_503_and_service_resumes_after_it(proxied, tokens) -> None:
    proxy, client, _ = proxied
    admin = tokens.admin()
    member = "00000000-0000-4000-8000-0000000000aa"
    path = f"/v1.0/members/{member}/contact-access"
    assert client.simulate_get(path, headers=admin).status_code == 200

    proxy.cut()
    ready = client.simulate_get("/health/ready")
    read = client.simulate_get(path, headers=admin)
    proxy.restore()
    after = client.simulate_get(path, headers=admin)

    assert (ready.status_code, ready.json["code"]) == (503, "ServiceUnavailable")
    assert (read.status_code, read.json["code"]) == (503, "ServiceUnavailable")
    assert "Traceback" not in read.text
    assert "psycopg" not in read.text
    assert after.status_code == 200
