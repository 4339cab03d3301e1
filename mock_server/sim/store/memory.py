"""The in-memory backend: jobs in a dict, a FIFO queue per account, images by content hash. Everything is
lost on restart."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..lifecycle import INF, AccountQueue, Job


@dataclass
class _Account:
    queue: AccountQueue
    seq: int = 0
    last_ready: float = -INF
    ids: dict[str, None] = field(default_factory=dict)  # in submit order; a dict so a purge is O(1)


@dataclass
class MemoryStore:
    """Jobs in a dict, queues per account. Everything is lost on restart, by design of this backend."""

    slots: int
    _jobs: dict[str, Job] = field(default_factory=dict)
    _accounts: dict[str, _Account] = field(default_factory=dict)
    _images: dict[str, bytes] = field(default_factory=dict)
    _image_refs: Counter[str] = field(default_factory=Counter)  # how many stored jobs name each image

    def _account(self, account: str) -> _Account:
        acc = self._accounts.get(account)
        if acc is None:
            acc = self._accounts[account] = _Account(AccountQueue(self.slots))
        return acc

    def next_seq(self, account: str) -> int:
        return self._account(account).seq

    def last_ready(self, account: str) -> float:
        return self._account(account).last_ready

    def add(self, job: Job) -> float:
        acc = self._account(job.account)
        if job.request_id in self._jobs:
            raise KeyError(f"duplicate request id {job.request_id}")
        acc.seq = max(acc.seq, job.seq + 1)
        if not job.plan.stuck:
            acc.last_ready = max(acc.last_ready, job.plan.ready_at)
        self._jobs[job.request_id] = job
        acc.ids[job.request_id] = None
        for key in job.image_keys():
            self._image_refs[key] += 1
        return acc.queue.push(job.seq, job.plan)

    def put_image(self, key: str, data: bytes) -> None:
        self._images.setdefault(key, data)

    def image(self, key: str) -> bytes | None:
        return self._images.get(key)

    def get(self, request_id: str) -> Job | None:
        return self._jobs.get(request_id)

    def start_of(self, job: Job) -> float:
        return self._account(job.account).queue.start_of(job.seq)

    def ahead_queued(self, job: Job, now: float) -> int:
        return self._account(job.account).queue.ahead_queued(job.seq, now)

    def cancel(self, job: Job, at: float) -> Job:
        cancelled = job.cancelled(at)
        self._jobs[job.request_id] = cancelled
        self._account(job.account).queue.remove(job.seq)
        return cancelled

    def jobs(self, account: str) -> list[Job]:
        acc = self._accounts.get(account)
        return [self._jobs[i] for i in acc.ids] if acc else []

    def count(self, account: str | None = None) -> int:
        if account is None:
            return len(self._jobs)
        acc = self._accounts.get(account)
        return len(acc.ids) if acc else 0

    def forget(self, request_id: str) -> Job | None:
        job = self._jobs.pop(request_id, None)
        if job is None:
            return None
        acc = self._accounts[job.account]
        acc.ids.pop(request_id, None)
        acc.queue.forget(job.seq)
        for key in job.image_keys():
            self._release(key)
        return job

    def accounts(self) -> list[str]:
        return list(self._accounts)

    def reset(self, account: str | None = None) -> None:
        if account is None:
            self._jobs.clear()
            self._accounts.clear()
            self._images.clear()
            self._image_refs.clear()
            return
        acc = self._accounts.pop(account, None)
        for request_id in acc.ids if acc else []:
            job = self._jobs.pop(request_id, None)
            for key in job.image_keys() if job is not None else []:
                self._release(key)
        for key in [k for k in self._images if not self._image_refs[k]]:  # put, but no job was added
            del self._images[key]

    def _release(self, key: str) -> None:
        self._image_refs[key] -= 1
        if self._image_refs[key] <= 0:
            del self._image_refs[key]
            self._images.pop(key, None)
