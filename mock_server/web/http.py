"""HTTP plumbing shared by the routes: JSON responses, body reading, the public base URL (tokens: `auth`).

Kept apart from the routes so that each route reads as three lines: parse, call the domain, answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..settings import Settings
from ..sim import errors
from ..sim.contract import DEFAULT_MAX_DEPTH, DEFAULT_MAX_ITEMS, shape_problems, too_many_items
from ..sim.world import Runtime

T = TypeVar("T")
#: Bodies larger than this are parsed, validated and their images decoded on a worker thread, so a photo
#: sent inline (megabytes of base64) or a hostile body never holds up the requests other clients are waiting
#: on. The validator is pure Python and shares the GIL, but the interpreter switches every few milliseconds.
OFF_LOOP_BYTES = 256 * 1024
#: ... and so are bodies with more structure than this (commas and brackets): a 90 KB body of 3,300 broken
#: shots took the validator 100-250 ms, on the loop, while polls waited. A real submit has a few dozen.
OFF_LOOP_STRUCTURE = 200


class JSONBytes(Response):
    """JSON serialised with orjson: the hot routes spend most of their time here, and orjson is ~5x faster."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def header_value(text: str) -> str:
    """`text` as a header value that cannot break the wire: printable ASCII is kept, anything else (control
    characters, line breaks, U+2028, non-ASCII) is percent-encoded as UTF-8. A rule name with U+2028 once
    made every matching answer a 500, and one with U+0001 closed the connection without an answer."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(c if " " <= c <= "~" else quote(c, safe="") for c in text)


def json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    safe = {k: header_value(v) for k, v in headers.items()} if headers else None
    return JSONBytes(body, status_code=status, headers=safe)


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


def structure_count(raw: bytes | bytearray, stop_above: int) -> int:
    """Commas and opening brackets outside JSON strings, counted at C speed (`count` between strings),
    stopping at the first string after the count passes `stop_above`.

    A JSON text with n array items and object members has at most 2n + 1 of them, so a count above
    2 * max_items + 1 proves the body too large without parsing it: parsing 32 million small numbers takes
    the parser seconds, holding the interpreter the whole time. Strings are skipped with `find`, so a
    64 MiB data URI costs a few scans, and the loop runs once per string, which commas bound.
    """
    count, i, end = 0, 0, len(raw)
    while i < end:
        quote_at = raw.find(b'"', i)
        stop = end if quote_at < 0 else quote_at
        count += raw.count(b",", i, stop) + raw.count(b"[", i, stop) + raw.count(b"{", i, stop)
        if count > stop_above or quote_at < 0:
            return count
        j = quote_at + 1
        while True:  # the closing quote: one not escaped by an odd number of backslashes
            j = raw.find(b'"', j)
            if j < 0:
                return count  # unterminated: the parser will say so
            k = j
            while raw[k - 1] == 0x5C:
                k -= 1
            if (j - k) % 2 == 0:
                break
            j += 1
        i = j + 1
    return count


def parse_json(raw: bytes | bytearray, max_items: int = DEFAULT_MAX_ITEMS, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse a JSON body; 422001 on `["body"]` for malformed JSON, as any other invalid input, and for a body
    past the bounds (`max_json_items`, `max_json_depth`: see `contract.shape_problems`), so nothing that
    handles a body afterwards (the validator, an encoder, the journal) meets one it cannot walk. A body with
    far more items than the bound is refused unparsed (`structure_count`)."""
    if structure_count(raw, 2 * max_items + 1) > 2 * max_items + 1:
        raise errors.validation_error([errors.detail_item(["body"], too_many_items(max_items), "too_many_items")])
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise errors.validation_error(
            [errors.detail_item(["body"], f"Invalid JSON: {exc.msg} at position {exc.pos}", "json_invalid")]
        ) from None
    problems = shape_problems(value, max_depth, max_items)
    if problems:
        raise errors.validation_error(problems)
    return value


def heavy(raw: bytes | bytearray) -> bool:
    """Whether parsing and validating `raw` may take long enough to hold up other clients: a large body, or
    one with many items (counted at C speed, stopping early)."""
    return len(raw) > OFF_LOOP_BYTES or structure_count(raw, OFF_LOOP_STRUCTURE) > OFF_LOOP_STRUCTURE


async def off_loop(raw: bytes | bytearray, work: Callable[[], T]) -> T:
    """Run `work` (parsing or validating `raw`) on a worker thread when the body is `heavy`, inline when it is
    not (a thread hop costs more than a small body's validation)."""
    if heavy(raw):
        return await asyncio.to_thread(work)
    return work()


async def json_body(request: Request, settings: Settings) -> Any:
    """Read and parse a JSON body within the settings' limits (see `read_body`, `parse_json`); a large one is
    parsed off the event loop."""
    raw = await read_body(request, settings.max_body_bytes)
    return await off_loop(raw, lambda: parse_json(raw, settings.max_json_items, settings.max_json_depth))


def runtime(request: Request) -> Runtime:
    """The world of the app that received this request (`create_app` puts it on `app.state`)."""
    rt: Runtime = request.app.state.runtime
    return rt
