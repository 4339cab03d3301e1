"""Every fault effect and trigger, through HTTP: what a client of the mock actually sees."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts._live import LiveServer
from mock_server.web.middleware import ConnectionDropped

STATUS_PATH = "/v1/requests/*/status"


# --- errors in the API's body -------------------------------------------------------------------------------


def test_throttle_rule_answers_429_with_retry_after_on_the_first_two_status_calls(api: Any) -> None:
    api.add_rule({"name": "throttle", "match": {"path": STATUS_PATH}, "effect": {"status": 429, "retry_after": 7},
                  "first": 2})
    rid = api.rid()
    answers = [api.status(rid) for _ in range(3)]
    for r in answers[:2]:
        assert r.status_code == 429
        assert r.headers["retry-after"] == "7"
        assert r.headers["x-mock-decision"] == "throttle"
        assert r.json() == {"error_code": 429001, "error_message": "Too many requests"}
    assert answers[2].status_code == 200 and answers[2].json()["status"] == "in_queue"
    assert "x-mock-decision" not in answers[2].headers


def test_outage_window_fails_every_v1_call_until_the_clock_leaves_it(api: Any) -> None:
    rid = api.rid()
    api.add_rule({"name": "outage", "match": {"path": "/v1/*"}, "effect": {"status": 503}, "window": {"start": 0, "end": 60}})
    r = api.status(rid)
    assert (r.status_code, r.json()["error_code"], r.headers["x-mock-decision"]) == (503, 503001, "outage")
    assert api.submit().status_code == 503
    assert api.get("/__mock/clock").status_code == 200  # the controls are never faulted
    api.advance(59.9)
    assert api.get("/v1/models", headers=api.AUTH).status_code == 503
    api.advance(0.1)
    assert api.status(rid).status_code == 200


def test_header_fault_answers_500_with_the_api_error_body(api: Any) -> None:
    r = api.get("/v1/models", headers={**api.AUTH, "X-Mock-Fault": "status=500"})
    assert r.status_code == 500
    assert r.json() == {"error_code": 500001, "error_message": "Internal server error, please retry with backoff"}
    assert r.headers["x-mock-decision"] == "header"


def test_error_code_and_message_can_be_chosen(api: Any) -> None:
    r = api.get("/v1/models", headers={**api.AUTH, "X-Mock-Fault": "status=400,error_code=400002,message=broke,name=money"})
    assert r.status_code == 400 and r.json() == {"error_code": 400002, "error_message": "broke"}
    assert r.headers["x-mock-decision"] == "money"


@pytest.mark.parametrize(("status", "title"), [(502, "502 Bad Gateway"), (504, "504 Gateway Time-out")])
def test_502_and_504_answer_an_html_page_like_a_cdns(api: Any, status: int, title: str) -> None:
    r = api.get("/v1/models", headers={**api.AUTH, "X-Mock-Fault": f"status={status}"})
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert f"<title>{title}</title>" in r.text and "cloudflare" in r.text


def test_html_can_be_switched_on_or_off_for_any_status(api: Any) -> None:
    r = api.get("/v1/models", headers={**api.AUTH, "X-Mock-Fault": "status=502,html=false"})
    assert r.json()["error_code"] == 502001
    r = api.get("/v1/models", headers={**api.AUTH, "X-Mock-Fault": "status=503,html"})
    assert r.headers["content-type"].startswith("text/html")


def test_the_http_200_with_an_error_body_quirk(api: Any) -> None:
    rid = api.rid()
    r = api.status(rid, headers={**api.AUTH, "X-Mock-Fault": "as_200"})
    assert r.status_code == 200
    assert r.json() == {"error_code": 500001, "error_message": "Internal server error, please retry with backoff"}
    r = api.status(rid, headers={**api.AUTH, "X-Mock-Fault": "as_200,status=429"})
    assert (r.status_code, r.json()["error_code"]) == (200, 429001)


def test_a_malformed_fault_header_is_refused_with_its_location(api: Any) -> None:
    r = api.get("/v1/models", headers={**api.AUTH, "X-Mock-Fault": "staus=500"})
    assert r.status_code == 422 and r.json()["error_code"] == 422001
    assert r.json()["detail"][0]["loc"][:2] == ["header", "X-Mock-Fault"]


# --- latency ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["latency=0.05", "latency=uniform:0.05:0.08", "latency=lognormal:0.06:0.1"])
def test_latency_shapes_delay_the_answer_in_wall_time(api: Any, spec: str) -> None:
    start = time.monotonic()
    r = api.get("/v1/models", headers={**api.AUTH, "X-Mock-Fault": spec})
    elapsed = time.monotonic() - start
    assert r.status_code == 200 and r.headers["x-mock-decision"] == "header"
    assert 0.03 <= elapsed < 2.0
    assert api.journal()[-1]["latency_ms"] >= 30


def test_latency_is_capped_by_the_setting(make: Any) -> None:
    api = make(max_fault_latency_s=0.01)
    start = time.monotonic()
    assert api.get("/v1/models", headers={**api.AUTH, "X-Mock-Fault": "latency=20"}).status_code == 200
    assert time.monotonic() - start < 5


# --- the connection itself ----------------------------------------------------------------------------------


def _journal(server: LiveServer) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = httpx.get(f"{server.origin}/__mock/journal").json()["entries"]
    return entries


@pytest.mark.parametrize(("spec", "outcome"), [("drop", "dropped"), ("drop=close", "dropped"), ("drop=reset", "reset")])
def test_dropped_and_reset_connections_give_the_client_no_answer(live: LiveServer, spec: str, outcome: str) -> None:
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{live.base_url}/models", headers={"Authorization": "Bearer a", "X-Mock-Fault": spec})
    last = _journal(live)[-1]
    assert (last["status"], last["outcome"], last["decision"]) == (None, outcome, "header")
    assert httpx.get(f"{live.base_url}/models", headers={"Authorization": "Bearer a"}).status_code == 200


def test_without_a_reachable_socket_a_drop_raises_in_the_server(api: Any) -> None:
    with pytest.raises(ConnectionDropped):
        api.get("/v1/models", headers={**api.AUTH, "X-Mock-Fault": "drop"})


def _finished_video(server: LiveServer) -> tuple[str, bytes]:
    auth = {"Authorization": "Bearer alice"}
    rid = httpx.post(f"{server.base_url}/models/kling/kling-3.0/standard/text-to-video",
                     json={"prompt": "a cat", "duration": 3}, headers=auth).json()["request_id"]
    httpx.post(f"{server.origin}/__mock/clock/advance", json={"seconds": 1000})
    video = httpx.get(f"{server.origin}/files/{rid}.mp4", timeout=120)
    assert video.status_code == 200
    return rid, video.content


def test_a_truncated_mp4_promises_the_full_length_then_the_connection_dies(live: LiveServer) -> None:
    rid, full = _finished_video(live)
    httpx.post(f"{live.origin}/__mock/faults", json={"name": "cut", "match": {"endpoint": "files"},
                                                      "effect": {"truncate": 0.5}, "first": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{live.origin}/files/{rid}.mp4")
    last = _journal(live)[-1]
    assert (last["outcome"], last["decision"], last["account"]) == ("truncated", "cut", "alice")
    assert httpx.get(f"{live.origin}/files/{rid}.mp4").content == full


def test_a_short_truncated_mp4_downloads_cleanly_and_is_broken(live: LiveServer) -> None:
    rid, full = _finished_video(live)
    httpx.post(f"{live.origin}/__mock/faults", json={"name": "short", "match": {"endpoint": "files"},
                                                      "effect": {"truncate": 0.25, "truncate_mode": "short"}})
    r = httpx.get(f"{live.origin}/files/{rid}.mp4")
    assert r.status_code == 200 and r.headers["x-mock-decision"] == "short"
    assert r.content == full[: int(len(full) * 0.25)]


def test_a_dribbled_body_arrives_whole_but_slowly(live: LiveServer) -> None:
    rid, full = _finished_video(live)
    httpx.post(f"{live.origin}/__mock/faults", json={"name": "slow", "match": {"endpoint": "files"},
                                                      "effect": {"dribble": {"chunk": len(full) // 4 + 1, "delay": 0.05}}})
    start = time.monotonic()
    r = httpx.get(f"{live.origin}/files/{rid}.mp4")
    assert r.content == full and r.headers["x-mock-decision"] == "slow"
    assert time.monotonic() - start >= 0.15


def test_dribble_works_on_json_answers_too(api: Any) -> None:
    r = api.get("/v1/models", headers={**api.AUTH, "X-Mock-Fault": "dribble=64:0"})
    assert r.status_code == 200 and r.json()["total"] == 6


# --- job-stage faults ---------------------------------------------------------------------------------------


def _times(api: Any, rid: str) -> tuple[float, float]:
    job = next(j for j in api.get("/__mock/accounts/alice").json()["jobs"] if j["request_id"] == rid)
    from datetime import datetime

    return (datetime.fromisoformat(job["started_at"]).timestamp(), datetime.fromisoformat(job["finished_at"]).timestamp())


def test_a_generation_fails_at_60_percent_with_content_moderation(make: Any) -> None:
    plain, faulty = make(seed=5), make(seed=5)
    faulty.add_rule({"name": "moderate", "match": {"model": "*/standard/*"},
                     "effect": {"fail_at": 0.6, "error": "content_moderation"}})
    rid_plain, rid = plain.rid(), faulty.rid()
    assert rid_plain == rid  # same seed, account and position: the same plan, but for the outcome
    for m in (plain, faulty):
        m.advance(10_000)
    failed = faulty.result(rid).json()
    assert failed["status"] == "failed" and failed["output"] is None
    assert failed["error"]["error_code"] == "content_moderation"
    assert "moderation" in failed["error"]["error_message"]
    assert faulty.result(rid).headers["x-mock-decision"] == "moderate"
    start, end_ok = _times(plain, rid)
    start_f, end_f = _times(faulty, rid)
    assert start == start_f
    assert end_f - start_f == pytest.approx(0.6 * (end_ok - start), abs=1e-3)


@pytest.mark.parametrize("error", ["internal_error", "timeout"])
def test_a_prompt_token_fails_the_job_with_the_chosen_error(api: Any, error: str) -> None:
    r = api.submit({"prompt": f"a cat [[mock:fail_at=0.5,error={error}]]"})
    assert r.headers["x-mock-decision"] == "prompt"
    api.advance(10_000)
    assert api.result(r.json()["request_id"]).json()["error"]["error_code"] == error


def test_a_stuck_job_never_leaves_the_queue_and_can_still_be_cancelled(api: Any) -> None:
    rid = api.rid({"prompt": "a cat [[mock:stuck]]"})
    api.advance(1e6)
    r = api.status(rid)
    assert r.json()["status"] == "in_queue" and r.headers["x-mock-decision"] == "prompt"
    later = api.rid()
    api.advance(1000)
    assert api.status(later).json()["status"] == "completed"  # a stuck job holds no slot
    assert api.post(f"/v1/requests/{rid}/cancel", headers=api.AUTH).json()["outcome"] == "cancelled"


def test_a_slow_job_runs_n_times_longer(make: Any) -> None:
    plain, slow = make(seed=2), make(seed=2)
    rid = plain.rid()
    assert slow.rid(headers={**slow.AUTH, "X-Mock-Fault": "run_factor=3"}) == rid
    for m in (plain, slow):
        m.advance(10_000)
    (s1, e1), (s2, e2) = _times(plain, rid), _times(slow, rid)
    assert e2 - s2 == pytest.approx(3 * (e1 - s1), abs=1e-3)


def test_status_answers_404_for_a_moment_right_after_submit(api: Any) -> None:
    rid = api.rid(headers={**api.AUTH, "X-Mock-Fault": "not_found_for=5"})
    r = api.status(rid)
    assert (r.status_code, r.json()["error_code"], r.headers["x-mock-decision"]) == (404, 404001, "header")
    assert api.result(rid).status_code == 404
    api.advance(5)
    assert api.status(rid).status_code == 200


def test_job_only_rules_do_not_fire_on_other_endpoints(api: Any) -> None:
    api.add_rule({"name": "fail", "effect": {"fail_at": 0.5}})
    assert "x-mock-decision" not in api.get("/v1/models", headers=api.AUTH).headers
    assert api.submit().headers["x-mock-decision"] == "fail"


# --- triggers and matching ----------------------------------------------------------------------------------


def _decisions(api: Any, n: int, path: str = "/v1/models", headers: Any = None) -> list[str]:
    return [api.get(path, headers=headers or api.AUTH).headers.get("x-mock-decision", "") for _ in range(n)]


def test_after_every_and_limit_triggers(api: Any) -> None:
    api.add_rule({"name": "late", "match": {"endpoint": "models"}, "effect": {"latency": 0}, "after": 3})
    assert _decisions(api, 5) == ["", "", "", "late", "late"]
    api.post("/__mock/reset")
    api.add_rule({"name": "nth", "match": {"endpoint": "models"}, "effect": {"status": 500}, "every": 2, "limit": 2})
    assert _decisions(api, 7) == ["", "nth", "", "nth", "", "", ""]


def test_probability_is_seeded_and_replays(make: Any) -> None:
    runs = []
    for seed in (11, 11, 12):
        m = make(seed=seed)
        m.add_rule({"name": "coin", "match": {"endpoint": "models"}, "effect": {"status": 503}, "probability": 0.5})
        runs.append(_decisions(m, 30))
    assert runs[0] == runs[1] != runs[2]
    assert 3 < runs[0].count("coin") < 27


def test_match_on_account_method_model_and_endpoint(api: Any) -> None:
    api.add_rule({"name": "pro-submits-of-alice", "effect": {"status": 500},
                  "match": {"account": "alice", "method": "POST", "model": "*/pro/*", "endpoint": "submit"}})
    assert api.submit(model=api.PRO).status_code == 500
    assert api.submit(model=api.T2V).status_code == 200
    assert api.submit(model=api.PRO, headers={"Authorization": "Bearer bob"}).status_code == 200
    assert api.get(f"/v1/models/{api.PRO}", headers=api.AUTH).status_code == 200


def test_a_job_matches_rules_on_its_model_on_its_own_paths(api: Any) -> None:
    rid = api.rid(model=api.PRO)
    api.add_rule({"name": "pro-polls", "match": {"model": "*/pro/*", "endpoint": "status"}, "effect": {"status": 502}})
    assert api.status(rid).status_code == 502
    assert api.status(api.rid(model=api.T2V)).status_code == 200


def test_a_header_rule_with_first_n_counts_requests_carrying_the_same_header(api: Any) -> None:
    headers = {**api.AUTH, "X-Mock-Fault": "status=503,first=2"}
    assert _decisions(api, 4, headers=headers) == ["header", "header", "", ""]


def test_rules_from_the_config_file_and_its_accounts(tmp_path: Path, make: Any) -> None:
    cfg = tmp_path / "mock.yaml"
    cfg.write_text(
        "settings: {seed: 3}\n"
        "faults:\n"
        "  - {name: outage, match: {path: \"/v1/*\"}, effect: {status: 503}, window: {start: 0, end: 60}}\n"
        "accounts:\n"
        "  alice: {balance_usd: 0.1, rps: 100}\n"
    )
    api = make(config_file=cfg)
    rules = api.get("/__mock/faults").json()["rules"]
    assert [(r["name"], r["source"]) for r in rules] == [("outage", "config")]
    assert api.get("/v1/models", headers=api.AUTH).status_code == 503
    api.advance(60)
    r = api.submit()
    assert (r.status_code, r.json()["error_code"]) == (402, 400002)
    account = api.get("/__mock/accounts/alice").json()
    assert account["balance_usd"] == 0.1 and account["limits"]["rps"] == 100
    api.post("/__mock/reset")  # back to the start-up state: the config's rule again, its window from now
    assert api.get("/v1/models", headers=api.AUTH).status_code == 503


def test_a_bad_config_file_stops_start_up_naming_the_key(tmp_path: Path, make: Any) -> None:
    from mock_server.config import ConfigError

    cfg = tmp_path / "bad.yaml"
    cfg.write_text("faults:\n  - {effect: {stauts: 500}}\n")
    with pytest.raises(ConfigError, match=r"faults\.0\.effect\.stauts"):
        make(config_file=cfg)
