"""Cancel bench: the cost of cancelling a queued job with 1,000, 10,000 and 100,000 jobs queued in one
account, and of reading the last job's status right after, through the job service and the accounts (what
`POST /v1/requests/{id}/cancel` and `GET .../status` call), in one run.

Beside it, the plain rule (`lifecycle.schedule` over the live jobs): what the queue did on every cancel
before it computed starts lazily (every later start recomputed), for the ratio. Timings are printed, never
asserted.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time

from mock_server.settings import Settings
from mock_server.sim.accounts import Accounts
from mock_server.sim.clock import ManualClock
from mock_server.sim.contract import Contract, load_spec
from mock_server.sim.jobs import JobService, timing_from
from mock_server.sim.lifecycle import schedule
from mock_server.sim.store.memory import MemoryStore

SIZES = (1_000, 10_000, 100_000)
CANCELS = 200
MODEL = "kling/kling-3.0/standard/text-to-video"
ACCOUNT = "bench"


def _queued(size: int) -> tuple[JobService, list[str]]:
    """An account with `size` jobs submitted at one moment: two generate, the rest wait in its queue."""
    s = Settings(clock="manual")
    clock = ManualClock(start=s.manual_clock_start)
    jobs = JobService(s, Contract(load_spec()), MemoryStore(s.slots_per_account), clock, timing_from(s))
    accounts = Accounts(s, jobs)
    jobs.admission = accounts
    accounts.set_balance(ACCOUNT, 1e12)  # the running book takes part, as in the server
    model = jobs.model(MODEL)
    inputs = jobs.contract.validate(MODEL, {"prompt": "bench"})

    async def fill() -> list[str]:
        return [(await jobs.submit(ACCOUNT, model, inputs)).request_id for _ in range(size)]

    ids = asyncio.run(fill())
    clock.advance(10.0)  # the first jobs have started: the rest are queued
    return jobs, ids


def _figures(size: int) -> tuple[float, float, float, float]:
    """Median and p99 µs of one cancel, median µs of the next status read, median µs of the plain rule."""
    jobs, ids = _queued(size)
    rng = random.Random(size)
    victims = rng.sample(ids[10:-1], CANCELS)
    last = ids[-1]
    cancels, reads = [], []
    for victim in victims:
        started = time.perf_counter()
        _, _, ok = jobs.cancel(ACCOUNT, victim)
        cancels.append(time.perf_counter() - started)
        assert ok
        started = time.perf_counter()
        jobs.find(ACCOUNT, last)
        reads.append(time.perf_counter() - started)
    plans = [job.plan for job in jobs.store.jobs(ACCOUNT) if job.cancelled_at is None]
    rule = []
    for _ in range(3 if size > 10_000 else 10):
        started = time.perf_counter()
        schedule(plans, jobs.settings.slots_per_account)
        rule.append(time.perf_counter() - started)
    cancels.sort()
    return (statistics.median(cancels) * 1e6, cancels[int(len(cancels) * 0.99)] * 1e6,
            statistics.median(reads) * 1e6, statistics.median(rule) * 1e6)


def main() -> None:
    print(f"\n== cancel a queued job ({CANCELS} random ones), then read the last job's status; µs ==")
    print(f"{'queued':>8} {'cancel p50':>11} {'cancel p99':>11} {'status p50':>11} {'rebuild (old cancel)':>21}")
    rows = []
    for size in SIZES:
        cancel_p50, cancel_p99, read_p50, rule = _figures(size)
        rows.append(cancel_p50)
        print(f"{size:>8} {cancel_p50:>11.1f} {cancel_p99:>11.1f} {read_p50:>11.1f} {rule:>21.0f}")
    print(f"cancel at {SIZES[-1]:,} / at {SIZES[0]:,} queued: {rows[-1] / rows[0]:.2f}x  (flat is ~1x; the rebuild "
          f"grows with the queue)")
