"""Parity: each documented exchange of the real API (`fixtures/exchanges/`), replayed against the mock.

For a request on an existing job (status, result, cancel, another account's read), the job is first made
with the scenario's submit (`submit_t2v.json`) under a manual clock and brought to the state the
exchange shows; its id then replaces the fixture's. The answers are compared field by field with
`contracts.parity.diff_bodies`, which normalises ids, URLs, timestamps and message words. Exchanges
whose parts are guesses are compared too: they document the mock's defaults.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contracts.checks import assert_conforms, operation_for
from contracts.parity import ID, TEXT, TIMESTAMP, URL, diff_bodies, normalise
from mock_server.app import create_app
from mock_server.settings import Settings

EXCHANGES = Path(__file__).resolve().parents[1] / "fixtures" / "exchanges"
FIXTURES = sorted(EXCHANGES.glob("*.json"))
SCENARIO_SUBMIT = json.loads((EXCHANGES / "submit_t2v.json").read_text(encoding="utf-8"))
NEVER_ISSUED = "00000000-0000-4000-8000-000000000000"
FIXTURE_TOKENS = ("test-token-account-a", "test-token-account-b")


# --- diff_bodies itself ------------------------------------------------------------------------------------


def test_diff_bodies_reports_each_field_with_its_path() -> None:
    expected = {"output": {"video": "https://cdn.example/x.mp4"}, "status": "succeeded", "cost": 0.56, "error": None}
    actual = {"output": {"video": None}, "status": "completed", "cost": 0.5600000000000001, "extra": 1}
    assert diff_bodies(expected, actual) == [
        "$.output.video: expected url, got null",
        '$.status: expected "succeeded", got "completed"',
        "$.error: missing (expected null)",
        "$.extra: unexpected field (got 1)",
    ]


def test_normalise_keeps_the_shape_of_api_urls_and_only_the_kind_of_the_rest() -> None:
    rid = str(uuid.uuid4())
    body = {
        "request_id": rid,
        "status_url": f"https://model-api.runcomfy.net/v1/requests/{rid}/status",
        "video": f"http://127.0.0.1:8000/files/{rid}.mp4",
        "created_at": "2026-01-15T10:32:07.123456+00:00",
        "error_message": "anything at all",
        "detail": [{"loc": ["body", "duration"], "msg": "words", "type": "maximum"}],
    }
    assert normalise(body) == {
        "request_id": ID,
        "status_url": "<origin>/v1/requests/id/status",
        "video": URL,
        "created_at": TIMESTAMP,
        "error_message": TEXT,
        "detail": [{"loc": ["body", "duration"], "msg": TEXT, "type": "maximum"}],
    }


def test_diff_bodies_sees_a_wrong_route_a_bad_timestamp_and_a_list_of_another_length() -> None:
    rid = str(uuid.uuid4())
    expected = {"status_url": f"https://a/v1/requests/{rid}/status", "at": "2026-01-15T10:32:07.123456+00:00", "l": [1]}
    actual = {"status_url": f"http://b/v1/requests/{rid}/result", "at": "yesterday", "l": [1, 2]}
    assert diff_bodies(expected, actual) == [
        '$.status_url: expected "<origin>/v1/requests/id/status", got "<origin>/v1/requests/id/result"',
        '$.at: expected timestamp, got "yesterday"',
        "$.l: expected 1 items, got 2",
    ]


def test_numbers_compare_by_value_but_booleans_are_not_numbers() -> None:
    assert diff_bodies({"n": 1}, {"n": 1.0}) == []
    assert diff_bodies({"n": 1}, {"n": True}) == ["$.n: expected 1, got true"]


# --- the replay --------------------------------------------------------------------------------------------


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(clock="manual", cache_dir=tmp_path / "media"))
    with TestClient(app, base_url="http://mock.test") as client:
        yield client


UUIDS = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _ids_in(text: str) -> list[str]:
    return UUIDS.findall(text)


class Scenario:
    """Accounts and jobs of one replay: fixture tokens map to fresh ones, fixture ids to real jobs."""

    def __init__(self, api: TestClient) -> None:
        self.api = api
        self.tokens = {name: f"{name}-{uuid.uuid4().hex[:8]}" for name in FIXTURE_TOKENS}

    def headers(self, fixture_headers: dict[str, str]) -> dict[str, str]:
        out = dict(fixture_headers)
        auth = out.get("Authorization", "")
        for name, token in self.tokens.items():
            auth = auth.replace(name, token)
        if auth:
            out["Authorization"] = auth
        return out

    def status_of(self, rid: str, token: str) -> str:
        r = self.api.get(f"/v1/requests/{rid}/status", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        return str(r.json()["status"])

    def make_job(self, want: str, failed: bool = False) -> str:
        """A job of account A (the scenario's submit) brought to status `want` on /status."""
        token = self.tokens["test-token-account-a"]
        request = SCENARIO_SUBMIT["request"]
        headers = {"Authorization": f"Bearer {token}"}
        if failed:  # the failure the exchange shows, imposed on this one job by a fault rule in a header
            headers["X-Mock-Fault"] = "fail_at=0.5,error=content_moderation"
        r = self.api.post(request["path"], json=request["body"], headers=headers)
        assert r.status_code == 200, r.text
        rid = str(r.json()["request_id"])
        for _ in range(3600):
            if self.status_of(rid, token) == want:
                return rid
            assert self.api.post("/__mock/clock/advance", json={"seconds": 1}).status_code == 200
        raise AssertionError(f"job {rid} never reached {want!r}")


def _state_needed(expected: dict[str, Any]) -> tuple[str, bool]:
    """The /status word the job must show before the exchange, read from the answer the fixture expects."""
    body = expected["body"]
    if body.get("outcome") == "cancelled":
        return "in_queue", False
    word = body.get("status", "in_queue")
    return {"succeeded": "completed", "failed": "completed"}.get(word, word), word == "failed"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_the_mock_answers_each_documented_exchange_alike(api: TestClient, fixture: Path) -> None:
    ex = json.loads(fixture.read_text(encoding="utf-8"))
    request, expected = ex["request"], ex["response"]
    scenario = Scenario(api)
    path: str = request["path"]
    job_ids = [i for i in _ids_in(path) if i != NEVER_ISSUED]
    ids = {NEVER_ISSUED}
    for fixture_id in job_ids:
        want, failed = _state_needed(expected) if expected["status"] == 200 else ("in_queue", False)
        rid = scenario.make_job(want, failed)
        path = path.replace(fixture_id, rid)
        ids.add(rid)

    kwargs: dict[str, Any] = {"headers": scenario.headers(request["headers"])}
    if request["body"] is not None:
        kwargs["content"] = json.dumps(request["body"]).encode()
    answer = api.request(request["method"], path, **kwargs)
    body = answer.json()

    differences = [] if answer.status_code == expected["status"] else [
        f"HTTP status: expected {expected['status']}, got {answer.status_code}"
    ]
    differences += diff_bodies(expected["body"], body)
    assert not differences, f"{fixture.name} ({ex['name']}):\n  " + "\n  ".join(differences)

    operation_id = operation_for(request["method"], path)
    assert operation_id is not None
    assert_conforms(body, answer.status_code, operation_id)
    # Normalising ids hides which id an answer names: it must be the request's own (or the one asked for).
    named = {i for text in _strings(body) for i in _ids_in(text)}
    if request["path"].startswith("/v1/models/") and answer.status_code == 200:
        ids.add(body["request_id"])
    assert named <= ids, f"the answer names ids it should not: {sorted(named - ids)}"
    created, finished = body.get("created_at"), body.get("finished_at")
    if isinstance(created, str) and isinstance(finished, str):
        assert created <= finished, f"created_at {created} is after finished_at {finished}"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
