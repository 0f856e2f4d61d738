"""Find a PostgreSQL server for the tests, starting a throwaway one if need be.

``locate_postgres()`` answers ``(url, reason)``: a URL to connect to, or None and one
line saying why there is none. In order it tries

1. ``TICKETING_TEST_DATABASE_URL``, when set (and then nothing else);
2. a server already running on 127.0.0.1:5432 (users postgres/root, databases
   test/postgres);
3. a throwaway cluster made with the local ``initdb``/``pg_ctl``, on a free port, run
   as a non-root user when we are root, stopped and deleted when the process exits.
"""

from __future__ import annotations

import atexit
import functools
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

TEST_DATABASE_URL_VAR = "TICKETING_TEST_DATABASE_URL"
LOCAL_CANDIDATES = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
    "postgresql://postgres@127.0.0.1:5432/postgres",
    "postgresql://root@127.0.0.1:5432/postgres",
)
CONNECT_TIMEOUT_SECONDS = 2
START_TIMEOUT_SECONDS = 60
#: Users a root process may run a throwaway cluster as (PostgreSQL refuses root).
CLUSTER_USERS = ("postgres", "nobody")


def locate_postgres(
    *, allow_running_server: bool = True, allow_throwaway: bool = True
) -> tuple[str | None, str]:
    """A PostgreSQL URL for tests and how it was found, or None and why not."""
    explicit = os.environ.get(TEST_DATABASE_URL_VAR, "").strip()
    if explicit:
        problem = _probe(explicit)
        if problem is None:
            return explicit, f"{TEST_DATABASE_URL_VAR}"
        return None, f"{TEST_DATABASE_URL_VAR} is set but unusable: {problem}"
    return _locate(allow_running_server, allow_throwaway)


@functools.cache
def _locate(
    allow_running_server: bool, allow_throwaway: bool
) -> tuple[str | None, str]:
    reasons: list[str] = []
    if allow_running_server:
        problems: list[str] = []
        for url in LOCAL_CANDIDATES:
            problem = _probe(url)
            if problem is None:
                return url, f"running server at {url}"
            problems.append(problem)
        reasons.append(f"no usable server on 127.0.0.1:5432 ({problems[-1]})")
    if allow_throwaway:
        try:
            cluster = ThrowawayCluster.start()
        except ClusterError as exc:
            reasons.append(f"no throwaway cluster: {exc}")
        else:
            return cluster.url, f"throwaway cluster at {cluster.url}"
    reasons.insert(0, f"{TEST_DATABASE_URL_VAR} unset")
    return None, "no PostgreSQL: " + "; ".join(reasons)


def _probe(url: str) -> str | None:
    """None when we can connect and create schemas, else what went wrong."""
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            row = conn.execute(
                "SELECT has_database_privilege(current_database(), 'CREATE')"
            ).fetchone()
    except psycopg.Error as exc:
        return " ".join(str(exc).split())[:200] or type(exc).__name__
    if not row or not row[0]:
        return "the user may not create schemas"
    return None


class ClusterError(RuntimeError):
    """A throwaway cluster could not be started."""


@dataclass
class ThrowawayCluster:
    """A private PostgreSQL cluster in a temporary directory."""

    bin_dir: Path
    root: Path
    port: int
    user: str | None

    @property
    def data_dir(self) -> Path:
        """Where the cluster keeps its files."""
        return self.root / "data"

    @property
    def url(self) -> str:
        """How to connect (superuser postgres, trust auth, over TCP on loopback)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls) -> ThrowawayCluster:
        """Initialise and start a cluster; it is removed when the process exits."""
        bin_dir = _find_bin_dir()
        user = _cluster_user() if os.geteuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix="ticketing-pg-"))
        cluster = cls(bin_dir=bin_dir, root=root, port=_free_port(), user=user)
        try:
            if user is not None:
                record = pwd.getpwnam(user)
                os.chown(root, record.pw_uid, record.pw_gid)
            cluster._start()
        except BaseException:
            cluster.stop()
            raise
        atexit.register(cluster.stop)
        return cluster

    def _start(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.root}",
                "-c listen_addresses=127.0.0.1",
                "-c max_connections=200",
                # Durability is worthless for a cluster deleted at exit; speed is not.
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            ]
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            "start",
        )

    def stop(self) -> None:
        """Stop the server (if running) and delete its files."""
        if (self.data_dir / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop")
            except ClusterError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        # As root, drop to the cluster's user for this one child process only.
        as_user: dict[str, object] = {}
        if self.user is not None:
            record = pwd.getpwnam(self.user)
            as_user = {
                "user": record.pw_uid,
                "group": record.pw_gid,
                "extra_groups": [],
            }
        try:
            subprocess.run(  # type: ignore[call-overload]
                [str(self.bin_dir / program), *args],
                check=True,
                capture_output=True,
                text=True,
                cwd=self.root,
                timeout=START_TIMEOUT_SECONDS + 10,
                **as_user,
            )
        except subprocess.CalledProcessError as exc:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
            detail = " ".join((exc.stderr or exc.stdout or tail).split())[-300:]
            raise ClusterError(f"{program} failed: {detail}") from None
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ClusterError(f"{program}: {exc}") from None


def _find_bin_dir() -> Path:
    for program in ("initdb", "pg_ctl"):
        found = shutil.which(program)
        if found:
            bin_dir = Path(found).resolve().parent
            if (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists():
                return bin_dir
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),  # noqa: PTH207
        key=lambda path: (
            int(Path(path).parent.name) if Path(path).parent.name.isdigit() else 0
        ),
        reverse=True,
    )
    for candidate in candidates:
        bin_dir = Path(candidate)
        if (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists():
            return bin_dir
    raise ClusterError("initdb/pg_ctl not found on PATH or in /usr/lib/postgresql")


def _cluster_user() -> str:
    for name in CLUSTER_USERS:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise ClusterError("running as root and no non-root user to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
