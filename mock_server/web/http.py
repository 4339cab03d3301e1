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
from ..sim.contract import shape_problems, too_many_items
from ..sim.world import Runtime

T = TypeVar("T")
# Bodies larger than this are parsed and validated in a worker thread: the validator is pure Python, so the
# thread shares the GIL, but the interpreter switches every few milliseconds and other clients' polls go on.
OFF_LOOP_BYTES = 64 * 1024
PARSED_BODY_KEY = "kling_mock.parsed_body"


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


async def read_body(request: Request, limit: int) -> bytes:
    """The raw JSON body, with the content type checked and a size cap enforced while reading, so a huge body
    costs nothing."""
    ctype = request.headers.get("content-type", "")
    mime = ctype.split(";", 1)[0].strip().lower()
    if mime != "application/json" and not mime.endswith("+json"):
        raise errors.unsupported_media_type(ctype)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise errors.body_too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise errors.body_too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def structure_count(raw: bytes, stop_above: int) -> int:
    """Commas and opening brackets outside JSON strings, counted at C speed (`bytes.count` between strings),
    stopping at the first string after the count passes `stop_above`.

    A JSON text with n array items and object members has at most 2n + 1 of them, so a count above
    2 * max_items + 1 proves the body too large without parsing it: parsing 32 million small numbers takes
    the parser seconds, holding the interpreter the whole time. Strings are skipped with `bytes.find`, so a
    64 MiB data URI costs a few scans, and the loop runs once per string, which commas bound.
    """
    count, i, end = 0, 0, len(raw)
    while i < end:
        quote = raw.find(b'"', i)
        stop = end if quote < 0 else quote
        count += raw.count(b",", i, stop) + raw.count(b"[", i, stop) + raw.count(b"{", i, stop)
        if count > stop_above or quote < 0:
            return count
        j = quote + 1
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


def parse_json(raw: bytes, settings: Settings) -> Any:
    """The parsed body, or 422001: malformed JSON, far more items than `max_json_items` (refused unparsed),
    or a value outside `max_json_depth` / `max_json_items` (see `contract.shape_problems`), so nothing that
    handles a body afterwards (the validator, an encoder, the journal) meets one it cannot walk."""
    max_items = settings.max_json_items
    if structure_count(raw, 2 * max_items + 1) > 2 * max_items + 1:
        raise errors.validation_error([errors.detail_item(["body"], too_many_items(max_items), "too_many_items")])
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise errors.validation_error(
            [errors.detail_item(["body"], f"Invalid JSON: {exc.msg} at position {exc.pos}", "json_invalid")]
        ) from None
    problems = shape_problems(value, settings.max_json_depth, max_items)
    if problems:
        raise errors.validation_error(problems)
    return value


async def off_loop(size: int, work: Callable[[], T]) -> T:
    """Run `work` (parsing or validating a body of `size` bytes) in a worker thread when the body is large,
    inline when it is small (a thread hop costs more than a small body's validation)."""
    if size > OFF_LOOP_BYTES:
        return await asyncio.to_thread(work)
    return work()


def parsed_body(request: Request, raw: bytes, settings: Settings) -> Any:
    """`parse_json(raw)`, or the value the controls middleware already parsed from the same bytes."""
    found = request.scope.get(PARSED_BODY_KEY)
    if found is not None and found[0] == raw:
        return found[1]
    return parse_json(raw, settings)


async def submit_inputs(request: Request, rt: Runtime, model_id: str) -> dict[str, Any]:
    """A submit body read, parsed and validated against the model's schema (422001 naming what is wrong);
    a large body is parsed and validated in a worker thread, in one hop."""
    raw = await read_body(request, rt.settings.max_body_bytes)
    return await off_loop(
        len(raw), lambda: rt.contract.validate(model_id, parsed_body(request, raw, rt.settings))
    )


async def json_body(request: Request, settings: Settings) -> Any:
    """Read and parse a JSON body within the settings' limits (see `read_body`, `parse_json`); large ones are
    parsed off the event loop."""
    raw = await read_body(request, settings.max_body_bytes)
    return await off_loop(len(raw), lambda: parse_json(raw, settings))


def runtime(request: Request) -> Runtime:
    """The world of the app that received this request (`create_app` puts it on `app.state`)."""
    rt: Runtime = request.app.state.runtime
    return rt
