"""The job lifecycle as a specification: pure functions of a job record and the clock."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.settings import Settings
from mock_server.sim.clock import ClockError, ManualClock, ScaledClock
from mock_server.sim.contract import Contract, load_spec
from mock_server.sim.errors import ApiError
from mock_server.sim.jobs import JobService, timing_from
from mock_server.sim.lifecycle import (
    AccountQueue,
    JobFault,
    Outcome,
    Phase,
    Plan,
    Timing,
    can_cancel,
    plan_job,
    schedule,
)
from mock_server.sim.rng import rng_for
from mock_server.sim.store.memory import MemoryStore

T2V = "kling/kling-3.0/standard/text-to-video"


def plan(ready: float, run: float, *, ok: bool = True, at: float = 1.0, stuck: bool = False) -> Plan:
    return Plan(submitted_at=0.0, ready_at=ready, run_s=run, outcome=Outcome(ok, None, None, at), stuck=stuck)


def make_service(**overrides: object) -> tuple[JobService, ManualClock]:
    s = Settings(clock="manual", **overrides)  # type: ignore[arg-type]
    clock = ManualClock(start=s.manual_clock_start)
    contract = Contract(load_spec())
    svc = JobService(s, contract, MemoryStore(s.slots_per_account), clock, timing_from(s))
    return svc, clock


def submit(svc: JobService, account: str = "tok", fault: JobFault | None = None, **inputs: object) -> str:
    body = svc.contract.validate(T2V, {"prompt": "a cat", **inputs})
    return asyncio.run(svc.submit(account, svc.model(T2V), body, fault)).request_id


# --- schedule ------------------------------------------------------------------------------------------


def test_a_job_with_a_free_slot_starts_when_its_dispatch_wait_is_over() -> None:
    assert schedule([plan(5, 100)], slots=2) == [5]


def test_jobs_beyond_the_slots_wait_for_the_first_slot_to_free() -> None:
    starts = schedule([plan(1, 100), plan(1, 50), plan(1, 10)], slots=2)
    assert starts == [1, 1, 51]


def test_queue_is_fifo_even_when_a_later_job_is_ready_first() -> None:
    starts = schedule([plan(10, 5), plan(1, 5)], slots=2)
    assert starts[1] >= starts[0]


def test_a_failing_job_frees_its_slot_early() -> None:
    starts = schedule([plan(0, 100, ok=False, at=0.25), plan(0, 10)], slots=1)
    assert starts == [0, 25]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 100), st.floats(1, 100)), min_size=1, max_size=30),
    st.integers(1, 4),
)
def test_start_times_never_decrease_and_never_exceed_the_slots(jobs: list[tuple[float, float]], slots: int) -> None:
    ready = 0.0
    plans = []
    for wait, run in jobs:
        ready = max(ready, wait)
        plans.append(plan(ready, run))
    starts = schedule(plans, slots)
    assert starts == sorted(starts)
    for i, s in enumerate(starts):
        running = sum(1 for j, sj in enumerate(starts) if sj <= s < sj + plans[j].run_s and j != i)
        assert running < slots


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 50), st.floats(1, 100)), min_size=2, max_size=20),
    st.integers(1, 3),
    st.data(),
)
def test_cancelling_a_queued_job_never_moves_anyone_into_the_past(
    jobs: list[tuple[float, float]], slots: int, data: st.DataObject
) -> None:
    ready = 0.0
    q = AccountQueue(slots)
    plans = []
    for i, (wait, run) in enumerate(jobs):
        ready = max(ready, wait)
        plans.append(plan(ready, run))
        q.push(i, plans[-1])
    before = list(q.starts)
    now = data.draw(st.floats(0, max(before)))
    queued = [i for i, s in enumerate(before) if s > now]
    if not queued:
        return
    victim = data.draw(st.sampled_from(queued))
    q.remove(victim)
    for i in range(len(jobs)):
        if i == victim:
            continue
        after = q.start_of(i)
        if before[i] <= now:
            assert after == before[i], "a started job's start never changes"
        else:
            assert now < after <= before[i], "a queued job moves up, but not into the past"


# --- view, positions, cancel -------------------------------------------------------------------------------


def test_job_goes_in_queue_then_in_progress_then_succeeded() -> None:
    svc, clock = make_service(queue_wait_jitter=0, run_jitter=0)
    rid = submit(svc)
    job, v = svc.find("tok", rid)
    assert v.phase is Phase.QUEUED and v.queue_position == 0
    clock.advance(job.plan.ready_at - clock.now())
    assert svc.find("tok", rid)[1].phase is Phase.RUNNING
    clock.advance(job.plan.run_s)
    _, done = svc.find("tok", rid)
    assert done.phase is Phase.SUCCEEDED
    assert done.finished_at == pytest.approx(job.plan.ready_at + job.plan.run_s)


def test_a_five_second_standard_clip_takes_a_minute_or_two_at_real_speed() -> None:
    timing = Timing()
    assert 60 <= timing.queue_wait_s + timing.run_seconds("standard", 5, False) <= 150


def test_run_time_grows_with_tier_duration_and_sound() -> None:
    t = Timing()
    assert t.run_seconds("pro", 5, False) > t.run_seconds("standard", 5, False)
    assert t.run_seconds("4k", 5, False) > t.run_seconds("pro", 5, False)
    assert t.run_seconds("standard", 10, False) > t.run_seconds("standard", 5, False)
    assert t.run_seconds("standard", 5, True) > t.run_seconds("standard", 5, False)


def test_queue_position_counts_jobs_ahead_and_only_goes_down() -> None:
    svc, clock = make_service(slots_per_account=1)
    ids = [submit(svc) for _ in range(4)]
    positions = [svc.find("tok", i)[1].queue_position for i in ids]
    assert positions == [0, 1, 2, 3]
    last = positions[-1]
    for _ in range(200):
        clock.advance(5)
        v = svc.find("tok", ids[-1])[1]
        if v.phase is not Phase.QUEUED:
            break
        assert v.queue_position is not None and v.queue_position <= last
        last = v.queue_position
    assert svc.find("tok", ids[-1])[1].phase is not Phase.QUEUED


def test_queue_position_base_setting_makes_positions_one_based() -> None:
    svc, _ = make_service(queue_position_base=1)
    assert svc.find("tok", submit(svc))[1].queue_position == 1


def test_cancel_only_while_queued() -> None:
    svc, clock = make_service(slots_per_account=1)
    first, second = submit(svc), submit(svc)
    _, _, ok = svc.cancel("tok", second)
    assert ok and svc.find("tok", second)[1].phase is Phase.CANCELLED
    job = svc.find("tok", first)[0]
    clock.advance(job.plan.ready_at - clock.now() + 1)
    _, v, ok = svc.cancel("tok", first)
    assert not ok and v.phase is Phase.RUNNING
    assert not can_cancel(Phase.SUCCEEDED) and not can_cancel(Phase.CANCELLED)


def test_cancelling_a_queued_job_moves_the_ones_behind_it_up() -> None:
    svc, _ = make_service(slots_per_account=1)
    ids = [submit(svc) for _ in range(3)]
    svc.cancel("tok", ids[1])
    assert svc.find("tok", ids[2])[1].queue_position == 1


def test_a_terminal_state_never_changes() -> None:
    svc, clock = make_service()
    rid = submit(svc)
    clock.advance(10_000)
    assert svc.find("tok", rid)[1].phase is Phase.SUCCEEDED
    clock.advance(24 * 3600)
    assert svc.find("tok", rid)[1].phase is Phase.SUCCEEDED


def test_results_expire_after_seven_days_of_clock_time() -> None:
    svc, clock = make_service()
    rid = submit(svc)
    clock.advance(1000)
    finished = svc.find("tok", rid)[1].finished_at
    assert finished is not None
    clock.advance(finished + 7 * 24 * 3600 - clock.now() - 1)
    svc.find("tok", rid)
    clock.advance(2)
    with pytest.raises(ApiError) as exc:
        svc.find("tok", rid)
    assert exc.value.error_code == 404001


def test_another_accounts_request_is_forbidden_and_unknown_is_not_found() -> None:
    svc, _ = make_service()
    rid = submit(svc, account="alice")
    with pytest.raises(ApiError) as exc:
        svc.find("bob", rid)
    assert (exc.value.status, exc.value.error_code) == (403, 403001)
    with pytest.raises(ApiError) as exc:
        svc.find("alice", "00000000-0000-4000-8000-000000000000")
    assert (exc.value.status, exc.value.error_code) == (404, 404001)


def test_accounts_have_separate_queues() -> None:
    svc, _ = make_service(slots_per_account=1)
    for _ in range(3):
        submit(svc, account="alice")
    assert svc.find("bob", submit(svc, account="bob"))[1].queue_position == 0


def test_the_same_seed_gives_the_same_ids_and_timeline() -> None:
    a, _ = make_service(seed=7)
    b, _ = make_service(seed=7)
    c, _ = make_service(seed=8)
    ids_a = [submit(a) for _ in range(3)]
    assert ids_a == [submit(b) for _ in range(3)]
    assert ids_a != [submit(c) for _ in range(3)]
    assert [a.find("tok", i)[0].plan for i in ids_a] == [b.find("tok", i)[0].plan for i in ids_a]


def test_failure_rate_fails_jobs_with_an_error_and_they_end_early() -> None:
    svc, clock = make_service(failure_rate=1.0)
    rid = submit(svc)
    job = svc.find("tok", rid)[0]
    assert not job.plan.outcome.ok and job.plan.outcome.error_code
    clock.advance(job.plan.ready_at + job.plan.busy_s - clock.now())
    assert svc.find("tok", rid)[1].phase is Phase.FAILED
    assert job.plan.busy_s < job.plan.run_s


def test_a_stuck_job_stays_queued_without_blocking_others() -> None:
    svc, clock = make_service(slots_per_account=1)
    stuck = submit(svc, fault=JobFault(stuck=True), prompt="x")
    other = submit(svc)
    clock.advance(10_000)
    assert svc.find("tok", stuck)[1].phase is Phase.QUEUED
    assert svc.find("tok", other)[1].phase is Phase.SUCCEEDED
    assert svc.cancel("tok", stuck)[2]


def test_plan_ready_time_never_precedes_the_previous_jobs() -> None:
    rng = rng_for(0, "a", 0)
    p = plan_job(rng, Timing(), now=0.0, prev_ready=50.0, tier="standard", duration_s=5, sound=False)
    assert p.ready_at >= 50.0


# --- clocks --------------------------------------------------------------------------------------------------


def test_manual_clock_moves_only_forward() -> None:
    c = ManualClock(start=100.0)
    assert c.now() == 100.0
    c.advance(5)
    assert c.now() == 105.0
    with pytest.raises(ClockError):
        c.advance(-1)


def test_scaled_clock_runs_speed_times_faster_than_the_wall() -> None:
    ticks = iter([0.0, 2.0])
    c = ScaledClock(speed=10, wall=lambda: 1000.0, monotonic=lambda: next(ticks))
    assert c.now() == pytest.approx(1020.0)
    with pytest.raises(ClockError):
        c.advance(1)


def test_a_new_speed_goes_on_from_the_present_moment() -> None:
    wall = iter([0.0, 2.0, 2.0, 2.0, 3.0])
    c = ScaledClock(speed=10, wall=lambda: 1000.0, monotonic=lambda: next(wall))
    assert c.now() == pytest.approx(1020.0)
    c.set_speed(100)  # at wall 2.0: no jump, then 100 clock seconds per wall second
    assert c.now() == pytest.approx(1020.0)
    assert c.now() == pytest.approx(1120.0)
    for bad in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ClockError):
            c.set_speed(bad)
    with pytest.raises(ClockError):
        ManualClock(start=0.0).set_speed(2)
