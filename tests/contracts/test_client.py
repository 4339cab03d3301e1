"""The harness client against a scripted fake of the API (httpx.MockTransport); no real sleeping.

Each test name states the behaviour the client guarantees.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts import (
    ApiError,
    AsyncClient,
    Balance,
    CancelResponse,
    Client,
    DownloadError,
    Identity,
    JobError,
    Model,
    ModelList,
    ResultResponse,
    StatusResponse,
    SubmitResponse,
    TransportError,
    WaitTimeout,
)
from contracts._client import filename_from_url

BASE = "http://127.0.0.1:8765/v1"
TOKEN = "tok-123"
MODEL = "kling/kling-3.0/pro/image-to-video"
VIDEO = "https://cdn.runcomfy.net/outputs/abc/video.mp4"

Handler = Callable[[httpx.Request], httpx.Response]


class FakeApi:
    """A dict-backed stand-in for the API.

    A job walks through its scripted ``statuses`` one poll at a time and then stays on the last.
    ``script(method, path, *responses)`` queues answers that take precedence (faults, quirks); a
    queued item that is an exception is raised instead, as a transport failure.
    """

    def __init__(self, statuses: tuple[str, ...] = ("in_queue", "in_progress", "completed")) -> None:
        self.statuses = statuses
        self.requests: list[httpx.Request] = []
        self.jobs: dict[str, list[str]] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.queued: dict[tuple[str, str], list[httpx.Response | Exception]] = {}

    def script(self, method: str, path: str, *responses: httpx.Response | Exception) -> None:
        self.queued.setdefault((method, path), []).extend(responses)

    def add_job(self, request_id: str = "req-1", result: dict[str, Any] | None = None) -> str:
        self.jobs[request_id] = list(self.statuses)
        self.results[request_id] = result or {
            "request_id": request_id,
            "status": "succeeded",
            "output": {"video": VIDEO},
            "created_at": "2025-01-01T00:00:00.000000+00:00",
            "finished_at": "2025-01-01T00:01:00.000000+00:00",
            "error": None,
        }
        return request_id

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.path)
        if self.queued.get(key):
            item = self.queued[key].pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        url = str(request.url.copy_with(query=None))
        if url in self.files:
            return httpx.Response(200, content=self.files[url])
        path = request.url.path.removeprefix("/v1")
        if request.method == "POST" and path.startswith("/models/"):
            rid = self.add_job(f"req-{len(self.jobs) + 1}")
            return httpx.Response(
                200,
                json={
                    "request_id": rid,
                    "status_url": f"{BASE}/requests/{rid}/status",
                    "result_url": f"{BASE}/requests/{rid}/result",
                    "cancel_url": f"{BASE}/requests/{rid}/cancel",
                },
            )
        parts = path.split("/")
        if len(parts) == 4 and parts[1] == "requests" and parts[2] in self.jobs:
            rid, action = parts[2], parts[3]
            states = self.jobs[rid]
            if action == "status":
                state = states.pop(0) if len(states) > 1 else states[0]
                body: dict[str, Any] = {"request_id": rid, "status": state}
                if state == "in_queue":
                    body["queue_position"] = 2
                return httpx.Response(200, json=body)
            if action == "result":
                return httpx.Response(200, json=self.results[rid])
            if action == "cancel":
                return httpx.Response(
                    200, json={"request_id": rid, "status": "cancelled", "outcome": "cancelled"}
                )
        return httpx.Response(404, json={"error_code": 404001, "error_message": "not found"})


class FakeClock:
    """Injected sleep and monotonic: sleeping only moves the clock and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def monotonic(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNCOMFY_TOKEN", raising=False)
    monkeypatch.delenv("RUNCOMFY_MODEL_API_BASE", raising=False)
    monkeypatch.delenv("RUNCOMFY_SERVERLESS_API_BASE", raising=False)
    monkeypatch.delenv("RUNCOMFY_WEB_BASE", raising=False)


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(api: FakeApi, clock: FakeClock) -> Iterator[Client]:
    with Client(
        BASE, TOKEN, transport=httpx.MockTransport(api), sleep=clock.sleep, monotonic=clock.monotonic
    ) as c:
        yield c


def error(
    status: int, code: int, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> httpx.Response:
    return httpx.Response(
        status, json={"error_code": code, "error_message": message, **extra}, headers=headers
    )


# --------------------------------------------------------------------------------------------------
# URLs, headers, configuration


def test_submit_posts_flat_inputs_to_model_path_keeping_slashes(client: Client, api: FakeApi) -> None:
    submitted = client.submit(MODEL, {"prompt": "a cat", "duration": 5})
    request = api.requests[0]
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/models/{MODEL}"
    assert request.url.raw_path == f"/v1/models/{MODEL}".encode()
    assert json.loads(request.content) == {"prompt": "a cat", "duration": 5}
    assert request.headers["Content-Type"] == "application/json"
    assert isinstance(submitted, SubmitResponse)
    assert submitted.request_id == "req-1"
    assert submitted.cancel_url == f"{BASE}/requests/req-1/cancel"


def test_every_call_sends_the_bearer_token(client: Client, api: FakeApi) -> None:
    rid = api.add_job()
    api.script("GET", "/v1/models", httpx.Response(200, json={"models": []}))
    api.script("GET", "/v1/models/categories", httpx.Response(200, json={"categories": []}))
    api.script("GET", f"/v1/models/{MODEL}", httpx.Response(200, json={"model_id": MODEL}))
    client.status(rid)
    client.result(rid)
    client.cancel(rid)
    client.models()
    client.categories()
    client.model(MODEL)
    assert len(api.requests) == 6
    assert {r.headers["Authorization"] for r in api.requests} == {f"Bearer {TOKEN}"}


def test_request_paths_are_relative_to_a_base_that_includes_v1(client: Client, api: FakeApi) -> None:
    rid = api.add_job()
    client.status(rid)
    client.result(rid)
    client.result(rid, include_cost=True)
    client.cancel(rid)
    assert [str(r.url) for r in api.requests] == [
        f"{BASE}/requests/{rid}/status",
        f"{BASE}/requests/{rid}/result",
        f"{BASE}/requests/{rid}/result?include_cost=true",
        f"{BASE}/requests/{rid}/cancel",
    ]
    assert api.requests[3].method == "POST"


def test_request_id_is_one_path_segment(client: Client, api: FakeApi) -> None:
    with pytest.raises(ApiError):
        client.status("../models/x")
    assert api.requests[0].url.raw_path == b"/v1/requests/..%2Fmodels%2Fx/status"


def test_catalog_calls_and_query_parameters(client: Client, api: FakeApi) -> None:
    api.script(
        "GET",
        "/v1/models",
        httpx.Response(
            200,
            json={
                "models": [{"model_id": MODEL, "categories": ["video"]}],
                "total": 1,
                "limit": 5,
                "offset": 10,
            },
        ),
        httpx.Response(200, json={"models": [], "total": 0, "limit": 20, "offset": 0}),
    )
    api.script("GET", "/v1/models/categories", httpx.Response(200, json={"categories": ["video", "image"]}))
    api.script(
        "GET",
        f"/v1/models/{MODEL}",
        httpx.Response(
            200,
            json={
                "model_id": MODEL,
                "display_name": "Kling 3.0 Pro",
                "base_price_usd": 0.112,
                "price_unit": "second",
                "input_schema": {"type": "object"},
                "categories": ["video"],
                "description": "i2v",
                "new_field": 1,
            },
        ),
    )
    page = client.models(limit=5, offset=10, category="video")
    assert isinstance(page, ModelList)
    assert [m.model_id for m in page] == [MODEL]
    assert (page.total, page.limit, page.offset, len(page)) == (1, 5, 10, 1)
    client.models()
    assert client.categories() == ["video", "image"]
    model = client.model(MODEL)
    assert isinstance(model, Model)
    assert model.base_price_usd == pytest.approx(0.112)
    assert model.categories == ("video",)
    assert model.raw["new_field"] == 1
    assert [str(r.url) for r in api.requests] == [
        f"{BASE}/models?limit=5&offset=10&category=video",
        f"{BASE}/models?limit=100&offset=0",  # RunComfy's clients ask for 100 at a time
        f"{BASE}/models/categories",
        f"{BASE}/models/{MODEL}",
    ]


def test_base_url_and_token_default_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"categories": []})

    monkeypatch.setenv("RUNCOMFY_MODEL_API_BASE", "http://localhost:9999/v1/")
    monkeypatch.setenv("RUNCOMFY_TOKEN", "env-token")
    with Client(transport=httpx.MockTransport(handler)) as c:
        c.categories()
        assert c.base_url == "http://localhost:9999/v1"
    assert str(seen[0].url) == "http://localhost:9999/v1/models/categories"
    assert seen[0].headers["Authorization"] == "Bearer env-token"


def test_default_base_is_the_real_api_with_v1() -> None:
    with Client(token="t") as c:
        assert c.base_url == "https://model-api.runcomfy.net/v1"


def test_a_base_url_that_is_not_http_is_rejected() -> None:
    with pytest.raises(ValueError):
        Client("ftp://example.net/v1", "t")


def test_catalog_filters_are_sent_in_the_clis_order_and_empty_ones_left_out(client: Client, api: FakeApi) -> None:
    api.script("GET", "/v1/models", *[httpx.Response(200, json={"models": [], "total": 0})] * 2)
    client.models(200, 5, "image-to-video", search="kling 3", kind="model", include_schema=True)
    client.models(search=" ", kind="", category="")
    assert [str(r.url) for r in api.requests] == [
        f"{BASE}/models?limit=200&offset=5&search=kling+3&category=image-to-video&kind=model&include_schema=true",
        f"{BASE}/models?limit=100&offset=0",
    ]


def _balance_and_identity(requests: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.path.endswith("/balance"):
            return httpx.Response(200, json={"balance_usd": 12.5, "balance_microdollars": 12_500_000, "currency": "USD"})
        return httpx.Response(200, json={"id": "acct-1", "display_name": "Ada", "token_type": "api", "plan": "x"})

    return httpx.MockTransport(handler)


def test_balance_and_whoami_call_the_other_two_apis_with_the_token() -> None:
    requests: list[httpx.Request] = []
    with Client(BASE, TOKEN, transport=_balance_and_identity(requests)) as c:
        balance = c.balance()
        me = c.whoami()
    assert isinstance(balance, Balance) and isinstance(me, Identity)
    assert (balance.balance_usd, balance.balance_microdollars, balance.currency) == (12.5, 12_500_000, "USD")
    assert (me.id, me.label, me.token_type, me.raw["plan"]) == ("acct-1", "Ada", "api", "x")
    assert [str(r.url) for r in requests] == [
        "https://api.runcomfy.net/prod/v2/balance",
        "https://www.runcomfy.com/api/auth/me",
    ]
    assert {r.headers["Authorization"] for r in requests} == {f"Bearer {TOKEN}"}


def test_the_other_bases_come_from_the_clis_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOMFY_SERVERLESS_API_BASE", "http://127.0.0.1:8000/prod/v2/")
    monkeypatch.setenv("RUNCOMFY_WEB_BASE", "http://127.0.0.1:8000")
    requests: list[httpx.Request] = []
    with Client(BASE, TOKEN, transport=_balance_and_identity(requests)) as c:
        c.balance()
        c.whoami()
    with Client(BASE, TOKEN, transport=_balance_and_identity(requests), web_base_url="http://127.0.0.1:9/x") as c:
        c.whoami()
    assert [str(r.url) for r in requests] == [
        "http://127.0.0.1:8000/prod/v2/balance",
        "http://127.0.0.1:8000/api/auth/me",
        "http://127.0.0.1:9/x/api/auth/me",
    ]
    with pytest.raises(ValueError, match="web_base_url"):
        Client(BASE, TOKEN, web_base_url="file:///etc")


def test_whoami_without_an_id_is_a_broken_answer(api: FakeApi) -> None:
    api.script("GET", "/api/auth/me", httpx.Response(200, json={"email": "a@b.c"}))
    with (
        Client(BASE, TOKEN, transport=httpx.MockTransport(api), web_base_url="http://127.0.0.1:8765") as c,
        pytest.raises(ApiError, match=r"Identity\.id"),
    ):
        c.whoami()


def test_async_balance_and_whoami(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOMFY_WEB_BASE", "http://127.0.0.1:8000")
    requests: list[httpx.Request] = []
    sync = _balance_and_identity(requests)

    async def handler(request: httpx.Request) -> httpx.Response:
        return sync.handle_request(request)

    async def go() -> tuple[Balance, Identity]:
        async with AsyncClient(BASE, TOKEN, transport=httpx.MockTransport(handler)) as c:
            return await c.balance(), await c.whoami()

    balance, me = asyncio.run(go())
    assert balance.currency == "USD" and me.id == "acct-1"
    assert str(requests[1].url) == "http://127.0.0.1:8000/api/auth/me"


# --------------------------------------------------------------------------------------------------
# Parsing and errors


def test_responses_tolerate_unknown_fields_and_keep_the_raw_body(client: Client, api: FakeApi) -> None:
    api.script(
        "GET",
        "/v1/requests/r/status",
        httpx.Response(200, json={"request_id": "r", "status": "in_queue", "queue_position": 3, "eta": 9}),
    )
    status = client.status("r")
    assert status == StatusResponse(request_id="r", status="in_queue", queue_position=3)
    assert status.raw["eta"] == 9
    assert not status.is_terminal
    assert status.describe() == "in_queue (position 3)"


def test_result_model_exposes_output_urls_error_and_cost() -> None:
    result = ResultResponse.from_json(
        {
            "request_id": "r",
            "status": "succeeded",
            "output": {"video": VIDEO, "extra": [VIDEO, {"thumb": "https://cdn.runcomfy.net/t.png"}], "n": 1},
            "cost": 0.56,
        }
    )
    assert result.succeeded and result.is_terminal
    assert result.video_url == VIDEO
    assert result.output_urls() == [VIDEO, "https://cdn.runcomfy.net/t.png"]
    assert result.cost == pytest.approx(0.56)
    failed = ResultResponse.from_json(
        {"request_id": "r", "status": "failed", "error": {"error_code": 500001, "error_message": "boom"}}
    )
    assert not failed.succeeded and failed.is_terminal
    assert failed.error == JobError(error_message="boom", error_code=500001)
    # A failed job that still says "completed" (a server setting) is not a success.
    odd = ResultResponse.from_json({"request_id": "r", "status": "completed", "error": "gpu fell over"})
    assert not odd.succeeded
    assert odd.error is not None and odd.error.error_message == "gpu fell over"


def test_models_reject_missing_or_mistyped_contract_fields() -> None:
    with pytest.raises(ValueError, match="request_id"):
        SubmitResponse.from_json({"status_url": "x"})
    with pytest.raises(ValueError, match="queue_position"):
        StatusResponse.from_json({"request_id": "r", "status": "in_queue", "queue_position": "3"})
    with pytest.raises(ValueError, match="queue_position"):
        StatusResponse.from_json({"request_id": "r", "status": "in_queue", "queue_position": True})
    with pytest.raises(ValueError):
        CancelResponse.from_json(["not", "an", "object"])


def test_json_error_body_becomes_api_error_with_code_message_and_detail(client: Client, api: FakeApi) -> None:
    detail = [{"loc": ["body", "duration"], "msg": "must be at most 15", "type": "less_than_equal"}]
    api.script("POST", f"/v1/models/{MODEL}", error(422, 422001, "validation error", detail=detail))
    with pytest.raises(ApiError) as info:
        client.submit(MODEL, {"prompt": "x", "duration": 20})
    exc = info.value
    assert (exc.status_code, exc.error_code, exc.message) == (422, 422001, "validation error")
    assert exc.detail == detail
    assert exc.body["error_code"] == 422001
    assert exc.headers["content-type"] == "application/json"
    assert str(exc) == "422 422001: validation error"


def test_html_error_page_from_a_cdn_still_gives_api_error(client: Client, api: FakeApi) -> None:
    page = (
        "<!DOCTYPE html><html><head><title>runcomfy.net | 502: Bad gateway</title>"
        "<style>body{color:red}</style></head><body><h1>Bad gateway</h1>" + "x" * 5000 + "</body></html>"
    )
    api.script(
        "GET", "/v1/requests/r/status", httpx.Response(502, text=page, headers={"content-type": "text/html"})
    )
    with pytest.raises(ApiError) as info:
        client.status("r")
    exc = info.value
    assert exc.status_code == 502 and exc.error_code is None
    assert exc.message == "runcomfy.net | 502: Bad gateway"
    assert exc.body == page


def test_empty_error_body_uses_the_reason_phrase(client: Client, api: FakeApi) -> None:
    api.script("GET", "/v1/requests/r/status", httpx.Response(504))
    with pytest.raises(ApiError) as info:
        client.status("r")
    assert (info.value.status_code, info.value.message) == (504, "Gateway Timeout")


def test_http_200_with_an_error_body_is_raised(client: Client, api: FakeApi) -> None:
    api.script("GET", "/v1/requests/r/result", error(200, 400004, "token expired"))
    with pytest.raises(ApiError) as info:
        client.result("r")
    exc = info.value
    assert (exc.status_code, exc.error_code, exc.message) == (200, 400004, "token expired")
    assert exc.effective_status == 400


def test_a_success_body_of_the_wrong_shape_is_an_api_error_without_code(client: Client, api: FakeApi) -> None:
    api.script("GET", "/v1/requests/r/status", httpx.Response(200, json={"state": "done"}))
    api.script("GET", "/v1/requests/r/result", httpx.Response(200, text="<html>oops</html>"))
    with pytest.raises(ApiError, match="request_id") as info:
        client.status("r")
    assert info.value.error_code is None and info.value.effective_status is None
    with pytest.raises(ApiError, match="not JSON"):
        client.result("r")


def test_refused_connection_and_timeout_are_transport_errors(client: Client, api: FakeApi) -> None:
    api.script(
        "GET",
        "/v1/requests/r/status",
        httpx.ConnectError("Connection refused"),
        httpx.ReadTimeout("timed out"),
    )
    with pytest.raises(TransportError) as refused:
        client.status("r")
    assert not refused.value.is_timeout
    assert refused.value.url == f"{BASE}/requests/r/status"
    with pytest.raises(TransportError) as timed_out:
        client.status("r")
    assert timed_out.value.is_timeout


def test_retry_after_accepts_seconds_and_ignores_dates() -> None:
    assert ApiError(429, "slow down", headers={"Retry-After": "7"}).retry_after == 7
    assert (
        ApiError(429, "slow down", headers={"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}).retry_after
        is None
    )
    assert ApiError(429, "slow down").retry_after is None


# --------------------------------------------------------------------------------------------------
# wait() and run()


def test_wait_polls_every_two_seconds_until_terminal_then_returns_result(
    client: Client, api: FakeApi, clock: FakeClock
) -> None:
    rid = api.add_job()
    seen: list[StatusResponse] = []
    result = client.wait(rid, on_status=seen.append)
    assert [s.status for s in seen] == ["in_queue", "in_progress", "completed"]
    assert seen[0].queue_position == 2
    assert clock.sleeps == [2.0, 2.0]
    assert result.succeeded and result.video_url == VIDEO
    assert api.paths()[-1] == f"GET /v1/requests/{rid}/result"


@pytest.mark.parametrize("terminal", ["completed", "succeeded", "failed", "cancelled"])
def test_wait_stops_at_each_terminal_status_and_returns_not_raises(
    client: Client, api: FakeApi, terminal: str
) -> None:
    api.statuses = ("in_progress", terminal)
    final = "succeeded" if terminal in ("completed", "succeeded") else terminal
    rid = api.add_job(result={"request_id": "req-1", "status": final, "error": None})
    result = client.wait(rid)
    assert result.status == final
    assert result.succeeded == (final == "succeeded")


def test_wait_obeys_retry_after_on_429(client: Client, api: FakeApi, clock: FakeClock) -> None:
    rid = api.add_job()
    api.script(
        "GET", f"/v1/requests/{rid}/status", error(429, 429001, "rate limited", headers={"Retry-After": "7"})
    )
    assert client.wait(rid).succeeded
    assert clock.sleeps[0] == 7


def test_wait_obeys_retry_after_on_503(client: Client, api: FakeApi, clock: FakeClock) -> None:
    rid = api.add_job()
    api.script("GET", f"/v1/requests/{rid}/status", httpx.Response(503, headers={"Retry-After": "3"}))
    assert client.wait(rid).succeeded
    assert clock.sleeps[0] == 3


def test_wait_backs_off_exponentially_on_5xx_and_transport_errors(
    client: Client, api: FakeApi, clock: FakeClock
) -> None:
    rid = api.add_job()
    api.script(
        "GET",
        f"/v1/requests/{rid}/status",
        error(500, 500001, "internal"),
        httpx.Response(502, text="<title>502 Bad gateway</title>"),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
    )
    assert client.wait(rid).succeeded
    assert clock.sleeps == [1, 2, 4, 8, 2, 2]


def test_backoff_is_capped_at_30_seconds_and_the_budget_is_bounded(api: FakeApi, clock: FakeClock) -> None:
    rid = api.add_job()
    api.script("GET", f"/v1/requests/{rid}/status", *[error(500, 500001, "internal") for _ in range(20)])
    with (
        Client(
            BASE,
            TOKEN,
            transport=httpx.MockTransport(api),
            sleep=clock.sleep,
            monotonic=clock.monotonic,
            max_retries=7,
        ) as c,
        pytest.raises(ApiError) as info,
    ):
        c.wait(rid, timeout=None)
    assert info.value.status_code == 500
    assert clock.sleeps == [1, 2, 4, 8, 16, 30, 30]


def test_wait_retries_a_transient_404_right_after_submit(
    client: Client, api: FakeApi, clock: FakeClock
) -> None:
    api.script(
        "GET",
        "/v1/requests/req-1/status",
        error(404, 404001, "unknown request"),
        error(404, 404001, "unknown request"),
    )
    result = client.run(MODEL, {"prompt": "x"})
    assert result.succeeded
    assert api.paths()[:3] == [
        f"POST /v1/models/{MODEL}",
        "GET /v1/requests/req-1/status",
        "GET /v1/requests/req-1/status",
    ]
    assert clock.sleeps[:2] == [2.0, 2.0]


def test_wait_gives_up_on_a_404_that_persists(client: Client, api: FakeApi, clock: FakeClock) -> None:
    with pytest.raises(ApiError) as info:
        client.wait("never-existed")
    assert info.value.status_code == 404
    assert len(api.requests) == 4  # the first try and three retries
    assert clock.sleeps == [2.0, 2.0, 2.0]


def test_a_404_after_the_request_was_seen_is_final(client: Client, api: FakeApi, clock: FakeClock) -> None:
    rid = api.add_job()
    api.jobs[rid] = ["in_queue", "in_progress"]

    def expire(status: StatusResponse) -> None:
        if status.status == "in_progress":
            del api.jobs[rid]

    with pytest.raises(ApiError) as info:
        client.wait(rid, on_status=expire)
    assert info.value.status_code == 404
    assert clock.sleeps == [2.0, 2.0]  # the two polls before it; no retry of the 404


@pytest.mark.parametrize(("status", "code"), [(400, 400001), (401, 401001), (403, 403001), (422, 422001)])
def test_wait_does_not_retry_client_errors(
    client: Client, api: FakeApi, clock: FakeClock, status: int, code: int
) -> None:
    rid = api.add_job()
    api.script("GET", f"/v1/requests/{rid}/status", error(status, code, "no"))
    with pytest.raises(ApiError) as info:
        client.wait(rid)
    assert info.value.status_code == status
    assert clock.sleeps == []


def test_wait_raises_wait_timeout_past_its_deadline(client: Client, api: FakeApi, clock: FakeClock) -> None:
    api.statuses = ("in_progress",)
    rid = api.add_job()
    with pytest.raises(WaitTimeout) as info:
        client.wait(rid, timeout=5, poll_interval=2)
    assert clock.sleeps == [2, 2, 1]
    assert info.value.request_id == rid
    assert info.value.last_status is not None and info.value.last_status.status == "in_progress"
    assert isinstance(info.value, TimeoutError)


def test_retry_sleeps_never_pass_the_deadline(client: Client, api: FakeApi, clock: FakeClock) -> None:
    rid = api.add_job()
    api.script(
        "GET",
        f"/v1/requests/{rid}/status",
        *[error(429, 429001, "slow", headers={"Retry-After": "60"}) for _ in range(3)],
    )
    with pytest.raises(WaitTimeout):
        client.wait(rid, timeout=10)
    assert clock.sleeps == [10]


def test_the_result_fetch_is_retried_too(client: Client, api: FakeApi, clock: FakeClock) -> None:
    api.statuses = ("completed",)
    rid = api.add_job()
    api.script("GET", f"/v1/requests/{rid}/result", httpx.Response(502, text="bad gateway"))
    assert client.wait(rid).succeeded
    assert clock.sleeps == [1]


# --------------------------------------------------------------------------------------------------
# download()


def test_download_streams_an_allowed_cdn_url_without_the_token(
    client: Client, api: FakeApi, tmp_path: Path
) -> None:
    api.files[VIDEO] = b"\x00\x00\x00\x18ftypmp42" + b"v" * 100_000
    path = client.download(VIDEO, tmp_path)
    assert path == tmp_path / "video.mp4"
    assert path.read_bytes() == api.files[VIDEO]
    assert "Authorization" not in api.requests[-1].headers
    assert sorted(p.name for p in tmp_path.iterdir()) == ["video.mp4"]


def test_download_from_the_api_host_is_allowed_and_authenticated(
    client: Client, api: FakeApi, tmp_path: Path
) -> None:
    url = "http://127.0.0.1:8765/media/req-1/video.mp4"
    api.files[url] = b"mp4"
    dest = tmp_path / "named.mp4"
    assert client.download(url, dest) == dest
    assert dest.read_bytes() == b"mp4"
    assert api.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"


def test_the_token_goes_to_the_api_origin_only(client: Client, api: FakeApi, tmp_path: Path) -> None:
    url = "http://127.0.0.1:9999/media/video.mp4"  # same host, another port: another origin
    api.files[url] = b"mp4"
    client.download(url, tmp_path)
    assert "Authorization" not in api.requests[-1].headers


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/video.mp4",
        "https://runcomfy.net.evil.com/video.mp4",
        "https://evil.example.com/cdn.runcomfy.net/video.mp4",
        "https://cdn.runcomfy.net@evil.example.com/video.mp4",
        "ftp://cdn.runcomfy.net/video.mp4",
        "file:///etc/passwd",
    ],
)
def test_download_refuses_hosts_outside_the_allowlist(
    client: Client, api: FakeApi, tmp_path: Path, url: str
) -> None:
    with pytest.raises(DownloadError, match="not allowed"):
        client.download(url, tmp_path)
    assert api.requests == []
    assert list(tmp_path.iterdir()) == []


def test_download_allowlist_can_be_widened_per_call(client: Client, api: FakeApi, tmp_path: Path) -> None:
    url = "https://files.example.org/a.mp4"
    api.files[url] = b"ok"
    assert client.download(url, tmp_path, allow_hosts=["files.example.org"]).read_bytes() == b"ok"
    assert "Authorization" not in api.requests[-1].headers


def test_download_follows_redirects_only_to_allowed_hosts(
    client: Client, api: FakeApi, tmp_path: Path
) -> None:
    good = "https://cdn.runcomfy.net/signed/video.mp4"
    api.files[good] = b"video"
    api.script("GET", "/redirect-good", httpx.Response(302, headers={"Location": good}))
    api.script(
        "GET", "/redirect-bad", httpx.Response(302, headers={"Location": "https://evil.example.com/x"})
    )
    assert (
        client.download("https://files.runcomfy.com/redirect-good", tmp_path / "a.mp4").read_bytes()
        == b"video"
    )
    with pytest.raises(DownloadError, match="not allowed"):
        client.download("https://files.runcomfy.com/redirect-bad", tmp_path / "b.mp4")
    assert not (tmp_path / "b.mp4").exists()
    assert "evil.example.com" not in {r.url.host for r in api.requests}


def test_download_enforces_the_size_cap_from_content_length(api: FakeApi, tmp_path: Path) -> None:
    api.files[VIDEO] = b"x" * 101
    with (
        Client(BASE, TOKEN, transport=httpx.MockTransport(api), max_download_bytes=100) as c,
        pytest.raises(DownloadError, match="limit"),
    ):
        c.download(VIDEO, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_download_enforces_the_size_cap_while_streaming(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # No Content-Length: a chunked body that keeps coming.
        return httpx.Response(200, content=iter([b"x" * 40] * 10))

    with (
        Client(BASE, TOKEN, transport=httpx.MockTransport(handler), max_download_bytes=100) as c,
        pytest.raises(DownloadError, match="limit"),
    ):
        c.download(VIDEO, tmp_path)
    assert list(tmp_path.iterdir()) == []  # the part file is gone too


def test_download_http_error_leaves_nothing(client: Client, api: FakeApi, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="HTTP 404") as info:
        client.download("https://cdn.runcomfy.net/missing.mp4", tmp_path)
    assert isinstance(info.value.__cause__, ApiError)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://x.runcomfy.net/a/b.mp4?sig=1#f", "b.mp4"),
        ("https://x.runcomfy.net/", "output"),
        ("https://x.runcomfy.net/a/..", "output"),
        ("https://x.runcomfy.net/a/%2e%2e/", "output"),
        ("https://x.runcomfy.net/a/..%5Cvictim", "_victim"),
        ("https://x.runcomfy.net/a/con:fig%3F.txt", "con_fig_.txt"),
    ],
)
def test_file_names_come_from_the_url_and_stay_in_the_folder(url: str, name: str) -> None:
    assert filename_from_url(url) == name


# --------------------------------------------------------------------------------------------------
# AsyncClient: same logic, awaitable I/O


def async_client(api: FakeApi, clock: FakeClock, **kwargs: Any) -> AsyncClient:
    return AsyncClient(
        BASE,
        TOKEN,
        transport=httpx.MockTransport(api),
        sleep=clock.asleep,
        monotonic=clock.monotonic,
        **kwargs,
    )


def test_async_client_runs_a_job_with_the_same_retry_rules(api: FakeApi, clock: FakeClock) -> None:
    api.script(
        "GET",
        "/v1/requests/req-1/status",
        error(404, 404001, "not yet"),
        error(429, 429001, "slow", headers={"Retry-After": "7"}),
        httpx.ConnectError("refused"),
    )

    async def scenario() -> ResultResponse:
        async with async_client(api, clock) as c:
            seen: list[str] = []
            result = await c.run(MODEL, {"prompt": "x"}, on_status=lambda s: seen.append(s.status))
            assert seen == ["in_queue", "in_progress", "completed"]
            return result

    result = asyncio.run(scenario())
    assert result.succeeded
    assert clock.sleeps == [2.0, 7, 2, 2.0, 2.0]  # 404 quirk, Retry-After, second failure
    assert {r.headers["Authorization"] for r in api.requests} == {f"Bearer {TOKEN}"}


def test_async_client_maps_errors_and_times_out(api: FakeApi, clock: FakeClock) -> None:
    api.statuses = ("in_progress",)
    rid = api.add_job()
    api.script("POST", f"/v1/requests/{rid}/cancel", error(403, 403001, "not yours"))

    async def scenario() -> None:
        async with async_client(api, clock) as c:
            with pytest.raises(ApiError) as info:
                await c.cancel(rid)
            assert (info.value.status_code, info.value.error_code) == (403, 403001)
            with pytest.raises(WaitTimeout):
                await c.wait(rid, timeout=3)
            assert (await c.status(rid)).status == "in_progress"
            assert (await c.result(rid, include_cost=True)).request_id == rid

    asyncio.run(scenario())
    assert clock.sleeps == [2, 1]
    assert str(api.requests[-1].url).endswith("?include_cost=true")


def test_async_download_applies_the_same_policy(api: FakeApi, clock: FakeClock, tmp_path: Path) -> None:
    api.files[VIDEO] = b"v" * 50

    async def scenario() -> None:
        async with async_client(api, clock, max_download_bytes=60) as c:
            path = await c.download(VIDEO, tmp_path)
            assert path.read_bytes() == b"v" * 50
            with pytest.raises(DownloadError, match="not allowed"):
                await c.download("https://evil.example.com/x.mp4", tmp_path)
            api.files["https://cdn.runcomfy.net/big.mp4"] = b"b" * 61
            with pytest.raises(DownloadError, match="limit"):
                await c.download("https://cdn.runcomfy.net/big.mp4", tmp_path)
            cats = await c.categories()
            assert cats == []

    api.script("GET", "/v1/models/categories", httpx.Response(200, json={"categories": []}))
    asyncio.run(scenario())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["video.mp4"]
    assert all("Authorization" not in r.headers for r in api.requests if r.url.host == "cdn.runcomfy.net")


def test_errors_survive_pickling_for_worker_processes() -> None:
    import pickle

    api_error = ApiError(
        422, "bad", error_code=422001, detail=[{"loc": ["body"]}], headers={"Retry-After": "1"}
    )
    copy = pickle.loads(pickle.dumps(api_error))
    assert (copy.status_code, copy.error_code, copy.detail, copy.retry_after) == (
        422,
        422001,
        [{"loc": ["body"]}],
        1,
    )
    transport = pickle.loads(pickle.dumps(TransportError("refused", url="http://x", is_timeout=True)))
    assert (transport.url, transport.is_timeout, str(transport)) == ("http://x", True, "refused (http://x)")
    assert pickle.loads(pickle.dumps(WaitTimeout("r", 5))).request_id == "r"
    assert pickle.loads(pickle.dumps(DownloadError("u", "too big"))).reason == "too big"
