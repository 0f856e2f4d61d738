"""Logs written while serving a request carry its correlation id."""

from __future__ import annotations

import logging

from api.logs import CorrelationIdFilter


def test_unexpected_error_is_logged_with_the_correlation_id(
    client, tokens, application, directory, monkeypatch, caplog
):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(application, "get_ticket", explode)
    caplog.set_level(logging.ERROR, logger="ticketing")
    caplog.handler.addFilter(CorrelationIdFilter())

    result = client.simulate_get(
        "/v1.0/tickets/00000000-0000-4000-8000-000000000001",
        headers={**tokens.member(directory.alice), "X-Correlation-Id": "trace-42"},
    )

    assert result.status_code == 500
    records = [r for r in caplog.records if r.name == "ticketing.api"]
    assert records
    assert {r.correlation_id for r in records} == {"trace-42"}


def test_records_outside_a_request_are_marked_with_a_dash() -> None:
    record = logging.LogRecord("ticketing", logging.INFO, __file__, 1, "m", (), None)

    CorrelationIdFilter().filter(record)

    assert record.correlation_id == "-"
