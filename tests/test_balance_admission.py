"""Balance admission without a replay: the running book must agree exactly with the replayed statement.

`Accounts.admit` checks a submit against figures kept up to date as jobs are added, cancelled and settle
(`billing.RunningBook`), instead of replaying the account's history on every submit. The admin view still
replays (`Accounts.statement`). Random sequences of submits, cancels, clock steps and balance settings
hold the two to the same balance, spend and held money, and to the same admit decisions.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.settings import Settings
from mock_server.sim.accounts import Accounts
from mock_server.sim.billing import affordable
from mock_server.sim.clock import ManualClock
from mock_server.sim.contract import Contract, ModelInfo, load_spec
from mock_server.sim.errors import ApiError
from mock_server.sim.jobs import JobService, timing_from
from mock_server.sim.lifecycle import JobFault, Phase
from mock_server.sim.store.memory import MemoryStore

CONTRACT = Contract(load_spec())
MODELS = [f"kling/kling-3.0/{tier}/text-to-video" for tier in ("standard", "pro", "4k")]
ACCOUNTS = ["alice", "bob"]


@dataclass
class World:
    jobs: JobService
    accounts: Accounts
    clock: ManualClock
    ids: list[tuple[str, str]] = field(default_factory=list)  # (account, request id), in submit order

    def replayed(self, account: str) -> tuple[float | None, float, float]:
        st_, held = self.accounts.statement(account, self.clock.now())
        return st_.balance_usd, st_.spent_usd, held

    def replay_refuses(self, account: str, model: ModelInfo, inputs: dict[str, Any]) -> bool:
        """The admission rule as it was, on the replayed statement."""
        if not self.accounts.balances.finite(account):
            return False
        available, _, held = self.replayed(account)
        if available is not None and self.jobs.settings.balance_holds_pending:
            available = round(available - held, 6)
        return not affordable(available, model.cost(inputs))


def make_world(holds: bool, slots: int, failure_rate: float, opening: float | None) -> World:
    s = Settings(clock="manual", balance_holds_pending=holds, slots_per_account=slots, failure_rate=failure_rate,
                 default_balance_usd=opening)
    clock = ManualClock(start=s.manual_clock_start)
    jobs = JobService(s, CONTRACT, MemoryStore(s.slots_per_account), clock, timing_from(s))
    accounts = Accounts(s, jobs)
    jobs.admission = accounts
    return World(jobs, accounts, clock)


FAULTS = st.sampled_from([
    None, JobFault(stuck=True), JobFault(run_factor=3.0), JobFault(fail_at=0.0), JobFault(fail_at=0.5),
    JobFault(fail_at=1.0, error="timeout"),
])
MONEY = st.none() | st.floats(0, 20, allow_nan=False) | st.decimals(0, 20, places=7).map(float) | st.sampled_from(
    [0.0, 0.42, 0.84, 1.26, 0.1, 0.3, 0.7]
)
SUBMIT = st.tuples(st.just("submit"), st.sampled_from(ACCOUNTS), st.sampled_from(MODELS), st.integers(3, 15),
                   st.booleans(), FAULTS)
CANCEL = st.tuples(st.just("cancel"), st.integers(1, 4))  # counted from the newest job: likely still queued
ADVANCE = st.tuples(st.just("advance"), st.sampled_from([0.0, 1.0, 30.0, 90.0, 200.0, 10_000.0]) | st.floats(0, 400))
SET = st.tuples(st.just("set"), st.sampled_from(ACCOUNTS), MONEY)
CHECK = st.tuples(st.just("check"))
OPS = st.lists(st.one_of(SUBMIT, CANCEL, ADVANCE, SET, CHECK), min_size=4, max_size=60)


def apply(world: World, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "submit":
        _, account, model_id, duration, sound, fault = op
        model = world.jobs.model(model_id)
        inputs = CONTRACT.validate(model_id, {"prompt": "x", "duration": duration, "sound": sound})
        refuses = world.replay_refuses(account, model, inputs)
        try:
            job = asyncio.run(world.jobs.submit(account, model, inputs, fault))
        except ApiError as exc:
            assert refuses and exc.error_code == 400002, exc
            return
        assert not refuses, "the running book admitted a job the replay refuses"
        world.ids.append((account, job.request_id))
    elif kind == "cancel" and world.ids:
        account, request_id = world.ids[-min(op[1], len(world.ids))]
        world.jobs.cancel(account, request_id)
    elif kind == "advance":
        world.clock.advance(op[1])
    elif kind == "set":
        world.accounts.set_balance(op[1], op[2])
    elif kind == "check":
        for account in ACCOUNTS:
            assert world.accounts.figures(account, world.clock.now()) == world.replayed(account)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=OPS,
    holds=st.booleans(),
    slots=st.integers(1, 3),
    failure_rate=st.sampled_from([0.0, 0.5]),
    opening=st.none() | st.sampled_from([0.0, 1.0, 5.0]),
)
def test_the_running_book_agrees_with_the_replay_at_any_moment(
    ops: list[tuple[Any, ...]], holds: bool, slots: int, failure_rate: float, opening: float | None
) -> None:
    world = make_world(holds, slots, failure_rate, opening)
    for op in [*ops, ("check",)]:  # reading the book settles it: checks come only now and then, so that
        apply(world, op)           # submits, cancels and balance settings meet jobs not settled yet


def test_a_cancel_moves_later_jobs_earlier_and_their_charges_with_them() -> None:
    world = make_world(holds=True, slots=1, failure_rate=0.0, opening=None)
    world.accounts.set_balance("alice", 10.0)
    for _ in range(3):
        apply(world, ("submit", "alice", MODELS[0], 5, False, None))
    _, middle = world.ids[1]
    world.jobs.cancel("alice", middle)
    last = world.jobs.find("alice", world.ids[2][1])
    end = world.jobs.store.start_of(last[0]) + last[0].plan.busy_s
    world.clock.advance(end - world.clock.now())
    assert world.jobs.find("alice", world.ids[2][1])[1].phase is Phase.SUCCEEDED
    assert world.accounts.figures("alice", world.clock.now()) == world.replayed("alice") == (9.16, 0.84, 0.0)


def test_admission_reads_no_job_history() -> None:
    """O(log n) per submit: the account's job list is never walked to admit a job."""
    world = make_world(holds=True, slots=2, failure_rate=0.0, opening=None)
    world.accounts.set_balance("alice", 1000.0)
    walked: list[str] = []
    store = world.jobs.store
    original = store.jobs

    def jobs(account: str) -> list[Any]:
        walked.append(account)
        return original(account)

    store.jobs = jobs  # type: ignore[method-assign]
    model = world.jobs.model(MODELS[0])
    inputs = CONTRACT.validate(MODELS[0], {"prompt": "x"})
    for _ in range(20):
        asyncio.run(world.jobs.submit("alice", model, inputs))
        world.clock.advance(7.0)
    assert walked == []
    assert world.accounts.figures("alice", world.clock.now()) == world.replayed("alice")


def test_a_balance_set_after_a_job_ended_unread_does_not_pay_for_it_again() -> None:
    """The job ended before the setting, so its charge belongs before it, even though nobody had looked."""
    world = make_world(holds=True, slots=1, failure_rate=0.0, opening=None)
    apply(world, ("submit", "alice", MODELS[0], 5, False, None))
    world.clock.advance(10_000)
    world.accounts.set_balance("alice", 1.0)
    assert world.accounts.figures("alice", world.clock.now()) == world.replayed("alice") == (1.0, 0.42, 0.0)
