"""Submit bodies: every valid body is accepted with the four fields, every broken one is refused with 422001.

Bodies come from `contracts.strategies`, which derives them from `openapi.yaml`: valid ones obey every
schema keyword and the `multi_prompt` sum rule; invalid ones break exactly one rule, and know which field
a server's `detail[].loc` must name. Each way of breaking a body is its own test, so a run covers every
rule of every model instead of hoping a random draw finds the one a server gets wrong.

On the real API an accepted submit is a paid job: it goes through `target.pay` first and is cancelled at
once. A refused one is free, which is why the invalid-body tests run without `--max-spend`; should the
real API accept one anyway, the job is cancelled at once and the test fails.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.checks import assert_conforms, assert_status_word
from contracts.strategies import Invalid, invalid_cases, model_ids, valid_inputs
from contracts.suite.target import Exchange, Target, estimate_cost, model_path
from mock_server.spec import submit_operations

MODELS = model_ids()
CASES = [(m, c.where, c.rule) for m in MODELS for c in invalid_cases(m)]
_SETTINGS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
}


def _cancel_if_accepted(target: Target, ex: Exchange, token: str) -> None:
    """Stop a job that should not exist (or that was only submitted to be checked) before it costs more."""
    if ex.status_code == 200 and isinstance(ex.body, dict) and isinstance(ex.body.get("request_id"), str):
        target.call("POST", f"/requests/{ex.body['request_id']}/cancel", token=token)


def _value_at(body: Any, path: tuple[str | int, ...]) -> Any:
    node = body
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return "<missing>"
    return node


@pytest.mark.parametrize("model_id", MODELS)
def test_valid_body_is_accepted_with_the_four_urls(target: Target, model_id: str) -> None:
    """200 with `request_id` and the absolute `status_url`, `result_url`, `cancel_url` of that request,
    each of which then answers as the contract says."""
    op = submit_operations()[model_id].operation_id
    token = target.fresh_token()

    @settings(max_examples=target.examples(4), phases=target.phases(), **_SETTINGS)  # type: ignore[arg-type]
    @given(body=valid_inputs(model_id))
    def check(body: dict[str, Any]) -> None:
        target.pay(estimate_cost(model_id, body), f"a submit to {model_id}")
        ex = target.call("POST", model_path(model_id), json_body=body, token=token)
        try:
            assert ex.status_code == 200, f"a valid body was refused: {ex.describe()}"
            assert_conforms(ex.body, 200, op)
            rid = ex.body["request_id"]
            for key, action in (("status_url", "status"), ("result_url", "result"), ("cancel_url", "cancel")):
                parts = urlsplit(ex.body[key])
                assert parts.scheme in ("http", "https") and parts.netloc, f"{key} is not absolute: {ex.describe()}"
                assert parts.path.endswith(f"/requests/{rid}/{action}"), f"{key} is not this request's: {ex.describe()}"
            for key, method, operation in (
                ("status_url", "GET", "getStatus"),
                ("result_url", "GET", "getResult"),
                ("cancel_url", "POST", "cancelRequest"),
            ):
                followed = target.call(method, ex.body[key], token=token)
                assert followed.status_code == 200, f"{key} of an accepted job does not answer: {followed.describe()}"
                assert_status_word(followed.body, operation)
                assert_conforms(followed.body, 200, operation)
                assert followed.body["request_id"] == rid, f"{key} answers another request: {followed.describe()}"
        finally:
            if target.kind == "real":
                _cancel_if_accepted(target, ex, token)

    check()


@pytest.mark.parametrize(("model_id", "where", "rule"), CASES, ids=[f"{m}:{w}:{r}" for m, w, r in CASES])
def test_invalid_body_gets_422001_naming_the_field(target: Target, model_id: str, where: str, rule: str) -> None:
    """A body that breaks one rule answers 422 with error code 422001, and a `detail` item whose `loc` is
    `["body", *path]` (the exact place) or at least starts with `["body", field]`."""
    op = submit_operations()[model_id].operation_id
    cases = [c.strategy for c in invalid_cases(model_id) if c.where == where and c.rule == rule]
    token = target.fresh_token()

    @settings(max_examples=target.examples(3), phases=target.phases(), **_SETTINGS)  # type: ignore[arg-type]
    @given(inv=st.one_of(*cases))
    def check(inv: Invalid) -> None:
        ex = target.call("POST", model_path(model_id), json_body=inv.body, token=token)
        _cancel_if_accepted(target, ex, token)
        broken = f"{'.'.join(map(str, inv.path))}={_value_at(inv.body, inv.path)!r}"
        assert ex.status_code == 422, (
            f"{model_id}: a body breaking rule {inv.rule!r} of field {inv.field!r} ({broken}) was answered "
            f"HTTP {ex.status_code}, not 422: {ex.describe()}"
        )
        assert_conforms(ex.body, 422, op)
        assert ex.body["error_code"] == 422001, f"expected error_code 422001: {ex.describe()}"
        detail = ex.body.get("detail")
        assert isinstance(detail, list) and detail, f"422001 without a detail list: {ex.describe()}"
        locs = [item.get("loc") for item in detail if isinstance(item, dict)]
        exact = ["body", *inv.path]
        assert any(loc == exact or (isinstance(loc, list) and loc[:2] == ["body", inv.field]) for loc in locs), (
            f"{model_id}: rule {inv.rule!r} broken at {exact}, but no detail loc names field {inv.field!r}: {locs}"
        )

    check()
