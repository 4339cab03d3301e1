"""Per-account limits: a token bucket on requests per second, and a cap on concurrent jobs.

The real service publishes no numbers (API-FACTS.md), so both are off by default and every number is a
setting (or per account, from the config file or the admin API). Both refill from the injected clock, not
the wall: under a manual clock a test decides when a bucket has room again, and the `Retry-After` answered
is computed from the real state of the bucket or the queue, in clock seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


def retry_after_header(seconds: float) -> int:
    """Whole seconds, rounded up, at least 1: a client that waits this long will get through."""
    return max(1, math.ceil(seconds - 1e-9))


@dataclass
class TokenBucket:
    """`rate` tokens per clock second, up to `capacity`; a request takes one."""

    rate: float
    capacity: float
    tokens: float
    updated_at: float

    def _refill(self, now: float) -> None:
        if now > self.updated_at:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated_at) * self.rate)
            self.updated_at = now

    def take(self, now: float) -> float | None:
        """Take a token; None if one was there, else the clock seconds until one will be."""
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / self.rate

    def peek(self, now: float) -> float:
        """Tokens available at `now`, without taking one or changing the bucket."""
        if now <= self.updated_at:
            return self.tokens
        return min(self.capacity, self.tokens + (now - self.updated_at) * self.rate)


@dataclass(frozen=True)
class Limits:
    """One account's limits; None means unlimited."""

    rps: float | None = None
    burst: int = 10
    max_concurrent_jobs: int | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return {"rps": self.rps, "burst": self.burst, "max_concurrent_jobs": self.max_concurrent_jobs}


# What the concurrency check needs to know about a job: None if it is finished (or gone), else the clock
# time it will finish (infinity for a job stuck in the queue).
EndOf = Callable[[str], float | None]


@dataclass
class RateLimiter:
    """Buckets and live-job lists per account. Work per request is O(1) for the bucket and O(limit) for
    the concurrency check: only the jobs that may still be live are kept, never the account's history."""

    defaults: Limits
    overrides: dict[str, Limits] = field(default_factory=dict)
    _buckets: dict[str, TokenBucket] = field(default_factory=dict)
    _live: dict[str, list[str]] = field(default_factory=dict)

    def limits(self, account: str) -> Limits:
        return self.overrides.get(account, self.defaults)

    def set_limits(self, account: str, limits: Limits) -> None:
        self.overrides[account] = limits
        self._buckets.pop(account, None)
        self._live.pop(account, None)

    def take(self, account: str, now: float) -> float | None:
        """Count one request; None if allowed, else clock seconds until the bucket has a token."""
        lim = self.limits(account)
        if lim.rps is None:
            return None
        bucket = self._buckets.get(account)
        if bucket is None:
            bucket = self._buckets[account] = TokenBucket(lim.rps, float(lim.burst), float(lim.burst), now)
        return bucket.take(now)

    def tokens(self, account: str, now: float) -> float | None:
        lim = self.limits(account)
        if lim.rps is None:
            return None
        bucket = self._buckets.get(account)
        return float(lim.burst) if bucket is None else bucket.peek(now)

    def live_jobs(self, account: str, history: Callable[[], Iterable[str]], end_of: EndOf) -> list[float]:
        """End times of the account's live jobs. The list is seeded from `history` once (when a limit first
        applies) and then kept by `admitted`; finished jobs are dropped as they are seen."""
        ids = self._live.get(account)
        if ids is None:
            ids = self._live[account] = list(history())
        ends: list[float] = []
        kept: list[str] = []
        for request_id in ids:
            end = end_of(request_id)
            if end is not None:
                kept.append(request_id)
                ends.append(end)
        self._live[account] = kept
        return ends

    def check_concurrency(
        self, account: str, now: float, history: Callable[[], Iterable[str]], end_of: EndOf, fallback_s: float
    ) -> float | None:
        """None if one more job may start, else the clock seconds until a live job ends (`fallback_s` if
        every live job is stuck)."""
        lim = self.limits(account)
        if lim.max_concurrent_jobs is None:
            self._live.pop(account, None)
            return None
        ends = self.live_jobs(account, history, end_of)
        if len(ends) < lim.max_concurrent_jobs:
            return None
        soonest = min(ends)
        return fallback_s if math.isinf(soonest) else max(soonest - now, 0.0)

    def admitted(self, account: str, request_id: str) -> None:
        """A job was accepted: track it while a concurrency limit applies to its account."""
        if account in self._live:
            self._live[account].append(request_id)

    def reset(self, account: str | None = None, overrides: dict[str, Limits] | None = None) -> None:
        """Forget buckets and live lists (and restore the start-up overrides given)."""
        if account is None:
            self._buckets.clear()
            self._live.clear()
            self.overrides = dict(overrides or {})
            return
        self._buckets.pop(account, None)
        self._live.pop(account, None)
        self.overrides.pop(account, None)
        if overrides and account in overrides:
            self.overrides[account] = overrides[account]
