"""The job service: submit, look up and cancel, for one account at a time.

It joins the pure pieces (contract, lifecycle) to the store and the clock, and enforces tenancy: a bearer
token is an account, and a request id of another account answers 403001 as the real service does.
Nothing here knows about HTTP.

A submit is "validate first, commit last": everything that can refuse or shape the job (the start image,
the account's admission, the fault, the plan) is worked out before the one store write, and nothing that
can fail comes after it. An answer other than success therefore means that nothing was stored or charged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..media import RenderSpec
from ..settings import Settings
from . import errors
from .clock import Clock
from .contract import Contract, ImagePath, ModelInfo
from .job_media import image_key, job_images, naming_stored_images, render_spec
from .lifecycle import (
    NO_FAULT,
    Job,
    JobFault,
    Phase,
    Timing,
    View,
    can_cancel,
    expired,
    plan_job,
    request_id_from,
    view,
)
from .retention import Retention
from .rng import rng_for
from .store import JobStore

DECISION_HEADER = "X-Mock-Decision"


class Admission(Protocol):
    """What the job service asks before it stores a job, and tells after (the accounts: money, limits)."""

    def admit(self, account: str, model: ModelInfo, inputs: Mapping[str, Any]) -> None:
        """Raise the `ApiError` to answer if the account may not submit this job now."""
        ...

    def admitted(self, job: Job, start: float) -> None:
        """A job was stored; it starts at `start` (infinity: stuck in the queue)."""
        ...

    def cancelled(self, job: Job) -> None:
        """A queued job was cancelled; the account's later jobs may now start earlier."""
        ...

    def purged(self, job: Job, v: View) -> None:
        """A job that has ended (`v`) is being forgotten to bound storage (`retention`)."""
        ...


class OpenDoor:
    """Admits every job: the service without accounts (as its unit tests build it)."""

    def admit(self, account: str, model: ModelInfo, inputs: Mapping[str, Any]) -> None:
        return None

    def admitted(self, job: Job, start: float) -> None:
        return None

    def cancelled(self, job: Job) -> None:
        return None

    def purged(self, job: Job, v: View) -> None:
        return None


def decision_headers(job: Job) -> dict[str, str]:
    """Status and result of a job a rule shaped name that rule, as every touched response does."""
    return {DECISION_HEADER: job.fault_rules} if job.fault_rules else {}


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


@dataclass
class JobService:
    settings: Settings
    contract: Contract
    store: JobStore
    clock: Clock
    timing: Timing
    admission: Admission = field(default_factory=OpenDoor)
    retention: Retention = field(init=False)

    def __post_init__(self) -> None:
        self.retention = Retention(
            self.store,
            self.view,
            self.end_of,
            self.settings.result_ttl_s,
            self.settings.max_jobs_per_account,
            self.settings.max_jobs_total,
            purged=self._purged,
        )

    def _purged(self, job: Job, v: View) -> None:
        self.admission.purged(job, v)

    def model(self, model_id: str) -> ModelInfo:
        info = self.contract.model(model_id)
        if info is None:
            raise errors.unknown_model(model_id)
        return info

    async def submit(
        self,
        account: str,
        model: ModelInfo,
        inputs: Mapping[str, Any],
        fault: JobFault | None = None,
        inline: Mapping[ImagePath, bytes] | None = None,
    ) -> Job:
        """Record a validated request with everything about its future decided now.

        `inline` holds the images the body gave as data URIs, already decoded (by `Contract.inline_images`).
        The other images are read first (the only wait); from then on nothing awaits, so the admission
        check and the store write see the same state. A rule's fault wins over an unreadable image.
        """
        inline = inline or {}
        images = await job_images(inputs, inline, self.settings)
        start_key = None if images.start is None else image_key(images.start)
        element_keys = tuple(None if p is None else image_key(p) for p in images.elements)
        self.admission.admit(account, model, inputs)  # 402/400002 if it cannot pay, 429 if no room
        fault = (fault or NO_FAULT).then(images.fault)
        now = self.clock.now()
        wait = self.retention.make_room(account, now)
        if wait is not None:
            raise errors.too_many_requests(math.ceil(wait), self._full_message(account))
        seq = self.store.next_seq(account)
        rng = rng_for(self.settings.seed, account, seq)
        request_id = request_id_from(rng)
        plan = plan_job(
            rng,
            self.timing,
            now=now,
            prev_ready=self.store.last_ready(account),
            tier=model.tier,
            duration_s=model.duration(inputs),
            sound=model.sound(inputs),
            fault=fault,
        )
        job = Job(
            request_id=request_id,
            account=account,
            model_id=model.model_id,
            inputs=naming_stored_images(model.known_inputs(inputs), inline),
            seq=seq,
            seed=self.settings.seed,
            plan=plan,
            fault_rules=fault.rules,
            hidden_until=now + fault.not_found_for if fault.not_found_for > 0 else None,
            image_key=start_key,
            element_keys=element_keys,
        )
        for key, data in ((start_key, images.start), *zip(element_keys, images.elements, strict=True)):
            if key is not None and data is not None:
                self.store.put_image(key, data)
        start = self.store.add(job)  # the commit
        self.admission.admitted(job, start)
        self.retention.added(job, start + plan.busy_s)
        return job

    def _full_message(self, account: str) -> str:
        cap = self.settings.max_jobs_per_account
        if cap is not None and self.store.count(account) >= cap:
            return f"Too many jobs kept: at most {cap} per account, and all of them are queued or running"
        return f"Too many jobs kept: at most {self.settings.max_jobs_total} in all, and all are queued or running"

    def end_of(self, job: Job) -> float:
        """When a stored job ends as scheduled now (its cancel, or its start plus its run); infinity if stuck."""
        if job.cancelled_at is not None:
            return job.cancelled_at
        return self.store.start_of(job) + job.plan.busy_s

    def reset(self, account: str | None = None) -> None:
        """Forget every job, or one account's."""
        self.store.reset(account)
        self.retention.reset(account)

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

    def state_of(self, account: str, request_id: str) -> tuple[Job, View]:
        """`find` for the status and result routes: a fault may make a fresh request answer 404001 for a
        moment, as the real service sometimes does (naming the rule, like every response it shapes)."""
        job, v = self.find(account, request_id)
        if job.hidden_at(self.clock.now()):
            raise errors.not_found(request_id, decision_headers(job))
        return job, v

    def cancel(self, account: str, request_id: str) -> tuple[Job, View, bool]:
        """Cancel if still queued; otherwise report `not_cancellable` and leave the job alone."""
        job, v = self.find(account, request_id)
        if not can_cancel(v.phase):
            return job, v, False
        job = self.store.cancel(job, self.clock.now())
        self.admission.cancelled(job)
        assert job.cancelled_at is not None
        self.retention.ended(job, job.cancelled_at)
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

    def video_of(self, request_id: str) -> RenderSpec | None:
        """What the MP4 of a succeeded, unexpired job shows (None: there is no such file)."""
        job = self.finished_ok(request_id)
        if job is None:
            return None
        image = None if job.image_key is None else self.store.image(job.image_key)
        elements = tuple(None if key is None else self.store.image(key) for key in job.element_keys)
        return render_spec(job, self.model(job.model_id), self.settings, image, elements)
