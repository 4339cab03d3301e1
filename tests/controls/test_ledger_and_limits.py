"""Billing, rate limits and the journal as pure pieces."""

from __future__ import annotations

import pytest

from mock_server.sim.billing import Balances, BalanceSet, Charge, affordable, statement
from mock_server.sim.journal import Journal, Query
from mock_server.sim.ratelimit import Limits, RateLimiter, TokenBucket, retry_after_header


def test_statement_replays_sets_and_charges_in_time_order() -> None:
    st = statement(None, [BalanceSet(10.0, 1.0)], [Charge(5.0, 0.5, "a", "m"), Charge(20.0, 0.42, "b", "m")])
    assert st.spent_usd == pytest.approx(0.92)
    assert st.balance_usd == pytest.approx(0.58)
    assert [e["kind"] for e in st.ledger] == ["charge", "balance_set", "charge"]
    assert st.ledger[0]["balance_usd"] is None


def test_a_charge_at_the_instant_a_balance_is_set_came_before_it() -> None:
    st = statement(None, [BalanceSet(10.0, 1.0)], [Charge(10.0, 0.5, "a", "m")])
    assert st.balance_usd == 1.0


def test_unlimited_balance_affords_anything_and_finite_compares_with_slack() -> None:
    assert affordable(None, 1e9)
    assert affordable(0.42, 0.42)
    assert not affordable(0.1, 0.42)


def test_balances_default_configured_and_set() -> None:
    b = Balances(default_usd=None, configured={"alice": 2.0})
    assert not b.finite("bob") and b.finite("alice")
    b.set("bob", 0.1, 1.0)
    assert b.finite("bob")
    b.set("bob", None, 2.0)
    assert not b.finite("bob")
    b.reset("bob")
    assert b.sets("bob") == []


def test_token_bucket_refills_from_clock_time_and_says_how_long_to_wait() -> None:
    bucket = TokenBucket(rate=2.0, capacity=2.0, tokens=2.0, updated_at=0.0)
    assert bucket.take(0.0) is None and bucket.take(0.0) is None
    assert bucket.take(0.0) == pytest.approx(0.5)
    assert bucket.take(0.25) == pytest.approx(0.25)
    assert bucket.take(0.5) is None
    assert bucket.peek(100.0) == 2.0
    assert retry_after_header(0.25) == 1 and retry_after_header(2.0) == 2 and retry_after_header(2.1) == 3


def test_rate_limiter_uses_per_account_overrides() -> None:
    rl = RateLimiter(Limits(rps=None), {"alice": Limits(rps=1.0, burst=1)})
    assert rl.take("bob", 0.0) is None
    assert rl.take("alice", 0.0) is None
    assert rl.take("alice", 0.0) == pytest.approx(1.0)
    rl.reset("alice", {"alice": Limits(rps=1.0, burst=1)})
    assert rl.take("alice", 0.0) is None


def test_concurrency_counts_live_jobs_and_answers_the_soonest_end() -> None:
    ends = {"a": 50.0, "b": 30.0, "c": None}
    rl = RateLimiter(Limits(max_concurrent_jobs=2))
    wait = rl.check_concurrency("x", 10.0, lambda: ["a", "b", "c"], ends.get, 60.0)
    assert wait == pytest.approx(20.0)
    ends["b"] = None
    assert rl.check_concurrency("x", 10.0, lambda: [], ends.get, 60.0) is None
    rl.admitted("x", "d")
    ends["d"] = float("inf")
    assert rl.check_concurrency("x", 10.0, lambda: [], ends.get, 60.0) == pytest.approx(40.0)
    ends["a"] = None
    ends["e"] = float("inf")
    rl.admitted("x", "e")
    assert rl.check_concurrency("x", 10.0, lambda: [], ends.get, 60.0) == 60.0


def test_journal_is_a_bounded_ring_with_filters() -> None:
    j = Journal(3)
    for i in range(5):
        j.record({"time": float(i), "account": "a" if i % 2 else "b", "method": "GET",
                  "path": f"/v1/requests/r{i}/status", "status": 200 if i < 4 else 429, "request_id": f"r{i}"})
    assert [e["seq"] for e in j] == [3, 4, 5]
    assert [e["seq"] for e in j.query(Query(account="b"))] == [3, 5]
    assert [e["seq"] for e in j.query(Query(status=429))] == [5]
    assert [e["seq"] for e in j.query(Query(since=3.0))] == [4, 5]
    assert [e["seq"] for e in j.query(Query(until=3.0))] == [3]
    assert [e["seq"] for e in j.query(Query(path="/v1/requests/r3/*"))] == [4]
    assert [e["seq"] for e in j.query(Query(request_id="r2", method="get"))] == [3]
    assert [e["seq"] for e in j.query(Query(limit=1))] == [5]
    assert j.clear("a") == 1 and len(j) == 2
    assert j.clear() == 2 and len(j) == 0
