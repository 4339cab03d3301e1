"""HEAD on every route that answers GET: the same status and headers (Content-Length included), no body.

FastAPI's routes answer only the methods they declare, so HEAD on `/v1/models`, `/openapi.json`, `/docs` or
any control answered 405. Rather than declare HEAD route by route (and forget one), this pure ASGI
middleware asks the app as it is; if the route refused HEAD with 405, it asks again with GET and drops the
body on the way out. Routes that handle HEAD themselves (`/files`, which must not read a video to answer
it) answer the first time. It sits inside the controls middleware, so the journal and the fault rules see
one HEAD request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def bodiless(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        refused = False

        async def first(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == 405:
                refused = True
            if not refused:
                await bodiless(message)

        await self.app(dict(scope), receive, first)  # a copy: routing rewrites the scope it is given
        if refused:
            await self.app({**scope, "method": "GET"}, receive, bodiless)
