"""Forgetting purged jobs from the front of a queue changes no other job's start, even under later cancels."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.sim.lifecycle import AccountQueue, Outcome, Plan


def plan(ready: float, run: float) -> Plan:
    return Plan(submitted_at=0.0, ready_at=ready, run_s=run, outcome=Outcome(True, None, None, 1.0))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 50), st.floats(1, 100)), min_size=2, max_size=25),
    st.integers(1, 3),
    st.data(),
)
def test_forgetting_finished_jobs_then_cancelling_gives_the_same_starts(
    jobs: list[tuple[float, float]], slots: int, data: st.DataObject
) -> None:
    kept, pruned = AccountQueue(slots), AccountQueue(slots)
    ready, plans = 0.0, []
    for i, (wait, run) in enumerate(jobs):
        ready = max(ready, wait)
        plans.append(plan(ready, run))
        kept.push(i, plans[-1])
        pruned.push(i, plans[-1])
    now = data.draw(st.floats(0, max(kept.starts) + 200))
    finished = [i for i in range(len(jobs)) if kept.start_of(i) + plans[i].busy_s <= now]
    forgotten = data.draw(st.lists(st.sampled_from(finished), unique=True) if finished else st.just([]))
    for i in forgotten:
        pruned.forget(i)
    queued = [i for i in range(len(jobs)) if kept.start_of(i) > now]
    if queued:
        victim = data.draw(st.sampled_from(queued))
        kept.remove(victim)
        pruned.remove(victim)
    more = data.draw(st.lists(st.tuples(st.floats(0, 50), st.floats(1, 100)), max_size=3))
    for j, (wait, run) in enumerate(more, start=len(jobs)):
        ready = max(ready, now + wait)
        assert kept.push(j, plan(ready, run)) == pruned.push(j, plan(ready, run))
    for i in range(len(jobs) + len(more)):
        if i not in forgotten:
            assert pruned.start_of(i) == kept.start_of(i)
            assert pruned.ahead_queued(i, now) == kept.ahead_queued(i, now)
    assert len(pruned.seqs) <= len(kept.seqs)


def test_a_forgotten_job_behind_a_kept_one_leaves_when_the_front_does() -> None:
    q = AccountQueue(2)
    for i, (ready, run) in enumerate([(0, 100), (0, 10), (0, 10)]):
        q.push(i, plan(ready, run))
    q.forget(1)  # finished, but job 0 still runs: it waits
    assert q.seqs == [0, 1, 2]
    q.forget(0)
    assert q.seqs == [2] and q.start_of(2) == 10
