"""Billing, rate limits and concurrency limits over HTTP: what a submit costs, and when it is refused."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pytest

PRICE_STANDARD_5S = 0.63  # 0.126 $/s (with sound, text-to-video's default) x 5 s


def account(api: Any, token: str = "alice") -> dict[str, Any]:
    body: dict[str, Any] = api.get(f"/__mock/accounts/{token}").json()
    return body


# --- billing ------------------------------------------------------------------------------------------------


def test_an_exhausted_balance_refuses_the_submit_with_402_and_400002(api: Any) -> None:
    r = api.put("/__mock/accounts/alice/balance", json={"usd": 0.1})
    assert r.status_code == 200
    view = r.json()
    assert (view["balance_usd"], view["spent_usd"]) == (0.1, 0.0)
    assert view["ledger"][0]["kind"] == "balance_set"
    r = api.submit()
    assert (r.status_code, r.json()["error_code"]) == (402, 400002)
    assert "0.630" in r.json()["error_message"]
    assert account(api)["jobs"] == []


def test_insufficient_balance_answers_400_under_the_setting(make: Any) -> None:
    api = make(balance_error_status=400)
    api.put("/__mock/accounts/alice/balance", json={"usd": 0.1})
    r = api.submit()
    assert (r.status_code, r.json()["error_code"]) == (400, 400002)
    assert account(api)["jobs"] == []


STILL = "https://example.com/still.png"


@pytest.mark.parametrize(("model", "body", "price"), [
    ("kling/kling-3.0/standard/text-to-video", {"prompt": "x", "duration": 10, "sound": False}, 0.84),
    ("kling/kling-3.0/standard/text-to-video", {"prompt": "x", "duration": 10, "sound": True}, 1.26),
    ("kling/kling-3.0/standard/text-to-video", {"prompt": "x", "duration": 10}, 1.26),  # sound defaults to true
    ("kling/kling-3.0/pro/text-to-video", {"prompt": "x", "duration": 5, "sound": False}, 0.56),
    ("kling/kling-3.0/pro/text-to-video", {"prompt": "x", "duration": 5, "sound": True}, 0.84),
    ("kling/kling-3.0/4k/text-to-video", {"prompt": "x", "duration": 3, "sound": True}, 1.26),
    ("kling/kling-3.0/4k/text-to-video", {"prompt": "x", "duration": 3, "sound": False}, 1.26),
    # image-to-video: audio is `generate_audio` (default true), 10 s by default; `sound` means nothing there
    ("kling/kling-3.0/standard/image-to-video", {"prompt": "x", "start_image_url": STILL}, 1.26),
    ("kling/kling-3.0/standard/image-to-video", {"prompt": "x", "start_image_url": STILL, "generate_audio": False},
     0.84),
    ("kling/kling-3.0/pro/image-to-video", {"prompt": "x", "start_image_url": STILL, "sound": False}, 1.68),
    ("kling/kling-3.0/pro/image-to-video", {"prompt": "x", "start_image_url": STILL, "duration": 5,
                                           "generate_audio": False}, 0.56),
])
def test_prices_follow_the_published_table(api: Any, model: str, body: dict[str, Any], price: float) -> None:
    rid = api.rid(body, model=model)
    api.advance(100_000)
    assert api.get(f"/v1/requests/{rid}/result", params={"include_cost": "true"}, headers=api.AUTH).json()["cost"] == \
        pytest.approx(price)
    assert account(api)["spent_usd"] == pytest.approx(price)


def test_only_succeeded_jobs_are_charged_at_their_finish_time(api: Any) -> None:
    api.put("/__mock/accounts/alice/balance", json={"usd": 10})
    ok = api.rid()
    failed = api.rid({"prompt": "x [[mock:fail_at=0.3]]"})
    cancelled = api.rid()
    assert api.post(f"/v1/requests/{cancelled}/cancel", headers=api.AUTH).json()["outcome"] == "cancelled"
    view = account(api)
    assert view["spent_usd"] == 0 and view["held_usd"] == pytest.approx(2 * PRICE_STANDARD_5S)
    api.advance(100_000)
    view = account(api)
    assert view["spent_usd"] == pytest.approx(PRICE_STANDARD_5S)
    assert view["balance_usd"] == pytest.approx(10 - PRICE_STANDARD_5S)
    assert view["held_usd"] == 0
    charge = view["ledger"][-1]
    job = next(j for j in view["jobs"] if j["request_id"] == ok)
    assert (charge["kind"], charge["request_id"], charge["amount_usd"]) == ("charge", ok, -PRICE_STANDARD_5S)
    assert charge["time_iso"] == job["finished_at"]
    assert {j["request_id"]: j["charged_usd"] for j in view["jobs"]} == {ok: PRICE_STANDARD_5S, failed: 0, cancelled: 0}
    assert [e["kind"] for e in view["ledger"]] == ["balance_set", "charge"]


def test_reading_the_account_never_changes_it(api: Any) -> None:
    api.rid()
    api.advance(100_000)
    assert account(api) == account(api)


def test_unfinished_jobs_hold_their_price_against_the_balance(make: Any) -> None:
    for holds, second in ((True, 402), (False, 200)):
        api = make(balance_holds_pending=holds)
        api.put("/__mock/accounts/alice/balance", json={"usd": 1.0})
        assert api.submit().status_code == 200
        assert api.submit().status_code == second


def test_a_balance_set_counts_only_later_charges_and_null_is_unlimited_again(api: Any) -> None:
    api.rid()
    api.advance(100_000)
    view = api.put("/__mock/accounts/alice/balance", json={"usd": 1.0}).json()
    assert view["balance_usd"] == 1.0 and view["spent_usd"] == pytest.approx(PRICE_STANDARD_5S)
    api.rid()
    api.advance(100_000)
    assert account(api)["balance_usd"] == pytest.approx(1.0 - PRICE_STANDARD_5S)
    assert api.submit().json()["error_code"] == 400002
    api.put("/__mock/accounts/alice/balance", json={"usd": None})
    assert api.submit().status_code == 200


def test_default_balance_setting_applies_to_every_account(make: Any) -> None:
    api = make(default_balance_usd=0.2)
    assert api.submit().json()["error_code"] == 400002
    assert account(api, "anyone")["balance_usd"] == 0.2


@pytest.mark.parametrize("body", [{"usd": -1}, {"usd": "1"}, {"usd": True}, {}, [1]])
def test_a_bad_balance_is_refused(api: Any, body: Any) -> None:
    r = api.put("/__mock/accounts/alice/balance", json=body)
    assert (r.status_code, r.json()["error_code"]) == (422, 422001)


# --- rate limit ---------------------------------------------------------------------------------------------


def test_requests_over_the_bucket_get_429_with_a_retry_after_from_its_state(make: Any) -> None:
    api = make(rate_limit_rps=0.25, rate_limit_burst=2)
    assert [api.get("/v1/models", headers=api.AUTH).status_code for _ in range(2)] == [200, 200]
    r = api.get("/v1/models", headers=api.AUTH)
    assert (r.status_code, r.json()["error_code"], r.headers["retry-after"]) == (429, 429001, "4")
    assert r.headers["x-mock-decision"] == "rate-limit"
    api.advance(1.5)
    assert api.get("/v1/models", headers=api.AUTH).headers["retry-after"] == "3"  # 2.5 s left, rounded up
    assert api.get("/v1/models", headers={"Authorization": "Bearer bob"}).status_code == 200  # per account
    api.advance(2.5)
    assert api.get("/v1/models", headers=api.AUTH).status_code == 200
    assert api.journal(status=429)[0]["decision"] == "rate-limit"


def test_limits_can_be_set_per_account(api: Any) -> None:
    view = api.put("/__mock/accounts/alice/limits", json={"rps": 1, "burst": 1}).json()
    assert view["limits"] == {"rps": 1, "burst": 1, "max_concurrent_jobs": None}
    assert api.get("/v1/models", headers=api.AUTH).status_code == 200
    r = api.get("/v1/models", headers=api.AUTH)
    assert (r.status_code, r.headers["retry-after"]) == (429, "1")
    assert api.get("/v1/models", headers={"Authorization": "Bearer bob"}).status_code == 200
    assert account(api)["rate_tokens"] == 0
    assert api.put("/__mock/accounts/alice/limits", json={"rps": 0}).json()["error_code"] == 422001


# --- concurrent jobs ----------------------------------------------------------------------------------------


def test_concurrent_jobs_over_the_limit_get_429_until_one_ends(make: Any) -> None:
    api = make(max_concurrent_jobs=1)
    first = api.rid()
    r = api.submit()
    assert (r.status_code, r.json()["error_code"]) == (429, 429001)
    retry_after = int(r.headers["retry-after"])
    api.advance(100_000)
    job = account(api)["jobs"][0]
    assert job["request_id"] == first
    ends_in = datetime.fromisoformat(job["finished_at"]).timestamp() - 1767225600.0
    assert retry_after == math.ceil(ends_in)
    assert api.submit().status_code == 200


def test_a_cancelled_job_frees_its_place_at_once(make: Any) -> None:
    api = make(max_concurrent_jobs=1)
    first = api.rid()
    api.post(f"/v1/requests/{first}/cancel", headers=api.AUTH)
    assert api.submit().status_code == 200


def test_stuck_jobs_count_and_answer_a_fixed_retry_after(make: Any) -> None:
    api = make(max_concurrent_jobs=1)
    api.rid({"prompt": "x [[mock:stuck]]"})
    api.advance(1e6)
    r = api.submit()
    assert (r.status_code, r.headers["retry-after"]) == (429, "60")
