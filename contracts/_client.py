"""Sync and async clients for RunComfy's Model API (and the mock of it).

The logic lives once, in `_Core`, written as generators that *yield* what they need done — send
this request, sleep that long — and receive the response. `Client` and `AsyncClient` are thin
drivers that perform those actions with blocking or awaitable I/O. So retry rules, polling and
error mapping cannot drift apart between the two clients, and tests can drive time through an
injected ``sleep`` and ``monotonic`` without ever really sleeping.

Downloads stream to disk, so they cannot be a single request/response exchange; there the two
clients share the pure parts (host policy, request building, the size-capped part file) and only
the streaming loop is written twice.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import tempfile
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar, cast

import httpx

from ._errors import ApiError, DownloadError, TransportError, WaitTimeout
from ._models import (
    Balance,
    CancelResponse,
    Identity,
    Model,
    ModelList,
    ResultResponse,
    StatusResponse,
    SubmitResponse,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_DOWNLOAD_ALLOW_HOSTS",
    "DEFAULT_SERVERLESS_BASE_URL",
    "DEFAULT_WEB_BASE_URL",
    "AsyncClient",
    "Client",
    "filename_from_url",
]

DEFAULT_BASE_URL = "https://model-api.runcomfy.net/v1"
"""The real API's base; it includes ``/v1``, as ``RUNCOMFY_MODEL_API_BASE`` does for the real CLI."""

DEFAULT_SERVERLESS_BASE_URL = "https://api.runcomfy.net/prod/v2"
"""Where RunComfy's CLI reads the balance (``RUNCOMFY_SERVERLESS_API_BASE``): one wallet for every product."""

DEFAULT_WEB_BASE_URL = "https://www.runcomfy.com"
"""Where RunComfy's CLI asks whom a token belongs to (``RUNCOMFY_WEB_BASE``, ``/api/auth/me``)."""

DEFAULT_DOWNLOAD_ALLOW_HOSTS: tuple[str, ...] = (".runcomfy.net", ".runcomfy.com")
"""Suffixes of the CDN hosts the real CLI downloads outputs from; the base URL's host is added."""

MAX_DOWNLOAD_BYTES = 2 * 2**30
"""2 GiB per file, the real CLI's cap: a Kling 4K clip is far smaller, anything bigger is runaway."""

_USER_AGENT = "kling-mock-contracts/0.1"
_BACKOFF_CAP = 30.0
_TRANSIENT_404_RETRIES = 3
_MAX_REDIRECTS = 5
_EXCERPT_CHARS = 200
_CHUNK = 1 << 16

_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------------
# The protocol between the shared logic and the two drivers.


@dataclass(frozen=True)
class _Send:
    """Ask the driver to send a request and hand back the fully read response."""

    request: httpx.Request


@dataclass(frozen=True)
class _Sleep:
    """Ask the driver to sleep (with the injected sleep function)."""

    seconds: float


_Action = _Send | _Sleep
_Op = Generator[_Action, httpx.Response | None, _T]
"""An operation: yields actions, receives a response after each `_Send`, returns its result."""


class _DeadlinePassed(Exception):
    """Internal: a retry would have slept past `wait()`'s deadline; turned into `WaitTimeout`."""


# --------------------------------------------------------------------------------------------------
# Pure helpers: building requests and reading responses.


def _excerpt(text: str) -> str:
    """A short, readable message from a non-JSON body, e.g. a CDN's HTML 502 page.

    The ``<title>`` says it best when there is one; otherwise tags are dropped and the text cut.
    """
    title = re.search(r"<title[^>]*>(.*?)</title>", text, flags=re.IGNORECASE | re.DOTALL)
    if title and title.group(1).strip():
        text = title.group(1)
    else:
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.IGNORECASE | re.DOTALL)
        text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(html.unescape(text).split())
    if len(text) > _EXCERPT_CHARS:
        text = text[: _EXCERPT_CHARS - 1] + "…"
    return text


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content) if response.content else None
    except ValueError:
        return None


def _error_from_response(response: httpx.Response, data: Any = None, *, parsed: bool = False) -> ApiError:
    """An `ApiError` for any error answer, whatever its body looks like."""
    if not parsed:
        data = _json_or_none(response)
    status = response.status_code
    if isinstance(data, Mapping) and ("error_code" in data or "error_message" in data):
        code = data.get("error_code")
        message = data.get("error_message")
        detail = data.get("detail")
        return ApiError(
            status,
            message if isinstance(message, str) else str(message or response.reason_phrase),
            error_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            detail=detail if isinstance(detail, str | list) else None,
            body=data,
            headers=response.headers,
        )
    if isinstance(data, Mapping) and isinstance(data.get("detail"), str | list):
        # A framework's default error body ({"detail": ...}) rather than the API's own shape.
        detail = data["detail"]
        message = detail if isinstance(detail, str) else "request failed"
        return ApiError(status, message, detail=detail, body=data, headers=response.headers)
    body: Any = data if data is not None else response.text
    message = _excerpt(response.text) if response.content else ""
    return ApiError(status, message or response.reason_phrase or "error", body=body, headers=response.headers)


def _is_error_body(data: Any, expected: frozenset[str]) -> bool:
    """The "HTTP 200 with an error body" quirk: error fields and none of the expected ones."""
    return (
        isinstance(data, Mapping)
        and "error_code" in data
        and "error_message" in data
        and not expected.intersection(data)
    )


def _decode(response: httpx.Response, expected: frozenset[str]) -> Any:
    """The JSON of a successful answer, or the `ApiError` the answer stands for."""
    if not response.is_success:
        raise _error_from_response(response)
    try:
        data = json.loads(response.content)
    except ValueError:
        raise ApiError(
            response.status_code,
            f"response is not JSON: {_excerpt(response.text)!r}",
            body=response.text,
            headers=response.headers,
        ) from None
    if _is_error_body(data, expected):
        raise _error_from_response(response, data, parsed=True)
    return data


def _parser(
    build: Callable[[Any], _T], expected: frozenset[str]
) -> Callable[[httpx.Response], _T]:
    """A response parser: `_decode`, then build the model; a contract violation is an `ApiError`.

    A 2xx body that is not the documented shape is reported as an `ApiError` with no error code
    (and the body kept), since for the caller it is the server failing, like a 5xx.
    """

    def parse(response: httpx.Response) -> _T:
        data = _decode(response, expected)
        try:
            return build(data)
        except ValueError as exc:
            raise ApiError(
                response.status_code,
                f"unexpected response body: {exc}",
                body=data,
                headers=response.headers,
            ) from exc

    return parse


def _categories(data: Any) -> list[str]:
    """``{categories: [...]}``; items that are objects are reduced to their name."""
    if not isinstance(data, Mapping) or not isinstance(data.get("categories"), list):
        raise ValueError("categories: expected an object with a 'categories' list")
    names: list[str] = []
    for item in data["categories"]:
        if isinstance(item, Mapping):
            item = item.get("name", item.get("id", item.get("category")))
        if not isinstance(item, str):
            raise ValueError("categories: expected strings (or objects with a name)")
        names.append(item)
    return names


_parse_submit = _parser(SubmitResponse.from_json, frozenset({"request_id", "status_url", "result_url"}))
_parse_status = _parser(StatusResponse.from_json, frozenset({"request_id", "status"}))
_parse_result = _parser(ResultResponse.from_json, frozenset({"request_id", "status", "output"}))
_parse_cancel = _parser(CancelResponse.from_json, frozenset({"request_id", "outcome", "status"}))
_parse_model = _parser(Model.from_json, frozenset({"model_id", "input_schema", "display_name"}))
_parse_models = _parser(ModelList.from_json, frozenset({"models", "total"}))
_parse_categories = _parser(_categories, frozenset({"categories"}))
_parse_balance = _parser(Balance.from_json, frozenset({"balance_usd", "balance_microdollars", "currency"}))
_parse_identity = _parser(Identity.from_json, frozenset({"id"}))


def _base(given: str | None, env: str, default: str, what: str) -> str:
    """A base URL: the argument, else the environment variable RunComfy's clients read, else the real one."""
    base = (given or os.environ.get(env, "").strip() or default).rstrip("/")
    url = httpx.URL(base)
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{what} must be an absolute http(s) URL, got {base!r}")
    return base


def _retry_delay(exc: ApiError | TransportError, attempt: int) -> float | None:
    """How long to wait before retrying after ``exc`` (attempt 0, 1, …), or None if it is final.

    Time-outs, 408, 429 and 5xx are transient; a server's ``Retry-After`` is obeyed, otherwise the
    delay doubles from 1 s up to 30 s. Other 4xx will not change by retrying.
    """
    backoff = min(_BACKOFF_CAP, float(2**attempt))
    if isinstance(exc, TransportError):
        return backoff
    status = exc.effective_status
    if status is None or not (status in (408, 429) or 500 <= status <= 599):
        return None
    retry_after = exc.retry_after
    return retry_after if retry_after is not None else backoff


def filename_from_url(url: str) -> str:
    """A safe file name for a downloaded output: the URL path's last segment.

    Separators, control and Windows-reserved characters become ``_`` and a name that would be empty,
    ``.`` or ``..`` becomes ``output``, so a crafted URL can never write outside the chosen folder.
    """
    try:
        path = httpx.URL(url).path
    except httpx.InvalidURL:
        path = ""
    segments = [s for s in path.split("/") if s]
    name = segments[-1] if segments else ""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]', "_", name).strip().strip(".")
    return name or "output"


def _host_allowed(url: httpx.URL, allow_hosts: Iterable[str], base: httpx.URL) -> bool:
    """True if outputs may be fetched from ``url``'s host.

    Entries starting with ``.`` are suffixes (``.runcomfy.net`` allows ``cdn.runcomfy.net``, not
    ``runcomfy.net.evil.com``), others exact names; the API's own host is always allowed, so a mock
    on 127.0.0.1 that serves its own media works.
    """
    if url.scheme not in ("http", "https") or not url.host:
        return False
    host = url.host.lower()
    if host == base.host.lower():
        return True
    for entry in allow_hosts:
        entry = entry.lower()
        if (entry.startswith(".") and host.endswith(entry)) or host == entry:
            return True
    return False


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    def port(u: httpx.URL) -> int | None:
        return u.port or {"http": 80, "https": 443}.get(u.scheme)

    return a.scheme == b.scheme and a.host.lower() == b.host.lower() and port(a) == port(b)


class _PartFile:
    """A download in progress: a temporary file beside the target, renamed into place at the end.

    Readers never see a half-written output, an aborted download leaves nothing behind, and the
    byte cap is enforced as data arrives, not trusted to ``Content-Length``.
    """

    def __init__(self, target: Path, url: str, max_bytes: int) -> None:
        self.target = target
        self.url = url
        self.max_bytes = max_bytes
        self.written = 0
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        self._path = Path(name)
        self._file: IO[bytes] = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.written += len(chunk)
        if self.written > self.max_bytes:
            raise DownloadError(self.url, f"larger than the {self.max_bytes}-byte limit")
        self._file.write(chunk)

    def commit(self) -> Path:
        self._file.close()
        os.replace(self._path, self.target)
        return self.target

    def discard(self) -> None:
        self._file.close()
        self._path.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------------
# The shared logic.


class _Core:
    """Everything the two clients have in common, free of I/O."""

    def __init__(
        self,
        base_url: str | None,
        token: str | None,
        *,
        poll_interval: float,
        monotonic: Callable[[], float],
        max_retries: int,
        download_allow_hosts: Iterable[str],
        max_download_bytes: int,
        serverless_base_url: str | None = None,
        web_base_url: str | None = None,
    ) -> None:
        self.base_str = _base(base_url, "RUNCOMFY_MODEL_API_BASE", DEFAULT_BASE_URL, "base_url")
        self.base = httpx.URL(self.base_str)
        self.serverless_base = _base(
            serverless_base_url, "RUNCOMFY_SERVERLESS_API_BASE", DEFAULT_SERVERLESS_BASE_URL, "serverless_base_url"
        )
        self.web_base = _base(web_base_url, "RUNCOMFY_WEB_BASE", DEFAULT_WEB_BASE_URL, "web_base_url")
        self.token = token if token is not None else os.environ.get("RUNCOMFY_TOKEN")
        self.poll_interval = poll_interval
        self.monotonic = monotonic
        self.max_retries = max_retries
        self.download_allow_hosts = tuple(download_allow_hosts)
        self.max_download_bytes = max_download_bytes

    # -- requests ------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": _USER_AGENT, "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
    ) -> httpx.Request:
        """A request to ``{base}{path}``; the base already ends in ``/v1``."""
        return self.request_to(method, self.base_str + path, params=params, json_body=json_body)

    def request_to(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
    ) -> httpx.Request:
        """A request with the token to an absolute URL: the Model API's, or one of RunComfy's other APIs."""
        kwargs: dict[str, Any] = {"headers": self._headers()}
        if params:
            kwargs["params"] = dict(params)
        if json_body is not None:
            kwargs["content"] = json.dumps(json_body).encode()
            kwargs["headers"]["Content-Type"] = "application/json"
        return httpx.Request(method, url, **kwargs)

    @staticmethod
    def _model_path(model_id: str) -> str:
        # Model ids contain slashes that are part of the route: keep them, escape the rest.
        model_id = model_id.strip().strip("/")
        if not model_id:
            raise ValueError("model_id must not be empty")
        return "/models/" + urllib.parse.quote(model_id, safe="/")

    @staticmethod
    def _request_path(request_id: str, action: str) -> str:
        # A request id is one path segment: a slash in it must not reach another route.
        if not request_id:
            raise ValueError("request_id must not be empty")
        return f"/requests/{urllib.parse.quote(request_id, safe='')}/{action}"

    # -- single calls --------------------------------------------------------------------------

    @staticmethod
    def _call(request: httpx.Request, parse: Callable[[httpx.Response], _T]) -> _Op[_T]:
        response = yield _Send(request)
        if response is None:  # pragma: no cover - a driver bug, not a runtime condition
            raise RuntimeError("driver sent no response")
        return parse(response)

    def submit(self, model_id: str, inputs: Mapping[str, Any]) -> _Op[SubmitResponse]:
        request = self.request("POST", self._model_path(model_id), json_body=dict(inputs))
        return self._call(request, _parse_submit)

    def status(self, request_id: str) -> _Op[StatusResponse]:
        return self._call(self.request("GET", self._request_path(request_id, "status")), _parse_status)

    def _result_request(self, request_id: str, include_cost: bool) -> httpx.Request:
        params = {"include_cost": "true"} if include_cost else None
        return self.request("GET", self._request_path(request_id, "result"), params=params)

    def result(self, request_id: str, include_cost: bool = False) -> _Op[ResultResponse]:
        return self._call(self._result_request(request_id, include_cost), _parse_result)

    def cancel(self, request_id: str) -> _Op[CancelResponse]:
        return self._call(self.request("POST", self._request_path(request_id, "cancel")), _parse_cancel)

    def models(
        self, limit: int, offset: int, category: str | None, search: str | None, kind: str | None, include_schema: bool
    ) -> _Op[ModelList]:
        # The order of RunComfy's CLI; empty filters are left out, as it does.
        params: dict[str, str | int] = {"limit": limit, "offset": offset}
        for name, value in (("search", search), ("category", category), ("kind", kind)):
            if value and value.strip():
                params[name] = value
        if include_schema:
            params["include_schema"] = "true"
        return self._call(self.request("GET", "/models", params=params), _parse_models)

    def model(self, model_id: str) -> _Op[Model]:
        return self._call(self.request("GET", self._model_path(model_id)), _parse_model)

    def categories(self) -> _Op[list[str]]:
        return self._call(self.request("GET", "/models/categories"), _parse_categories)

    def balance(self) -> _Op[Balance]:
        return self._call(self.request_to("GET", self.serverless_base + "/balance"), _parse_balance)

    def whoami(self) -> _Op[Identity]:
        return self._call(self.request_to("GET", self.web_base + "/api/auth/me"), _parse_identity)

    # -- waiting -------------------------------------------------------------------------------

    def _retrying(
        self,
        make_request: Callable[[], httpx.Request],
        parse: Callable[[httpx.Response], _T],
        *,
        deadline: float | None,
        not_found_retries: int = 0,
        not_found_delay: float = 0.0,
    ) -> _Op[_T]:
        """One call, retried while the failure is transient and the retry budget lasts.

        ``not_found_retries`` covers the known quirk of a 404 on a request that was just
        submitted. Sleeps never run past ``deadline``; reaching it raises `_DeadlinePassed`.
        """
        failures = 0
        not_found = 0
        while True:
            try:
                return (yield from self._call(make_request(), parse))
            except (ApiError, TransportError) as exc:
                if (
                    isinstance(exc, ApiError)
                    and exc.effective_status == 404
                    and not_found < not_found_retries
                ):
                    not_found += 1
                    delay = not_found_delay
                else:
                    backoff = _retry_delay(exc, failures)
                    if backoff is None or failures >= self.max_retries:
                        raise
                    failures += 1
                    delay = backoff
                if deadline is not None:
                    remaining = deadline - self.monotonic()
                    if remaining <= 0:
                        raise _DeadlinePassed from exc
                    delay = min(delay, remaining)
            # Sleep outside the handler, so later errors do not chain onto this one.
            yield _Sleep(delay)

    def wait(
        self,
        request_id: str,
        *,
        timeout: float | None,
        poll_interval: float | None,
        on_status: Callable[[StatusResponse], None] | None,
    ) -> _Op[ResultResponse]:
        """Poll status until terminal, then fetch the result (returned even if failed/cancelled)."""
        interval = self.poll_interval if poll_interval is None else poll_interval
        deadline = None if timeout is None else self.monotonic() + timeout
        last: StatusResponse | None = None
        while True:
            try:
                status = yield from self._retrying(
                    lambda: self.request("GET", self._request_path(request_id, "status")),
                    _parse_status,
                    deadline=deadline,
                    # Until the request has been seen once, a 404 may be the submit not having
                    # propagated yet; afterwards it is real (expired or unknown).
                    not_found_retries=0 if last is not None else _TRANSIENT_404_RETRIES,
                    not_found_delay=interval,
                )
            except _DeadlinePassed as exc:
                raise WaitTimeout(request_id, cast(float, timeout), last) from exc.__cause__
            last = status
            if on_status is not None:
                on_status(status)
            if status.is_terminal:
                break
            if deadline is not None:
                remaining = deadline - self.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(request_id, cast(float, timeout), last)
                yield _Sleep(min(interval, remaining))
            else:
                yield _Sleep(interval)
        # The job is finished: fetching its result is not bounded by the wait's deadline.
        return (
            yield from self._retrying(
                lambda: self._result_request(request_id, False), _parse_result, deadline=None
            )
        )

    def run(
        self,
        model_id: str,
        inputs: Mapping[str, Any],
        *,
        timeout: float | None,
        poll_interval: float | None,
        on_status: Callable[[StatusResponse], None] | None,
    ) -> _Op[ResultResponse]:
        submitted = yield from self.submit(model_id, inputs)
        return (
            yield from self.wait(
                submitted.request_id, timeout=timeout, poll_interval=poll_interval, on_status=on_status
            )
        )

    # -- downloads -----------------------------------------------------------------------------

    def download_target(self, url: str, dest: Path, allow_hosts: Iterable[str] | None) -> Path:
        """Check the URL against the host policy and decide the file to write."""
        self.check_download_url(url, allow_hosts)
        return dest / filename_from_url(url) if dest.is_dir() else dest

    def check_download_url(self, url: str, allow_hosts: Iterable[str] | None) -> httpx.URL:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise DownloadError(url, "invalid URL") from exc
        allowed = self.download_allow_hosts if allow_hosts is None else tuple(allow_hosts)
        if not _host_allowed(parsed, allowed, self.base):
            raise DownloadError(url, "host not allowed for downloads")
        return parsed

    def download_request(self, url: str) -> httpx.Request:
        """A GET for an output; the token goes only to the API's own origin, never to a CDN."""
        parsed = httpx.URL(url)
        headers = {"User-Agent": _USER_AGENT}
        if self.token and _same_origin(parsed, self.base):
            headers["Authorization"] = f"Bearer {self.token}"
        return httpx.Request("GET", parsed, headers=headers)

    def redirect_target(self, response: httpx.Response, allow_hosts: Iterable[str] | None) -> str:
        """Where a download redirect points, checked against the same host policy."""
        location = response.headers.get("Location")
        if not location:
            raise DownloadError(str(response.url), "redirect without a Location")
        target = str(response.url.join(location))
        self.check_download_url(target, allow_hosts)
        return target

    def check_download_response(self, response: httpx.Response, url: str) -> None:
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_download_bytes:
            raise DownloadError(url, f"larger than the {self.max_download_bytes}-byte limit ({length} bytes)")


def _transport_error(exc: httpx.TransportError, request: httpx.Request | None) -> TransportError:
    url = str(request.url) if request is not None else None
    return TransportError(
        f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
        url=url,
        is_timeout=isinstance(exc, httpx.TimeoutException),
    )


# --------------------------------------------------------------------------------------------------
# The drivers.


class Client:
    """Blocking client for the Model API.

    ``base_url`` and ``token`` default to ``RUNCOMFY_MODEL_API_BASE`` (else the real API, ``/v1``
    included) and ``RUNCOMFY_TOKEN``, as RunComfy's own CLI reads them; so do the bases of the two other
    APIs the CLI calls, ``serverless_base_url`` (``RUNCOMFY_SERVERLESS_API_BASE``, for `balance`) and
    ``web_base_url`` (``RUNCOMFY_WEB_BASE``, for `whoami`). ``transport`` lets tests
    plug in ``httpx.MockTransport``; ``sleep`` and ``monotonic`` let them drive `wait()` without
    real time passing.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = 30.0,
        transport: httpx.BaseTransport | None = None,
        poll_interval: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        max_retries: int = 8,
        download_allow_hosts: Iterable[str] = DEFAULT_DOWNLOAD_ALLOW_HOSTS,
        max_download_bytes: int = MAX_DOWNLOAD_BYTES,
        serverless_base_url: str | None = None,
        web_base_url: str | None = None,
    ) -> None:
        self._core = _Core(
            base_url,
            token,
            poll_interval=poll_interval,
            monotonic=monotonic,
            max_retries=max_retries,
            download_allow_hosts=download_allow_hosts,
            max_download_bytes=max_download_bytes,
            serverless_base_url=serverless_base_url,
            web_base_url=web_base_url,
        )
        self._sleep = sleep
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    @property
    def base_url(self) -> str:
        return self._core.base_str

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- driver --------------------------------------------------------------------------------

    def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return self._http.send(request)
        except httpx.TransportError as exc:
            raise _transport_error(exc, request) from exc

    def _drive(self, op: _Op[_T]) -> _T:
        reply: httpx.Response | None = None
        error: TransportError | None = None
        try:
            while True:
                try:
                    action = op.send(reply) if error is None else op.throw(error)
                except StopIteration as stop:
                    return cast(_T, stop.value)
                reply, error = None, None
                if isinstance(action, _Sleep):
                    self._sleep(action.seconds)
                else:
                    try:
                        reply = self._send(action.request)
                    except TransportError as exc:
                        error = exc
        finally:
            op.close()

    # -- API -----------------------------------------------------------------------------------

    def submit(self, model_id: str, inputs: Mapping[str, Any]) -> SubmitResponse:
        """``POST /models/{model_id}`` with the inputs as a flat JSON body."""
        return self._drive(self._core.submit(model_id, inputs))

    def status(self, request_id: str) -> StatusResponse:
        return self._drive(self._core.status(request_id))

    def result(self, request_id: str, include_cost: bool = False) -> ResultResponse:
        """The result, or the current state if unfinished; ``include_cost`` adds ``cost`` (USD)."""
        return self._drive(self._core.result(request_id, include_cost))

    def cancel(self, request_id: str) -> CancelResponse:
        """Ask to cancel; only queued jobs can be, otherwise ``outcome`` is ``not_cancellable``."""
        return self._drive(self._core.cancel(request_id))

    def models(
        self,
        limit: int = 100,
        offset: int = 0,
        category: str | None = None,
        *,
        search: str | None = None,
        kind: str | None = None,
        include_schema: bool = False,
    ) -> ModelList:
        """A page of the catalog (RunComfy's clients ask 100 at a time; the API allows 1-500).

        ``search`` matches model ids, names and descriptions; each entry carries its ``input_schema``
        only with ``include_schema``.
        """
        return self._drive(self._core.models(limit, offset, category, search, kind, include_schema))

    def model(self, model_id: str) -> Model:
        return self._drive(self._core.model(model_id))

    def categories(self) -> list[str]:
        return self._drive(self._core.categories())

    def balance(self) -> Balance:
        """``GET {serverless base}/balance``: the account's balance in USD."""
        return self._drive(self._core.balance())

    def whoami(self) -> Identity:
        """``GET {web base}/api/auth/me``: whom the token belongs to."""
        return self._drive(self._core.whoami())

    def wait(
        self,
        request_id: str,
        *,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
        on_status: Callable[[StatusResponse], None] | None = None,
    ) -> ResultResponse:
        """Poll until the job is terminal and return its result.

        A failed or cancelled job is returned, not raised: deciding what that means is the
        caller's business. Transient failures (429, 5xx, time-outs, a 404 just after submit) are
        retried; `WaitTimeout` is raised after ``timeout`` seconds (None: no limit).
        """
        return self._drive(
            self._core.wait(request_id, timeout=timeout, poll_interval=poll_interval, on_status=on_status)
        )

    def run(
        self,
        model_id: str,
        inputs: Mapping[str, Any],
        *,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
        on_status: Callable[[StatusResponse], None] | None = None,
    ) -> ResultResponse:
        """`submit` then `wait`."""
        return self._drive(
            self._core.run(
                model_id, inputs, timeout=timeout, poll_interval=poll_interval, on_status=on_status
            )
        )

    def download(self, url: str, dest: Path, *, allow_hosts: Iterable[str] | None = None) -> Path:
        """Stream an output to ``dest`` (a file, replaced if present, or an existing folder to put it
        in under its URL's name).

        Refuses hosts outside the allowlist (also after redirects) and files over
        ``max_download_bytes``; raises `DownloadError` for those and for HTTP failures.
        """
        core = self._core
        target = core.download_target(url, Path(dest), allow_hosts)
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            request = core.download_request(current)
            try:
                response = self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                raise _transport_error(exc, request) from exc
            try:
                if response.is_redirect:
                    current = core.redirect_target(response, allow_hosts)
                    continue
                if not response.is_success:
                    response.read()
                    raise DownloadError(current, f"HTTP {response.status_code}") from _error_from_response(
                        response
                    )
                core.check_download_response(response, current)
                part = _PartFile(target, current, core.max_download_bytes)
                try:
                    for chunk in response.iter_bytes(_CHUNK):
                        part.write(chunk)
                except BaseException as exc:
                    part.discard()
                    if isinstance(exc, httpx.TransportError):
                        raise _transport_error(exc, request) from exc
                    raise
                return part.commit()
            finally:
                response.close()
        raise DownloadError(url, f"more than {_MAX_REDIRECTS} redirects")


class AsyncClient:
    """The same API as `Client`, awaitable, on ``httpx.AsyncClient``.

    ``sleep`` is an async function (``asyncio.sleep`` by default) so tests can drive time.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        poll_interval: float = 2.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        max_retries: int = 8,
        download_allow_hosts: Iterable[str] = DEFAULT_DOWNLOAD_ALLOW_HOSTS,
        max_download_bytes: int = MAX_DOWNLOAD_BYTES,
        serverless_base_url: str | None = None,
        web_base_url: str | None = None,
    ) -> None:
        self._core = _Core(
            base_url,
            token,
            poll_interval=poll_interval,
            monotonic=monotonic,
            max_retries=max_retries,
            download_allow_hosts=download_allow_hosts,
            max_download_bytes=max_download_bytes,
            serverless_base_url=serverless_base_url,
            web_base_url=web_base_url,
        )
        self._sleep = sleep
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False)

    @property
    def base_url(self) -> str:
        return self._core.base_str

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._http.send(request)
        except httpx.TransportError as exc:
            raise _transport_error(exc, request) from exc

    async def _drive(self, op: _Op[_T]) -> _T:
        reply: httpx.Response | None = None
        error: TransportError | None = None
        try:
            while True:
                try:
                    action = op.send(reply) if error is None else op.throw(error)
                except StopIteration as stop:
                    return cast(_T, stop.value)
                reply, error = None, None
                if isinstance(action, _Sleep):
                    await self._sleep(action.seconds)
                else:
                    try:
                        reply = await self._send(action.request)
                    except TransportError as exc:
                        error = exc
        finally:
            op.close()

    async def submit(self, model_id: str, inputs: Mapping[str, Any]) -> SubmitResponse:
        return await self._drive(self._core.submit(model_id, inputs))

    async def status(self, request_id: str) -> StatusResponse:
        return await self._drive(self._core.status(request_id))

    async def result(self, request_id: str, include_cost: bool = False) -> ResultResponse:
        return await self._drive(self._core.result(request_id, include_cost))

    async def cancel(self, request_id: str) -> CancelResponse:
        return await self._drive(self._core.cancel(request_id))

    async def models(
        self,
        limit: int = 100,
        offset: int = 0,
        category: str | None = None,
        *,
        search: str | None = None,
        kind: str | None = None,
        include_schema: bool = False,
    ) -> ModelList:
        """See `Client.models`."""
        return await self._drive(self._core.models(limit, offset, category, search, kind, include_schema))

    async def model(self, model_id: str) -> Model:
        return await self._drive(self._core.model(model_id))

    async def categories(self) -> list[str]:
        return await self._drive(self._core.categories())

    async def balance(self) -> Balance:
        return await self._drive(self._core.balance())

    async def whoami(self) -> Identity:
        return await self._drive(self._core.whoami())

    async def wait(
        self,
        request_id: str,
        *,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
        on_status: Callable[[StatusResponse], None] | None = None,
    ) -> ResultResponse:
        """See `Client.wait`."""
        return await self._drive(
            self._core.wait(request_id, timeout=timeout, poll_interval=poll_interval, on_status=on_status)
        )

    async def run(
        self,
        model_id: str,
        inputs: Mapping[str, Any],
        *,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
        on_status: Callable[[StatusResponse], None] | None = None,
    ) -> ResultResponse:
        return await self._drive(
            self._core.run(
                model_id, inputs, timeout=timeout, poll_interval=poll_interval, on_status=on_status
            )
        )

    async def download(self, url: str, dest: Path, *, allow_hosts: Iterable[str] | None = None) -> Path:
        """See `Client.download`. File writes are small and local, so they stay blocking."""
        core = self._core
        target = core.download_target(url, Path(dest), allow_hosts)
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            request = core.download_request(current)
            try:
                response = await self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                raise _transport_error(exc, request) from exc
            try:
                if response.is_redirect:
                    current = core.redirect_target(response, allow_hosts)
                    continue
                if not response.is_success:
                    await response.aread()
                    raise DownloadError(current, f"HTTP {response.status_code}") from _error_from_response(
                        response
                    )
                core.check_download_response(response, current)
                part = _PartFile(target, current, core.max_download_bytes)
                try:
                    async for chunk in response.aiter_bytes(_CHUNK):
                        part.write(chunk)
                except BaseException as exc:
                    part.discard()
                    if isinstance(exc, httpx.TransportError):
                        raise _transport_error(exc, request) from exc
                    raise
                return part.commit()
            finally:
                await response.aclose()
        raise DownloadError(url, f"more than {_MAX_REDIRECTS} redirects")
