"""The controls' HTTP glue: one pure ASGI middleware around `/v1` and `/files`.

For each request it (1) asks the fault rules for a decision, (2) applies the request-level effects (wait,
answer an error, drop the connection, dribble or cut the body), (3) counts the request against the
account's rate limit, (4) hands job-stage effects to the submit route through the ASGI scope, and
(5) records the exchange in the journal. It is pure ASGI, not `BaseHTTPMiddleware`, because that one
buffers streamed bodies, and dribbling or cutting a body must happen on the wire.

Everything the middleware adds to an answer is checked before the app runs: a decision whose rule names
cannot be sent in the `X-Mock-Decision` header is refused (422001) there, so a submit never stores a job
whose answer then fails on the way out.

Latency and dribble delays are *wall* seconds (`asyncio.sleep`), capped by `max_fault_latency_s`: they
exist to exercise a client's time-outs, which run on wall time whatever the mock's clock does. Keep them
small in tests.

Dropping a connection needs the socket, which ASGI does not expose. Under uvicorn the server's transport
is reachable from its `receive` callable, and the mock closes it (FIN) or aborts it with SO_LINGER 0
(RST). Under any other server (or starlette's TestClient) the middleware raises `ConnectionDropped`
instead, which that server turns into a broken exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import struct
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..sim import errors, faults
from ..sim.clock import monotonic_now, wall_now
from ..sim.journal import decode_body
from ..sim.lifecycle import JobFault
from ..sim.world import Runtime
from .auth import parse_bearer
from .guards import Passthrough
from .http import BODY_KEY, TOO_LARGE
from .paths import target_of

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JOB_FAULT_KEY = "kling_mock.job_fault"
DECISION_HEADER = "x-mock-decision"
FAULT_HEADER = b"x-mock-fault"
RATE_LIMIT_DECISION = "rate-limit"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ConnectionDropped(Passthrough):
    """A fault dropped the connection where the server's socket could not be reached."""


def job_fault_of(scope: Scope) -> JobFault | None:
    """What the controls decided the job of this submit suffers, named by the rules behind it."""
    found: JobFault | None = scope.get(JOB_FAULT_KEY)
    return found


def unsendable(names: str) -> errors.ApiError:
    """The answer when the names of the rules that fired cannot go into the X-Mock-Decision header."""
    return errors.validation_error([errors.detail_item(
        ["header", "X-Mock-Decision"],
        f"fault rule names {names!r} cannot be sent in an HTTP header: use visible ASCII characters",
        "header_unsafe",
    )])


class _Stop(Exception):
    """Internal: the response was cut on purpose; unwind the app without an error."""


# --- reading the request ------------------------------------------------------------------------


def observed(path: str) -> bool:
    """The journal and the fault rules cover the API and its files, never the controls themselves."""
    return path.startswith(("/v1/", "/files/")) or path == "/v1"


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            text: str = value.decode("latin-1")
            return text
    return None


def sendable(value: str) -> bool:
    """Whether every HTTP server and client carries `value` in a header unchanged: visible ASCII and
    spaces only (uvicorn refuses control characters; non-ASCII is encoded differently by each side)."""
    return value.isascii() and value.isprintable()


@dataclass
class ReadBody:
    """What `buffer_body` read: the whole body if it fit, whether it passed the cap, and whether the
    marker was seen in it."""

    data: bytearray | None = None
    too_large: bool = False
    marked: bool = False


async def buffer_body(receive: Receive, cap: int, declared: int | None, marker: bytes = b"") -> tuple[ReadBody, Receive]:
    """Read the request body into one buffer, if it fits in `cap` bytes, and the `receive` the app gets.

    A body that fits is handed to the route through the scope (`BODY_KEY`) and the app's `receive` says
    "empty": the bytes are held once, never copied or joined (a submit with an inline photo is tens of
    megabytes). A body found larger than the cap is dropped as soon as it passes it (the route answers 413
    without reading on). A body declared larger is not read here at all, nor one whose client went away
    (the disconnect is replayed to the app). `marker` is looked for in each chunk as it arrives, so
    knowing whether a large body holds it costs no second pass over it.
    """
    if declared is not None and declared > cap:
        return ReadBody(), receive
    buffer = bytearray()
    marked = not marker
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return ReadBody(), _first_then(message, receive)
        start = max(0, len(buffer) - len(marker) + 1)
        buffer += message.get("body", b"")
        if len(buffer) > cap:
            return ReadBody(too_large=True), _empty_then(receive)
        if not marked:
            marked = buffer.find(marker, start) >= 0
        if not message.get("more_body", False):
            return ReadBody(buffer, marked=marked and bool(marker)), _empty_then(receive)


def _first_then(first: Message, receive: Receive) -> Receive:
    """A `receive` that answers `first`, then hands over to the real channel."""
    pending = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


def _empty_then(receive: Receive) -> Receive:
    """A `receive` whose body was already read: one empty chunk, then the real channel (disconnects)."""
    return _first_then({"type": "http.request", "body": b"", "more_body": False}, receive)


# --- cutting the connection -----------------------------------------------------------------------


async def sever(receive: Receive, reset: bool) -> None:
    """Close the client's connection now, with FIN (`reset=False`) or RST (`reset=True`)."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        raise ConnectionDropped("connection reset by fault" if reset else "connection closed by fault")
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # the socket may already be gone; aborting is still right
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    # Let the server notice the loss, so it neither answers 500 nor logs a half-finished response.
    for _ in range(20):
        if getattr(cycle, "disconnected", True):
            break
        await asyncio.sleep(0)


# --- the middleware -------------------------------------------------------------------------------


class ControlsMiddleware:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.rt = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not observed(scope["path"]):
            await self.app(scope, receive, send)
            return
        exchange = Exchange(self.rt, scope, receive, send)
        await exchange.run(self.app)


class Exchange:
    """One request through the controls, and its journal entry."""

    def __init__(self, rt: Runtime, scope: Scope, receive: Receive, send: Send) -> None:
        self.rt, self.scope, self.receive, self.send = rt, scope, receive, send
        self.started = monotonic_now()
        self.now = rt.clock.now()
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        target = target_of(scope)
        endpoint, request_id, model = target.endpoint, target.request_id, target.model_id
        self.endpoint, self.request_id = endpoint, request_id
        account = parse_bearer(header(scope, b"authorization")) if self.path.startswith("/v1") else None
        job = rt.store.get(request_id) if request_id else None
        if job is not None:
            model = job.model_id
            if endpoint == "files":
                account = job.account  # files need no token: attribute them to the job's owner
        self.account, self.model = account, model
        self.status: int | None = None
        self.decision: str | None = None
        self.retry_after: str | None = None
        self.response_type = b""
        self.response_chunks: list[bytes] = []
        self.response_size = 0
        self.outcome = "answered"
        self.request_body: bytes | None = None
        self.recorded = False

    # -- the flow ----------------------------------------------------------------------------------

    async def run(self, app: ASGIApp) -> None:
        rt = self.rt
        try:
            receive = self.receive
            prompts: list[str] = []
            if self.method in BODY_METHODS:
                declared = header(self.scope, b"content-length")
                size = int(declared) if declared is not None and declared.isdigit() else None
                marker = faults.PROMPT_TOKEN_MARKER if self.endpoint == "submit" else b""
                try:
                    read, receive = await buffer_body(self.receive, rt.settings.max_body_bytes, size, marker)
                except errors.ApiError as exc:  # the body did not arrive in time
                    await self.answer_error(exc)
                    return
                if read.too_large:
                    self.scope[BODY_KEY] = TOO_LARGE
                elif read.data is not None:
                    self.scope[BODY_KEY] = read.data
                    prompts = self._prompts(read.data) if read.marked else []
                    if len(read.data) <= rt.settings.journal_body_max_bytes:
                        self.request_body = bytes(read.data)
            try:
                extra = faults.request_rules(header(self.scope, FAULT_HEADER), prompts, self.now)
            except faults.FaultRuleError as exc:
                await self.answer_error(errors.validation_error(exc.detail))
                return
            facts = faults.Facts(self.method, self.path, self.endpoint, self.account, self.model, self.request_id)
            decision = rt.faults.decide(facts, self.now, extra)
            if decision is not None:
                self.decision = decision.header
                if not sendable(self.decision):
                    # Refused before the app runs, so a submit stores nothing it could not answer.
                    await self.answer_error(unsendable(self.decision))
                    return
                await self.apply_latency(decision)
                if await self.apply_answer(decision):
                    return
                job_fault = decision.job_fault()
                if job_fault is not None and self.endpoint == "submit":
                    self.scope[JOB_FAULT_KEY] = job_fault
            if self.account is not None and self.path.startswith("/v1"):
                refused = rt.accounts.take_request(self.account)
                if refused is not None:
                    self.decision = ", ".join(x for x in (self.decision, RATE_LIMIT_DECISION) if x)
                    await self.answer_error(refused)
                    return
            await app(self.scope, receive, self.wrap_send(decision))
        except _Stop:
            pass
        except ConnectionDropped:
            raise
        except Exception:
            if self.status is None:
                self.status = 500
            raise
        finally:
            self.record()

    def _prompts(self, body: bytearray) -> list[str]:
        """The fault tokens in a submit's prompts. Only a body that holds the token's marker gets here, so
        a submit with megabytes of inline image is not parsed twice (the route parses it, off the loop)."""
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return []
        return faults.prompt_tokens(parsed)

    async def apply_latency(self, decision: faults.Decision) -> None:
        delay = min(decision.latency_s, self.rt.settings.max_fault_latency_s)
        if delay > 0:
            await asyncio.sleep(delay)

    async def apply_answer(self, decision: faults.Decision) -> bool:
        """Drop the connection or answer an error, as the earliest fired rule that does either says;
        True if the app must not run."""
        effect = next((f.effect for f in decision.fired if f.effect.drop or f.effect.answers_error), None)
        if effect is None:
            return False
        if effect.drop is not None:
            self.outcome = "reset" if effect.drop == "reset" else "dropped"
            self.record()
            await sever(self.receive, effect.drop == "reset")
            return True
        await self.answer_fault(effect)
        return True

    async def answer_fault(self, effect: faults.Effect) -> None:
        """The rule's error, in the API's body (or a CDN's HTML page, or with HTTP 200: the quirk)."""
        status = effect.error_status()
        headers: dict[str, str] = {}
        if effect.retry_after is not None:
            headers["Retry-After"] = str(math.ceil(effect.retry_after))
        html = effect.html if effect.html is not None else status in (502, 504) and not effect.as_200
        if html:
            await self.respond(status, faults.cdn_page(status), "text/html; charset=utf-8", headers)
            return
        err = errors.for_status(status, effect.message)
        body = {"error_code": effect.error_code or err.error_code, "error_message": err.message}
        await self.respond(200 if effect.as_200 else status, orjson.dumps(body), "application/json", headers)

    async def answer_error(self, exc: errors.ApiError) -> None:
        await self.respond(exc.status, orjson.dumps(exc.body()), "application/json", exc.headers)

    async def respond(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
        raw += [(k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()]
        send = self.wrap_send(None)
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    # -- the response on its way out ---------------------------------------------------------------

    def wrap_send(self, decision: faults.Decision | None) -> Send:
        dribble = decision.first_with("dribble") if decision else None
        cutting = decision.first_with("truncate") if decision else None
        state: dict[str, Any] = {"cut": None, "sent": 0, "done": False}

        async def send(message: Message) -> None:
            if state["done"]:
                raise _Stop
            if message["type"] == "http.response.start":
                message = self.on_start(message, cutting, state)
                await self.send(message)
                return
            if message["type"] != "http.response.body":
                await self.send(message)
                return
            body: bytes = message.get("body", b"")
            more = bool(message.get("more_body", False))
            self.capture(body)
            cut = state["cut"]
            if cut is not None and state["sent"] + len(body) >= cut:
                body = body[: cut - state["sent"]]
                state["done"] = True
                assert cutting is not None and cutting.truncate is not None
                self.outcome = "truncated"
                if cutting.truncate_mode == "short":
                    await self.write(body, False, dribble)
                    raise _Stop
                await self.write(body, True, dribble)
                self.record()
                await sever(self.receive, False)
                raise _Stop
            state["sent"] += len(body)
            await self.write(body, more, dribble)

        return send

    def on_start(self, message: Message, cutting: faults.Effect | None, state: dict[str, Any]) -> Message:
        headers = list(message.get("headers", []))
        self.status = int(message["status"])
        existing = next((v.decode("latin-1") for k, v in headers if k.lower() == b"x-mock-decision"), None)
        if self.decision and existing is None and sendable(self.decision):
            headers.append((b"x-mock-decision", self.decision.encode("ascii")))
        elif existing is not None:
            self.decision = ", ".join(x for x in (self.decision, existing) if x)
        for k, v in headers:
            key = k.lower()
            if key == b"retry-after":
                self.retry_after = v.decode("latin-1")
            elif key == b"content-type":
                self.response_type = v
        if cutting is not None and cutting.truncate is not None and self.method != "HEAD":
            length = next((int(v) for k, v in headers if k.lower() == b"content-length"), None)
            if length is not None:
                state["cut"] = int(length * cutting.truncate)
                if cutting.truncate_mode == "short":
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(state["cut"]).encode()))
        return {**message, "headers": headers}

    async def write(self, body: bytes, more: bool, dribble: faults.Effect | None) -> None:
        """Send a body part, in small delayed pieces when a rule dribbles it."""
        spec = dribble.dribble if dribble is not None else None
        if spec is None or len(body) <= spec.chunk:
            if not more:
                self.record()
            await self.send({"type": "http.response.body", "body": body, "more_body": more})
            if spec is not None and more:
                await asyncio.sleep(spec.delay)
            return
        for i in range(0, len(body), spec.chunk):
            piece = body[i : i + spec.chunk]
            last = i + spec.chunk >= len(body)
            if last and not more:
                self.record()
            await self.send({"type": "http.response.body", "body": piece, "more_body": more or not last})
            if not last or more:
                await asyncio.sleep(spec.delay)

    def capture(self, body: bytes) -> None:
        """Keep small JSON answers for the journal (status words, request ids); never media."""
        limit = self.rt.settings.journal_body_max_bytes
        self.response_size += len(body)
        if b"json" in self.response_type and self.response_size <= limit:
            self.response_chunks.append(body)

    # -- the journal -------------------------------------------------------------------------------

    def record(self) -> None:
        """Write the journal entry, once. Called just *before* the last bytes (or the drop) reach the client,
        so a client that reads the journal right after its request already finds the entry."""
        if self.recorded:
            return
        self.recorded = True
        limit = self.rt.settings.journal_body_max_bytes
        response = None
        if self.response_chunks and self.response_size <= limit:
            response = b"".join(self.response_chunks)
        request_id = self.request_id
        if self.endpoint == "submit" and response is not None and self.status == 200:
            submitted = decode_body(response)
            if isinstance(submitted, dict) and isinstance(submitted.get("request_id"), str):
                request_id = submitted["request_id"]
        body = self.request_body
        # Bodies are kept as bytes and decoded when the journal is read: recording stays cheap on hot routes.
        self.rt.journal.record({
            "time": self.now,
            "wall_time": wall_now(),
            "account": self.account,
            "method": self.method,
            "path": self.path,
            "query": self.scope.get("query_string", b"").decode("latin-1"),
            "endpoint": self.endpoint,
            "request_id": request_id,
            "model_id": self.model,
            "body": body,
            "status": self.status,
            "outcome": self.outcome,
            "latency_ms": round((monotonic_now() - self.started) * 1000.0, 3),
            "decision": self.decision,
            "retry_after": self.retry_after,
            "response": response,
        })
