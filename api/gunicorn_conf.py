"""Gunicorn settings, read from the TICKETING_* environment (see api.config).

Used as ``gunicorn -c python:api.gunicorn_conf 'api.app:get_app()'``. Gunicorn's own
``GUNICORN_CMD_ARGS`` (e.g. ``--threads 8``) still overrides anything set here.
"""

from __future__ import annotations

import os
from typing import Any

from api.config import Config

_config = Config.from_env()

bind = f"{_config.host}:{_config.port}"
workers = _config.workers

# Falcon is WSGI, and a request spends most of its time waiting on the database (a
# PostgreSQL round trip or an SQLite fsync), during which the GIL is released. A few
# threads per worker keep both cores busy while requests wait, without the cost of
# more processes (each one holds its own connection pool and aggregate cache). Keep
# threads <= the pool size (TICKETING_POOL_SIZE defaults to TICKETING_THREADS) so
# threads do not queue for connections; gevent-style workers would need a
# cooperative database driver.
worker_class = "gthread"
threads = _config.threads

# Each worker builds its own Application (and connection pool) after the fork:
# a pool created before the fork would be shared across processes and hang them.
preload_app = False

timeout = 30
graceful_timeout = 20
keepalive = 5
# Heartbeat files on tmpfs: a worker blocked on disk I/O is not mistaken for a hung one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# One line per request, with the correlation id the response carries.
accesslog = "-"
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(B)s %(M)sms correlation_id=%({x-correlation-id}o)s'
)
errorlog = "-"
loglevel = "info"
proc_name = "ticketing"
# Gunicorn >= 25.1 opens one control socket per user by default ($HOME/.gunicorn):
# several instances on one machine (tests, benchmarks) would take it from each other.
control_socket_disable = True


def on_starting(server: Any) -> None:
    """Warn once, in the master, when tokens are checked with the dev secret."""
    _config.warn_if_insecure()
