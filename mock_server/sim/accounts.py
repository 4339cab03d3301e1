"""Accounts as the controls see them: balance, limits, and the checks a submit must pass.

Joins the pure pieces (billing, ratelimit) to the job service and the clock, the way `jobs.JobService`
joins the lifecycle to the store. Nothing here knows about HTTP; refusals are `errors.ApiError`s in the
API's own format (400002 for money, with HTTP 402 by default; 429 for limits).

`Accounts` is the job service's admission gate (`jobs.Admission`): asked before a job is stored, told when
one is stored or cancelled. It keeps each account's money current as that happens (`billing.RunningBook`),
so a submit is checked in O(log n) rather than by replaying the account; the admin view still replays.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..settings import Settings
from . import errors
from .billing import Balances, Charge, Pending, RunningBook, Statement, affordable, statement
from .clock import iso
from .contract import ModelInfo
from .jobs import JobService
from .lifecycle import INF, Job, Phase, View
from .ratelimit import Limits, RateLimiter, retry_after_header

STUCK_RETRY_AFTER_S = 60.0
#: What the balance route shows for an account without a balance limit (the default): a figure no test
#: will spend, since the real wallet always has a number and clients print it.
UNLIMITED_BALANCE_USD = 1_000_000.0
MICRODOLLARS_PER_USD = 1_000_000


class AccountConfig(BaseModel):
    """One account in the config file's `accounts:` section (and the body of the limits call)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    balance_usd: float | None = Field(None, ge=0, description="Starting balance; null: unlimited.")
    rps: float | None = Field(None, gt=0, description="Requests per second (token bucket); null: unlimited.")
    burst: int | None = Field(None, ge=1, description="Bucket size; default: the rate_limit_burst setting.")
    max_concurrent_jobs: int | None = Field(None, ge=1, description="Live jobs at once; null: unlimited.")


def limits_of(cfg: AccountConfig, settings: Settings) -> Limits:
    """An account's limits: its own where given, the server's settings elsewhere."""
    given = cfg.model_fields_set
    return Limits(
        rps=cfg.rps if "rps" in given else settings.rate_limit_rps,
        burst=cfg.burst or settings.rate_limit_burst,
        max_concurrent_jobs=cfg.max_concurrent_jobs if "max_concurrent_jobs" in given else settings.max_concurrent_jobs,
    )


@dataclass
class Accounts:
    settings: Settings
    jobs: JobService
    configured: Mapping[str, AccountConfig] = field(default_factory=dict)
    balances: Balances = field(init=False)
    limiter: RateLimiter = field(init=False)
    _books: dict[str, RunningBook] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.balances = Balances(
            default_usd=self.settings.default_balance_usd,
            configured={k: v.balance_usd for k, v in self.configured.items() if "balance_usd" in v.model_fields_set},
        )
        self.limiter = RateLimiter(Limits(self.settings.rate_limit_rps, self.settings.rate_limit_burst,
                                          self.settings.max_concurrent_jobs), self._configured_limits())

    def _configured_limits(self) -> dict[str, Limits]:
        return {k: limits_of(v, self.settings) for k, v in self.configured.items()}

    # --- money --------------------------------------------------------------------------------

    def charges(self, account: str, now: float) -> tuple[list[Charge], float]:
        """A charge for every job that has succeeded by `now`, at its finish time (derived, not stored), and
        the price of the jobs still queued or running (held against the balance)."""
        out: list[Charge] = self.balances.settled(account)
        held = 0.0
        for job in self.jobs.store.jobs(account):
            v = self.jobs.view(job, now)
            if v.phase is Phase.SUCCEEDED and v.finished_at is not None:
                out.append(Charge(v.finished_at, self.jobs.model(job.model_id).cost(job.inputs), job.request_id,
                                  job.model_id))
            elif not v.phase.terminal:
                held += self.jobs.model(job.model_id).cost(job.inputs)
        return out, round(held, 6)

    def statement(self, account: str, now: float) -> tuple[Statement, float]:
        charges, held = self.charges(account, now)
        return statement(self.balances.opening(account), self.balances.sets(account), charges), held

    def set_balance(self, account: str, usd: float | None) -> Statement:
        now = self.jobs.clock.now()
        self.balances.set(account, usd, now)
        self.book(account).set_balance(usd, now)
        return self.statement(account, now)[0]

    def book(self, account: str) -> RunningBook:
        """The account's running figures (what a submit is checked against), opened on first use."""
        found = self._books.get(account)
        if found is None:
            found = self._books[account] = RunningBook(self.balances.opening(account))
        return found

    def figures(self, account: str, now: float) -> tuple[float | None, float, float]:
        """(balance, spent, held) at `now` from the running book: what `statement` would replay, in O(log n)."""
        return self.book(account).figures(now)

    def _pending_end(self, pending: Pending) -> float | None:
        """When a job the book still holds ends now (its start may have moved up); None if cancelled."""
        job = self.jobs.store.get(pending.request_id)
        if job is None or job.cancelled_at is not None:
            return None
        start = self.jobs.store.start_of(job)
        return INF if math.isinf(start) else start + job.plan.busy_s

    def wallet(self, account: str) -> dict[str, Any]:
        """The balance as RunComfy's balance route answers it [client]: what is left after the charges of
        jobs that have succeeded, in USD and in whole microdollars; unlimited shows a large figure."""
        balance = self.figures(account, self.jobs.clock.now())[0]
        usd = UNLIMITED_BALANCE_USD if balance is None else max(balance, 0.0)
        return {"balance_usd": round(usd, 6), "balance_microdollars": round(usd * MICRODOLLARS_PER_USD),
                "currency": "USD"}

    # --- limits -------------------------------------------------------------------------------

    def set_limits(self, account: str, cfg: AccountConfig) -> Limits:
        limits = limits_of(cfg, self.settings)
        self.limiter.set_limits(account, limits)
        return limits

    def take_request(self, account: str) -> errors.ApiError | None:
        """Count one API request against the account's bucket; the 429 to answer if it is empty."""
        wait = self.limiter.take(account, self.jobs.clock.now())
        if wait is None:
            return None
        lim = self.limiter.limits(account)
        return errors.too_many_requests(
            retry_after_header(wait), f"Rate limit exceeded: {lim.rps:g} requests per second (burst {lim.burst})"
        )

    def _end_of(self, request_id: str) -> float | None:
        job = self.jobs.store.get(request_id)
        if job is None:
            return None
        v = self.jobs.view(job)
        if v.phase.terminal:
            return None
        start = self.jobs.store.start_of(job)
        return INF if math.isinf(start) else start + job.plan.busy_s

    # --- the submit gate ----------------------------------------------------------------------

    def admit(self, account: str, model: ModelInfo, inputs: Mapping[str, Any]) -> None:
        """Refuse a submit the account cannot pay for (402/400002) or has no room for (429)."""
        now = self.jobs.clock.now()
        if self.balances.finite(account):
            cost = model.cost(inputs)
            available, _, held = self.figures(account, now)
            if available is not None and self.settings.balance_holds_pending:
                available = round(available - held, 6)
            if not affordable(available, cost):
                raise errors.insufficient_balance(self.settings.balance_error_status, cost, max(available or 0.0, 0.0))
        wait = self.limiter.check_concurrency(
            account, now, lambda: [j.request_id for j in self.jobs.store.jobs(account)], self._end_of,
            STUCK_RETRY_AFTER_S,
        )
        if wait is not None:
            limit = self.limiter.limits(account).max_concurrent_jobs
            raise errors.too_many_requests(
                retry_after_header(wait), f"Too many concurrent jobs: at most {limit} queued or running per account"
            )

    def admitted(self, job: Job, start: float) -> None:
        """The job service stored a job this gate admitted: it holds its price until it ends."""
        self.limiter.admitted(job.account, job.request_id)
        end = INF if math.isinf(start) else start + job.plan.busy_s
        cost = self.jobs.model(job.model_id).cost(job.inputs)
        self.book(job.account).add(Pending(end, job.seq, job.request_id, job.model_id, cost, job.plan.outcome.ok))

    def cancelled(self, job: Job) -> None:
        """The job service cancelled a queued job: it leaves the book, and the jobs behind it end earlier.
        (The limiter needs nothing: it drops finished jobs as it meets them.)"""
        self.book(job.account).reschedule(self.jobs.clock.now(), self._pending_end)

    def purged(self, job: Job, v: View) -> None:
        """The job service is forgetting an ended job to bound storage: a succeeded one's charge stays on the
        account's statement. (The running book keeps its own copy of what the job costs.)"""
        if v.phase is Phase.SUCCEEDED and v.finished_at is not None:
            cost = self.jobs.model(job.model_id).cost(job.inputs)
            self.balances.settle(job.account, Charge(v.finished_at, cost, job.request_id, job.model_id))

    # --- the admin view -----------------------------------------------------------------------

    def view(self, account: str) -> dict[str, Any]:
        """Everything about one account: jobs, money, limits. Reading it changes nothing."""
        now = self.jobs.clock.now()
        st, held = self.statement(account, now)
        jobs = []
        for job in self.jobs.store.jobs(account):
            v = self.jobs.view(job, now)
            model = self.jobs.model(job.model_id)
            jobs.append({
                "request_id": job.request_id,
                "model_id": job.model_id,
                "phase": v.phase.value,
                "submitted_at": iso(job.plan.submitted_at),
                "started_at": iso(v.started_at),
                "finished_at": iso(v.finished_at),
                "cost_usd": model.cost(job.inputs),
                "charged_usd": model.cost(job.inputs) if v.phase is Phase.SUCCEEDED else 0.0,
            })
        return {
            "account": account,
            "balance_usd": st.balance_usd,
            "spent_usd": st.spent_usd,
            "held_usd": held,
            "ledger": st.ledger,
            "jobs": jobs,
            "limits": self.limiter.limits(account).as_dict(),
            "rate_tokens": self.limiter.tokens(account, now),
        }

    def reset(self, account: str | None = None) -> None:
        """Balances and limits back to the start-up state (config file and settings)."""
        self.balances.reset(account)
        if account is None:
            self._books.clear()
        else:
            self._books.pop(account, None)
        self.limiter.reset(account, self._configured_limits())


def identity(account: str) -> dict[str, Any]:
    """Who a token is, as RunComfy's `/api/auth/me` answers it [client]: a stable id derived from the
    token (never the token itself, which would then show in logs), a name, and the token's kind."""
    digest = hashlib.sha256(account.encode("utf-8")).hexdigest()
    return {"id": f"user_{digest[:24]}", "display_name": f"kling-mock account {digest[:8]}", "token_type": "api"}
