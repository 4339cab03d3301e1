"""A real browser plays a rendered clip: headless Chromium reports size, duration and decoded audio.

Checks what matters to users of the mock: the files are not just well-formed for FFmpeg, they play in
the browser engine most clients embed. Skipped with a reason when Chromium is not installed (`make test`
installs Debian's package).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mock_server.media import frame_size, render_mp4

from .conftest import make_spec

CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and os.path.exists(p)), None)
PAGE_TIMEOUT_S = 45.0

PAGE = """<!doctype html>
<html><body>
<video id="v" src="/clip.mp4" muted playsinline preload="auto"></video>
<script>
const v = document.getElementById("v");
let sent = false;
function report(reason) {
  if (sent) return;
  sent = true;
  const body = JSON.stringify({
    reason: reason,
    videoWidth: v.videoWidth,
    videoHeight: v.videoHeight,
    duration: v.duration,
    currentTime: v.currentTime,
    audioBytes: v.webkitAudioDecodedByteCount,
    videoBytes: v.webkitVideoDecodedByteCount,
    error: v.error ? v.error.code + " " + v.error.message : null,
  });
  fetch("/result", {method: "POST", body: body});
}
v.addEventListener("timeupdate", () => { if (v.currentTime >= 1.2) report("played"); });
v.addEventListener("ended", () => report("ended"));
v.addEventListener("error", () => report("error"));
v.muted = true;
v.play().catch((e) => { sent = false; report("play() rejected: " + e); });
setTimeout(() => report("page timeout"), 30000);
</script>
</body></html>
"""


class _Site:
    """Serves the page and the clip (with Range support, as browsers ask for media) and takes the report."""

    def __init__(self, clip: bytes) -> None:
        self.clip = clip
        self.report: dict[str, Any] | None = None
        self.reported = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/":
                    self._send(200, PAGE.encode(), "text/html; charset=utf-8")
                elif self.path == "/clip.mp4":
                    self._send_clip()
                else:
                    self._send(404, b"", "text/plain")

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                site.report = json.loads(self.rfile.read(length) or b"{}")
                site.reported.set()
                self._send(204, b"", "text/plain")

            def _send_clip(self) -> None:
                data, status, extra = site.clip, 200, {}
                header = self.headers.get("range", "")
                if header.startswith("bytes="):
                    first, _, last = header[len("bytes=") :].partition("-")
                    start = int(first or 0)
                    end = min(int(last), len(data) - 1) if last else len(data) - 1
                    extra = {"content-range": f"bytes {start}-{end}/{len(data)}"}
                    data, status = data[start : end + 1], 206
                self._send(status, data, "video/mp4", {"accept-ranges": "bytes", **extra})

            def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)  # the browser may drop a range it no longer needs

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chromium() -> Iterator[str]:
    if CHROMIUM is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium; `make test` does it)")
    yield CHROMIUM


def _play(binary: str, clip: bytes, workdir: Path) -> dict[str, Any]:
    """Open the page in headless Chromium and return what it reported; the browser is always killed."""
    log_path = workdir / "chromium.log"
    with _Site(clip) as site, log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                f"--user-data-dir={workdir / 'profile'}", site.url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # its own process group: the whole browser is ended below
        )
        try:
            reported = site.reported.wait(PAGE_TIMEOUT_S)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        if not reported or site.report is None:
            tail = log_path.read_text(errors="replace")[-2000:]
            pytest.fail(f"Chromium sent no report within {PAGE_TIMEOUT_S:g} s; its log ends:\n{tail}")
        return site.report


def test_chromium_plays_a_clip_with_sound(chromium: str, tmp_path: Path) -> None:
    width, height = frame_size("standard", "16:9")
    clip = render_mp4(make_spec(durations=(1, 2), width=width, height=height, fps=24, sound=True))
    report = _play(chromium, clip, tmp_path)
    assert report["error"] is None, report
    assert report["reason"] in {"played", "ended"}, report
    assert (report["videoWidth"], report["videoHeight"]) == (width, height)
    assert abs(report["duration"] - 3.0) <= 1 / 24
    assert report["videoBytes"] > 0
    assert report["audioBytes"] > 0, "Chromium decoded no audio"
