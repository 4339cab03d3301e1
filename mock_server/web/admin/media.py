"""`/__mock/inspect/{request_id}`: what `kling-mock inspect` reads from a succeeded job's MP4.

The playground shows it under the video (size, duration, audio, fingerprint). The file is the one
`/files/{id}.mp4` serves: rendered once and cached, then read without decoding every frame.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from starlette.responses import Response

from ...media import CacheUnavailable, inspect_mp4
from ...sim import errors
from ..http import json
from .access import AdminRoute, World
from .models import Inspection, answers

router = APIRouter(route_class=AdminRoute, responses=answers(401))


@router.get("/inspect/{request_id}", response_model=Inspection, responses=answers(404, 422),
            summary="Size, duration, audio, fingerprint and shots of a succeeded job's MP4")
async def inspect(rt: World, request_id: str) -> Response:
    """404001 until the job has succeeded, as for its file."""
    spec = rt.jobs.video_of(request_id)
    if spec is None:
        raise errors.not_found(request_id)
    for _ in range(2):  # a file evicted by another render between `get` and the read is rendered again
        try:
            clip = await rt.media.get(spec)  # a cached file, or bytes while the cache dir takes no files
        except CacheUnavailable as exc:
            raise errors.unavailable(f"The video cannot be read right now: {exc}", exc.retry_after_s) from None
        try:
            size = len(clip) if isinstance(clip, bytes) else clip.stat().st_size
            facts = await asyncio.to_thread(inspect_mp4, clip)
        except FileNotFoundError:
            continue
        return json({"request_id": request_id, "bytes": size, **facts})
    raise errors.internal()
