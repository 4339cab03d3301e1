"""The app's outermost layer: which hosts it answers, how long a body may take, and the last-resort 500.

Pure ASGI, so it works under any server (uvicorn, the TestClient); what only the server's socket can see
(a slow request head, header size, connection counts) is guarded in `web.server`.

- **Hosts.** Without `public_base_url` the server writes the request's own `Host` into every URL it answers
  (status, result, files), so a client that sends a forged Host gets URLs pointing elsewhere. `allowed_hosts`
  refuses other hosts with 421001 before anything runs.
- **Body time-out.** A client that announces `Content-Length: 100` and sends 14 bytes used to hold its
  request (and a worker's attention) forever. The body must arrive whole within `body_timeout_s` of the
  request reaching the app; otherwise the reader gets a 408001 `ApiError` (answered in the API's format, with
  `Connection: close`, because the rest of the body may still be on its way).
- **Unexpected errors** (`LastResort`). An exception that no handler knows is logged and answered 500001 in
  the API's format *without* closing the connection: starlette's own last-resort handler re-raises after
  answering, and the server then closes the keep-alive connection, so every such 500 also cost the client
  its connection. A response that had already started cannot be mended: then the connection must close.
  Each app (the `/v1` app and the `/__mock` sub-application) has one, inside starlette's own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from ..settings import Settings
from ..sim import errors

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
log = logging.getLogger("kling_mock")


class Passthrough(Exception):
    """Base of exceptions that must reach the server as they are (a fault that drops the connection)."""


def host_allowed(host: str | None, patterns: tuple[str, ...]) -> bool:
    """Whether a `Host` header value is one of `patterns`: a name (any port), `name:port`, `*.domain`
    (its subdomains) or `*` (any). Patterns are lower case."""
    if host is None:
        return "*" in patterns
    host = host.strip().lower()
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]")
    for pattern in patterns:
        if pattern in ("*", host, name):
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


def _host_of(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"host":
            text: str = value.decode("latin-1")
            return text
    return None


async def send_error(send: Send, exc: errors.ApiError) -> None:
    body = orjson.dumps(exc.body())
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in exc.headers.items()]
    await send({"type": "http.response.start", "status": exc.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class DeadlineReceive:
    """The server's `receive` with a deadline on the request body.

    Everything else about it is the server's own: attributes are looked up on the server's object, so code
    that reaches the connection through `receive.__self__` (dropping a connection on a fault) still finds it.
    After the body is complete, calls pass straight through (a streaming response listens for disconnect).
    """

    def __init__(self, receive: Receive, timeout_s: float) -> None:
        self._receive = receive
        self._timeout_s = timeout_s
        self._loop = asyncio.get_running_loop()
        self._deadline = self._loop.time() + timeout_s
        self._done = False

    def __getattr__(self, name: str) -> Any:
        return getattr(getattr(self._receive, "__self__", None), name)

    async def receive(self) -> Message:
        if self._done:
            return await self._receive()
        try:
            message = await asyncio.wait_for(self._receive(), max(self._deadline - self._loop.time(), 0.0))
        except TimeoutError:
            raise errors.request_timeout(self._timeout_s) from None
        if message["type"] != "http.request" or not message.get("more_body", False):
            self._done = True
        return message


class Guards:
    """Hosts and the body time-out, before anything else runs."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.allowed_hosts = tuple(h.strip().lower() for h in settings.allowed_hosts)
        self.body_timeout_s = settings.body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.allowed_hosts:
            host = _host_of(scope)
            if not host_allowed(host, self.allowed_hosts):
                await send_error(send, errors.host_not_allowed(host, self.allowed_hosts))
                return
        if scope["method"] in BODY_METHODS:
            receive = DeadlineReceive(receive, self.body_timeout_s).receive
        await self.app(scope, receive, send)


class LastResort:
    """An unexpected exception answers 500001 and leaves the connection open (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Passthrough:
            raise
        except Exception as exc:
            log.exception("unexpected error on %s %s", scope["method"], scope["path"], exc_info=exc)
            if started:
                raise  # half an answer is out: only closing the connection can tell the client
            await send_error(send, errors.internal())
