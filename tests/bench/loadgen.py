"""Load generators for the benchmark: wrk when installed, else a Python one.

Both send the same POST over keep-alive connections to 127.0.0.1 for a fixed time and
count the 201 responses. Every run is bounded in time; nothing retries forever.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

REQUEST_TIMEOUT_SECONDS = 10.0
WRK_THREADS = 2

_WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [[%(body)s]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  created = 0
  other = 0
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %%d, "created": %%d, "other": %%d, "socket_errors": %%d, '
    .. '"duration_us": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, c, o, e.connect + e.read + e.write + e.timeout,
    summary.duration, latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class LoadResult:
    """What one timed run achieved."""

    created: int
    failed: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        """Creates (201 responses) per second."""
        return self.created / self.seconds if self.seconds else 0.0


def wrk_available() -> bool:
    """True when the wrk binary is on PATH."""
    return shutil.which("wrk") is not None


def run_wrk(
    url: str, body: bytes, token: str, *, connections: int, duration: float
) -> LoadResult:
    """POST with wrk for ``duration`` seconds over ``connections`` connections."""
    _check_loopback(url)
    script = _WRK_SCRIPT % {"body": body.decode(), "token": token}
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        result = subprocess.run(  # noqa: S603
            [
                "wrk",
                f"-t{min(WRK_THREADS, connections)}",
                f"-c{connections}",
                f"-d{max(1, round(duration))}s",
                f"--timeout={REQUEST_TIMEOUT_SECONDS:.0f}s",
                "-s",
                lua.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=False,
        )
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed: {result.stdout}{result.stderr}")
    data = json.loads(lines[-1].removeprefix("BENCH "))
    return LoadResult(
        created=data["created"],
        failed=data["other"] + data["socket_errors"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1e3,
        p99_ms=data["p99_us"] / 1e3,
    )


def run_python(
    url: str, body: bytes, token: str, *, connections: int, duration: float
) -> LoadResult:
    """The same load as run_wrk, from asyncio (slower, but needs nothing installed)."""
    _check_loopback(url)
    return asyncio.run(_python_load(url, body, token, connections, duration))


async def _python_load(
    url: str, body: bytes, token: str, connections: int, duration: float
) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = (
        f"POST {parts.path or '/'} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    counts = {"created": 0, "failed": 0}
    started = time.perf_counter()
    deadline = started + duration

    async def one_connection() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while time.perf_counter() < deadline:
            try:
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection(host, port)
                sent = time.perf_counter()
                writer.write(request)
                status, keep_alive = await asyncio.wait_for(
                    _read_response(reader), REQUEST_TIMEOUT_SECONDS
                )
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                counts["failed"] += 1
                _close(writer)
                writer = None
                continue
            latencies.append(time.perf_counter() - sent)
            counts["created" if status == 201 else "failed"] += 1
            if not keep_alive:
                _close(writer)
                writer = None
        _close(writer)

    await asyncio.gather(*(one_connection() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    quantiles = (
        statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    )
    return LoadResult(
        created=counts["created"],
        failed=counts["failed"],
        seconds=elapsed,
        p50_ms=quantiles[49] * 1e3,
        p99_ms=quantiles[98] * 1e3,
    )


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise asyncio.IncompleteReadError(b"", None)
    status = int(status_line.split()[1])
    length = 0
    keep_alive = True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            keep_alive = False
    await reader.readexactly(length)
    return status, keep_alive


def _close(writer: asyncio.StreamWriter | None) -> None:
    if writer is not None:
        writer.close()


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if not (host.startswith("127.") or host in {"localhost", "::1"}):
        raise ValueError(f"load is only ever sent to loopback, not {host!r}")
