"""HTTP plumbing shared by the routes: JSON responses, body reading, the public base URL (tokens: `auth`).

Kept apart from the routes so that each route reads as three lines: parse, call the domain, answer.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..settings import Settings
from ..sim import errors
from ..sim.world import Runtime


class JSONBytes(Response):
    """JSON serialised with orjson: the hot routes spend most of their time here, and orjson is ~5x faster."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONBytes(body, status_code=status, headers=headers)


def error_response(exc: errors.ApiError) -> Response:
    return json(exc.body(), exc.status, exc.headers)


def base_url(request: Request, settings: Settings) -> str:
    """Where clients reach this server: the setting if given, else the URL the request came in on."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def files_base_url(request: Request, settings: Settings) -> str:
    """Where clients download files: `files_base_url` if given (a storage-host alias, say), else the API's."""
    if settings.files_base_url:
        return settings.files_base_url.rstrip("/")
    return base_url(request, settings)


#: Where the controls middleware leaves a request body it has already read (a `bytearray`), so the route
#: takes it from there instead of reading, and holding, a second copy; or `TOO_LARGE` when the body passed
#: the cap while it was read (the rest is left unread).
BODY_KEY = "kling_mock.body"
TOO_LARGE = "too large"


async def read_body(request: Request, limit: int) -> bytes | bytearray:
    """The JSON body's bytes, with the size cap enforced while reading (a huge body costs nothing).

    The body is read in the server's chunks into one buffer, never joined or copied; if the controls
    middleware has already read it (to match fault rules), that one buffer is used.
    """
    ctype = request.headers.get("content-type", "")
    mime = ctype.split(";", 1)[0].strip().lower()
    if mime != "application/json" and not mime.endswith("+json"):
        raise errors.unsupported_media_type(ctype)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise errors.body_too_large(limit)
    kept: bytes | bytearray | str | None = request.scope.pop(BODY_KEY, None)
    if kept is TOO_LARGE or (kept is not None and len(kept) > limit):
        raise errors.body_too_large(limit)
    if isinstance(kept, bytes | bytearray):
        return kept
    buffer = bytearray()
    async for chunk in request.stream():
        if len(buffer) + len(chunk) > limit:
            raise errors.body_too_large(limit)
        buffer += chunk
    return buffer


def parse_json(raw: bytes | bytearray) -> Any:
    """Parse a JSON body; malformed JSON is a 422001 on `["body"]`, as any other invalid input."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise errors.validation_error(
            [errors.detail_item(["body"], f"Invalid JSON: {exc.msg} at position {exc.pos}", "json_invalid")]
        ) from None


async def json_body(request: Request, limit: int) -> Any:
    """Read and parse a JSON body (see `read_body`)."""
    return parse_json(await read_body(request, limit))


def runtime(request: Request) -> Runtime:
    """The world of the app that received this request (`create_app` puts it on `app.state`)."""
    rt: Runtime = request.app.state.runtime
    return rt
