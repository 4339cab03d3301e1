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
concurrency limit and the tests ask for it. `push` answers the start as planned at submit, which a later
cancel can only move earlier (`latest_start` keeps it): an upper bound, O(log slots).

Finished jobs whose records are purged (`forget`) leave from the front, where the finished jobs are; what
they meant for later jobs stays behind as a floor (the last start, the latest ends), and the positions they
held are given back a half at a time, so the queue's memory follows the jobs kept.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Protocol

INF = math.inf
COMPACT_AT = 64  # give positions back once at least this many (and half of all) lie before the first kept job


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

    @classmethod
    def of(cls, values: list[bool]) -> LiveCounts:
        counts = cls()
        for v in values:
            counts.append(int(v))
        return counts

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


def _step(slots: int, ready: float, busy: float, prev: float, ends: list[float]) -> float:
    """The start of a job after jobs whose last start is `prev` and whose latest ends are `ends` (a min-heap
    of at most `slots`, updated in place)."""
    slot_free = ends[0] if len(ends) >= slots else -INF
    start = max(ready, prev, slot_free)
    heapq.heappush(ends, start + busy)
    if len(ends) > slots:
        heapq.heappop(ends)
    return start


@dataclass
class AccountQueue:
    """Start times of one account's jobs, FIFO with `slots` concurrent generations (see the module)."""

    slots: int
    compact_at: int = COMPACT_AT
    # Every job pushed and not given back, by position (push order).
    _seq_at: list[int] = field(default_factory=list)
    _ready: list[float] = field(default_factory=list)
    _busy: list[float] = field(default_factory=list)
    _planned: list[float] = field(default_factory=list)  # the start as planned at push: an upper bound
    _alive: list[bool] = field(default_factory=list)  # False: cancelled, or stuck (never starts)
    _kept: list[bool] = field(default_factory=list)  # False: its record was purged (`forget`)
    _position: dict[int, int] = field(default_factory=dict)  # seq -> position, for jobs not forgotten
    _live: LiveCounts = field(default_factory=LiveCounts)
    _stuck: set[int] = field(default_factory=set)
    # The committed prefix: positions < _next are decided (alive ones have started by the horizon).
    _next: int = 0
    _horizon: float = -INF
    _start_at: dict[int, float] = field(default_factory=dict)  # position -> start, committed alive jobs
    _starts: list[float] = field(default_factory=list)  # committed starts in order (non-decreasing)
    _committed: list[int] = field(default_factory=list)  # their seqs, in the same order
    _dropped: int = 0  # committed entries given back from the front of _starts / _committed
    _prev_start: float = -INF
    _ends: list[float] = field(default_factory=list)  # min-heap of the last `slots` committed ends
    # What the positions given back left for the jobs after them (the floor a recomputation starts from).
    _floor_start: float = -INF
    _floor_ends: list[float] = field(default_factory=list)
    # The schedule as planned at each push, cancels ignored: every later cancel only moves starts earlier.
    _tail_start: float = -INF
    _tail_ends: list[float] = field(default_factory=list)
    _front: int = 0  # the first position whose job is kept and live (or stuck); the rest of `seqs`
    generation: int = 0  # bumped when the prefix had to be recomputed (a cancel behind the horizon)

    # --- changes ----------------------------------------------------------------------------------

    def push(self, seq: int, plan: Planned) -> float:
        """Append a job (a stuck one never starts and holds no slot); its start as planned now, which later
        cancels can only move earlier (infinity if stuck). O(log n)."""
        planned = INF
        if not plan.stuck:
            planned = self._tail_start = _step(self.slots, plan.ready_at, plan.busy_s, self._tail_start,
                                               self._tail_ends)
        self._position[seq] = len(self._seq_at)
        self._seq_at.append(seq)
        self._ready.append(plan.ready_at)
        self._busy.append(plan.busy_s)
        self._planned.append(planned)
        self._alive.append(not plan.stuck)
        self._kept.append(True)
        self._live.append(0 if plan.stuck else 1)
        if plan.stuck:
            self._stuck.add(seq)
        return planned

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
        self._move_front()

    def forget(self, seq: int) -> None:
        """A finished job's record is gone (purged): it changes no other job's start. Its position is given
        back once every job before it is gone too (see the module)."""
        self._stuck.discard(seq)
        position = self._position.pop(seq, None)
        if position is None:
            return
        self._kept[position] = False
        self._move_front()

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
                start = prev = _step(self.slots, self._ready[p], self._busy[p], prev, ends)
        return start

    def latest_start(self, seq: int) -> float:
        """A start no earlier than the job's true one, O(1): exact once it has started, else as planned at
        its push (cancels since can only have moved it earlier). Infinity if stuck, cancelled or unknown."""
        position = self._position.get(seq)
        if position is None or not self._alive[position]:
            return INF
        return self._start_at[position] if position < self._next else self._planned[position]

    @property
    def starts(self) -> list[float]:
        """Every live job's start in queue order, forgotten ones included until their place is given back:
        O(n), for tests and inspection."""
        out: list[float] = []
        prev, ends = self._prev_start, list(self._ends)
        for p in range(len(self._seq_at)):
            if not self._alive[p]:
                continue
            if p < self._next:
                out.append(self._start_at[p])
            else:
                out.append(prev := _step(self.slots, self._ready[p], self._busy[p], prev, ends))
        return out

    @property
    def seqs(self) -> list[int]:
        """The live jobs from the first one still kept on, in queue order (forgotten ones behind a kept
        one included: they leave with the front)."""
        return [self._seq_at[p] for p in range(self._front, len(self._seq_at)) if self._alive[p]]

    def started_since(self, index: int, now: float) -> tuple[int, list[tuple[int, float]]]:
        """(seq, start) of the jobs that started by `now`, from the `index`-th started job on, in order, and
        the index to read from next. A reader keeps that index and `generation`; a new generation means:
        read again from 0. Entries given back before a reader read them are skipped (a purge settles the
        book first, see `accounts.Accounts.purged`)."""
        self._advance(now)
        lo = min(max(index - self._dropped, 0), len(self._starts))
        stop = bisect_right(self._starts, now, lo=lo)
        return self._dropped + stop, list(zip(self._committed[lo:stop], self._starts[lo:stop], strict=True))

    # --- the prefix ---------------------------------------------------------------------------------

    def _advance(self, now: float) -> None:
        """Commit every job that has started by `now`; each job is committed once."""
        self._horizon = max(self._horizon, now)
        while self._next < len(self._seq_at):
            position = self._next
            if self._alive[position]:
                slot_free = self._ends[0] if len(self._ends) >= self.slots else -INF
                if max(self._ready[position], self._prev_start, slot_free) > now:
                    break
                start = self._prev_start = _step(self.slots, self._ready[position], self._busy[position],
                                                 self._prev_start, self._ends)
                self._start_at[position] = start
                self._starts.append(start)
                self._committed.append(self._seq_at[position])
            self._next += 1
        self._compact()

    def _recommit(self) -> None:
        """Recompute the prefix from the floor (after a cancel inside it), up to the horizon."""
        horizon = self._horizon
        self._next, self._prev_start, self._ends = 0, self._floor_start, list(self._floor_ends)
        self._start_at, self._starts, self._committed = {}, [], []
        self.generation += 1
        self._advance(horizon)

    # --- giving positions back ----------------------------------------------------------------------

    def _blocks(self, position: int) -> bool:
        """Whether a position must stay: its job is kept and still counts (live, or stuck)."""
        return self._kept[position] and (self._alive[position] or self._seq_at[position] in self._stuck)

    def _move_front(self) -> None:
        while self._front < len(self._seq_at) and not self._blocks(self._front):
            self._front += 1
        self._compact()

    def _compact(self) -> None:
        """Give back the positions before the front that the prefix has decided, once they are many."""
        cut = min(self._front, self._next)
        if cut < self.compact_at or 2 * cut < len(self._seq_at):
            return
        gone = [p for p in range(cut) if self._alive[p]]  # started and forgotten: they leave the floor
        for p in gone:
            self._floor_start = _step(self.slots, self._start_at[p], self._busy[p], self._floor_start,
                                      self._floor_ends)
        self._starts = self._starts[len(gone):]
        self._committed = self._committed[len(gone):]
        self._dropped += len(gone)
        self._start_at = {p - cut: s for p, s in self._start_at.items() if p >= cut}
        for name in ("_seq_at", "_ready", "_busy", "_planned", "_alive", "_kept"):
            setattr(self, name, getattr(self, name)[cut:])
        self._position = {seq: p - cut for seq, p in self._position.items()}
        self._live = LiveCounts.of(self._alive)
        self._next -= cut
        self._front -= cut
