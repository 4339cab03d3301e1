"""The admin API under /__mock/: fault rules, journal, reset, admin token, and its own OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from openapi_spec_validator import validate
from starlette.routing import Mount

from mock_server.web.admin import MOUNT, ROUTERS

# --- fault rules --------------------------------------------------------------------------------------------


def test_rules_are_added_listed_with_counts_and_removed(api: Any) -> None:
    added = api.add_rule({"name": "t", "match": {"path": "/v1/models"}, "effect": {"status": 500}, "first": 1})
    assert added["name"] == "t" and added["source"] == "admin" and added["matched"] == 0
    api.get("/v1/models", headers=api.AUTH)
    api.get("/v1/models", headers=api.AUTH)
    [rule] = api.get("/__mock/faults").json()["rules"]
    assert (rule["matched"], rule["fired"]) == (2, 1)
    assert api.delete("/__mock/faults/t").json() == {"removed": 1}
    assert api.delete("/__mock/faults/t").status_code == 404
    assert api.get("/__mock/faults").json() == {"rules": []}


def test_a_list_of_rules_can_be_posted_and_unnamed_rules_get_a_name(api: Any) -> None:
    r = api.post("/__mock/faults", json=[{"effect": {"status": 500}, "match": {"account": "a"}},
                                         {"effect": {"status": 503}, "match": {"account": "b"}}])
    assert [x["name"] for x in r.json()["rules"]] == ["rule-1", "rule-2"]
    assert [x["name"] for x in api.get("/__mock/faults", params={"account": "b"}).json()["rules"]] == ["rule-2"]
    assert api.delete("/__mock/faults", params={"account": "a"}).json() == {"removed": 1}
    assert api.delete("/__mock/faults").json() == {"removed": 1}


def test_the_same_name_in_two_account_scopes_is_two_rules(api: Any) -> None:
    for account in ("a", "b"):
        api.add_rule({"name": "x", "match": {"account": account}, "effect": {"status": 500}})
    api.add_rule({"name": "x", "effect": {"status": 503}})
    assert len(api.get("/__mock/faults").json()["rules"]) == 3
    assert api.delete("/__mock/faults/x", params={"account": ""}).json() == {"removed": 1}  # the unscoped one
    assert api.delete("/__mock/faults/x", params={"account": "a"}).json() == {"removed": 1}
    assert [r["match"]["account"] for r in api.get("/__mock/faults").json()["rules"]] == ["b"]


@pytest.mark.parametrize(
    ("rule", "loc"),
    [
        ({"effect": {"staus": 500}}, ["body", "effect", "staus"]),
        ({"effect": {"status": 500}, "first": 0}, ["body", "first"]),
        ({"effect": {"status": 500}, "match": {"endpoint": "nope"}}, ["body", "match", "endpoint"]),
        ({"effect": {"fail_at": 2}}, ["body", "effect", "fail_at"]),
        ({"match": {}}, ["body", "effect"]),
    ],
)
def test_a_bad_rule_is_refused_with_422001_naming_the_key(api: Any, rule: dict[str, Any], loc: list[str]) -> None:
    r = api.post("/__mock/faults", json=rule)
    assert r.status_code == 422 and r.json()["error_code"] == 422001
    assert any(d["loc"][: len(loc)] == loc for d in r.json()["detail"]), r.json()


# --- the journal --------------------------------------------------------------------------------------------


def test_the_journal_records_every_v1_and_files_request_with_its_decision(api: Any) -> None:
    api.add_rule({"name": "throttle", "match": {"path": "/v1/requests/*/status"}, "effect": {"status": 429, "retry_after": 7},
                  "first": 1})
    rid = api.rid({"prompt": "a cat", "duration": 3})
    api.status(rid)
    api.status(rid)
    api.get("/__mock/clock")  # controls are not journaled
    entries = api.journal(account="alice")
    assert [(e["method"], e["endpoint"], e["status"], e["decision"]) for e in entries] == [
        ("POST", "submit", 200, None), ("GET", "status", 429, "throttle"), ("GET", "status", 200, None)]
    submit, throttled, ok = entries
    assert submit["request_id"] == rid and submit["body"] == {"prompt": "a cat", "duration": 3}
    assert submit["path"] == f"/v1/models/{api.T2V}" and submit["model_id"] == api.T2V
    assert throttled["retry_after"] == "7" and throttled["response"]["error_code"] == 429001
    assert ok["response"]["status"] == "in_queue"
    for e in entries:
        assert e["time"] == 1767225600.0 and e["wall_time"] > 1.7e9 and e["latency_ms"] >= 0
    assert entries[0]["seq"] < entries[1]["seq"] < entries[2]["seq"]


def test_journal_filters(api: Any) -> None:
    rid = api.rid()
    api.advance(10)
    api.status(rid)
    api.get("/v1/models", headers={"Authorization": "Bearer bob"})
    api.status("no-such-id")
    assert [e["account"] for e in api.journal(account="bob")] == ["bob"]
    assert [e["endpoint"] for e in api.journal(request_id=rid)] == ["submit", "status"]
    assert [e["request_id"] for e in api.journal(path="/v1/requests/*/status")] == [rid, "no-such-id"]
    assert [e["request_id"] for e in api.journal(status=404)] == ["no-such-id"]
    assert [e["endpoint"] for e in api.journal(method="post")] == ["submit"]
    assert [e["endpoint"] for e in api.journal(until=1767225600.0 + 5)] == ["submit"]
    assert len(api.journal(since=1767225600.0 + 5)) == 3
    assert [e["request_id"] for e in api.journal(limit=1)] == ["no-such-id"]
    assert api.get("/__mock/journal", params={"status": "x"}).json()["error_code"] == 422001


def test_file_downloads_are_journaled_under_the_owner_of_the_job(api: Any) -> None:
    rid = api.rid({"prompt": "a cat", "duration": 3})
    api.advance(1000)
    assert api.get(f"/files/{rid}.mp4").status_code == 200
    [download] = api.journal(path="/files/*")
    assert (download["account"], download["request_id"], download["endpoint"]) == ("alice", rid, "files")
    assert download["response"] is None  # media is never kept


def test_the_journal_is_bounded_and_can_be_cleared(make: Any) -> None:
    api = make(journal_max_entries=3)
    for _ in range(5):
        api.get("/v1/models", headers=api.AUTH)
    api.get("/v1/models", headers={"Authorization": "Bearer bob"})
    assert len(api.journal()) == 3
    assert api.delete("/__mock/journal", params={"account": "bob"}).json() == {"removed": 1}
    assert api.delete("/__mock/journal").json() == {"removed": 2}
    assert api.get("/__mock/journal").json() == {"entries": [], "total": 0}


def test_large_bodies_are_not_kept(make: Any) -> None:
    api = make(journal_body_max_bytes=10)
    api.submit({"prompt": "a long enough prompt"})
    assert api.journal()[0]["body"] is None


# --- reset ---------------------------------------------------------------------------------------------------


def test_reset_of_one_account_clears_its_jobs_rules_journal_and_balance_only(api: Any) -> None:
    bob = {"Authorization": "Bearer bob"}
    api.rid()
    api.rid(headers=bob)
    api.add_rule({"name": "a", "match": {"account": "alice"}, "effect": {"status": 500}})
    api.add_rule({"name": "b", "match": {"account": "bob"}, "effect": {"latency": 0}})
    api.put("/__mock/accounts/alice/balance", json={"usd": 5})
    api.put("/__mock/accounts/bob/balance", json={"usd": 5})
    assert api.post("/__mock/reset", params={"account": "alice"}).json() == {"reset": "alice"}
    alice, bob_view = api.get("/__mock/accounts/alice").json(), api.get("/__mock/accounts/bob").json()
    assert alice["jobs"] == [] and alice["balance_usd"] is None and alice["ledger"] == []
    assert len(bob_view["jobs"]) == 1 and bob_view["balance_usd"] == 5
    assert [r["name"] for r in api.get("/__mock/faults").json()["rules"]] == ["b"]
    assert {e["account"] for e in api.journal()} == {"bob"}
    api.post("/__mock/reset")
    assert api.get("/__mock/faults").json()["rules"] == [] and api.journal() == []
    assert api.get("/__mock/accounts").json() == {"accounts": []}


# --- access and the document --------------------------------------------------------------------------------


def test_the_admin_token_guards_every_control(make: Any) -> None:
    api = make(admin_token="s3cret")
    for method, path in (("GET", "/__mock/faults"), ("GET", "/__mock/journal"), ("GET", "/__mock/accounts/x"),
                         ("PUT", "/__mock/accounts/x/balance"), ("DELETE", "/__mock/faults"), ("POST", "/__mock/reset")):
        r = api.request(method, path, json={"usd": 1})
        assert (r.status_code, r.json()["error_code"]) == (401, 401001), path
    assert api.get("/__mock/faults", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert api.get("/__mock/openapi.json").status_code == 200  # the document is public, like /openapi.json


def test_the_admin_openapi_document_is_valid_and_names_every_admin_route(api: Any) -> None:
    doc = api.get("/__mock/openapi.json").json()
    validate(doc)
    assert doc["servers"] == [{"url": "http://mock.test"}]
    assert [r.path for r in api.app.routes if isinstance(r, Mount) and r.path == MOUNT] == ["/__mock"]
    served = set()
    for router in ROUTERS:  # the routers of the /__mock sub-application; paths as a client calls them
        for route in router.routes:
            path = MOUNT + getattr(route, "path", "")
            assert isinstance(route, APIRoute) and path.startswith("/__mock/")
            served |= {(path, m.lower()) for m in route.methods - {"HEAD"}}
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert served == documented
    assert "/__mock/faults" not in api.get("/openapi.json").json()["paths"]  # /v1 stays the pure contract


def test_the_rule_schema_in_the_document_accepts_the_issue_examples(api: Any) -> None:
    from jsonschema import Draft202012Validator

    doc = api.get("/__mock/openapi.json").json()
    schema = {"$ref": "#/components/schemas/Rule", "components": doc["components"]}
    validator = Draft202012Validator(schema)
    for rule in ({"name": "throttle", "match": {"path": "/v1/requests/*/status"}, "effect": {"status": 429, "retry_after": 7},
                  "first": 2},
                 {"name": "outage", "match": {"path": "/v1/*"}, "effect": {"status": 503}, "window": {"start": 0, "end": 60}},
                 {"effect": {"latency": 0.2}}):
        assert not list(validator.iter_errors(rule))
    assert list(validator.iter_errors({"effect": {"staus": 1}}))


# --- the config file through the CLI ------------------------------------------------------------------------


def test_serve_config_sets_the_settings_and_hands_the_file_to_the_app(tmp_path: Any, capsys: Any) -> None:
    from mock_server.cli import build_parser, serve, settings_from_args

    cfg = tmp_path / "mock.yaml"
    cfg.write_text("settings: {seed: 9, clock: manual}\naccounts:\n  alice: {max_concurrent_jobs: 0}\n")
    args = build_parser().parse_args(["serve", "--config", str(cfg), "--cache-dir", str(tmp_path / "c")])
    settings = settings_from_args(args)
    assert (settings.seed, settings.clock, settings.config_file) == (9, "manual", cfg)
    assert serve(args) == 2  # max_concurrent_jobs must be >= 1: refused before the server starts
    assert "accounts.alice.max_concurrent_jobs" in capsys.readouterr().err


def test_the_admin_token_is_read_by_the_same_parser_as_the_apis_tokens(make: Any) -> None:
    api = make(admin_token="s3cret")
    for value in ("bearer s3cret", "Bearer  s3cret "):
        assert api.get("/__mock/faults", headers={"Authorization": value}).status_code == 200, value
    for value in ("Bearer s3cre", "Basic s3cret", "Bearer s3cret x", "s3cret", ""):
        r = api.get("/__mock/faults", headers={"Authorization": value})
        assert (r.status_code, r.json()["error_code"]) == (401, 401001), value
