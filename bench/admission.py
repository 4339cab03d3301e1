"""Balance admission bench: checking a submit against the running book vs replaying the account.

With a balance set, every submit asks whether the account can pay. The replay (`Accounts.statement`, what
the admin view still does) walks all of the account's jobs; the running book (`billing.RunningBook`, what
`Accounts.admit` uses) settles only the jobs that ended since it was last read. This times both on
accounts of growing size, in one run, and prints the ratio. Timings are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

from mock_server.settings import Settings
from mock_server.sim.accounts import Accounts
from mock_server.sim.clock import ManualClock
from mock_server.sim.contract import Contract, load_spec
from mock_server.sim.jobs import JobService, timing_from
from mock_server.sim.store.memory import MemoryStore

SIZES = (100, 1_000, 10_000)
MODEL = "kling/kling-3.0/standard/text-to-video"
CHECKS = 2_000  # replays are timed over fewer runs: 10,000 jobs take a third of a second each


def _account(size: int) -> tuple[Accounts, ManualClock]:
    """An account with `size` jobs, most of them finished, some still queued, and a balance set."""
    s = Settings(clock="manual")
    clock = ManualClock(start=s.manual_clock_start)
    jobs = JobService(s, Contract(load_spec()), MemoryStore(s.slots_per_account), clock, timing_from(s))
    accounts = Accounts(s, jobs)
    jobs.admission = accounts
    accounts.set_balance("bench", 1e9)
    model = jobs.model(MODEL)
    inputs = jobs.contract.validate(MODEL, {"prompt": "bench"})

    async def fill() -> None:
        for _ in range(size):
            await jobs.submit("bench", model, inputs)
            clock.advance(60.0)

    asyncio.run(fill())
    return accounts, clock


def _median_us(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def main() -> None:
    print("\n== one balance check (median µs): the replay vs the running book (Accounts.admit) ==")
    print(f"{'jobs':>8} {'replay':>10} {'admit':>8} {'ratio':>9}")
    for size in SIZES:
        replay, admit = _measure(size)
        print(f"{size:>8} {replay:>10.1f} {admit:>8.2f} {replay / admit:>8.0f}×")


def _measure(size: int) -> tuple[float, float]:
    """Median µs of one replay and of one admission, on the same account at the same moment."""
    accounts, clock = _account(size)
    model = accounts.jobs.model(MODEL)
    inputs = accounts.jobs.contract.validate(MODEL, {"prompt": "bench"})
    now = clock.now()
    replay = _median_us(lambda: accounts.statement("bench", now), max(5, CHECKS // size))
    admit = _median_us(lambda: accounts.admit("bench", model, inputs), CHECKS)
    return replay, admit
