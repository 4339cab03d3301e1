"""API throughput: the status route of `kling-mock serve` against a raw ASGI floor and a bare
FastAPI route (the peer), measured with wrk.

Both servers run the same way (uvicorn, one process, loopback) in one run on this machine, so the ratio is
meaningful where absolute numbers are not. A third figure shows polling while a 4K clip renders: rendering
runs off the event loop, so status throughput should barely move.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from contracts._live import free_port, served_process

WRK_ARGS = ("-t2", "-c32", "-d5s")
TOKEN = "bench"
FLOOR_APP = """
import orjson
BODY = orjson.dumps({"request_id": "x" * 36, "status": "in_queue", "queue_position": 0,
                     "status_url": "http://127.0.0.1/v1/requests/x/status",
                     "result_url": "http://127.0.0.1/v1/requests/x/result"})
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": BODY})
"""
PEER_APP = """
from fastapi import FastAPI
from starlette.responses import Response
BODY = b'{"request_id": "' + b"x" * 36 + b'", "status": "in_queue", "queue_position": 0}'
app = FastAPI()

@app.get("/v1/requests/{request_id}/status")
async def status(request_id: str) -> Response:
    return Response(BODY, media_type="application/json")
"""


def wrk(url: str, headers: dict[str, str] | None = None) -> tuple[float, float]:
    """Requests per second and mean latency (ms) of a wrk run."""
    cmd = ["wrk", *WRK_ARGS]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
    assert lat is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[lat.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error responses:\n{out}")
    return rps, float(lat.group(1)) * scale


def main() -> None:
    if shutil.which("wrk") is None:
        print("api bench: wrk is not installed (make bench installs it); skipped")
        return
    bindir = Path(sys.executable).parent
    auth = {"Authorization": f"Bearer {TOKEN}"}
    print("\n== API: GET /v1/requests/{id}/status (wrk " + " ".join(WRK_ARGS) + ") ==")

    with tempfile.TemporaryDirectory() as tmp:
        measured: dict[str, tuple[float, float]] = {}
        for name, source, path in (("floor", FLOOR_APP, "/"), ("peer", PEER_APP, "/v1/requests/x/status")):
            (Path(tmp) / f"{name}_app.py").write_text(source)
            port = free_port()
            cmd = [str(bindir / "uvicorn"), "--app-dir", tmp, f"{name}_app:app", "--port", str(port), "--log-level", "error"]
            with served_process(cmd, f"http://127.0.0.1:{port}/"):
                measured[name] = wrk(f"http://127.0.0.1:{port}{path}")
        (floor_rps, floor_lat), (peer_rps, peer_lat) = measured["floor"], measured["peer"]

        port = free_port()
        origin = f"http://127.0.0.1:{port}"
        env = {**os.environ, "KLING_MOCK_CACHE_DIR": str(Path(tmp) / "media")}
        serve = [str(bindir / "kling-mock"), "serve", "--port", str(port), "--clock", "manual"]
        with served_process(serve, f"{origin}/openapi.json", env):
            job = httpx.post(
                f"{origin}/v1/models/kling/kling-3.0/4k/text-to-video",
                json={"prompt": "bench", "duration": 15, "sound": True},
                headers=auth,
            ).json()
            status_url = job["status_url"]
            ours_rps, ours_lat = wrk(status_url, auth)

            httpx.post(f"{origin}/__mock/clock/advance", json={"seconds": 3600})
            result = httpx.get(job["result_url"], headers=auth).json()
            timing: dict[str, float] = {}

            def download() -> None:
                started = time.monotonic()
                httpx.get(result["output"]["video"], timeout=300)
                timing["render_s"] = time.monotonic() - started

            render = threading.Thread(target=download)
            render.start()
            busy_rps, busy_lat = wrk(status_url, auth)
            render.join()
            render_s = timing["render_s"]

    rows = [
        ("raw ASGI floor, prebuilt bytes", floor_rps, floor_lat),
        ("peer: FastAPI async route, prebuilt bytes", peer_rps, peer_lat),
        ("kling-mock status route", ours_rps, ours_lat),
        ("kling-mock status while a 4K 15 s clip renders", busy_rps, busy_lat),
    ]
    print(f"{'server':<50} {'req/s':>10} {'avg ms':>8}")
    for name, rps, lat in rows:
        print(f"{name:<50} {rps:>10.0f} {lat:>8.2f}")
    print(f"ratio kling-mock / floor: {ours_rps / floor_rps:.2f}; kling-mock / FastAPI peer: {ours_rps / peer_rps:.2f}")
    print("  (the peer answers prebuilt bytes; kling-mock authenticates, derives the job's state, builds the body,")
    print("   and runs the controls middleware: fault rules, rate limit, journal)")
    print(f"ratio while rendering / idle: {busy_rps / ours_rps:.2f}  (the 4K render and download took {render_s:.2f} s wall, under wrk's load)")
    print(json.dumps({"api": {"floor_rps": floor_rps, "peer_rps": peer_rps, "status_rps": ours_rps, "status_rps_rendering": busy_rps}}))


if __name__ == "__main__":
    main()
