"""Bounded job storage: caps per account and in all, ended jobs purged first, expired ones in batches."""

from __future__ import annotations

from typing import Any

from mock_server.sim.billing import SETTLED_KEPT, Balances, Charge, statement

BOB = {"Authorization": "Bearer bob"}


def count(api: Any, account: str | None = None) -> int:
    n: int = api.app.state.runtime.store.count(account)
    return n


def test_at_the_account_cap_of_live_jobs_a_submit_is_429001_and_nothing_is_stored(make: Any) -> None:
    api = make(max_jobs_per_account=3, queue_wait_jitter=0, run_jitter=0)
    rids = [api.rid() for _ in range(3)]
    r = api.submit()
    assert r.status_code == 429, r.text
    assert r.json()["error_code"] == 429001 and "per account" in r.json()["error_message"]
    assert 1 <= int(r.headers["retry-after"]) <= 3600
    assert count(api, "alice") == 3
    assert api.rid(headers=BOB)  # another account has room
    api.assert_serving(rids[0])


def test_retry_after_is_when_the_soonest_live_job_ends(make: Any) -> None:
    api = make(max_jobs_per_account=1, queue_wait_jitter=0, run_jitter=0)
    api.rid()
    wait = int(api.submit().headers["retry-after"])
    api.advance(wait - 2)
    assert api.submit().status_code == 429
    api.advance(2)
    assert api.submit().status_code == 200  # the first ended: it made room


def test_the_job_that_ended_first_is_purged_first(make: Any) -> None:
    api = make(max_jobs_per_account=3)
    a, b, c = api.rid(), api.rid(), api.rid()
    assert api.post(f"/v1/requests/{c}/cancel", headers=api.AUTH).json()["outcome"] == "cancelled"
    d = api.rid()  # c ended (cancelled) first, and only c has ended
    assert api.status(c).status_code == 404
    assert [api.status(x).status_code for x in (a, b, d)] == [200, 200, 200]
    assert count(api, "alice") == 3
    api.advance(3600)  # a and b end too; a ended before b
    e = api.rid()
    assert api.status(a).status_code == 404 and api.status(b).status_code == 200
    api.assert_serving(e)


def test_the_total_cap_counts_every_account(make: Any) -> None:
    api = make(max_jobs_total=2)
    api.rid()
    api.rid(headers=BOB)
    r = api.submit(headers={"Authorization": "Bearer carol"})
    assert r.status_code == 429 and "in all" in r.json()["error_message"]
    api.advance(3600)
    assert api.submit(headers={"Authorization": "Bearer carol"}).status_code == 200
    assert count(api) == 2


def test_stuck_jobs_at_the_cap_give_a_minute(make: Any) -> None:
    api = make(max_jobs_per_account=2)
    for _ in range(2):
        api.rid(headers={**api.AUTH, "X-Mock-Fault": "stuck"})
    r = api.submit()
    assert r.status_code == 429 and r.headers["retry-after"] == "60"


def test_expired_jobs_are_purged_in_bounded_batches(make: Any) -> None:
    api = make(slots_per_account=50)
    rids = [api.rid() for _ in range(100)]
    api.advance(7 * 24 * 3600 + 7200)  # all ended and expired
    assert count(api) == 100
    fresh = api.rid()
    assert count(api) == 100 + 1 - 64  # one batch on this submit
    api.rid()
    assert count(api) == 2  # the rest on the next
    assert api.status(rids[0]).status_code == 404
    api.assert_serving(fresh)


def test_a_purged_jobs_charge_stays_on_the_account(make: Any) -> None:
    api = make(max_jobs_per_account=2)
    assert api.put("/__mock/accounts/alice/balance", json={"usd": 10}).status_code == 200
    for _ in range(2):
        api.rid()
    api.advance(3600)
    before = api.get("/__mock/accounts/alice").json()
    assert before["spent_usd"] > 0
    for _ in range(2):
        api.rid()  # each purges one succeeded job
    after = api.get("/__mock/accounts/alice").json()
    assert {j["phase"] for j in after["jobs"]} == {"in_queue"}
    assert after["spent_usd"] == before["spent_usd"]
    assert after["balance_usd"] == before["balance_usd"]
    assert [e["kind"] for e in after["ledger"]] == ["balance_set", "charge", "charge"]


def test_reset_forgets_what_the_caps_track(make: Any) -> None:
    api = make(max_jobs_per_account=2)
    api.rid()
    api.rid()
    assert api.post("/__mock/reset", params={"account": "alice"}).status_code == 200
    api.rid()
    api.rid()
    assert api.submit().status_code == 429
    retention = api.app.state.runtime.jobs.retention
    assert len(retention._all) <= 2 * count(api) + 1024


def test_without_caps_nothing_is_purged_before_it_expires(make: Any) -> None:
    api = make(max_jobs_per_account=None, max_jobs_total=None)
    rids = [api.rid() for _ in range(5)]
    api.advance(3600)
    api.rid()
    assert all(api.status(r).status_code == 200 for r in rids)


def test_settled_charges_are_summed_past_a_bound_without_changing_the_money() -> None:
    balances = Balances(default_usd=1000.0)
    charges = [Charge(float(t), 0.25, f"r{t}", "m") for t in range(3 * SETTLED_KEPT)]
    for c in charges[: SETTLED_KEPT]:
        balances.settle("a", c)
    balances.set("a", 500.0, SETTLED_KEPT - 0.5)
    for c in charges[SETTLED_KEPT:]:
        balances.settle("a", c)
    folded = statement(1000.0, balances.sets("a"), balances.settled("a"))
    full = statement(1000.0, balances.sets("a"), charges)
    assert (folded.balance_usd, folded.spent_usd) == (full.balance_usd, full.spent_usd)
    assert len(balances.settled("a")) <= 2 * SETTLED_KEPT
    assert sum(e.get("jobs", 1) for e in folded.ledger if e["kind"] != "balance_set") == len(charges)
