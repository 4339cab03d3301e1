"""Load bench: 1,000 concurrent connections polling one job's status for 30 s (wrk), on `kling-mock serve`
as shipped; errors, p99 and throughput, and the slowest answer a client opening a *new* connection got
meanwhile (what a poller that does not keep its connection alive sees).

Then the same for 15 s with `event_loop=uvloop`, the cause of the time-outs this bench was written for:
uvloop's server accepts one connection per loop turn, so with a thousand busy connections the kernel's
accept queue kept hundreds of them (and every newcomer) waiting for seconds. Timings are printed, never
asserted.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from contracts._live import free_port, served_process

CONNECTIONS = 1_000
SECONDS = 30
CAUSE_SECONDS = 15
TOKEN = "bench"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_kinds: str
    newcomer_max_ms: float
    newcomer_count: int


def _ms(text: str) -> float:
    value = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    assert value is not None, text
    return float(value.group(1)) * UNITS[value.group(2)]


def _parse(out: str) -> tuple[float, float, float, int, str]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors, kinds = 0, []
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        counts = dict(zip(("connect", "read", "write", "timeout"), map(int, sock.groups()), strict=True))
        errors += sum(counts.values())
        kinds += [f"{n} {k}" for k, n in counts.items() if n]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
        kinds.append(f"{non2xx.group(1)} non-2xx")
    return rps, p50, p99, errors, ", ".join(kinds) or "none"


def _newcomers(url: str, stop: threading.Event, seen: list[float]) -> None:
    """A request on a fresh connection every 200 ms: connect, ask, read the answer, close."""
    parts = urlsplit(url)
    request = (f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {TOKEN}\r\n"
               "Connection: close\r\n\r\n").encode()
    while not stop.is_set():
        started = time.monotonic()
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=60) as s:
                s.sendall(request)
                s.recv(65536)
            seen.append((time.monotonic() - started) * 1000)
        except OSError:
            seen.append(float("inf"))
        stop.wait(0.2)


def _run(tmp: Path, seconds: int, extra: tuple[str, ...] = ()) -> Run:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    cmd = [str(Path(sys.executable).parent / "kling-mock"), "serve", "--port", str(port), "--clock", "manual",
           "--cache-dir", str(tmp / "media"), *extra]
    with served_process(cmd, f"{origin}/openapi.json", dict(os.environ), timeout=120):
        job = httpx.post(f"{origin}/v1/models/kling/kling-3.0/standard/text-to-video", json={"prompt": "bench"},
                         headers={"Authorization": f"Bearer {TOKEN}"}).json()
        stop, seen = threading.Event(), []
        poller = threading.Thread(target=_newcomers, args=(job["status_url"], stop, seen))
        poller.start()
        try:
            out = subprocess.run(
                ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-H",
                 f"Authorization: Bearer {TOKEN}", job["status_url"]],
                capture_output=True, text=True, timeout=seconds + 120,
            ).stdout
        finally:
            stop.set()
            poller.join(120)
    rps, p50, p99, errors, kinds = _parse(out)
    return Run(rps, p50, p99, errors, kinds, max(seen, default=0.0), len(seen))


def _raise_fd_limit(wanted: int) -> None:
    """wrk and the server each hold a descriptor per connection: lift the soft limit (children inherit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted, hard))


def main() -> None:
    if shutil.which("wrk") is None:
        print("load bench: wrk is not installed (make bench installs it); skipped")
        return
    _raise_fd_limit(4 * CONNECTIONS)
    print(f"\n== {CONNECTIONS:,} connections polling GET /v1/requests/{{id}}/status (wrk -t2 -c{CONNECTIONS}, "
          "its 2 s time-out) ==")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        ours = _run(Path(tmp), SECONDS)
        cause = _run(Path(tmp), CAUSE_SECONDS, ("--set", "event_loop=uvloop"))
    header = f"{'server':<34} {'s':>3} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  {'new conn max ms':>15}"
    print(header)
    for name, seconds, run in (("kling-mock serve (asyncio loop)", SECONDS, ours),
                               ("the same with event_loop=uvloop", CAUSE_SECONDS, cause)):
        print(f"{name:<34} {seconds:>3} {run.rps:>7.0f} {run.p50_ms:>8.0f} {run.p99_ms:>8.0f} {run.errors:>7}  "
              f"{run.newcomer_max_ms:>15.0f}   ({run.error_kinds}; {run.newcomer_count} new connections)")
    print("goal: zero errors and a bounded p99 with 1,000 connections")
