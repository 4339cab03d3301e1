"""The contract over HTTP, through the ASGI app: bodies, errors, tenancy, settings, docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mock_server.sim.contract import load_spec

T2V = "kling/kling-3.0/standard/text-to-video"
I2V = "kling/kling-3.0/pro/image-to-video"
AUTH = {"Authorization": "Bearer alice"}


def advance(api: TestClient, seconds: float) -> None:
    assert api.post("/__mock/clock/advance", json={"seconds": seconds}).status_code == 200


def submit(api: TestClient, body: dict[str, Any] | None = None, model: str = T2V, headers: Any = None) -> Any:
    return api.post(f"/v1/models/{model}", json=body or {"prompt": "a cat"}, headers=headers or AUTH)


def error_of(response: Any) -> tuple[int, int]:
    return response.status_code, response.json()["error_code"]


# --- the happy path ------------------------------------------------------------------------------------------


def test_submit_answers_the_id_and_three_absolute_urls(api: TestClient) -> None:
    r = submit(api)
    assert r.status_code == 200
    body = r.json()
    rid = body["request_id"]
    assert body == {
        "request_id": rid,
        "status_url": f"http://mock.test/v1/requests/{rid}/status",
        "result_url": f"http://mock.test/v1/requests/{rid}/result",
        "cancel_url": f"http://mock.test/v1/requests/{rid}/cancel",
    }


def test_a_job_goes_from_queue_to_progress_to_completed_and_its_video_downloads(api: TestClient) -> None:
    rid = submit(api).json()["request_id"]
    seen = []
    for _ in range(400):
        status = api.get(f"/v1/requests/{rid}/status", headers=AUTH).json()
        if not seen or seen[-1] != status["status"]:
            seen.append(status["status"])
        if status["status"] == "in_queue":
            assert status["queue_position"] == 0
        else:
            assert "queue_position" not in status
        if status["status"] == "completed":
            break
        advance(api, 1)
    assert seen == ["in_queue", "in_progress", "completed"]
    result = api.get(f"/v1/requests/{rid}/result", headers=AUTH).json()
    assert result["status"] == "succeeded" and result["error"] is None
    assert result["output"]["video"] == f"http://mock.test/files/{rid}.mp4"
    assert result["created_at"].endswith("+00:00") and "." in result["created_at"]
    video = api.get(f"/files/{rid}.mp4")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"


def test_result_of_an_unfinished_job_answers_its_current_state(api: TestClient) -> None:
    rid = submit(api).json()["request_id"]
    result = api.get(f"/v1/requests/{rid}/result", headers=AUTH).json()
    assert result["status"] == "in_queue" and result["output"] is None and result["finished_at"] is None


def test_include_cost_prices_the_clip_by_tier_duration_and_sound(api: TestClient) -> None:
    rid = submit(api, {"prompt": "x", "duration": 10, "sound": True}).json()["request_id"]
    advance(api, 3600)
    result = api.get(f"/v1/requests/{rid}/result?include_cost=true", headers=AUTH).json()
    assert result["cost"] == pytest.approx(0.126 * 10)
    assert "cost" not in api.get(f"/v1/requests/{rid}/result", headers=AUTH).json()


def test_video_is_served_only_once_the_job_succeeded(api: TestClient) -> None:
    rid = submit(api).json()["request_id"]
    assert error_of(api.get(f"/files/{rid}.mp4")) == (404, 404001)
    advance(api, 3600)
    assert api.head(f"/files/{rid}.mp4").status_code == 200


def test_video_supports_ranges_etag_and_refuses_ranges_outside_it(api: TestClient) -> None:
    rid = submit(api).json()["request_id"]
    advance(api, 3600)
    full = api.get(f"/files/{rid}.mp4")
    size = len(full.content)
    assert int(full.headers["content-length"]) == size and full.headers["etag"]
    part = api.get(f"/files/{rid}.mp4", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == full.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{size}"
    outside = api.get(f"/files/{rid}.mp4", headers={"Range": f"bytes={size + 10}-"})
    assert error_of(outside) == (416, 416001)
    assert outside.headers["content-range"] == f"bytes */{size}"


# --- validation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (T2V, {"prompt": "x", "duration": 20}, "duration"),
        (T2V, {"prompt": "x", "duration": 2}, "duration"),
        (T2V, {"prompt": "x", "aspect_ratio": "2:1"}, "aspect_ratio"),
        (T2V, {"duration": 5}, "prompt"),
        (T2V, {"prompt": "x", "cfg_scale": 1.5}, "cfg_scale"),
        (T2V, {"prompt": "x", "sound": "yes"}, "sound"),
        (T2V, {"prompt": "x", "shot_type": "auto"}, "shot_type"),
        (T2V, {"prompt": "x", "duration": 5, "multi_prompt": [{"prompt": "a", "duration": 2}]}, "multi_prompt"),
        (T2V, {"prompt": "x", "duration": 7, "multi_prompt": [{"prompt": "a", "duration": 1}] * 7}, "multi_prompt"),
        (I2V, {"prompt": "x"}, "start_image_url"),
        (I2V, {"start_image_url": "ftp://example.com/a.png"}, "start_image_url"),
    ],
)
def test_invalid_inputs_get_422001_naming_the_field(api: TestClient, model: str, body: Any, field: str) -> None:
    r = submit(api, body, model)
    assert error_of(r) == (422, 422001)
    locs = [d["loc"] for d in r.json()["detail"]]
    assert ["body", field] in locs or any(loc[:2] == ["body", field] for loc in locs)
    assert all({"loc", "msg", "type"} <= set(d) for d in r.json()["detail"])


def test_every_broken_field_is_named_at_once(api: TestClient) -> None:
    r = submit(api, {"duration": 99, "aspect_ratio": "2:1"})
    fields = {d["loc"][1] for d in r.json()["detail"]}
    assert fields == {"prompt", "duration", "aspect_ratio"}


@pytest.mark.parametrize(
    ("content", "ctype", "expected"),
    [
        (b"{not json", "application/json", (422, 422001)),
        (b"[1, 2]", "application/json", (422, 422001)),
        (b'"text"', "application/json", (422, 422001)),
        (b"", "application/json", (422, 422001)),
        (b"prompt=x", "application/x-www-form-urlencoded", (415, 415001)),
        (b'{"prompt": "x"}', "", (415, 415001)),
        (b'{"prompt": "' + b"x" * (64 * 1024 * 1024) + b'"}', "application/json", (413, 413001)),
    ],
)
def test_malformed_bodies_get_clear_errors_never_a_500(
    api: TestClient, content: bytes, ctype: str, expected: tuple[int, int]
) -> None:
    headers = {**AUTH, "Content-Type": ctype} if ctype else AUTH
    r = api.post(f"/v1/models/{T2V}", content=content, headers=headers)
    assert error_of(r) == expected
    assert r.json()["error_message"]


def test_unknown_fields_are_ignored_by_default_and_rejected_by_setting(make: Any) -> None:
    body = {"prompt": "x", "image_url": "https://example.com/a.png"}
    assert submit(make(), body).status_code == 200
    r = submit(make(unknown_fields="reject"), body)
    assert error_of(r) == (422, 422001) and r.json()["detail"][0]["loc"] == ["body", "image_url"]


def test_extra_aspect_ratios_are_off_by_default_and_on_by_setting(make: Any) -> None:
    assert error_of(submit(make(), {"prompt": "x", "aspect_ratio": "21:9"})) == (422, 422001)
    assert submit(make(extra_aspect_ratios=True), {"prompt": "x", "aspect_ratio": "21:9"}).status_code == 200


# --- auth and tenancy ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ", "Basic abc", "Token abc", "Bearer a b"])
def test_missing_or_malformed_token_gets_401001(api: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    r = api.post(f"/v1/models/{T2V}", json={"prompt": "x"}, headers=headers)
    assert error_of(r) == (401, 401001)
    assert error_of(api.get("/v1/requests/abc/status", headers=headers)) == (401, 401001)
    assert error_of(api.get("/v1/models", headers=headers)) == (401, 401001)


def test_auth_error_style_setting_answers_400004(make: Any) -> None:
    r = make(auth_error_style="400").get("/v1/models")
    assert error_of(r) == (400, 400004)


def test_token_allowlist_refuses_other_tokens(make: Any) -> None:
    api = make(tokens=["alice"])
    assert submit(api).status_code == 200
    assert error_of(submit(api, headers={"Authorization": "Bearer mallory"})) == (401, 401001)


def test_another_accounts_request_gets_403001_and_an_unknown_one_404001(api: TestClient) -> None:
    rid = submit(api).json()["request_id"]
    bob = {"Authorization": "Bearer bob"}
    for method, path in [("GET", "status"), ("GET", "result"), ("POST", "cancel")]:
        assert error_of(api.request(method, f"/v1/requests/{rid}/{path}", headers=bob)) == (403, 403001)
        unknown = api.request(method, f"/v1/requests/not-a-real-id/{path}", headers=AUTH)
        assert error_of(unknown) == (404, 404001)


def test_unknown_model_gets_400001(api: TestClient) -> None:
    assert error_of(submit(api, model="kling/kling-9.9/pro/text-to-video")) == (400, 400001)
    assert error_of(api.get("/v1/models/kling/nope", headers=AUTH)) == (400, 400001)


# --- cancel ------------------------------------------------------------------------------------------------------------


def test_cancel_a_queued_job_then_a_running_one(api: TestClient) -> None:
    rid = submit(api).json()["request_id"]
    r = api.post(f"/v1/requests/{rid}/cancel", headers=AUTH).json()
    assert r == {"request_id": rid, "status": "cancelled", "outcome": "cancelled"}
    assert api.get(f"/v1/requests/{rid}/status", headers=AUTH).json()["status"] == "cancelled"
    result = api.get(f"/v1/requests/{rid}/result", headers=AUTH).json()
    assert result["status"] == "cancelled" and result["output"] is None and result["finished_at"]

    running = submit(api).json()["request_id"]
    while api.get(f"/v1/requests/{running}/status", headers=AUTH).json()["status"] == "in_queue":
        advance(api, 1)
    r = api.post(f"/v1/requests/{running}/cancel", headers=AUTH).json()
    assert r["outcome"] == "not_cancellable" and r["status"] == "in_progress"


def test_cancelling_a_queued_job_moves_the_jobs_behind_it_up(make: Any) -> None:
    api = make(slots_per_account=1)
    ids = [submit(api).json()["request_id"] for _ in range(3)]
    assert [api.get(f"/v1/requests/{i}/status", headers=AUTH).json()["queue_position"] for i in ids] == [0, 1, 2]
    api.post(f"/v1/requests/{ids[1]}/cancel", headers=AUTH)
    assert api.get(f"/v1/requests/{ids[2]}/status", headers=AUTH).json()["queue_position"] == 1


# --- settings for the guesses ------------------------------------------------------------------------------------------------


def test_success_word_setting(make: Any) -> None:
    api = make(success_word="completed")
    rid = submit(api).json()["request_id"]
    advance(api, 3600)
    assert api.get(f"/v1/requests/{rid}/result", headers=AUTH).json()["status"] == "completed"


@pytest.mark.parametrize(("failed_on_status", "word"), [(False, "completed"), (True, "failed")])
def test_a_failed_job_shows_completed_on_status_unless_told_otherwise(
    make: Any, failed_on_status: bool, word: str
) -> None:
    api = make(failure_rate=1.0, failed_on_status=failed_on_status)
    rid = submit(api).json()["request_id"]
    advance(api, 3600)
    assert api.get(f"/v1/requests/{rid}/status", headers=AUTH).json()["status"] == word
    result = api.get(f"/v1/requests/{rid}/result", headers=AUTH).json()
    assert result["status"] == "failed" and result["output"] is None
    assert result["error"]["error_code"] and result["error"]["error_message"]


def test_results_expire_after_seven_days(api: TestClient) -> None:
    rid = submit(api).json()["request_id"]
    advance(api, 7 * 24 * 3600 + 3600)
    assert error_of(api.get(f"/v1/requests/{rid}/status", headers=AUTH)) == (404, 404001)
    assert error_of(api.get(f"/files/{rid}.mp4")) == (404, 404001)


def test_public_base_url_setting_overrides_urls(make: Any) -> None:
    api = make(public_base_url="https://mock.example.org/")
    body = submit(api).json()
    assert body["status_url"].startswith("https://mock.example.org/v1/requests/")


# --- catalog -----------------------------------------------------------------------------------------------------------------


def test_catalog_lists_the_six_models_with_prices_and_schemas(api: TestClient) -> None:
    body = api.get("/v1/models", headers=AUTH).json()
    assert body["total"] == 6 and body["limit"] == 100 and body["offset"] == 0
    prices = {m["model_id"]: m["base_price_usd"] for m in body["models"]}
    assert prices[T2V] == 0.084 and prices["kling/kling-3.0/4k/text-to-video"] == 0.42
    one = api.get(f"/v1/models/{I2V}", headers=AUTH).json()
    assert one["model_id"] == I2V and "start_image_url" in one["input_schema"]["required"]
    assert one["price_usd_per_second"] == {"no_audio": 0.112, "audio": 0.168}
    page = api.get("/v1/models?limit=2&offset=5", headers=AUTH).json()
    assert len(page["models"]) == 1 and page["total"] == 6
    assert error_of(api.get("/v1/models?limit=0", headers=AUTH)) == (422, 422001)
    assert error_of(api.get("/v1/models?limit=abc", headers=AUTH)) == (422, 422001)


def test_categories_route_before_the_model_catch_all(api: TestClient) -> None:
    cats = api.get("/v1/models/categories", headers=AUTH).json()["categories"]
    assert {"text-to-video", "image-to-video"} <= set(cats)
    filtered = api.get("/v1/models?category=image-to-video", headers=AUTH).json()
    assert filtered["total"] == 3


# --- the server's own documents and errors ----------------------------------------------------------------------------------


def test_openapi_json_is_the_contract(api: TestClient) -> None:
    served = api.get("/openapi.json").json()
    spec = load_spec()
    assert served["paths"] == spec["paths"] and served["components"] == spec["components"]


def test_docs_work_offline(api: TestClient) -> None:
    html = api.get("/docs").text
    assert "/static/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert api.get("/static/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_unknown_routes_and_methods_answer_in_the_api_format(api: TestClient) -> None:
    assert error_of(api.get("/v1/nothing", headers=AUTH)) == (404, 404001)
    assert error_of(api.delete("/v1/requests/x/status", headers=AUTH)) == (405, 405001)


def test_the_clock_is_controlled_under_mock(api: TestClient, make: Any) -> None:
    before = api.get("/__mock/clock").json()
    assert before["mode"] == "manual"
    after = api.post("/__mock/clock/advance", json={"seconds": 30}).json()
    assert after["now"] == before["now"] + 30
    assert api.post("/__mock/clock", json={"advance": 5}).json()["now"] == before["now"] + 35
    assert error_of(api.post("/__mock/clock/advance", json={"seconds": -1})) == (409, 409001)
    assert error_of(api.post("/__mock/clock/advance", json={"seconds": "x"})) == (422, 422001)
    real = make(clock="real")
    assert error_of(real.post("/__mock/clock/advance", json={"seconds": 1})) == (409, 409001)


def test_a_real_clocks_speed_is_set_under_mock(api: TestClient, make: Any) -> None:
    real = make(clock="real", speed=10)
    before = real.get("/__mock/clock").json()
    after = real.post("/__mock/clock", json={"speed": 250}).json()
    assert (after["mode"], after["speed"]) == ("real", 250)
    assert after["now"] >= before["now"]
    assert real.get("/__mock/clock").json()["speed"] == 250
    for bad in (0, -3, "fast", True, None):
        assert error_of(real.post("/__mock/clock", json={"speed": bad})) == (422, 422001), bad
    assert error_of(api.post("/__mock/clock", json={"speed": 2})) == (409, 409001)  # a manual clock has none


def test_admin_token_guards_the_controls(make: Any) -> None:
    api = make(admin_token="s3cret")
    assert error_of(api.get("/__mock/clock")) == (401, 401001)
    assert api.get("/__mock/clock", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_fixture_images_are_served_for_offline_image_to_video(api: TestClient) -> None:
    names = api.get("/__mock/fixtures").json()["fixtures"]
    assert names
    assert api.get(f"/__mock/fixtures/{names[0]}").status_code == 200
    assert error_of(api.get("/__mock/fixtures/..%2F..%2Fpyproject.toml")) == (404, 404001)
    r = submit(api, {"prompt": "x", "start_image_url": f"https://any.host/__mock/fixtures/{names[0]}"}, I2V)
    assert r.status_code == 200


def test_serve_flags_and_set_build_the_settings(tmp_path: Path) -> None:
    from mock_server.cli import build_parser, settings_from_args

    config = tmp_path / "mock.yaml"
    config.write_text("settings:\n  seed: 5\n  success_word: completed\n")
    args = build_parser().parse_args(
        ["serve", "--port", "9000", "--clock", "manual", "--config", str(config), "--set", "auth_error_style=400",
         "--set", "seed=6", "--set", "tokens=[a, b]"]
    )
    s = settings_from_args(args)
    assert (s.port, s.clock, s.auth_error_style, s.seed, s.success_word, s.tokens) == (
        9000, "manual", "400", 6, "completed", ["a", "b"]
    )
