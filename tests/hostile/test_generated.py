"""A generated family of bad input: arbitrary JSON values, depths, sizes and byte strings for every field of
a submit, every header a client sends, the query parameters, the ids in paths, the fault forms and the
fault rules of the admin API.

Whatever arrives, the answer is never a 5xx the request did not ask for (a fault rule may answer one on
purpose), every error is the API's own body, it comes within a bounded time, and the server answers
normally afterwards. A live server (a child process) takes part of the family while another client polls
it, to show it keeps answering others meanwhile.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts._live import free_port
from mock_server.app import create_app
from mock_server.settings import Settings
from mock_server.sim.contract import Contract, load_spec
from mock_server.web.middleware import ConnectionDropped

MODELS = sorted(Contract(load_spec()).models)
T2V = "kling/kling-3.0/standard/text-to-video"
FIELDS = ["prompt", "negative_prompt", "duration", "aspect_ratio", "cfg_scale", "sound", "shot_type", "multi_prompt",
          "start_image_url", "end_image_url", "elements", "generate_audio", "unknown"]
ANSWER_BOUND_S = 10.0  # generous: "an answer within a bounded time", on a shared, busy machine
POLL_BOUND_S = 0.1  # the typical poll while the family runs (see tests/hostile/test_live_server.py)
STALL_S = 5.0
HOSTILE = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))

# --- strategies -------------------------------------------------------------------------------------------------

texts = st.text(max_size=40) | st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", " ", "\u2028", "\x00", "日本", "[[mock:stuck]]", "[[mock:name=日本,stuck]]", "[[mock:retry_after=inf]]",
     "https://example.com/a.png", "data:image/png;base64,AAAA", "16:9", "customize", "1e400", "-0", "NaN"]
)
big_texts = st.integers(2_000, 300_000).map(lambda n: "x" * n)
leaves = (st.none() | st.booleans() | st.integers(-(2**80), 2**80) | st.floats(allow_nan=False, allow_infinity=False)
          | texts | big_texts)
json_values = st.recursive(
    leaves, lambda inner: st.lists(inner, max_size=6) | st.dictionaries(texts, inner, max_size=6), max_leaves=40
)


@st.composite
def deep(draw: st.DrawFn) -> str:
    """JSON text nested deeper than any encoder writes (arrays or objects, up to 3,000 levels)."""
    depth = draw(st.integers(20, 3_000))
    if draw(st.booleans()):
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@st.composite
def submit_bodies(draw: st.DrawFn) -> bytes:
    """A body that is mostly right, with some fields replaced by anything; or any JSON; or any bytes."""
    kind = draw(st.sampled_from(["fields", "fields", "fields", "value", "deep", "bytes", "many"]))
    if kind == "value":
        return json.dumps(draw(json_values)).encode()
    if kind == "deep":
        field = draw(st.sampled_from(FIELDS))
        return f'{{"prompt": "a cat", "{field}": {draw(deep())}}}'.encode()
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "many":
        n = draw(st.integers(1_000, 250_000))
        item = draw(st.sampled_from(["1", "{}", '{"prompt": 1, "duration": "x"}', '"s"', "[]"]))
        return ('{"prompt": "p", "multi_prompt": [' + ",".join([item] * n) + "]}").encode()
    body: dict[str, Any] = {"prompt": "a cat", "start_image_url": "https://example.com/__mock/fixtures/x.png"}
    for field in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True)):
        body[field] = draw(json_values)
    raw = json.dumps(body).encode()
    if draw(st.booleans()) and len(raw) > 2:
        raw = raw[: draw(st.integers(1, len(raw) - 1))]  # cut short
    return raw


header_bytes = st.binary(max_size=60).filter(lambda b: b"\r" not in b and b"\n" not in b) | st.sampled_from(
    [b"", b"Bearer", b"Bearer ", b"bearer x", b"Basic eA==", b"Bearer \xff\xfe", b"Bearer a\x01b", b"Bearer " + b"t" * 5000,
     b"application/json", b"application/json; charset=latin-1", b"text/plain", b"application/x+json", b"*/*"]
)
fault_keys = st.sampled_from(["status", "retry_after", "latency", "dribble", "truncate", "truncate_mode", "as_200",
                              "html", "fail_at", "error", "stuck", "run_factor", "not_found_for", "name", "first",
                              "probability", "every", "limit", "error_code", "message", "bogus", ""])
fault_values = st.one_of(
    st.sampled_from(["inf", "-inf", "nan", "1e400", "-1", "0", "1e308", "99999999999999999999", "lognormal:1e-300:1000",
                     "uniform:0:inf", "uniform:2:1", "1:inf", "0:0", "日本", "a b", "\u2028", "reset", "short", "429",
                     "503", "0.5", "true"]),
    st.text(max_size=15),
    st.none(),
)


@st.composite
def fault_texts(draw: st.DrawFn) -> str:
    parts = []
    for key, value in draw(st.lists(st.tuples(fault_keys, fault_values), min_size=1, max_size=5)):
        parts.append(key if value is None else f"{key}={value}")
    return draw(st.sampled_from([",", ";", ", "])).join(parts)


# --- the checks -------------------------------------------------------------------------------------------------


def assert_api_answer(r: httpx.Response, elapsed: float, asked_for_fault: bool) -> None:
    """The properties every answer must have, whatever the request."""
    assert elapsed < ANSWER_BOUND_S, f"answered in {elapsed:.1f} s"
    deliberate = asked_for_fault and "x-mock-decision" in r.headers
    if not deliberate:
        assert r.status_code < 500, r.text[:500]
    if r.status_code < 400 and not (deliberate and r.headers.get("content-type", "").startswith("application/json")
                                    and "error_code" in r.text):
        return
    if deliberate and r.headers.get("content-type", "").startswith("text/html"):
        return  # a rule asked for a CDN's HTML page
    try:
        body = r.json()
    except ValueError:
        assert deliberate, r.content[:300]
        return  # a rule asked to cut the body short (truncate)
    assert isinstance(body, dict) and isinstance(body.get("error_code"), int), body
    assert isinstance(body.get("error_message"), str) and body["error_message"]
    if not deliberate:
        assert body["error_code"] // 1000 == r.status_code, body
    detail = body.get("detail")
    assert detail is None or isinstance(detail, str) or (isinstance(detail, list) and len(detail) <= 51)
    if isinstance(detail, list):
        assert all(set(d) == {"loc", "msg", "type"} and isinstance(d["loc"], list) for d in detail), detail
    assert len(r.content) < 200_000


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    s = Settings(clock="manual", cache_dir=tmp_path / "media", max_fault_latency_s=0.05)
    with TestClient(create_app(s), base_url="http://mock.test", raise_server_exceptions=False) as client:
        yield client


def send(client: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], content: bytes | None = None,
         asked_for_fault: bool = False) -> httpx.Response | None:
    started = time.monotonic()
    try:
        r: httpx.Response = client.request(method, path, headers=headers, content=content)
    except ConnectionDropped:
        assert asked_for_fault, "a connection was dropped that no fault asked for"
        return None
    assert_api_answer(r, time.monotonic() - started, asked_for_fault)
    return r


def still_fine(client: Any) -> None:
    """After every hostile request: a submit, a status, a result, the journal and the clock all answer 200."""
    auth = [(b"authorization", b"Bearer checker")]
    r = client.post(f"/v1/models/{T2V}", json={"prompt": "a cat"}, headers=dict(auth))
    assert r.status_code == 200, r.text
    rid = r.json()["request_id"]
    for path in (f"/v1/requests/{rid}/status", f"/v1/requests/{rid}/result"):
        assert client.get(path, headers=dict(auth)).status_code == 200
    assert client.get("/__mock/journal", params={"limit": 5}).status_code == 200
    assert client.get("/__mock/clock").status_code == 200


# --- the family, in process ---------------------------------------------------------------------------------------


@HOSTILE
@given(model=st.sampled_from([*MODELS, "kling/nope", "", "../../etc", "kling/kling-3.0/standard/text-to-video/x"]),
       raw=submit_bodies(), auth=header_bytes, ctype=header_bytes)
def test_any_submit_answers_in_the_apis_format(
    app_client: TestClient, model: str, raw: bytes, auth: bytes, ctype: bytes
) -> None:
    headers = [(b"authorization", b"Bearer alice" if auth == b"" else auth), (b"content-type", ctype or b"application/json")]
    send(app_client, "POST", f"/v1/models/{quote(model, safe='/')}", headers, raw)
    still_fine(app_client)


@HOSTILE
@given(raw=submit_bodies())
def test_any_body_for_a_well_formed_submit_answers_200_or_a_clean_error(app_client: TestClient, raw: bytes) -> None:
    headers = [(b"authorization", b"Bearer alice"), (b"content-type", b"application/json")]
    r = send(app_client, "POST", f"/v1/models/{T2V}", headers, raw)
    assert r is not None and r.status_code in (200, 413, 422), r.text[:300]


@HOSTILE
@given(fault=fault_texts(), in_prompt=st.booleans(), path_kind=st.sampled_from(["submit", "status", "models", "files"]))
def test_any_fault_form_is_applied_or_refused_with_422001(
    app_client: TestClient, fault: str, in_prompt: bool, path_kind: str
) -> None:
    auth = (b"authorization", b"Bearer alice")
    if path_kind == "submit" or in_prompt:
        body = {"prompt": f"a cat [[mock:{fault}]]"} if in_prompt else {"prompt": "a cat"}
        headers = [auth, (b"content-type", b"application/json")]
        if not in_prompt:
            headers.append((b"x-mock-fault", fault.encode()))
        send(app_client, "POST", f"/v1/models/{T2V}", headers, json.dumps(body).encode(), asked_for_fault=True)
    else:
        rid = app_client.post(f"/v1/models/{T2V}", json={"prompt": "x"}, headers=dict([auth])).json()["request_id"]
        path = {"status": f"/v1/requests/{rid}/status", "models": "/v1/models", "files": f"/files/{rid}.mp4"}[path_kind]
        send(app_client, "GET", path, [auth, (b"x-mock-fault", fault.encode())], asked_for_fault=True)
    still_fine(app_client)


@HOSTILE
@given(rule=json_values | st.fixed_dictionaries({"name": json_values, "effect": json_values}) | st.fixed_dictionaries(
    {"effect": st.fixed_dictionaries({}, optional={k: json_values for k in ("status", "retry_after", "latency",
                                                                           "dribble", "run_factor", "error_code")})}
))
def test_any_admin_rule_is_added_or_refused_with_422001(app_client: TestClient, rule: Any) -> None:
    r = send(app_client, "POST", "/__mock/faults", [(b"content-type", b"application/json")], json.dumps(rule).encode())
    assert r is not None and r.status_code in (200, 422), r.text[:300]
    if r.status_code == 200:  # whatever it does, it does it within bounds, and can be taken away again
        send(app_client, "GET", "/v1/models", [(b"authorization", b"Bearer alice")], asked_for_fault=True)
        assert app_client.delete("/__mock/faults").status_code == 200
    still_fine(app_client)


@HOSTILE
@given(request_id=texts | st.binary(max_size=30).map(lambda b: b.decode("latin-1")), verb=st.sampled_from(
    ["status", "result", "cancel"]), include_cost=texts, auth=header_bytes, extra=st.lists(
    st.tuples(st.binary(min_size=1, max_size=20).filter(lambda b: all(33 <= c < 127 and c != 58 for c in b)),
              header_bytes), max_size=4))
def test_any_id_query_and_header_on_the_polled_routes_answers_in_the_apis_format(
    app_client: TestClient, request_id: str, verb: str, include_cost: str, auth: bytes,
    extra: list[tuple[bytes, bytes]]
) -> None:
    path = f"/v1/requests/{quote(request_id, safe='')}/{verb}?include_cost={quote(include_cost, safe='')}"
    headers = [(b"authorization", auth), *[(k, v) for k, v in extra if k.lower() != b"x-mock-fault"]]
    send(app_client, "POST" if verb == "cancel" else "GET", path, headers)
    still_fine(app_client)


@HOSTILE
@given(limit=texts, offset=texts, category=texts, auth=header_bytes)
def test_any_catalog_query_answers_in_the_apis_format(
    app_client: TestClient, limit: str, offset: str, category: str, auth: bytes
) -> None:
    query = f"limit={quote(limit, safe='')}&offset={quote(offset, safe='')}&category={quote(category, safe='')}"
    send(app_client, "GET", f"/v1/models?{query}", [(b"authorization", auth or b"Bearer alice")])


# --- and over a socket, while another client polls ---------------------------------------------------------------


@pytest.fixture
def live_origin(tmp_path: Path) -> Iterator[str]:
    """`kling-mock serve` as a child process on a free port (manual clock); killed by its PID at the end."""
    port = free_port()
    cmd = [str(Path(sys.executable).parent / "kling-mock"), "serve", "--port", str(port), "--clock", "manual",
           "--cache-dir", str(tmp_path / "media"), "--set", "max_fault_latency_s=0.05"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(f"{origin}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "kling-mock serve did not start"
                time.sleep(0.1)
        yield origin
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_a_live_server_keeps_answering_others_while_it_refuses_the_family(live_origin: str) -> None:
    auth = {"Authorization": "Bearer poller"}
    status_url = httpx.post(f"{live_origin}/v1/models/{T2V}", json={"prompt": "x"}, headers=auth).json()["status_url"]
    done = threading.Event()
    slowest: list[float] = []
    failures: list[str] = []

    def poll() -> None:
        with httpx.Client(headers=auth, timeout=30) as client:
            while not done.is_set():
                started = time.perf_counter()
                r = client.get(status_url)
                slowest.append(time.perf_counter() - started)
                if r.status_code != 200:
                    failures.append(r.text)
                done.wait(0.01)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        with httpx.Client(base_url=live_origin, timeout=60) as client:

            @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
            @given(raw=submit_bodies(), fault=st.none() | fault_texts())
            def hostile(raw: bytes, fault: str | None) -> None:
                headers = [(b"authorization", b"Bearer alice"), (b"content-type", b"application/json")]
                if fault is not None:  # what an HTTP client can send at all: visible ASCII, no edge spaces
                    fault = "".join(c for c in fault if "!" <= c <= "~" or c == " ").strip() or "status"
                    headers.append((b"x-mock-fault", fault.encode()))
                try:
                    send(client, "POST", f"/v1/models/{T2V}", headers, raw, asked_for_fault=fault is not None)
                except httpx.TransportError:
                    assert fault is not None and "drop" in fault, "the server closed a connection nobody asked it to"

            hostile()
    finally:
        done.set()
        poller.join(60)
    assert not failures, failures[:3]
    assert len(slowest) >= 5
    assert statistics.median(slowest) < POLL_BOUND_S, f"polls took {statistics.median(slowest):.2f} s (median)"
    assert max(slowest) < STALL_S, f"a status poll stalled {max(slowest):.2f} s meanwhile"
