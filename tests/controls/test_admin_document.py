"""The controls' OpenAPI document is generated from their typed models, and every answer matches it.

The routes answer the simulation's own views; this walks every documented operation, success and error,
and validates each JSON answer against the schema its route declares for that status. Response models
forbid unknown keys, so a field added to a view without being documented fails here.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from mock_server.web.admin import MOUNT

EXAMPLE_RULES = [
    {"name": "slow", "match": {"path": "/v1/models"}, "effect": {"latency": 0}, "window": {"start": 0, "end": 60}},
    {"name": "throttle", "match": {"path": "/v1/requests/*/status"}, "effect": {"status": 429, "retry_after": 7},
     "first": 1},
    {"name": "doomed", "match": {"account": "alice"}, "effect": {"fail_at": 0.5, "error": "timeout"}, "after": 3},
]


def schema_of(doc: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    responses = doc["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, which it does not declare"
    schema: dict[str, Any] = responses[str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": doc["components"]}


def test_every_answer_matches_the_schema_its_route_declares(make: Any) -> None:
    api = make(default_balance_usd=10.0, rate_limit_rps=100.0)
    doc = api.get(f"{MOUNT}/openapi.json").json()
    seen: set[tuple[str, str]] = set()

    def call(method: str, path: str, template: str | None = None, **kwargs: Any) -> Any:
        r = api.request(method.upper(), path, **kwargs)
        key = (template or path.split("?")[0], method)
        validator = Draft202012Validator(schema_of(doc, *key, r.status_code))
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(r.json())]
        assert not errors, f"{method.upper()} {path} -> {r.status_code}: {errors}\n{r.json()}"
        seen.add(key)
        return r

    # Something in every view: jobs in several phases, charges, rules with windows and counts, journal entries.
    call("post", f"{MOUNT}/faults", json=EXAMPLE_RULES)
    call("post", f"{MOUNT}/faults", json={"name": "one", "match": {"endpoint": ["models"]}, "effect": {"status": 503}})
    done, queued = api.rid({"prompt": "a cat", "duration": 3}), api.rid()
    api.status(done)
    api.get("/v1/models", headers=api.AUTH)
    call("post", f"{MOUNT}/clock/advance", json={"seconds": 1000})
    api.rid(), api.result(done), api.status(queued)
    call("put", f"{MOUNT}/accounts/alice/balance", f"{MOUNT}/accounts/{{token}}/balance", json={"usd": 5})
    call("put", f"{MOUNT}/accounts/alice/limits", f"{MOUNT}/accounts/{{token}}/limits", json={"rps": 50, "burst": 5})
    call("put", f"{MOUNT}/accounts/bob/balance", f"{MOUNT}/accounts/{{token}}/balance", json={"usd": None})

    view = call("get", f"{MOUNT}/accounts/alice", f"{MOUNT}/accounts/{{token}}").json()
    assert {j["phase"] for j in view["jobs"]} >= {"succeeded", "in_queue"} and view["ledger"]
    assert len(call("get", f"{MOUNT}/journal").json()["entries"]) >= 6
    assert any("window_clock" in r for r in call("get", f"{MOUNT}/faults").json()["rules"])
    call("get", f"{MOUNT}/clock")
    call("post", f"{MOUNT}/clock", json={"advance": 1})
    call("get", f"{MOUNT}/inspect/{done}", f"{MOUNT}/inspect/{{request_id}}")
    call("get", f"{MOUNT}/inspect/{queued}", f"{MOUNT}/inspect/{{request_id}}")  # 404: not succeeded
    call("post", f"{MOUNT}/clock", json={"speed": 2})  # 409: a manual clock has no speed
    call("get", f"{MOUNT}/accounts")
    call("get", f"{MOUNT}/fixtures")
    seen.add((f"{MOUNT}/fixtures/{{name}}", "get"))  # an image, not JSON; its 404 is checked below

    # Errors: each in the API's body, under a status the route declares.
    call("get", f"{MOUNT}/fixtures/nope.png", f"{MOUNT}/fixtures/{{name}}")
    call("post", f"{MOUNT}/clock/advance", json={"seconds": -1})
    call("post", f"{MOUNT}/clock", json={"advance": "soon"})
    call("post", f"{MOUNT}/faults", json=[{"effect": {"staus": 500}}])
    call("put", f"{MOUNT}/accounts/alice/limits", f"{MOUNT}/accounts/{{token}}/limits", content=b"{}")
    call("put", f"{MOUNT}/accounts/alice/balance", f"{MOUNT}/accounts/{{token}}/balance",
         content=b"[" * 2_000_000, headers={"content-type": "application/json"})
    call("get", f"{MOUNT}/journal?status=teapot")
    call("delete", f"{MOUNT}/faults/nope", f"{MOUNT}/faults/{{name}}")
    call("delete", f"{MOUNT}/faults/one", f"{MOUNT}/faults/{{name}}")
    call("delete", f"{MOUNT}/faults?account=alice")
    call("delete", f"{MOUNT}/journal?account=bob")
    call("post", f"{MOUNT}/reset?account=alice")
    call("get", f"{MOUNT}/openapi.json")

    guarded = make(admin_token="s3cret")
    assert guarded.get(f"{MOUNT}/clock").json()["error_code"] == 401001
    assert "401" in doc["paths"][f"{MOUNT}/clock"]["get"]["responses"]

    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert documented == seen, f"not exercised: {sorted(documented - seen)}"


def test_the_document_is_generated_from_the_models_the_routes_validate_with(api: Any) -> None:
    from mock_server.sim.accounts import AccountConfig
    from mock_server.web.admin.models import BalanceSet, ClockSeconds, RuleView

    doc = api.get(f"{MOUNT}/openapi.json").json()
    schemas = doc["components"]["schemas"]
    body = doc["paths"][f"{MOUNT}/accounts/{{token}}/balance"]["put"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/BalanceSet"}
    assert schemas["BalanceSet"]["required"] == ["usd"] == list(BalanceSet.model_json_schema()["required"])
    assert set(schemas["ClockSeconds"]["properties"]) == set(ClockSeconds.model_fields)
    assert set(schemas["AccountConfig"]["properties"]) == set(AccountConfig.model_fields)
    assert set(schemas["RuleView"]["properties"]) == set(RuleView.model_fields)
    assert "HTTPValidationError" not in schemas  # every 422 is documented with the API's own error body
    ops = [op for ops in doc["paths"].values() for op in ops.values()]
    assert all(op["responses"].get("422", {}).get("content", {}).get("application/json", {}).get("schema")
               == {"$ref": "#/components/schemas/ErrorBody"} for op in ops if "422" in op["responses"])
