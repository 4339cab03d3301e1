"""How many jobs the server keeps: caps per account and in all, and which jobs go first.

A long-running mock (a shared CI server, a load test) used to keep every job it was ever sent. Now:

- jobs past their result's lifetime (`result_ttl_s` after they end) are purged a bounded batch at a time,
  on submits, so no single request pays for a backlog;
- when an account (`max_jobs_per_account`) or the server (`max_jobs_total`) is at its cap, the jobs that
  ended first (succeeded, failed or cancelled) make room, so a cap is only ever hit by live jobs; a purged
  job's id answers 404001, as an expired one does;
- when the cap is all live jobs, the submit is refused with 429001 and `Retry-After`: the clock seconds until
  the soonest of them ends (or a minute, if every one is stuck).

Which jobs have ended is found with heaps keyed by when each job ends, as planned at submit. A cancel only
ever makes jobs end earlier, so a key is never earlier than the true end: whatever a key says has ended
has. Every candidate is still checked against its record before it goes (an entry may be stale: the job
was reset, or cancelled and filed again under its new end), and the heaps are rebuilt when stale entries
outnumber live ones, so they stay proportional to the jobs kept.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from .lifecycle import Job, View, expired
from .store import JobStore

PURGE_BATCH = 64  # expired jobs purged per submit at most: a backlog is worked off, never all at once
STUCK_RETRY_AFTER_S = 60.0

Entry = tuple[float, int, str, str]  # (end, tie-breaker, account, request_id)


def _nothing(job: Job, v: View) -> None:
    return None


@dataclass
class Retention:
    store: JobStore
    view: Callable[[Job, float], View]  # a job's state at a moment (the job service's)
    end_of: Callable[[Job], float]  # when a stored job ends as scheduled now (infinity: never)
    ttl_s: float
    max_per_account: int | None = None
    max_total: int | None = None
    purged: Callable[[Job, View], None] = _nothing  # told before a job goes (billing keeps its charge)
    _all: list[Entry] = field(default_factory=list)
    _by_account: dict[str, list[Entry]] = field(default_factory=dict)
    _tick: int = 0

    # --- what the job service tells it ---------------------------------------------------------

    def added(self, job: Job, end: float) -> None:
        """A job was stored; it ends at `end` as scheduled now (infinity: stuck)."""
        self._file(job, end)

    def ended(self, job: Job, at: float) -> None:
        """A job was cancelled at `at`: it has ended (its earlier entry, keyed later, goes stale)."""
        self._file(job, at)

    def reset(self, account: str | None = None) -> None:
        """The store forgot every job (or one account's)."""
        if account is None:
            self._all.clear()
            self._by_account.clear()
        else:
            self._by_account.pop(account, None)  # the shared heap's entries go stale: checked, then compacted

    # --- making room at submit -----------------------------------------------------------------

    def make_room(self, account: str, now: float) -> float | None:
        """Purge a batch of expired jobs, then ended jobs while `account` or the server is at its cap.
        None if a job can be stored now; else the clock seconds until one of the live jobs ends."""
        self._purge_expired(now)
        if self.max_per_account is not None and self.store.count(account) >= self.max_per_account:
            heap = self._by_account.get(account, [])
            while self.store.count(account) >= self.max_per_account:
                if not self._purge_ended(heap, now):
                    return self._wait(heap, now)
        if self.max_total is not None and self.store.count() >= self.max_total:
            while self.store.count() >= self.max_total:
                if not self._purge_ended(self._all, now):
                    return self._wait(self._all, now)
        return None

    def _purge_expired(self, now: float) -> None:
        for _ in range(PURGE_BATCH):
            if not self._all or self._all[0][0] + self.ttl_s > now:
                return
            _, _, account, request_id = heapq.heappop(self._all)
            job = self._current(account, request_id)
            if job is not None:
                v = self.view(job, now)
                if expired(v, now, self.ttl_s):
                    self._purge(job, v)

    def _purge_ended(self, heap: list[Entry], now: float) -> bool:
        """Purge the job that ended first, if one has; False if every job in `heap` is live."""
        while heap and heap[0][0] <= now:
            _, _, account, request_id = heapq.heappop(heap)
            job = self._current(account, request_id)
            if job is None:
                continue
            v = self.view(job, now)
            if v.phase.terminal:
                self._purge(job, v)
                return True
        return False

    def _wait(self, heap: list[Entry], now: float) -> float:
        while heap and self._current(heap[0][2], heap[0][3]) is None:
            heapq.heappop(heap)
        soonest = heap[0][0] if heap else math.inf
        return STUCK_RETRY_AFTER_S if math.isinf(soonest) else max(soonest - now, 1.0)

    # --- bookkeeping ---------------------------------------------------------------------------

    def _current(self, account: str, request_id: str) -> Job | None:
        job = self.store.get(request_id)
        return job if job is not None and job.account == account else None

    def _file(self, job: Job, end: float) -> None:
        self._tick += 1
        entry = (end, self._tick, job.account, job.request_id)
        heapq.heappush(self._all, entry)
        heap = self._by_account.setdefault(job.account, [])
        heapq.heappush(heap, entry)
        if len(self._all) > 2 * self.store.count() + 1024:
            self._all = self._rebuild(None)
        if len(heap) > 2 * self.store.count(job.account) + 64:
            self._by_account[job.account] = self._rebuild(job.account)

    def _purge(self, job: Job, v: View) -> None:
        self.purged(job, v)
        self.store.forget(job.request_id)
        heap = self._by_account.get(job.account)
        if heap is not None and self.store.count(job.account) == 0:
            del self._by_account[job.account]
        elif heap is not None and len(heap) > 2 * self.store.count(job.account) + 64:
            self._by_account[job.account] = self._rebuild(job.account)

    def _rebuild(self, account: str | None) -> list[Entry]:
        """One entry per stored job (of one account, or all), keyed by when it ends as scheduled now."""
        accounts = self.store.accounts() if account is None else [account]
        heap: list[Entry] = []
        for name in accounts:
            for job in self.store.jobs(name):
                self._tick += 1
                heap.append((self.end_of(job), self._tick, name, job.request_id))
        heapq.heapify(heap)
        return heap
