"""End-to-end failures carry the server's log, whatever assertion failed."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Append the gunicorn log of the test's ``service`` fixture to a failed report."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    service = getattr(item, "funcargs", {}).get("service")
    server = getattr(service, "server", None)
    if report.failed and report.when == "call" and server is not None:
        report.sections.append(("gunicorn log", server.log()))
