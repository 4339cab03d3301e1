"""Who may call a control, and in what order its input is checked.

`AdminRoute` is the route class of every control but the public ones (the fixtures, the document): the
admin token comes first, then the JSON body is read with the API's own limits (415 for another media type,
413 past `max_body_bytes` while reading, 422001 for bad syntax or a body past `max_json_depth` or
`max_json_items`), and only then does FastAPI validate the parameters against the route's typed models. So
a caller without the token learns nothing about its input, and a huge body costs nothing, exactly as on
`/v1`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import Depends
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from ...sim import errors
from ...sim.world import Runtime
from ..auth import parse_bearer
from ..http import json_body, runtime

World = Annotated[Runtime, Depends(runtime)]
"""A route's parameter for the world of the app it serves."""


def require_admin(request: Request, admin_token: str | None) -> None:
    """With `admin_token` set, the caller must send `Authorization: Bearer <admin_token>` (read by the
    same parser as the API's tokens)."""
    if admin_token and parse_bearer(request.headers.get("authorization")) != admin_token:
        raise errors.ApiError(401, 401001, "Unauthorized: the admin API needs the admin token")


def _with_body(request: Request, body: bytes) -> Request:
    """The same request with its body to read again (the stream was spent checking it)."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        return pending.pop() if pending else await request.receive()

    return Request(request.scope, receive)


class AdminRoute(APIRoute):
    """A control behind the admin token; see the module's docstring for the order of the checks."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        takes_body = self.body_field is not None

        async def guarded(request: Request) -> Response:
            settings = runtime(request).settings
            require_admin(request, settings.admin_token)
            if takes_body:
                # FastAPI parses the body again for the typed model; it sees what orjson read, as /v1 does.
                value = await json_body(request, settings)
                request = _with_body(request, orjson.dumps(value))
            return await handle(request)

        return guarded
