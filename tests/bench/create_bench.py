"""Creates per second over HTTP, the service against a plain CRUD baseline.

For each store (SQLite, PostgreSQL) both apps run under the same gunicorn settings
(api.gunicorn_conf), in alternating runs of a fixed duration at a fixed number of
concurrent connections; the report gives the medians and the ratio service/baseline,
as a table and as JSON under bench-results/. Run it with ``scripts/bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import psycopg
from psycopg.sql import SQL, Identifier

from api.auth import issue_token
from api.config import Config
from api.manage import ALICE, C1
from tests.bench import baseline_app
from tests.bench.loadgen import LoadResult, run_python, run_wrk, wrk_available
from tests.support.gunicorn import (
    REPO_ROOT,
    SERVICE_APP,
    GunicornServer,
    free_port,
    manage,
    service_env,
)
from tests.support.postgres import locate_postgres

BASELINE_APP = "tests.bench.baseline_app:get_app()"
APPS = {"baseline": BASELINE_APP, "service": SERVICE_APP}
BACKENDS = ("sqlite", "postgres")
DEFAULT_DURATION = 10.0
DEFAULT_ROUNDS = 3
DEFAULT_CONNECTIONS = 32
DEFAULT_WARMUP = 1.0
RESULTS_DIR = REPO_ROOT / "bench-results"

LoadRunner = Callable[..., LoadResult]


@dataclass
class BackendReport:
    """Every run on one store, and what they add up to."""

    backend: str
    database: str
    runs: dict[str, list[LoadResult]] = field(
        default_factory=lambda: {name: [] for name in APPS}
    )

    def median_rate(self, app: str) -> float:
        """The median creates/s of one app's runs."""
        return statistics.median(r.rate for r in self.runs[app])

    def median_p99(self, app: str) -> float:
        """The median of one app's p99 latencies (ms)."""
        return statistics.median(r.p99_ms for r in self.runs[app])

    def failures(self, app: str) -> int:
        """Non-201 answers and socket errors over all of one app's runs."""
        return sum(r.failed for r in self.runs[app])

    @property
    def ratio(self) -> float:
        """Median service rate over median baseline rate."""
        baseline = self.median_rate("baseline")
        return self.median_rate("service") / baseline if baseline else 0.0

    def as_json(self) -> dict[str, object]:
        """The report as plain data."""
        return {
            "database": self.database,
            "ratio_service_to_baseline": round(self.ratio, 4),
            **{
                app: {
                    "median_creates_per_s": round(self.median_rate(app), 1),
                    "median_p99_ms": round(self.median_p99(app), 2),
                    "failures": self.failures(app),
                    "runs": [
                        {**asdict(r), "creates_per_s": round(r.rate, 1)} for r in runs
                    ],
                }
                for app, runs in self.runs.items()
            },
        }


@contextmanager
def store_settings(backend: str, workdir: Path) -> Iterator[dict[str, str]]:
    """TICKETING_* settings for a fresh store of this kind; removed afterwards."""
    if backend == "sqlite":
        yield {"TICKETING_SQLITE_PATH": str(workdir / "bench.sqlite3")}
        return
    url, reason = locate_postgres()
    if url is None:
        raise RuntimeError(reason)
    schema = f"bench_{uuid4().hex[:12]}"
    try:
        yield {"TICKETING_DATABASE_URL": url, "TICKETING_DATABASE_SCHEMA": schema}
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema))
            )


def bench_backend(
    backend: str, args: argparse.Namespace, load: LoadRunner, workdir: Path
) -> BackendReport:
    """Seed one store, then time the baseline and the service in alternation."""
    secret = secrets.token_urlsafe(32)
    with store_settings(backend, workdir / backend) as settings:
        (workdir / backend).mkdir(parents=True, exist_ok=True)
        common = {
            **settings,
            "TICKETING_HOST": "127.0.0.1",
            "TICKETING_JWT_SECRET": secret,
            "TICKETING_WORKERS": str(args.workers) if args.workers else None,
        }
        env = service_env(common)
        manage(env, "migrate")
        manage(env, "seed-demo", "--quiet")
        baseline_settings = dict(common)
        if backend == "sqlite":
            baseline_settings["TICKETING_SQLITE_PATH"] = str(
                workdir / backend / "baseline.sqlite3"
            )
        baseline_env = service_env(baseline_settings)
        baseline_app.create_table(Config.from_env(baseline_env))
        envs = {"baseline": baseline_env, "service": env}
        token = issue_token(
            Config(jwt_secret=secret),
            ALICE.uid,
            participant_uid=ALICE.participant_uid,
            expires_in=3600,
        )
        body = json.dumps(
            {
                "title": "Benchmark ticket",
                "description": "Created by scripts/bench.",
                "categoryKey": "general",
                "contactUids": [str(C1)],
            }
        ).encode()
        report = BackendReport(backend, _describe(settings))
        for round_no in range(args.rounds):
            # Alternate who goes first, so drift (caches, disk, growing tables)
            # does not always favour the same app.
            order = ("baseline", "service")[:: 1 if round_no % 2 == 0 else -1]
            for app in order:
                result = _timed_run(app, envs[app], token, body, args, load, workdir)
                report.runs[app].append(result)
                print(
                    f"  {backend:<8} round {round_no + 1}/{args.rounds} {app:<8} "
                    f"{result.rate:8.1f} creates/s  p99 {result.p99_ms:7.1f} ms"
                    f"  failed {result.failed}",
                    file=sys.stderr,
                )
        return report


def _timed_run(  # noqa: PLR0913
    app: str,
    env: dict[str, str],
    token: str,
    body: bytes,
    args: argparse.Namespace,
    load: LoadRunner,
    workdir: Path,
) -> LoadResult:
    port = free_port()
    env = {**env, "TICKETING_PORT": str(port)}
    log = workdir / f"{app}-{port}.log"
    server = GunicornServer.start(env, log, app=APPS[app])
    url = f"{server.base_url}/v1.0/tickets"
    try:
        if args.warmup > 0:
            load(url, body, token, connections=args.connections, duration=args.warmup)
        result = load(
            url, body, token, connections=args.connections, duration=args.duration
        )
    finally:
        server.stop()
    if result.created == 0:
        raise RuntimeError(f"{app} created nothing; its log:\n{server.log()}")
    return result


def _describe(settings: dict[str, str]) -> str:
    url = settings.get("TICKETING_DATABASE_URL")
    if url is None:
        return "sqlite (file, WAL)"
    return f"postgresql {url.rsplit('@', 1)[-1]}"


def render_table(reports: Sequence[BackendReport]) -> str:
    """The results as a small fixed-width table."""
    header = (
        f"{'backend':<9}{'baseline/s':>12}{'service/s':>11}{'ratio':>8}"
        f"{'base p99 ms':>13}{'svc p99 ms':>12}{'failed b/s':>12}"
    )
    rows = [header, "-" * len(header)]
    for r in reports:
        rows.append(
            f"{r.backend:<9}{r.median_rate('baseline'):>12.1f}"
            f"{r.median_rate('service'):>11.1f}{r.ratio:>8.2f}"
            f"{r.median_p99('baseline'):>13.1f}{r.median_p99('service'):>12.1f}"
            f"{r.failures('baseline'):>6}/{r.failures('service'):<5}"
        )
    return "\n".join(rows)


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Creates/s over HTTP: the service against a plain CRUD baseline.",
    )
    parser.add_argument(
        "--backend",
        dest="backends",
        action="append",
        choices=BACKENDS,
        help="store to benchmark (repeatable; default: both)",
    )
    parser.add_argument(
        "--duration", type=float, default=DEFAULT_DURATION, help="seconds per run"
    )
    parser.add_argument(
        "--rounds", type=int, default=DEFAULT_ROUNDS, help="runs per app and store"
    )
    parser.add_argument(
        "--connections", type=int, default=DEFAULT_CONNECTIONS, help="concurrency"
    )
    parser.add_argument(
        "--warmup", type=float, default=DEFAULT_WARMUP, help="unmeasured seconds"
    )
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers (default: TICKETING_WORKERS)"
    )
    parser.add_argument(
        "--loadgen",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="wrk if installed (auto), or the Python generator",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="JSON dir")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the table and write the JSON report."""
    args = build_parser().parse_args(argv)
    if args.duration <= 0 or args.rounds < 1 or args.connections < 1:
        print(
            "error: duration, rounds and connections must be positive", file=sys.stderr
        )
        return 2
    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and wrk_available())
    if args.loadgen == "wrk" and not wrk_available():
        print("error: wrk is not installed", file=sys.stderr)
        return 2
    load: LoadRunner = run_wrk if use_wrk else run_python
    backends = args.backends or list(BACKENDS)
    workers = args.workers or Config.from_env().workers
    print(
        f"benchmark: {', '.join(backends)}; {args.rounds} rounds x {args.duration:g} s "
        f"per app at {args.connections} connections; {workers} workers; "
        f"load from {'wrk' if use_wrk else 'python'}",
        file=sys.stderr,
    )
    started = datetime.now(UTC)
    reports: list[BackendReport] = []
    with tempfile.TemporaryDirectory(prefix="ticketing-bench-") as tmp:
        for backend in backends:
            reports.append(bench_backend(backend, args, load, Path(tmp)))
    table = render_table(reports)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"create-{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(
        json.dumps(
            {
                "benchmark": "create",
                "started": started.isoformat(),
                "seconds": round(time.time() - started.timestamp(), 1),
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "settings": {
                    "duration_s": args.duration,
                    "rounds": args.rounds,
                    "connections": args.connections,
                    "warmup_s": args.warmup,
                    "workers": workers,
                    "loadgen": "wrk" if use_wrk else "python",
                },
                "results": {r.backend: r.as_json() for r in reports},
            },
            indent=2,
        )
        + "\n"
    )
    shown = out.relative_to(REPO_ROOT) if out.is_relative_to(REPO_ROOT) else out
    print(f"written to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
