"""The lazy account queue against the plain rule (`lifecycle.schedule`), through random submits, clock
steps, reads and cancels: the same starts, the same positions, whatever order things happen in."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.sim import queue as queue_module
from mock_server.sim.lifecycle import INF, Outcome, Plan, schedule
from mock_server.sim.queue import AccountQueue, LiveCounts


def plan(ready: float, run: float, ok: bool = True, at: float = 1.0, stuck: bool = False) -> Plan:
    return Plan(submitted_at=0.0, ready_at=ready, run_s=run, outcome=Outcome(ok, None, None, at), stuck=stuck)


class Reference:
    """The queue as `schedule` sees it: the live jobs' plans, every start recomputed from scratch."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self.plans: dict[int, Plan] = {}

    def starts(self) -> dict[int, float]:
        seqs = sorted(self.plans)
        return dict(zip(seqs, schedule([self.plans[s] for s in seqs], self.slots), strict=True))

    def ahead(self, seq: int, now: float) -> int:
        starts = self.starts()
        before = sum(1 for s in self.plans if s < seq and not self.plans[s].stuck)
        started = sum(1 for s, t in starts.items() if t <= now)
        return max(0, before - started)


def check(q: AccountQueue, ref: Reference, now: float, forgotten: set[int] | None = None) -> None:
    starts = ref.starts()
    for seq, start in starts.items():
        if seq in (forgotten or ()):
            continue
        assert q.start_of(seq) == start, (seq, q.start_of(seq), start)
        assert q.started_at(seq, now) == (start if start <= now else None)
        if start > now:
            assert q.ahead_queued(seq, now) == ref.ahead(seq, now)
    if not forgotten:
        assert q.starts == [starts[s] for s in sorted(starts) if starts[s] != INF]


JOB = st.tuples(st.floats(0, 40), st.floats(1, 60), st.booleans(), st.floats(0, 1), st.integers(0, 9))
OP = st.one_of(
    st.tuples(st.just("submit"), JOB),
    st.tuples(st.just("advance"), st.floats(0, 80)),
    st.tuples(st.just("read"), st.integers(0, 40)),
    st.tuples(st.just("cancel"), st.integers(0, 40)),
    st.tuples(st.just("forget"), st.integers(0, 40)),
)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3), st.lists(OP, min_size=1, max_size=60), st.sampled_from([1, 2, 64]))
def test_the_lazy_queue_equals_the_reference_schedule_after_random_cancels(
    slots: int, ops: list[Any], compact_at: int
) -> None:
    """Forgetting a finished job (a purge) changes nobody's start either: the reference keeps its plan."""
    q, ref = AccountQueue(slots, compact_at=compact_at), Reference(slots)
    forgotten: set[int] = set()
    now, seq, last_ready = 0.0, 0, 0.0
    for kind, arg in ops:
        if kind == "submit":
            wait, run, ok, at, stuck_draw = arg
            last_ready = max(last_ready, now + wait)
            p = plan(last_ready, run, ok, at, stuck=stuck_draw == 0)
            q.push(seq, p)
            ref.plans[seq] = p
            seq += 1
        elif kind == "advance":
            now += arg
        elif kind == "read" and ref.plans:
            target = sorted(ref.plans)[arg % len(ref.plans)]
            q.started_at(target, now)  # reads move the queue's started prefix forward
            q.ahead_queued(target, now)
        elif kind == "cancel" and ref.plans:
            target = sorted(ref.plans)[arg % len(ref.plans)]
            if target not in forgotten and ref.starts()[target] > now:  # only queued jobs can be cancelled
                q.remove(target)
                del ref.plans[target]
        elif kind == "forget" and ref.plans:
            target = sorted(ref.plans)[arg % len(ref.plans)]
            start = ref.starts()[target]
            if start + ref.plans[target].busy_s <= now:  # only finished jobs are purged, after a read at now
                q.started_at(target, now)
                q.forget(target)
                forgotten.add(target)
        check(q, ref, now, forgotten)


def test_a_cancel_behind_the_furthest_moment_read_recomputes_the_started_prefix() -> None:
    """Reads at a later moment than a cancel's (which the job service never does) stay correct."""
    q, ref = AccountQueue(1), Reference(1)
    for i in range(5):
        q.push(i, plan(0, 10))
        ref.plans[i] = plan(0, 10)
    assert q.started_at(3, 100.0) == 30.0
    before = q.generation
    q.remove(2)
    del ref.plans[2]
    assert q.generation == before + 1
    check(q, ref, 100.0)
    check(q, ref, 15.0)


def test_positions_before_the_first_kept_job_are_given_back() -> None:
    q = AccountQueue(1, compact_at=4)
    for i in range(10):
        q.push(i, plan(0, 1))
    q.ahead_queued(9, 100.0)  # everything has run
    for i in range(8):
        q.forget(i)
    assert len(q._seq_at) < 10 and q.seqs == [8, 9]
    following, started = q.started_since(0, 100.0)
    assert q.start_of(9) == 9.0 and following == 10 and started[-2:] == [(8, 8.0), (9, 9.0)] and len(started) < 10


def test_started_since_lists_the_started_jobs_in_order_from_an_index() -> None:
    q = AccountQueue(2)
    for i in range(6):
        q.push(i, plan(i, 10))
    assert q.started_since(0, 3.5) == (2, [(0, 0.0), (1, 1.0)])
    assert q.started_since(2, 20.0) == (5, [(2, 10.0), (3, 11.0), (4, 20.0)])
    assert q.started_since(5, 20.0) == (5, [])


def test_a_cancel_computes_no_start_however_long_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancelling rebuilt the whole queue (O(n): 260 ms at 100,000 jobs); now it computes nothing."""
    q = AccountQueue(2)
    for i in range(10_000):
        q.push(i, plan(0, 60))
    q.ahead_queued(9_999, 0.0)
    steps = 0
    original = queue_module._step

    def counting(*args: Any) -> float:
        nonlocal steps
        steps += 1
        return original(*args)

    monkeypatch.setattr(queue_module, "_step", counting)
    for victim in (5_000, 100, 9_998):
        q.remove(victim)
    assert steps == 0
    assert q.ahead_queued(9_999, 0.0) == 9_999 - 3 - 2


@given(st.lists(st.booleans(), max_size=80), st.data())
def test_live_counts_count_the_live_positions_before_each_position(flags: list[bool], data: st.DataObject) -> None:
    counts = LiveCounts()
    for f in flags:
        counts.append(int(f))
    live = list(flags)
    for position in data.draw(st.lists(st.integers(0, max(len(flags) - 1, 0)), max_size=10)) if flags else []:
        if live[position]:
            counts.add(position, -1)
            live[position] = False
    for position in range(len(live) + 1):
        assert counts.before(position) == sum(live[:position])
