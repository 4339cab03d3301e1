"""`/files/{id}.mp4`: the generated video, with HEAD, byte ranges and an ETag.

Files need no token, as the real CLI downloads outputs without it. A file exists only once its job has
succeeded; before that (or after it expires) the id answers 404001 like the API does.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable, Response

from ...media import CacheUnavailable
from ...sim import errors
from ..downloads import clip_response
from ..http import runtime
from ..paths import VIDEO_SUFFIX, request_id_in

router = APIRouter()


@router.api_route("/files/{name}", methods=["GET", "HEAD"])
async def video(request: Request, name: str) -> Response:
    rt = runtime(request)
    request_id = request_id_in(request.scope)
    spec = rt.jobs.video_of(request_id) if name.endswith(VIDEO_SUFFIX) else None
    if spec is None:
        raise errors.not_found(request_id)
    headers = {"ETag": f'"{spec.key()}"', "Cache-Control": "public, max-age=604800, immutable"}
    try:
        clip = await rt.media.get(spec)
        try:
            response = clip_response(clip, name, headers, "video/mp4")
        except FileNotFoundError:  # evicted by another render between `get` and here: render it again
            response = clip_response(await rt.media.get(spec), name, headers, "video/mp4")
    except CacheUnavailable as exc:
        raise errors.unavailable(f"The video cannot be served right now: {exc}", exc.retry_after_s) from None
    check_range(response, request, int(response.headers["content-length"]))
    return response


def check_range(response: FileResponse, request: Request, size: int) -> None:
    """Refuse an unsatisfiable Range in the API's error format (starlette would answer plain text)."""
    header = request.headers.get("range")
    if not header:
        return
    try:
        response._parse_range_header(header, size)
    except RangeNotSatisfiable:
        raise errors.ApiError(
            416,
            416001,
            f"Range {header!r} is outside the file ({size} bytes)",
            headers={"Content-Range": f"bytes */{size}"},
        ) from None
    except MalformedRangeHeader:
        raise errors.ApiError(400, 400003, f"Malformed Range header {header!r}") from None
