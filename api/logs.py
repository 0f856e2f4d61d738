"""Logging: every record written while serving a request carries its correlation id."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

#: The correlation id of the request being served by this thread ("-" outside one).
correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")

LOG_FORMAT = "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"


class CorrelationIdFilter(logging.Filter):
    """Adds ``correlation_id`` to every record that passes through."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate the record; never drop it."""
        record.correlation_id = correlation_id.get()
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Send the service's logs to stderr, each line with its correlation id."""
    logger = logging.getLogger("ticketing")
    if logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    # On the handler, not the logger: logger filters skip records from children.
    handler.addFilter(CorrelationIdFilter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
