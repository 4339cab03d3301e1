"""Fault rules as pure functions: parsing (dict, header, prompt token), matching, triggers, replay."""

from __future__ import annotations

import pytest

from mock_server.sim.faults import (
    Decision,
    Facts,
    FaultBook,
    FaultRuleError,
    parse_compact,
    parse_rule,
    prompt_tokens,
    request_rules,
)

STATUS = Facts("GET", "/v1/requests/r1/status", "status", "alice", "kling/kling-3.0/pro/text-to-video", "r1")
SUBMIT = Facts("POST", "/v1/models/kling/kling-3.0/pro/text-to-video", "submit", "alice", "kling/kling-3.0/pro/text-to-video")


def book(*rules: dict, seed: int = 0, now: float = 0.0) -> FaultBook:
    b = FaultBook(seed)
    for r in rules:
        b.add(parse_rule(r), "admin", now)
    return b


def fired(b: FaultBook, facts: Facts = STATUS, now: float = 0.0) -> str:
    d = b.decide(facts, now)
    return d.header if d else ""


def test_first_n_fires_on_the_first_n_matches_only() -> None:
    b = book({"name": "t", "match": {"path": "/v1/requests/*/status"}, "effect": {"status": 429}, "first": 2})
    assert [fired(b) for _ in range(4)] == ["t", "t", "", ""]


def test_after_n_and_every_nth() -> None:
    b = book({"name": "a", "effect": {"status": 500}, "after": 2}, {"name": "e", "effect": {"status": 503}, "every": 3})
    assert [fired(b) for _ in range(6)] == ["", "", "a, e", "a", "a", "a, e"]


def test_limit_caps_the_total_number_of_fires() -> None:
    b = book({"name": "l", "effect": {"status": 500}, "every": 2, "limit": 2})
    assert [fired(b) for _ in range(8)] == ["", "l", "", "l", "", "", "", ""]


def test_window_is_clock_seconds_from_when_the_rule_was_added() -> None:
    b = book({"name": "outage", "match": {"path": "/v1/*"}, "effect": {"status": 503}, "window": {"start": 10, "end": 60}}, now=100.0)
    assert [fired(b, now=t) for t in (100, 109.9, 110, 159.9, 160)] == ["", "", "outage", "outage", ""]


def test_match_keys_all_have_to_hold() -> None:
    rule = {"name": "m", "effect": {"status": 500}, "match": {"account": "alice", "endpoint": ["status", "result"],
            "model": "*/pro/*", "method": "get", "path": "/v1/requests/*"}}
    b = book(rule)
    assert fired(b) == "m"
    assert fired(b, Facts("GET", "/v1/requests/r1/status", "status", "bob", STATUS.model, "r1")) == ""
    assert fired(b, Facts("POST", "/v1/requests/r1/cancel", "cancel", "alice", STATUS.model, "r1")) == ""
    assert fired(b, Facts("GET", "/v1/requests/r1/status", "status", "alice", "kling/kling-3.0/4k/text-to-video", "r1")) == ""


def test_a_rule_with_only_job_effects_matches_only_submits() -> None:
    b = book({"name": "fail", "effect": {"fail_at": 0.6, "error": "content_moderation"}})
    assert fired(b) == ""
    d = b.decide(SUBMIT, 0.0)
    assert d is not None and d.header == "fail"
    jf = d.job_fault()
    assert jf is not None and jf.fail_at == 0.6 and jf.error == "content_moderation"
    assert "moderation" in jf.error_message


def test_probability_is_seeded_per_rule_and_match_count() -> None:
    rule = {"name": "p", "effect": {"status": 500}, "probability": 0.5}
    runs = [[fired(b) for _ in range(40)] for b in (book(rule, seed=3), book(rule, seed=3))]
    assert runs[0] == runs[1]
    assert 5 < runs[0].count("p") < 35
    assert [fired(b) for b in [book(rule, seed=4)] for _ in range(40)] != runs[0]


def test_a_rules_draws_do_not_depend_on_other_rules_or_other_accounts() -> None:
    rule = {"name": "p", "effect": {"status": 500}, "probability": 0.5, "match": {"account": "alice"}}
    alone = book(rule, seed=1)
    crowded = book({"name": "q", "effect": {"latency": 0.0}, "probability": 0.3}, rule, seed=1)
    other = Facts("GET", "/v1/requests/r2/status", "status", "bob")
    seq_alone = [fired(alone) for _ in range(20)]
    seq_crowded = []
    for _ in range(20):
        crowded.decide(other, 0.0)
        seq_crowded.append("p" if "p" in fired(crowded).split(", ") else "")
    assert seq_alone == seq_crowded


def test_latency_shapes_sample_within_bounds_and_replay() -> None:
    for latency, lo, hi in (({"fixed": 0.2}, 0.2, 0.2), (0.3, 0.3, 0.3), ({"uniform": [0.1, 0.2]}, 0.1, 0.2),
                            ({"lognormal": {"median": 0.1, "sigma": 0.5}}, 0.0, 10.0)):
        samples = []
        for _ in range(2):
            b = book({"name": "slow", "effect": {"latency": latency}}, seed=9)
            samples.append([b.decide(STATUS, 0.0).latency_s for _ in range(5)])  # type: ignore[union-attr]
        assert samples[0] == samples[1]
        assert all(lo <= s <= hi for s in samples[0])


def test_unknown_keys_and_bad_values_are_refused_with_their_location() -> None:
    with pytest.raises(FaultRuleError) as exc:
        parse_rule({"name": "x", "effect": {"staus": 500}})
    assert ["body", "effect", "staus"] in [d["loc"] for d in exc.value.detail]
    with pytest.raises(FaultRuleError):
        parse_rule({"effect": {"status": 200}})
    with pytest.raises(FaultRuleError):
        parse_rule({"effect": {"latency": {"fixed": 1, "uniform": [0, 1]}}})
    with pytest.raises(FaultRuleError):
        parse_rule({"effect": {}})
    with pytest.raises(FaultRuleError):
        parse_rule({"name": "a,b", "effect": {"status": 500}})


def test_compact_form_covers_every_effect() -> None:
    r = parse_compact("status=429; retry_after=7, name=storm, first=2", "header", ["h"])
    assert (r.name, r.effect.status, r.effect.retry_after, r.first) == ("storm", 429, 7, 2)
    r = parse_compact("latency=uniform:0.1:0.3,drop,probability=0.25", "header", ["h"])
    assert r.effect.latency is not None and r.effect.latency.uniform == (0.1, 0.3)
    assert (r.effect.drop, r.probability) == ("close", 0.25)
    r = parse_compact("latency=lognormal:0.2:0.4,drop=reset", "header", ["h"])
    assert r.effect.latency is not None and r.effect.latency.lognormal is not None
    r = parse_compact("dribble=512:0.01,truncate=0.5,truncate_mode=short", "header", ["h"])
    assert r.effect.dribble is not None and (r.effect.dribble.chunk, r.effect.dribble.delay) == (512, 0.01)
    r = parse_compact("status=502,html", "header", ["h"])
    assert r.effect.html is True
    r = parse_compact("as_200,status=500", "header", ["h"])
    assert r.effect.as_200
    r = parse_compact("stuck", "prompt", ["p"])
    assert r.effect.stuck and r.name == "prompt"
    r = parse_compact("run_factor=3,not_found_for=5", "prompt", ["p"])
    assert (r.effect.run_factor, r.effect.not_found_for) == (3, 5)
    with pytest.raises(FaultRuleError):
        parse_compact("latency=gauss:1", "header", ["h"])
    with pytest.raises(FaultRuleError):
        parse_compact("status", "header", ["h"])


def test_prompt_tokens_are_found_in_the_prompt_and_in_multi_prompt() -> None:
    body = {"prompt": "a cat [[mock:status=500]]", "multi_prompt": [{"prompt": "x [[mock: stuck ]]", "duration": 5}]}
    assert prompt_tokens(body) == ["status=500", " stuck "]
    assert prompt_tokens({"prompt": "no tokens"}) == []
    assert prompt_tokens(["not", "a", "dict"]) == []


def test_request_rules_count_per_header_text_so_first_n_works_with_a_fixed_header() -> None:
    b = FaultBook(0)
    seq = []
    for _ in range(4):
        d = b.decide(STATUS, 0.0, request_rules("status=503,first=2", [], 0.0))
        seq.append(d.header if d else "")
    assert seq == ["header", "header", "", ""]


def test_earlier_rules_win_and_every_fired_rule_is_named() -> None:
    b = book({"name": "slow", "effect": {"latency": 0.01}}, {"name": "boom", "effect": {"status": 500}})
    d = b.decide(STATUS, 0.0, request_rules("status=429,name=hdr", [], 0.0))
    assert isinstance(d, Decision)
    assert d.header == "hdr, slow, boom"
    err = d.first("answers_error")
    assert err is not None and err.status == 429
    assert d.latency_s == pytest.approx(0.01)


def test_adding_a_rule_again_replaces_it_and_rules_are_unique_per_account_scope() -> None:
    b = FaultBook(0)
    b.add(parse_rule({"name": "t", "effect": {"status": 500}, "match": {"account": "a"}}), "admin", 0)
    b.add(parse_rule({"name": "t", "effect": {"status": 500}, "match": {"account": "b"}}), "admin", 0)
    b.add(parse_rule({"name": "t", "effect": {"status": 503}, "match": {"account": "b"}}), "admin", 0)
    assert sorted((r["match"]["account"], r["effect"]["status"]) for r in b.rules()) == [("a", 500), ("b", 503)]
    assert b.clear("a") == 1 and [r["match"]["account"] for r in b.rules()] == ["b"]
    assert b.remove("t") == 1 and b.rules() == []


def test_reset_restores_the_config_rules_with_fresh_counters() -> None:
    cfg = parse_rule({"name": "c", "effect": {"status": 500}, "first": 1})
    b = FaultBook(0, config_rules=[cfg])
    b.load_config(0.0)
    b.add(parse_rule({"name": "extra", "effect": {"status": 503}}), "admin", 0.0)
    assert fired(b) == "c, extra"
    assert fired(b) == "extra"
    b.reset(5.0)
    assert [r["name"] for r in b.rules()] == ["c"]
    assert fired(b) == "c"
