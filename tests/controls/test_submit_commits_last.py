"""Validate first, commit last: a submit answered with anything but 200 stored nothing and charged nothing.

Everything that can refuse a submit (token, model, body, money, limits, faults, an answer that cannot be
sent) is worked out before the job is stored; these tests refuse a submit each way and then look at the
account: no job, nothing held, nothing spent.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from contracts._live import LiveServer

UNSENDABLE_NAMES = ["日本", "tab\there", "bell\x07", "del\x7f", "é"]


def assert_untouched(api: Any, token: str = "alice") -> None:
    view = api.get(f"/__mock/accounts/{token}").json()
    assert (view["jobs"], view["held_usd"], view["spent_usd"]) == ([], 0, 0)


@pytest.mark.parametrize("name", UNSENDABLE_NAMES)
def test_a_rule_name_that_cannot_go_into_a_header_refuses_the_submit_and_stores_nothing(api: Any, name: str) -> None:
    api.put("/__mock/accounts/alice/balance", json={"usd": 10})
    r = api.submit({"prompt": f"a cat [[mock:name={name},stuck]]"})
    assert r.status_code != 200
    assert r.json()["error_code"] == r.status_code * 1000 + 1
    assert_untouched(api)
    api.advance(100_000)
    assert_untouched(api)
    assert api.submit().status_code == 200  # the server is fine, and the next job is the account's first
    assert len(api.get("/__mock/accounts/alice").json()["jobs"]) == 1


@pytest.mark.parametrize("name", ["日本", "bell\x07"])
def test_over_a_real_socket_the_refusal_is_an_answer_and_nothing_is_stored(live: LiveServer, name: str) -> None:
    """uvicorn refuses to send such a header: the job used to be stored, run and billed while the client
    got a 500 or a closed connection."""
    auth = {"Authorization": "Bearer alice"}
    r = httpx.post(f"{live.base_url}/models/kling/kling-3.0/standard/text-to-video", headers=auth,
                   json={"prompt": f"[[mock:name={name},stuck]]"})
    assert r.status_code == 422 and r.json()["error_code"] == 422001
    view = httpx.get(f"{live.origin}/__mock/accounts/alice").json()
    assert (view["jobs"], view["held_usd"]) == ([], 0)


def test_an_admin_rule_whose_name_cannot_be_sent_is_refused_and_submits_go_on(api: Any) -> None:
    r = api.post("/__mock/faults", json={"name": "ünïcode", "match": {"endpoint": "submit"}, "effect": {"run_factor": 2}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "name"]
    assert api.get("/__mock/faults").json()["rules"] == []
    r = api.submit()
    assert r.status_code == 200 and "x-mock-decision" not in r.headers


@pytest.mark.parametrize(("setup", "request_kwargs", "status"), [
    ({}, {"headers": {}}, 401),
    ({}, {"model": "kling/nope"}, 400),
    ({}, {"body": {"prompt": "x", "duration": 99}}, 422),
    ({"balance": 0.1}, {}, 402),  # insufficient balance: 402 with 400002
    ({"limits": {"max_concurrent_jobs": 1}, "jobs": 1}, {}, 429),
    ({}, {"headers": {"Authorization": "Bearer alice", "X-Mock-Fault": "status=503"}}, 503),
    ({}, {"headers": {"Authorization": "Bearer alice", "X-Mock-Fault": "status=500,as_200"}}, 200),
])
def test_every_refusal_of_a_submit_leaves_the_account_as_it_was(
    api: Any, setup: dict[str, Any], request_kwargs: dict[str, Any], status: int
) -> None:
    if "balance" in setup:
        api.put("/__mock/accounts/alice/balance", json={"usd": setup["balance"]})
    if "limits" in setup:
        assert api.put("/__mock/accounts/alice/limits", json=setup["limits"]).status_code == 200
    before = [api.rid() for _ in range(setup.get("jobs", 0))]
    r = api.submit(request_kwargs.get("body"), model=request_kwargs.get("model"),
                   headers=request_kwargs.get("headers", api.AUTH) or {"X-Nothing": "1"})
    assert r.status_code == status and "error_code" in r.json()
    view = api.get("/__mock/accounts/alice").json()
    assert [j["request_id"] for j in view["jobs"]] == before
