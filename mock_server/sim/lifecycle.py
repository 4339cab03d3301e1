"""A job's life as pure functions of its record and the clock: no I/O, no timers, nothing changes on read.

At submit the mock decides everything that will happen to a job (its dispatch wait, run time and outcome)
from the server seed and the request. Its state at any moment is then `view(job, start_at, now)`. A test
with a manual clock can therefore jump to any moment, and the same seed replays the same timeline.

The queue is per account, first in first out, with a fixed number of generation slots (the real service
limits concurrent generations per account). A job starts at the earliest moment when (a) its dispatch wait
is over, (b) the job before it has started (FIFO) and (c) a slot is free. Start times are therefore
non-decreasing along the queue, which is what makes `queue_position` both cheap and monotone: it counts
the jobs ahead that have not started yet, and that number can only go down.
"""

from __future__ import annotations

import heapq
import math
import random
import uuid
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

INF = math.inf


class Phase(StrEnum):
    """Where a job is. Terminal phases never change again."""

    QUEUED = "in_queue"
    RUNNING = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED)


@dataclass(frozen=True)
class Outcome:
    """How a job ends, decided at submit. A failure may end the run early, at `at_fraction` of it."""

    ok: bool = True
    error_code: str | None = None
    error_message: str | None = None
    at_fraction: float = 1.0


@dataclass(frozen=True)
class Plan:
    """Everything decided at submit.

    `ready_at` is the earliest start (submit time plus the dispatch wait), never earlier than the previous
    job's `ready_at`: dispatch is FIFO, and this is what guarantees that cancelling a queued job can only
    move the jobs behind it forward in time, never into the past.
    """

    submitted_at: float
    ready_at: float
    run_s: float
    outcome: Outcome = Outcome()
    stuck: bool = False

    @property
    def busy_s(self) -> float:
        """How long the job holds a slot: a failure frees it early."""
        return self.run_s * (1.0 if self.outcome.ok else self.outcome.at_fraction)


@dataclass(frozen=True)
class JobFault:
    """What a fault does to the job a submit creates: the one description of it, decided at submit.

    A fault rule's job effects become one (`faults.Effect.job_fault`), and so does a start image that
    cannot be read (`job_media.start_image`); the job service combines them with `then` and plans the job
    with the result. Every default means "nothing": `JobFault()` leaves a job as the timing model plans it.
    """

    fail_at: float | None = None  # the job fails at this fraction of its run, with `error` and its message
    error: str = "internal_error"
    error_message: str = ""
    stuck: bool = False  # never leaves the queue (until cancelled)
    run_factor: float = 1.0  # runs this many times longer
    not_found_for: float = 0.0  # its status and result answer 404001 this long after submit
    rules: str | None = None  # the names of the rules behind it, for X-Mock-Decision on its responses

    def then(self, later: JobFault) -> JobFault:
        """This fault, with what it leaves at the default taken from `later`: the earlier one wins each
        effect, and a failure wins together with its error (a rule's failure over an unreadable image)."""
        failing = self if self.fail_at is not None else later
        return JobFault(
            fail_at=failing.fail_at,
            error=failing.error,
            error_message=failing.error_message,
            stuck=self.stuck or later.stuck,
            run_factor=self.run_factor if self.run_factor != 1.0 else later.run_factor,
            not_found_for=self.not_found_for or later.not_found_for,
            rules=self.rules or later.rules,
        )

    def outcome(self) -> Outcome | None:
        """The end this fault imposes, or None to let the timing model decide it."""
        if self.fail_at is None:
            return None
        return Outcome(False, self.error, self.error_message, self.fail_at)


NO_FAULT = JobFault()


@dataclass(frozen=True)
class Job:
    """One submitted request: what was asked, what was decided at submit, and what users did to it (cancel).

    Plain data a store can keep anywhere: primitives, the JSON inputs and two frozen records (`Plan`,
    `Outcome`); `to_record` and `from_record` convert it to and from a JSON-ready dict. The start image is
    not copied into the job: `image_key` names it in the store (by content hash), so a job never serves
    another job's image; so do `element_keys` for the reference elements' pictures.
    """

    request_id: str
    account: str
    model_id: str
    inputs: Mapping[str, Any]  # the contract's fields of the request, defaults filled in
    seq: int
    seed: int
    plan: Plan
    cancelled_at: float | None = None
    fault_rules: str | None = None  # the rules that shaped it (X-Mock-Decision on its status and result)
    hidden_until: float | None = None  # until then its status and result answer 404001 (a fault)
    image_key: str | None = None  # the start image in the store, by content hash
    element_keys: tuple[str | None, ...] = ()  # each reference element's picture in the store, if it had one

    def cancelled(self, at: float) -> Job:
        return replace(self, cancelled_at=at)

    def image_keys(self) -> list[str]:
        """Every image of the store this job names (its start image and its elements' pictures)."""
        keys = [self.image_key, *self.element_keys]
        return [k for k in keys if k is not None]

    def hidden_at(self, now: float) -> bool:
        """The quirk of a fresh request that answers 404 for a moment right after its submit."""
        return self.hidden_until is not None and now < self.hidden_until

    def to_record(self) -> dict[str, Any]:
        """The job as a JSON-ready dict (what a persistent store writes)."""
        return asdict(self)  # copies all the way down: the record shares nothing with the job

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Job:
        """The job `to_record` wrote."""
        plan = dict(record["plan"])
        plan["outcome"] = Outcome(**plan["outcome"])
        return cls(**{**record, "inputs": dict(record["inputs"]), "plan": Plan(**plan),
                      "element_keys": tuple(record.get("element_keys", ()))})


@dataclass(frozen=True)
class View:
    """A job as seen at one moment."""

    phase: Phase
    queue_position: int | None
    started_at: float | None
    finished_at: float | None


def view(job: Job, start_at: float, now: float, ahead_queued: int = 0) -> View:
    """The job's phase at `now`, given its scheduled start and how many jobs ahead are still queued."""
    if job.cancelled_at is not None:
        return View(Phase.CANCELLED, None, None, job.cancelled_at)
    if now < start_at:
        return View(Phase.QUEUED, ahead_queued, None, None)
    end = start_at + job.plan.busy_s
    if now < end:
        return View(Phase.RUNNING, None, start_at, None)
    return View(Phase.SUCCEEDED if job.plan.outcome.ok else Phase.FAILED, None, start_at, end)


def can_cancel(phase: Phase) -> bool:
    """Only queued jobs can be cancelled [doc]: once generation starts the GPU time is spent."""
    return phase is Phase.QUEUED


def expired(v: View, now: float, ttl_s: float) -> bool:
    """Outputs are kept `ttl_s` (7 days) after the job ends; after that the id answers 404001."""
    return v.finished_at is not None and now >= v.finished_at + ttl_s


# --- the per-account FIFO schedule -------------------------------------------------------------------


@dataclass
class AccountQueue:
    """Start times of one account's live jobs, FIFO with `slots` concurrent generations.

    It holds derived data only: everything in it can be recomputed from the jobs' plans and cancels, and
    `rebuild` does exactly that. Submitting is O(log slots); reading a position is O(log n).
    """

    slots: int
    seqs: list[int] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    _busy: dict[int, tuple[float, float]] = field(default_factory=dict)  # seq -> (ready_at, busy_s)
    _ends: list[float] = field(default_factory=list)  # min-heap of the `slots` latest ends so far
    stuck: list[int] = field(default_factory=list)  # jobs that never leave the queue (a fault)
    # What the jobs forgotten from the front left behind for the ones after them: the last one's start and
    # the `slots` latest ends among them. `remove` replays the rest from here, as if they were still there.
    _floor_start: float = -INF
    _floor_ends: list[float] = field(default_factory=list)
    _gone: set[int] = field(default_factory=set)  # forgotten, but behind a job that is still kept

    def push(self, seq: int, plan: Plan) -> float:
        """Append a job to the queue and return its start time."""
        if plan.stuck:
            self.stuck.append(seq)
            return INF
        prev_start = self.starts[-1] if self.starts else self._floor_start
        slot_free = self._ends[0] if len(self._ends) >= self.slots else -INF
        start = max(plan.ready_at, prev_start, slot_free)
        self.seqs.append(seq)
        self.starts.append(start)
        self._busy[seq] = (plan.ready_at, plan.busy_s)
        heapq.heappush(self._ends, start + plan.busy_s)
        if len(self._ends) > self.slots:
            heapq.heappop(self._ends)
        return start

    def start_of(self, seq: int) -> float:
        if seq in self._busy:
            return self.starts[bisect_right(self.seqs, seq) - 1]
        return INF

    def ahead_queued(self, seq: int, now: float) -> int:
        """How many live jobs ahead of `seq` have not started at `now`."""
        idx = bisect_right(self.seqs, seq) - (1 if seq in self._busy else 0)
        started = bisect_right(self.starts, now)
        return max(0, idx - started)

    def remove(self, seq: int) -> None:
        """Take a cancelled job out and recompute the starts of the jobs behind it."""
        if seq in self.stuck:
            self.stuck.remove(seq)
            return
        if seq not in self._busy:
            return
        del self._busy[seq]
        plans = [(s, self._busy[s]) for s in self.seqs if s != seq]
        self.seqs, self.starts, self._ends = [], [], list(self._floor_ends)
        for s, (ready, busy) in plans:
            self.push(s, Plan(submitted_at=ready, ready_at=ready, run_s=busy))

    def forget(self, seq: int) -> None:
        """Drop a job whose record is gone (a finished job purged to bound memory), changing no other
        job's start. Entries leave from the front, where the finished jobs are (starts are in queue order);
        one behind a job still kept waits for it. What they meant for later jobs stays in the floor."""
        if seq not in self._busy:
            return  # cancelled (already out) or stuck: nothing is kept for it
        self._gone.add(seq)
        n = 0
        while n < len(self.seqs) and self.seqs[n] in self._gone:
            n += 1
        if not n:
            return
        for s, start in zip(self.seqs[:n], self.starts[:n], strict=True):
            _, busy = self._busy.pop(s)
            self._gone.discard(s)
            heapq.heappush(self._floor_ends, start + busy)
            if len(self._floor_ends) > self.slots:
                heapq.heappop(self._floor_ends)
        self._floor_start = self.starts[n - 1]
        del self.seqs[:n]
        del self.starts[:n]


def schedule(plans: Sequence[Plan], slots: int) -> list[float]:
    """Start times of jobs submitted in this order (a pure reference for `AccountQueue`)."""
    q = AccountQueue(slots)
    return [q.push(i, p) for i, p in enumerate(plans)]


# --- deciding a plan at submit ------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """The timing model; every number is a guess at the real service and comes from Settings."""

    queue_wait_s: float = 8.0
    queue_wait_jitter: float = 0.5
    run_base_s: float = 30.0
    run_per_video_s: float = 12.0
    tier_factor: Mapping[str, float] = field(default_factory=lambda: {"standard": 1.0, "pro": 1.5, "4k": 3.0})
    sound_factor: float = 1.3
    run_jitter: float = 0.2
    failure_rate: float = 0.0

    def run_seconds(self, tier: str, duration_s: int, sound: bool) -> float:
        """Median generation time: grows with the tier, the clip length and audio."""
        base = self.run_base_s + self.run_per_video_s * duration_s
        return base * self.tier_factor.get(tier, 1.0) * (self.sound_factor if sound else 1.0)


FAILURE_REASONS: tuple[tuple[str, str], ...] = (
    ("internal_error", "Generation failed due to an internal error; please retry"),
    ("content_moderation", "The request was flagged by content moderation"),
    ("timeout", "Generation timed out"),
)


def request_id_from(rng: random.Random) -> str:
    """A UUID4-shaped id (the real format is a guess) drawn from the job's generator."""
    return str(uuid.UUID(bytes=rng.randbytes(16), version=4))


def plan_job(
    rng: random.Random,
    timing: Timing,
    *,
    now: float,
    prev_ready: float,
    tier: str,
    duration_s: int,
    sound: bool,
    fault: JobFault = NO_FAULT,
) -> Plan:
    """Decide a job's wait, run time and outcome. A fault overrides the outcome, the run time, or sticks it.

    The same five draws are made whatever the fault, so a faulted job keeps the wait and run time it would
    have had without it (a run factor scales that run time).
    """
    wait = timing.queue_wait_s * (1 + timing.queue_wait_jitter * (2 * rng.random() - 1))
    run = timing.run_seconds(tier, duration_s, sound) * (1 + timing.run_jitter * (2 * rng.random() - 1))
    failure_draw, reason_draw, fraction_draw = rng.random(), rng.random(), rng.random()
    outcome = fault.outcome()
    if outcome is None:
        outcome = Outcome()
        if failure_draw < timing.failure_rate:
            code, message = FAILURE_REASONS[int(reason_draw * len(FAILURE_REASONS))]
            outcome = Outcome(False, code, message, 0.1 + 0.8 * fraction_draw)
    return Plan(
        submitted_at=now,
        ready_at=max(now + max(wait, 0.0), prev_ready),
        run_s=max(run * fault.run_factor, 1.0),
        outcome=outcome,
        stuck=fault.stuck,
    )
