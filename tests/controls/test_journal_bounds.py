"""The journal always answers: whatever one client sent, reading it never fails and shows bounded bodies."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.sim.journal import MAX_DEPTH, Journal, Query, bounded, present

JSON = {"content-type": "application/json"}


def nested(depth: int) -> bytes:
    return b'{"prompt": "a cat", "extra": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("depth", [251, 300, 1000, 5000])
def test_a_deeply_nested_body_does_not_poison_the_journal(api: Any, depth: int) -> None:
    rid = api.rid()
    r = api.post(f"/v1/models/{api.T2V}", content=nested(depth), headers={**api.AUTH, **JSON})
    assert r.status_code in (200, 422), r.text  # accepted (unknown field) or refused (deeper than JSON parses)
    api.assert_serving(rid)
    last = api.journal(method="POST")[-1]
    assert last["endpoint"] == "submit" and last["status"] == r.status_code
    orjson.dumps(last)  # what was shown serialises again (the client's own decoder may have the same limit)


def test_a_deep_body_under_a_known_field_is_cut_at_the_depth_limit(api: Any) -> None:
    deep: Any = "bottom"
    for _ in range(300):
        deep = {"shot": deep}
    r = api.post(f"/v1/models/{api.T2V}", json={"prompt": "a cat", "multi_prompt": [deep]}, headers=api.AUTH)
    assert r.status_code == 422
    shown = api.journal()[-1]["body"]["multi_prompt"]
    levels = 0
    while isinstance(shown, dict | list):
        shown = shown[0] if isinstance(shown, list) else shown["shot"]
        levels += 1
    assert levels == MAX_DEPTH - 1  # the body's own object is the first level
    assert "nested deeper than" in shown


def test_unknown_fields_appear_only_as_a_bounded_summary(api: Any) -> None:
    body = {"prompt": "a cat", "duration": 5, "extra_blob": "x" * 10_000, "meta": {"a": 1, "b": [1, 2]}, "n": 7}
    assert api.submit(body).status_code == 200
    shown = api.journal()[-1]["body"]
    assert shown["prompt"] == "a cat" and shown["duration"] == 5  # the contract's fields as sent
    assert shown["extra_blob"] == "<unknown field: string of 10000 characters>"
    assert shown["meta"] == "<unknown field: object of 2 keys>"
    assert shown["n"] == "<unknown field: number 7>"


def test_a_submit_to_an_unknown_model_keeps_its_body_as_sent(api: Any) -> None:
    api.post("/v1/models/nobody/nothing", json={"prompt": "a cat", "x": 1}, headers=api.AUTH)
    assert api.journal()[-1]["body"] == {"prompt": "a cat", "x": 1}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(value=json_values, depth=st.integers(0, 400), known=st.booleans())
def test_any_recorded_body_is_shown_as_serialisable_json(value: Any, depth: int, known: bool) -> None:
    for _ in range(depth):
        value = [value]
    raw = orjson.dumps({"prompt": "p", "x": value}) if depth < 250 else b'{"x": ' + b"[" * depth + b"]" * depth + b"}"
    journal = Journal(4, lambda m: frozenset({"prompt"}) if known else None)
    journal.record({"time": 0.0, "endpoint": "submit", "model_id": "m", "body": raw, "response": raw})
    out = journal.query(Query())
    orjson.dumps(out)
    assert present({"time": 0.0, "body": None})["body"] is None


def test_bounded_leaves_shallow_values_alone() -> None:
    value = {"a": [1, {"b": "c"}], "d": None}
    assert bounded(value) == value
