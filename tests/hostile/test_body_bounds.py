"""Bodies built to hurt: deep nesting, huge arrays, megabyte strings. Each gets a small 422001, never a 500."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.sim.contract import Contract, load_spec, shape_problems
from mock_server.sim.errors import DETAIL_LIMIT
from mock_server.web.http import structure_count

T2V = "/v1/models/kling/kling-3.0/standard/text-to-video"
HEADERS = {"Authorization": "Bearer alice", "Content-Type": "application/json"}


def post(api: TestClient, raw: bytes | str) -> Any:
    return api.post(T2V, content=raw, headers=HEADERS)


def nested(depth: int, leaf: str = "1") -> str:
    """JSON text of objects nested `depth` deep (built as text: encoders refuse such depths)."""
    return '{"a":' * depth + leaf + "}" * depth


def assert_422(r: Any, type_: str) -> dict[str, Any]:
    assert r.status_code == 422, r.text[:300]
    body: dict[str, Any] = r.json()
    assert body["error_code"] == 422001 and body["error_message"]
    assert type_ in [d["type"] for d in body["detail"]], body["detail"][:3]
    return body


@pytest.mark.parametrize(
    "raw",
    [
        f'{{"prompt": "p", "multi_prompt": [{nested(1000)}]}}',
        f'{{"prompt": "p", "multi_prompt": [{{"prompt": {nested(1000)}, "duration": 5}}]}}',
        f'{{"prompt": {nested(1000)}}}',
        f'{{"prompt": "p", "unknown": {nested(1000)}}}',
        '{"prompt": "p", "multi_prompt": ' + "[" * 1000 + "]" * 1000 + "}",
    ],
    ids=["shot", "shot-prompt", "prompt", "unknown-field", "arrays"],
)
def test_a_body_nested_1000_deep_answers_422001_not_500(api: TestClient, raw: str) -> None:
    body = assert_422(post(api, raw), "too_deep")
    (item,) = body["detail"]
    assert item["loc"][0] == "body" and len(item["loc"]) <= 33
    assert "32 levels" in item["msg"]


def test_nesting_up_to_the_bound_is_judged_by_the_schema(api: TestClient) -> None:
    r = post(api, f'{{"prompt": "p", "unknown": {nested(30)}}}')
    assert r.status_code == 200, r.text


def test_the_depth_bound_is_a_setting(make: Any) -> None:
    deep = make(max_json_depth=100)
    assert post(deep, f'{{"prompt": "p", "unknown": {nested(60)}}}').status_code == 200
    assert_422(post(deep, f'{{"prompt": "p", "unknown": {nested(120)}}}'), "too_deep")


@pytest.mark.parametrize("item", [b"1", b"{}", b"[]"])
def test_300000_broken_shots_answer_a_small_422001_before_parsing(api: TestClient, item: bytes) -> None:
    """The raw scan refuses them before the parser builds 300,000 values (once: a 27 MB answer, 5 s)."""
    r = post(api, b'{"prompt":"p","multi_prompt":[' + b",".join([item] * 300_000) + b"]}")
    body = assert_422(r, "too_many_items")
    assert len(r.content) < 1_000
    assert body["detail"] == [{"loc": ["body"], "msg": body["detail"][0]["msg"], "type": "too_many_items"}]
    assert "10000 array items" in body["detail"][0]["msg"]


def test_too_many_items_past_the_raw_scan_are_named_where_they_are(api: TestClient) -> None:
    r = post(api, orjson.dumps({"prompt": "p", "multi_prompt": [1] * 15_000}))
    assert assert_422(r, "too_many_items")["detail"][0]["loc"] == ["body", "multi_prompt"]


def test_the_detail_list_names_the_first_50_errors_and_counts_the_rest(api: TestClient) -> None:
    shots = [{"prompt": 1, "duration": "x"} for _ in range(100)]
    r = post(api, orjson.dumps({"prompt": "p", "multi_prompt": shots}))
    body = assert_422(r, "too_many_errors")
    detail = body["detail"]
    assert len(detail) == DETAIL_LIMIT + 1
    assert all(d["type"] != "too_many_errors" for d in detail[:DETAIL_LIMIT])
    # 100 shots x 2 broken fields + maxItems = 201 problems: 50 listed, 151 counted.
    assert detail[-1]["msg"].startswith("151 more errors")


def test_a_missing_field_is_named_once(api: TestClient) -> None:
    body = assert_422(post(api, orjson.dumps({"prompt": "p", "multi_prompt": [{}]})), "missing")
    locs = [tuple(d["loc"]) for d in body["detail"]]
    assert sorted(locs) == [("body", "multi_prompt", 0, "duration"), ("body", "multi_prompt", 0, "prompt")]


@pytest.mark.parametrize("field", ["prompt", "negative_prompt", "unknown"])
def test_a_megabyte_string_answers_small(api: TestClient, field: str) -> None:
    """No maximum prompt length is published, so it is taken; a wrong type still answers a small 422001."""
    r = post(api, orjson.dumps({"prompt": "p", field: "x" * 1_000_000}))
    assert r.status_code == 200 and len(r.content) < 1_000
    r = post(api, orjson.dumps({"prompt": "p", "duration": "x" * 1_000_000}))
    assert_422(r, "type")
    assert len(r.content) < 2_000


def test_a_megabyte_key_is_clipped_in_the_answer(make: Any) -> None:
    strict = make(unknown_fields="reject")
    r = post(strict, orjson.dumps({"prompt": "p", "k" * 1_000_000: 1}))
    body = assert_422(r, "extra_forbidden")
    assert len(r.content) < 2_000 and body["detail"][0]["loc"][1].endswith("…")


def test_the_shape_bounds_apply_to_the_admin_api_too(api: TestClient) -> None:
    r = api.post("/__mock/faults", content=f'{{"effect": {nested(1000)}}}', headers=HEADERS)
    assert r.status_code == 422 and r.json()["error_code"] == 422001
    r = api.post("/__mock/faults", content=b"[" + b"1," * 300_000 + b"1]", headers=HEADERS)
    assert_422(r, "too_many_items")


# --- the raw scan and the walk, as specifications -------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from('ab,[]{}":\\ \n\u2028日'), max_size=20),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=5), children, max_size=6),
    max_leaves=60,
)


def items_in(value: Any) -> int:
    if isinstance(value, dict):
        return len(value) + sum(items_in(v) for v in value.values())
    if isinstance(value, list):
        return len(value) + sum(items_in(v) for v in value)
    return 0


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_the_raw_scan_never_refuses_a_body_within_the_item_bound(value: Any) -> None:
    """The scan counts commas and brackets outside strings: at most 2n + 1 for n items, whatever the strings
    hold (commas, brackets, escaped quotes), so it only ever refuses bodies the exact count would refuse."""
    raw = orjson.dumps(value)
    assert structure_count(raw, 10**9) <= 2 * items_in(value) + 1


def test_the_raw_scan_skips_strings_and_escaped_quotes() -> None:
    assert structure_count(b'{"a,[{": "x\\",,,[[{", "b": [1, 2]}', 100) == 4  # { , [ ,
    assert structure_count(b'"unterminated ,,,', 100) == 0
    assert structure_count(b"[" + b'"a",' * 1000 + b"1]", 10) < 30  # stops soon after passing the bound


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_the_walk_counts_exactly_the_items_and_never_recurses(value: Any) -> None:
    n = items_in(value)
    assert shape_problems(value, 1000, max(n, 1)) == []
    if n > 0:
        assert shape_problems(value, 1000, n - 1)[0]["type"] == "too_many_items"


def test_the_contract_refuses_deep_bodies_without_recursing() -> None:
    contract = Contract(load_spec())
    value: Any = 1
    for _ in range(100_000):  # far past Python's recursion limit
        value = {"a": value}
    assert shape_problems({"prompt": "p", "x": value}, 32, 10_000)[0]["type"] == "too_deep"
    with pytest.raises(Exception) as exc:
        contract.validate("kling/kling-3.0/standard/text-to-video", {"prompt": "p", "x": value})
    assert getattr(exc.value, "error_code", None) == 422001
