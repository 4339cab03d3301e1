"""`/files/{id}.mp4`: the generated video, with HEAD, byte ranges and an ETag.

Files need no token, as the real CLI downloads outputs without it. A file exists only once its job has
succeeded; before that (or after it expires) the id answers 404001 like the API does.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable, Response

from ...sim import errors
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
    path = await rt.media.get(spec)
    try:
        stat = path.stat()
    except FileNotFoundError:  # evicted by another render between `get` and here: render it again
        path = await rt.media.get(spec)
        stat = path.stat()
    response = FileResponse(
        path,
        stat_result=stat,
        media_type="video/mp4",
        headers={"ETag": f'"{spec.key()}"', "Cache-Control": "public, max-age=604800, immutable"},
    )
    check_range(response, request, stat.st_size)
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
