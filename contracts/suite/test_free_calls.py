"""Calls that cost nothing: auth errors, unknown ids, unknown models, the catalog.

These are the only tests that run against the real API without `--max-spend`: none of them can start a
job (a submit here is either unauthenticated or to a model that does not exist). Each answer is checked
against the schema `openapi.yaml` declares for it, and against the error code the contract documents.
"""

from __future__ import annotations

import uuid

import pytest

from contracts.checks import assert_conforms
from contracts.suite.target import NO_TOKEN, Exchange, Target, model_path
from mock_server.spec import input_schema, submit_operations

NEVER_ISSUED = "00000000-0000-4000-8000-000000000000"
UNKNOWN_MODEL = "kling/kling-9.9/pro/text-to-video"
#: A missing or bad token answers 401 with 401001 or, under the other reading of the docs, 400 with 400004.
AUTH_ERRORS = {(401, 401001), (400, 400004)}
A_VALID_BODY = {"prompt": "A red fox trotting through fresh snow at dawn", "duration": 3}
OPS = submit_operations()
T2V = next(m for m, op in OPS.items() if op.mode == "text-to-video")
#: The real catalog holds hundreds of models; this narrows a page to the contract's family.
FAMILY_SEARCH = {"search": "kling-3.0", "limit": "500"}


def _error(ex: Exchange) -> tuple[int, object]:
    return ex.status_code, ex.body.get("error_code") if isinstance(ex.body, dict) else None


def _assert_auth_error(ex: Exchange, operation_id: str) -> None:
    assert _error(ex) in AUTH_ERRORS, f"expected 401/401001 or 400/400004 for a missing or bad token: {ex.describe()}"
    assert_conforms(ex.body, ex.status_code, operation_id)


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Basic dXNlcjpwYXNz", "Bearer"],
    ids=["no-header", "empty", "basic-scheme", "bearer-without-token"],
)
def test_a_submit_without_a_usable_token_is_refused(target: Target, authorization: str | None) -> None:
    """The token is checked before the body: a valid body without a usable bearer token starts nothing."""
    headers = {} if authorization is None else {"Authorization": authorization}
    ex = target.call("POST", model_path(T2V), json_body=A_VALID_BODY, token=NO_TOKEN, headers=headers)
    _assert_auth_error(ex, OPS[T2V].operation_id)


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("GET", f"/requests/{NEVER_ISSUED}/status", "getStatus"),
        ("GET", f"/requests/{NEVER_ISSUED}/result", "getResult"),
        ("POST", f"/requests/{NEVER_ISSUED}/cancel", "cancelRequest"),
        ("GET", "/models", "listModels"),
        ("GET", "/models/categories", "listCategories"),
    ],
)
def test_every_route_needs_a_token(target: Target, method: str, path: str, operation_id: str) -> None:
    ex = target.call(method, path, token=NO_TOKEN)
    _assert_auth_error(ex, operation_id)


@pytest.mark.parametrize("request_id", [NEVER_ISSUED, "random-uuid4"])
@pytest.mark.parametrize(
    ("method", "action", "operation_id"),
    [("GET", "status", "getStatus"), ("GET", "result", "getResult"), ("POST", "cancel", "cancelRequest")],
)
def test_an_unknown_request_id_answers_404001(
    target: Target, request_id: str, method: str, action: str, operation_id: str
) -> None:
    rid = str(uuid.uuid4()) if request_id == "random-uuid4" else request_id
    ex = target.call(method, f"/requests/{rid}/{action}")
    assert _error(ex) == (404, 404001), f"expected 404/404001 for a request id never issued: {ex.describe()}"
    assert_conforms(ex.body, 404, operation_id)


def test_a_submit_to_an_unknown_model_answers_400001(target: Target) -> None:
    ex = target.call("POST", model_path(UNKNOWN_MODEL), json_body=A_VALID_BODY)
    assert _error(ex) == (400, 400001), f"expected 400/400001 for an unknown model id: {ex.describe()}"
    assert_conforms(ex.body, 400, "submitAnyModel")


def test_the_catalog_entry_of_an_unknown_model_answers_400001(target: Target) -> None:
    ex = target.call("GET", model_path(UNKNOWN_MODEL))
    assert _error(ex) == (400, 400001), f"expected 400/400001 for an unknown model id: {ex.describe()}"
    assert_conforms(ex.body, 400, "getModel")


def test_the_catalog_lists_every_model_of_the_contract_at_its_price(target: Target) -> None:
    ex = target.call("GET", "/models", params=FAMILY_SEARCH)
    assert ex.status_code == 200, ex.describe()
    assert_conforms(ex.body, 200, "listModels")
    listed = {m["model_id"]: m for m in ex.body["models"]}
    missing = sorted(set(OPS) - set(listed))
    assert not missing, f"the catalog does not list {missing}"
    for model_id, op in OPS.items():
        entry = listed[model_id]
        assert entry["base_price_usd"] == pytest.approx(op.price_no_audio), f"{model_id}: {entry}"
        prices = entry.get("price_usd_per_second")
        if prices is not None:
            assert prices["no_audio"] == pytest.approx(op.price_no_audio), f"{model_id}: {prices}"
            assert prices["audio"] == pytest.approx(op.price_audio), f"{model_id}: {prices}"
        assert set(op.categories) <= set(entry["categories"]), f"{model_id}: {entry['categories']}"
    assert ex.body["total"] >= len(ex.body["models"])


def test_catalog_entries_read_as_runcomfys_clients_read_them(target: Target) -> None:
    """`kind: model`, `price_unit: second` (the partner nodes refuse any other unit before a video submit),
    the inputs and the required ones named, and `input_schema` only when asked for."""
    plain = target.call("GET", "/models", params=FAMILY_SEARCH)
    full = target.call("GET", "/models", params={**FAMILY_SEARCH, "include_schema": "true"})
    for ex in (plain, full):
        assert ex.status_code == 200, ex.describe()
        assert_conforms(ex.body, 200, "listModels")
    listed = {m["model_id"]: m for m in plain.body["models"]}
    with_schema = {m["model_id"]: m for m in full.body["models"]}
    for model_id in OPS:
        entry = listed[model_id]
        assert (entry["kind"], entry["price_unit"]) == ("model", "second"), f"{model_id}: {entry}"
        assert "input_schema" not in entry, f"{model_id}: the list carries input_schema without include_schema"
        schema = input_schema(model_id)
        assert set(entry["required_inputs"]) == set(schema["required"]), f"{model_id}: {entry['required_inputs']}"
        assert set(entry["required_inputs"]) <= set(entry["inputs"]), f"{model_id}: {entry['inputs']}"
        assert with_schema[model_id]["input_schema"].get("type") == "object", f"{model_id}: no input_schema"


@pytest.mark.parametrize("model_id", list(OPS))
def test_each_models_catalog_entry_is_served_at_its_id(target: Target, model_id: str) -> None:
    ex = target.call("GET", model_path(model_id))
    assert ex.status_code == 200, ex.describe()
    operation_id = f"get{OPS[model_id].operation_id.removeprefix('submit')}Model"
    assert_conforms(ex.body, 200, operation_id)
    assert ex.body["model_id"] == model_id
    assert ex.body["input_schema"].get("type") == "object", "input_schema is not an object schema"


def test_the_categories_cover_the_contract_models(target: Target) -> None:
    ex = target.call("GET", "/models/categories")
    assert ex.status_code == 200, ex.describe()
    assert_conforms(ex.body, 200, "listCategories")
    wanted = {c for op in OPS.values() for c in op.categories}
    assert wanted <= set(ex.body["categories"]), f"missing categories: {sorted(wanted - set(ex.body['categories']))}"
