"""Replay: the same seed and the same request sequence give the same decisions and the same bodies."""

from __future__ import annotations

from typing import Any

VOLATILE = ("wall_time", "latency_ms")


def scenario(api: Any) -> list[tuple[Any, ...]]:
    """A mixed session: seeded coin-flip rules, latency samples, header and prompt rules, jobs that fail,
    a rate limit; every answer's status, decision and body is recorded."""
    api.add_rule({"name": "coin", "match": {"path": "/v1/requests/*/status"}, "effect": {"status": 503},
                  "probability": 0.4})
    api.add_rule({"name": "jitter", "match": {"endpoint": "result"},
                  "effect": {"latency": {"uniform": [0.0, 0.002]}}, "probability": 0.5})
    api.add_rule({"name": "flaky-pro", "match": {"model": "*/pro/*"}, "effect": {"fail_at": 0.4, "error": "timeout"},
                  "probability": 0.75})
    api.put("/__mock/accounts/carol/limits", json={"rps": 1, "burst": 3})
    seen: list[tuple[Any, ...]] = []

    def keep(r: Any) -> None:
        seen.append((r.status_code, r.headers.get("x-mock-decision"), r.headers.get("retry-after"), r.content))

    ids = []
    for i in range(6):
        model = api.PRO if i % 2 else api.T2V
        prompt = f"shot {i}" + (" [[mock:run_factor=2]]" if i == 3 else "")
        r = api.submit({"prompt": prompt, "duration": 3 + i}, model=model)
        keep(r)
        ids.append(r.json()["request_id"])
    for step in range(8):
        api.advance(25)
        for rid in ids:
            keep(api.status(rid))
        keep(api.get("/v1/models", headers={**api.AUTH, "X-Mock-Fault": "status=500,probability=0.3"}))
        for _ in range(4):  # one more than the bucket holds
            keep(api.get("/v1/models/categories", headers={"Authorization": "Bearer carol"}))
        if step % 3 == 0:
            keep(api.result(ids[step % len(ids)]))
    for rid in ids:
        keep(api.get(f"/v1/requests/{rid}/result", params={"include_cost": "true"}, headers=api.AUTH))
    journal = [tuple((k, v) for k, v in e.items() if k not in VOLATILE) for e in api.journal()]
    seen.append(tuple(journal))
    seen.append((api.get("/__mock/accounts/alice").content, api.get("/__mock/faults").content))
    return seen


def test_the_same_seed_and_requests_replay_the_same_decisions_and_bodies(make: Any) -> None:
    first, second = scenario(make(seed=42)), scenario(make(seed=42))
    assert first == second
    decisions = {d for _, d, _, _ in first[:-2] if d}
    assert {"coin", "header", "rate-limit", "prompt"} <= decisions
    assert any("flaky-pro" in d for d in decisions)


def test_another_seed_gives_other_decisions(make: Any) -> None:
    a, b = scenario(make(seed=42)), scenario(make(seed=43))
    assert [d for _, d, _, _ in a[:-2]] != [d for _, d, _, _ in b[:-2]]
