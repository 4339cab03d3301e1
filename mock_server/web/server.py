"""How `kling-mock serve` runs the app: uvicorn, with limits on what a connection may cost.

uvicorn (with its default httptools parser) sets no time limit on a request's head and no size limit on
it: a client that connects and sends nothing, or one header byte every few seconds (slow-loris), keeps its
connection forever, and a 1 MB header or 10,000 header fields are read and kept. This module's protocol is
uvicorn's own with those limits added, each a setting:

- `header_timeout_s`: the request line and headers must arrive within this long of the connection (or of
  its first byte after an idle keep-alive). A started request is answered 408001, an idle connection closed.
  The same clock covers body bytes still arriving after the app has answered without reading them.
- `max_header_bytes`, `max_headers`: a larger head is answered 431001 before any of it reaches the app.
- `max_connections`: past it a request is answered 503001 with `Retry-After` (uvicorn's own limit answers
  plain text, outside the API's format).
- `keep_alive_timeout_s`: uvicorn's idle keep-alive time-out.

Every refusal is in the API's error format with `Connection: close`. The body's own time-out is the app's
(`web.guards`), so it holds under any server.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..settings import Settings
from ..sim import errors

RETRY_AFTER_BUSY_S = 1


@dataclass(frozen=True)
class WireLimits:
    header_timeout_s: float
    max_header_bytes: int
    max_headers: int
    max_connections: int | None

    @classmethod
    def of(cls, settings: Settings) -> WireLimits:
        return cls(settings.header_timeout_s, settings.max_header_bytes, settings.max_headers,
                   settings.max_connections)


def raw_response(exc: errors.ApiError) -> bytes:
    """A whole HTTP/1.1 answer in the API's format that closes the connection, for the protocol to write
    where no app runs."""
    body = orjson.dumps(exc.body())
    lines = [
        f"HTTP/1.1 {exc.status} {HTTPStatus(exc.status).phrase}",
        "content-type: application/json",
        f"content-length: {len(body)}",
        "connection: close",
        *(f"{k.lower()}: {v}" for k, v in exc.headers.items() if k.lower() != "connection"),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request-head deadline, head size limits and a connection cap."""

    wire: WireLimits  # set on the subclass `guarded_protocol` makes

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._in_head = False
        self._head_bytes = 0
        self._head_fields = 0
        self._refused = False
        self._arm_head_timer()  # a new connection must send its request in time

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self.cycle is None or self.cycle.response_complete:
            self._arm_head_timer()  # between requests: the next head (or a leftover body) must come in time
        super().data_received(data)

    # -- parser callbacks ----------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._in_head, self._head_bytes, self._head_fields = True, 0, 0
        self._arm_head_timer()
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        if self._count_head(len(url), 0):
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._count_head(len(name) + len(value) + 4, 1):
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        self._in_head = False
        self._disarm_head_timer()
        limit = self.wire.max_connections
        if limit is not None and len(self.connections) > limit:
            self._refuse(errors.ApiError(
                503, 503001, f"The server is at its limit of {limit} connections; retry shortly",
                headers={"Retry-After": str(RETRY_AFTER_BUSY_S)},
            ))
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    # -- the limits ----------------------------------------------------------------------------------

    def _count_head(self, size: int, fields: int) -> bool:
        """Add to the head's size; False (and the connection refused) once a limit is passed."""
        if self._refused:
            return False
        self._head_bytes += size
        self._head_fields += fields
        if self._head_bytes > self.wire.max_header_bytes:
            self._refuse(errors.ApiError(
                431, 431001, f"Request header fields too large: more than {self.wire.max_header_bytes} bytes"
            ))
            return False
        if self._head_fields > self.wire.max_headers:
            self._refuse(errors.ApiError(
                431, 431001, f"Request header fields too large: more than {self.wire.max_headers} fields"
            ))
            return False
        return True

    def _arm_head_timer(self) -> None:
        if self._head_timer is None and not self._refused:
            self._head_timer = self.loop.call_later(self.wire.header_timeout_s, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._in_head:
            self._refuse(errors.request_timeout(self.wire.header_timeout_s, "request line and headers"))
        else:  # idle, or the rest of a body nobody reads: nothing to answer
            self._refused = True
            self.transport.close()

    def _refuse(self, exc: errors.ApiError) -> None:
        """Answer `exc` and close. While an earlier request on the connection is still being answered (a
        pipelined request), writing would interleave with that answer: then only close."""
        self._refused = True
        self._disarm_head_timer()
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(raw_response(exc))
        self.transport.close()


def guarded_protocol(limits: WireLimits) -> type[asyncio.Protocol]:
    """The protocol class uvicorn builds per connection, with these limits (one class per server)."""
    return type("KlingMockHttp", (GuardedHttpTools,), {"wire": limits})


def uvicorn_config(app: Any, settings: Settings, log_level: str = "warning", port: int | None = None) -> uvicorn.Config:
    """How `kling-mock serve` runs `app`: uvicorn with this module's protocol and the settings' time-outs."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port if port is None else port,
        log_level=log_level,
        http=guarded_protocol(WireLimits.of(settings)),
        timeout_keep_alive=settings.keep_alive_timeout_s,
    )
