"""Gunicorn settings, read from the TICKETING_* environment (see api.config).

Used as ``gunicorn -c python:api.gunicorn_conf 'api.app:get_app()'``. Set threads,
workers and the address with the TICKETING_* variables; gunicorn's own overrides
(``GUNICORN_CMD_ARGS``, ``-b``) are checked against them when the master starts.
"""

from __future__ import annotations

import os
from typing import Any

from api.config import LOOPBACK_HOSTS, Config

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
    """Check gunicorn's final settings against the config, in the master, once."""
    problems = startup_problems(_config, list(server.cfg.bind), server.cfg.threads)
    if problems:
        raise SystemExit("refusing to start: " + "; ".join(problems))
    _config.warn_if_insecure()


def startup_problems(config: Config, binds: list[str], threads: int) -> list[str]:
    """What makes these gunicorn settings unsafe with this config."""
    problems = []
    if config.uses_development_secret and not all(map(is_loopback, binds)):
        problems.append(
            "the development JWT secret is in use on a non-loopback address; "
            "set TICKETING_JWT_SECRET"
        )
    connections = config.pool_size + config.pool_max_overflow
    if config.uses_postgres and threads > connections:
        problems.append(
            f"{threads} threads per worker but only {connections} pooled "
            "connections; set TICKETING_THREADS instead of gunicorn's --threads"
        )
    return problems


def is_loopback(bind: str) -> bool:
    """Whether a gunicorn bind address only listens on this machine."""
    if bind.startswith(("unix:", "fd://")):
        return True
    host = bind.rsplit(":", 1)[0].strip("[]") if ":" in bind else bind
    return host in LOOPBACK_HOSTS
