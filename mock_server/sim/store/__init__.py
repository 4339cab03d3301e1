"""Where jobs live: the protocol every backend implements.

The store keeps records and the per-account queue derived from them; it makes no decisions. A persistent
backend only has to implement `JobStore` (the queue can be rebuilt from the records it keeps, and a record
is plain data: `Job.to_record` / `Job.from_record`). Start images are kept once per content hash, apart
from the jobs that name them (`Job.image_key`).
"""

from __future__ import annotations

from typing import Protocol

from ..lifecycle import Job


class JobStore(Protocol):
    """What the job service needs from storage. Every call is O(1) or O(log n) in stored jobs (amortised),
    but `start_of` and `jobs`."""

    def next_seq(self, account: str) -> int: ...

    def last_ready(self, account: str) -> float: ...

    def add(self, job: Job) -> float:
        """Record a job and queue it; returns its start as planned now (later cancels can only make it
        earlier; infinity if stuck). The job's image, if any, was put first."""
        ...

    def put_image(self, key: str, data: bytes) -> None:
        """Keep a start image under its content hash (putting the same image again changes nothing)."""
        ...

    def image(self, key: str) -> bytes | None:
        """A start image a stored job names; None once no job names it (after a reset)."""
        ...

    def get(self, request_id: str) -> Job | None: ...

    def started_at(self, job: Job, now: float) -> float | None:
        """The job's start if it has started by `now` (None: still queued, stuck or cancelled)."""
        ...

    def ahead_queued(self, job: Job, now: float) -> int:
        """How many of the account's live jobs ahead of this one have not started at `now`."""
        ...

    def start_of(self, job: Job) -> float:
        """The job's exact start, even while it is queued (infinity: stuck or cancelled). O(its distance
        from the first job not started yet): for the admin view and the concurrency limit, not hot routes."""
        ...

    def latest_start(self, job: Job) -> float:
        """A start no earlier than the job's true one, in O(1): exact once started, else as planned at submit
        (infinity: stuck or cancelled). What bounds need, where the exact start would cost a simulation."""
        ...

    def started_since(self, account: str, index: int, now: float) -> tuple[int, int, list[tuple[int, float]]]:
        """The account's queue generation, the index to read from next, and (seq, start) of its jobs that
        started by `now` from the `index`-th started one on, in start order (`queue.AccountQueue`)."""
        ...

    def cancel(self, job: Job, at: float) -> Job: ...

    def jobs(self, account: str) -> list[Job]: ...

    def count(self, account: str | None = None) -> int:
        """Jobs stored for one account, or in all."""
        ...

    def forget(self, request_id: str) -> Job | None:
        """Drop a finished job's record (to bound memory) without changing any other job's schedule."""
        ...

    def accounts(self) -> list[str]: ...

    def reset(self, account: str | None = None) -> None:
        """Forget every job (or one account's), and the images no remaining job names."""
        ...
