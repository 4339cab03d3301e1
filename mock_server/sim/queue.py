"""One account's FIFO queue with `slots` generation slots: when each job starts, computed lazily.

A job starts at the earliest moment when (a) its dispatch wait is over (`ready_at`), (b) the job before it
has started (FIFO) and (c) a slot is free (`lifecycle.schedule` is the plain reference). Cancelling a
queued job moves every job behind it earlier, so a structure that kept every start up to date paid
O(queue) per cancel (260 ms at 100,000 queued jobs). This one never computes a start before it is needed:

- The *committed* jobs are the prefix of the queue known to have started by the latest moment asked about
  (the "horizon"). Their starts are final: a start depends only on the jobs before it, and only queued
  jobs can be cancelled, so a cancel never touches the prefix.
- The first job after the prefix is the *frontier*; its start follows in O(1) from the prefix's state
  (the previous start, the ends of the last `slots` committed jobs).
- Every other job is just a position. Asking "has it started by `now`?" or "how many jobs ahead of it have
  not started?" only needs the prefix advanced to `now` (each job is committed once, O(log slots)) and the
  number of live jobs before a position (a Fenwick tree, O(log n)).

So a submit is O(log n), a cancel O(log n), a status read amortised O(log n). An exact start of a job
beyond the frontier (`start_of`) is simulated from the frontier, O(distance): only the admin view, the
concurrency limit and the tests ask for it.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Protocol

INF = math.inf


class Planned(Protocol):
    """What the queue needs of a job's plan (`lifecycle.Plan`)."""

    @property
    def ready_at(self) -> float: ...

    @property
    def busy_s(self) -> float: ...

    @property
    def stuck(self) -> bool: ...


@dataclass
class LiveCounts:
    """A Fenwick tree over positions 0..n-1 holding 0 or 1: how many live positions lie before a position.
    Appending, flipping one and counting a prefix are each O(log n)."""

    _tree: list[int] = field(default_factory=lambda: [0])  # 1-based; _tree[i] sums (i - lowbit(i), i]

    def append(self, value: int) -> None:
        i = len(self._tree)
        total, j, stop = value, i - 1, i - (i & -i)
        while j > stop:
            total += self._tree[j]
            j -= j & -j
        self._tree.append(total)

    def add(self, position: int, delta: int) -> None:
        i = position + 1
        while i < len(self._tree):
            self._tree[i] += delta
            i += i & -i

    def before(self, position: int) -> int:
        """The sum over positions < `position`."""
        total, i = 0, position
        while i > 0:
            total += self._tree[i]
            i -= i & -i
        return total


@dataclass
class AccountQueue:
    """Start times of one account's jobs, FIFO with `slots` concurrent generations (see the module)."""

    slots: int
    # Every job pushed, by position (push order): its seq, plan figures and whether it is still queued or run.
    _seq_at: list[int] = field(default_factory=list)
    _ready: list[float] = field(default_factory=list)
    _busy: list[float] = field(default_factory=list)
    _alive: list[bool] = field(default_factory=list)  # False: cancelled, or stuck (never starts)
    _position: dict[int, int] = field(default_factory=dict)  # seq -> position
    _live: LiveCounts = field(default_factory=LiveCounts)
    _stuck: set[int] = field(default_factory=set)
    # The committed prefix: positions < _next are decided (alive ones have started by the horizon).
    _next: int = 0
    _horizon: float = -INF
    _start_at: dict[int, float] = field(default_factory=dict)  # position -> start, committed jobs only
    _starts: list[float] = field(default_factory=list)  # committed starts in order (non-decreasing)
    _committed: list[int] = field(default_factory=list)  # their seqs, in the same order
    _prev_start: float = -INF
    _ends: list[float] = field(default_factory=list)  # min-heap of the last `slots` committed ends
    generation: int = 0  # bumped when the prefix had to be recomputed (a cancel behind the horizon)

    # --- changes ----------------------------------------------------------------------------------

    def push(self, seq: int, plan: Planned) -> None:
        """Append a job (a stuck one never starts and holds no slot). O(log n)."""
        self._position[seq] = len(self._seq_at)
        self._seq_at.append(seq)
        self._ready.append(plan.ready_at)
        self._busy.append(plan.busy_s)
        self._alive.append(not plan.stuck)
        self._live.append(0 if plan.stuck else 1)
        if plan.stuck:
            self._stuck.add(seq)

    def remove(self, seq: int) -> None:
        """Take a cancelled job out: O(log n). The jobs behind it start earlier, which nothing stored says,
        so nothing needs rewriting. (A job the prefix already holds cannot be queued at any moment the
        clock has reached; if asked anyway, the prefix is recomputed, O(n).)"""
        self._stuck.discard(seq)
        position = self._position.get(seq)
        if position is None or not self._alive[position]:
            return
        self._alive[position] = False
        self._live.add(position, -1)
        if position < self._next:
            self._recommit()

    # --- reads --------------------------------------------------------------------------------------

    def started_at(self, seq: int, now: float) -> float | None:
        """The job's start if it has started by `now`, else None (queued, stuck, cancelled or unknown)."""
        self._advance(now)
        position = self._position.get(seq)
        if position is None or position >= self._next or not self._alive[position]:
            return None
        start = self._start_at[position]
        return start if start <= now else None

    def ahead_queued(self, seq: int, now: float) -> int:
        """How many live jobs ahead of `seq` have not started at `now`."""
        self._advance(now)
        position = self._position.get(seq)
        if position is None:
            return 0
        return max(0, self._live.before(position) - bisect_right(self._starts, now))

    def start_of(self, seq: int) -> float:
        """The job's exact start (infinity if stuck, cancelled or unknown): final for a started job,
        simulated from the frontier otherwise, O(its distance from the frontier)."""
        position = self._position.get(seq)
        if position is None or not self._alive[position]:
            return INF
        if position < self._next:
            return self._start_at[position]
        prev, ends = self._prev_start, list(self._ends)
        start = INF
        for p in range(self._next, position + 1):
            if self._alive[p]:
                start, prev = self._step(p, prev, ends)
        return start

    @property
    def starts(self) -> list[float]:
        """Every live job's start, in queue order: O(n), for tests and inspection."""
        return [self.start_of(seq) for p, seq in enumerate(self._seq_at) if self._alive[p]]

    def started_since(self, index: int, now: float) -> list[tuple[int, float]]:
        """(seq, start) of the jobs that started by `now`, from the `index`-th started job on, in order.
        A reader keeps its own index and `generation`; a new generation means: read again from 0."""
        self._advance(now)
        stop = bisect_right(self._starts, now, lo=min(index, len(self._starts)))
        return list(zip(self._committed[index:stop], self._starts[index:stop], strict=True))

    # --- the prefix ---------------------------------------------------------------------------------

    def _step(self, position: int, prev: float, ends: list[float]) -> tuple[float, float]:
        """The start of the job at `position` after jobs whose last start is `prev` and whose latest ends
        are `ends` (updated in place); returns (start, the new previous start)."""
        slot_free = ends[0] if len(ends) >= self.slots else -INF
        start = max(self._ready[position], prev, slot_free)
        heapq.heappush(ends, start + self._busy[position])
        if len(ends) > self.slots:
            heapq.heappop(ends)
        return start, start

    def _advance(self, now: float) -> None:
        """Commit every job that has started by `now`; each job is committed once."""
        self._horizon = max(self._horizon, now)
        while self._next < len(self._seq_at):
            position = self._next
            if self._alive[position]:
                slot_free = self._ends[0] if len(self._ends) >= self.slots else -INF
                if max(self._ready[position], self._prev_start, slot_free) > now:
                    return
                start, self._prev_start = self._step(position, self._prev_start, self._ends)
                self._start_at[position] = start
                self._starts.append(start)
                self._committed.append(self._seq_at[position])
            self._next += 1

    def _recommit(self) -> None:
        """Recompute the prefix from the first job (after a cancel inside it), up to the horizon."""
        horizon = self._horizon
        self._next, self._prev_start, self._ends = 0, -INF, []
        self._start_at, self._starts, self._committed = {}, [], []
        self.generation += 1
        self._advance(horizon)
