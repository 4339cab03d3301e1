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

    def add(self, job: Job) -> None:
        """Record a job and queue it. The job's image, if any, was put first."""
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

    def started_since(self, account: str, index: int, now: float) -> tuple[int, list[tuple[int, float]]]:
        """The account's queue generation, and (seq, start) of its jobs that started by `now` from the
        `index`-th started one on, in start order (see `queue.AccountQueue.started_since`)."""
        ...

    def cancel(self, job: Job, at: float) -> Job: ...

    def jobs(self, account: str) -> list[Job]: ...

    def accounts(self) -> list[str]: ...

    def reset(self, account: str | None = None) -> None:
        """Forget every job (or one account's), and the images no remaining job names."""
        ...
