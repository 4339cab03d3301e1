"""The job service: submit, look up and cancel, for one account at a time.

It joins the pure pieces (contract, lifecycle) to the store and the clock, and enforces tenancy: a bearer
token is an account, and a request id of another account answers 403001 as the real service does.
Nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..settings import Settings
from . import errors
from .clock import Clock
from .contract import Contract, ModelInfo
from .lifecycle import (
    Job,
    Outcome,
    Phase,
    Timing,
    View,
    can_cancel,
    expired,
    job_rng,
    plan_job,
    request_id_from,
    view,
)
from .store import JobStore


def timing_from(settings: Settings) -> Timing:
    return Timing(
        queue_wait_s=settings.queue_wait_s,
        queue_wait_jitter=settings.queue_wait_jitter,
        run_base_s=settings.run_base_s,
        run_per_video_s=settings.run_per_video_s,
        tier_factor={"standard": 1.0, "pro": settings.run_tier_factor_pro, "4k": settings.run_tier_factor_4k},
        sound_factor=settings.run_sound_factor,
        run_jitter=settings.run_jitter,
        failure_rate=settings.failure_rate,
    )


@dataclass(frozen=True)
class Overrides:
    """What a fault rule (or an image that failed to load) imposes on a job at submit."""

    outcome: Outcome | None = None
    run_factor: float = 1.0
    stuck: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass
class JobService:
    settings: Settings
    contract: Contract
    store: JobStore
    clock: Clock
    timing: Timing

    def model(self, model_id: str) -> ModelInfo:
        info = self.contract.model(model_id)
        if info is None:
            raise errors.unknown_model(model_id)
        return info

    def submit(
        self,
        account: str,
        model_id: str,
        inputs: Mapping[str, Any],
        overrides: Overrides | None = None,
        backdrop: bytes | None = None,
        elements: tuple[bytes | None, ...] = (),
    ) -> Job:
        """Record a validated request with everything about its future decided now."""
        info = self.model(model_id)
        overrides = overrides or Overrides()
        now = self.clock.now()
        seq = self.store.next_seq(account)
        rng = job_rng(self.settings.seed, account, seq)
        request_id = request_id_from(rng)
        plan = plan_job(
            rng,
            self.timing,
            now=now,
            prev_ready=self.store.last_ready(account),
            tier=info.tier,
            duration_s=info.duration(inputs),
            sound=info.sound(inputs),
            run_factor=overrides.run_factor,
            outcome=overrides.outcome,
            stuck=overrides.stuck,
        )
        job = Job(
            request_id=request_id,
            account=account,
            model_id=model_id,
            inputs=dict(inputs),
            seq=seq,
            seed=self.settings.seed,
            plan=plan,
            tags=dict(overrides.tags),
            backdrop=backdrop,
            elements=elements,
        )
        self.store.add(job)
        return job

    def view(self, job: Job, now: float | None = None) -> View:
        now = self.clock.now() if now is None else now
        start = self.store.start_of(job)
        ahead = self.store.ahead_queued(job, now) if now < start else 0
        return view(job, start, now, ahead + self.settings.queue_position_base)

    def find(self, account: str, request_id: str) -> tuple[Job, View]:
        """The caller's job and its state now; 404001 if unknown or expired, 403001 if not theirs."""
        job = self.store.get(request_id)
        if job is None:
            raise errors.not_found(request_id)
        if job.account != account:
            raise errors.forbidden(request_id)
        now = self.clock.now()
        v = self.view(job, now)
        if expired(v, now, self.settings.result_ttl_s):
            raise errors.not_found(request_id)
        return job, v

    def cancel(self, account: str, request_id: str) -> tuple[Job, View, bool]:
        """Cancel if still queued; otherwise report `not_cancellable` and leave the job alone."""
        job, v = self.find(account, request_id)
        if not can_cancel(v.phase):
            return job, v, False
        job = self.store.cancel(job, self.clock.now())
        return job, self.view(job), True

    def finished_ok(self, request_id: str) -> Job | None:
        """The job behind a file URL, if it has succeeded and not expired (files need no token)."""
        job = self.store.get(request_id)
        if job is None:
            return None
        now = self.clock.now()
        v = self.view(job, now)
        if v.phase is not Phase.SUCCEEDED or expired(v, now, self.settings.result_ttl_s):
            return None
        return job
