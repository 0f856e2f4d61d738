"""Start the service (or another WSGI app) under gunicorn, as ``scripts/run`` does.

Used by the end-to-end tests and the benchmark. The server runs in its own process
group with its output in a file, and ``stop()`` always takes the whole group down.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICE_APP = "api.app:get_app()"
GUNICORN_CONF = "python:api.gunicorn_conf"
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 25.0


class ServerStartError(RuntimeError):
    """The server exited or did not answer in time; the message holds its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_env(settings: Mapping[str, str | None]) -> dict[str, str]:
    """This process's environment without TICKETING_*, plus the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETING_")}
    env.update({k: v for k, v in settings.items() if v is not None})
    return env


def manage(env: Mapping[str, str], *args: str) -> str:
    """Run ``python -m api.manage ARGS`` with this environment; its stdout."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "api.manage", *args],
        env=dict(env),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"api.manage {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
    return result.stdout


@dataclass
class GunicornServer:
    """A running gunicorn master and its workers."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    _log_file: IO[bytes]

    @classmethod
    def start(
        cls,
        env: Mapping[str, str],
        log_path: Path,
        *,
        app: str = SERVICE_APP,
        ready_path: str = "/health/live",
        ready_timeout: float = READY_TIMEOUT_SECONDS,
    ) -> GunicornServer:
        """Start gunicorn with api.gunicorn_conf; return once it answers HTTP."""
        host = env.get("TICKETING_HOST", "127.0.0.1")
        port = env.get("TICKETING_PORT", "8000")
        log_file = log_path.open("wb")
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONF, app],
            env=dict(env),
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = cls(process, f"http://{host}:{port}", log_path, log_file)
        try:
            server._wait_ready(ready_path, ready_timeout)
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_ready(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                with urllib.request.urlopen(self.base_url + path, timeout=2):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return  # it answered, if not with 200: the server is up
            except OSError:
                time.sleep(0.2)
        raise ServerStartError(f"no answer within {timeout:.0f} s:\n{self.log()}")

    def log(self, limit: int = 8000) -> str:
        """The end of the server's output (stdout and stderr)."""
        self._log_file.flush()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return text[-limit:]

    def stop(self) -> None:
        """Stop gunicorn and its workers: TERM, then KILL if they linger."""
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(10)
        # Workers left behind by a killed master would keep the port and the pool.
        self._signal(signal.SIGKILL)
        self._log_file.close()

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass
