"""`/__mock/`: the controls the real service does not have. `/v1` stays the pure contract.

If `admin_token` is set, every control needs `Authorization: Bearer <admin_token>`.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from ...media import inspect_mp4
from ...sim import errors
from ...sim.clock import ClockError, iso
from ...sim.job_media import FIXTURES_DIR, render_spec
from ...sim.world import Runtime
from ..http import json, json_body, runtime

router = APIRouter(prefix="/__mock")


def admin(request: Request) -> Runtime:
    rt = runtime(request)
    expected = rt.settings.admin_token
    if expected and request.headers.get("authorization", "") != f"Bearer {expected}":
        raise errors.ApiError(401, 401001, "Unauthorized: the admin API needs the admin token")
    return rt


def clock_body(rt: Runtime) -> dict[str, Any]:
    now = rt.clock.now()
    return {"mode": rt.clock.mode, "now": now, "now_iso": iso(now), "speed": rt.clock.speed}


async def _advance(rt: Runtime, body: Any, key: str) -> Response:
    seconds = body.get(key) if isinstance(body, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise errors.validation_error([errors.detail_item(["body", key], "Input should be a number", "type")])
    try:
        rt.clock.advance(float(seconds))
    except ClockError as exc:
        raise errors.ApiError(409, 409001, str(exc)) from None
    return json(clock_body(rt))


@router.get("/clock")
async def get_clock(request: Request) -> Response:
    return json(clock_body(admin(request)))


@router.post("/clock")
async def post_clock(request: Request) -> Response:
    """`{"advance": N}` moves a manual clock forward N seconds; `{"speed": S}` makes a real clock run S times
    faster than the wall from now on (time goes on from where it is)."""
    rt = admin(request)
    body = await json_body(request, rt.settings.max_body_bytes)
    if isinstance(body, dict) and "speed" in body and "advance" not in body:
        return _set_speed(rt, body["speed"])
    return await _advance(rt, body, "advance")


def _set_speed(rt: Runtime, speed: Any) -> Response:
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0 < speed < math.inf:
        raise errors.validation_error(
            [errors.detail_item(["body", "speed"], "Input should be a number greater than 0", "greater_than")]
        )
    try:
        rt.clock.set_speed(float(speed))
    except ClockError as exc:
        raise errors.ApiError(409, 409001, str(exc)) from None
    return json(clock_body(rt))


@router.post("/clock/advance")
async def advance_clock(request: Request) -> Response:
    """`{"seconds": N}` moves a manual clock forward N seconds."""
    rt = admin(request)
    return await _advance(rt, await json_body(request, rt.settings.max_body_bytes), "seconds")


@router.post("/reset")
async def reset(request: Request, account: str | None = None) -> Response:
    """Forget every job (or one account's), and with them the fault rules (back to the config file's),
    journal entries, balances and limits: tests start from a clean slate without restarting."""
    rt = admin(request)
    rt.store.reset(account)
    rt.faults.reset(rt.clock.now(), account)
    rt.journal.clear(account)
    rt.accounts.reset(account)
    return json({"reset": account or "all"})


@router.get("/fixtures")
async def list_fixtures(request: Request) -> Response:
    names = sorted(p.name for p in FIXTURES_DIR.iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".webp"})
    return json({"fixtures": names})


@router.get("/fixtures/{name}")
async def fixture(name: str) -> Response:
    """Sample stills for offline image-to-video: pass `https://<any host>/__mock/fixtures/<name>`."""
    path = (FIXTURES_DIR / name).resolve()
    if path.parent != FIXTURES_DIR.resolve() or not path.is_file():
        raise errors.ApiError(404, 404001, f"No fixture named {name!r}")
    return FileResponse(path)



@router.get("/inspect/{request_id}")
async def inspect(request: Request, request_id: str) -> Response:
    """What `kling-mock inspect` says of a finished job's MP4 (size, duration, audio, fingerprint, shots):
    the playground shows it under the video. 404001 until the job has succeeded, as for its file."""
    rt = admin(request)
    job = rt.jobs.finished_ok(request_id)
    if job is None:
        raise errors.not_found(request_id)
    spec = render_spec(job, rt.jobs.model(job.model_id), rt.settings, job.backdrop)
    for _ in range(2):  # a file evicted by another render between `get` and the read is rendered again
        path = await rt.media.get(spec)
        try:
            size = path.stat().st_size
            facts = await asyncio.to_thread(inspect_mp4, path)
        except FileNotFoundError:
            continue
        return json({"request_id": request_id, "bytes": size, **facts})
    raise errors.internal()
