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
    """What the job service needs from storage. Every call is O(1) or O(log n) in stored jobs."""

    def next_seq(self, account: str) -> int: ...

    def last_ready(self, account: str) -> float: ...

    def add(self, job: Job) -> float:
        """Record a job and queue it; returns its start time. The job's image, if any, was put first."""
        ...

    def put_image(self, key: str, data: bytes) -> None:
        """Keep a start image under its content hash (putting the same image again changes nothing)."""
        ...

    def image(self, key: str) -> bytes | None:
        """A start image a stored job names; None once no job names it (after a reset)."""
        ...

    def get(self, request_id: str) -> Job | None: ...

    def start_of(self, job: Job) -> float: ...

    def ahead_queued(self, job: Job, now: float) -> int: ...

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
