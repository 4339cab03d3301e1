"""Billing: balances set by tests, charges derived from jobs, and the ledger that joins them.

Prices are the published table (per second of video, by tier and `sound`; see `ModelInfo.cost`). A job is
charged when it succeeds; a cancelled or failed job costs nothing. Charges are not stored anywhere: they are
read off the account's jobs and the clock, so reading an account never changes it, and advancing the clock
past a job's end makes its charge appear at the job's `finished_at`.

A balance is what a test sets (`PUT /__mock/accounts/{token}/balance`, the config file, or the
`default_balance_usd` setting); None means unlimited, the default. What is left is the last balance set minus
the charges of jobs that finished after it was set.

Two ways to the same figures: `statement` replays an account's whole history (the admin view, the ledger),
and `RunningBook` keeps them up to date as jobs come and settle, so checking a submit against the balance
costs O(log n) instead of a replay. The book settles jobs in the replay's own order with the replay's own
arithmetic, so the two agree exactly (a property test holds them to it).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .clock import iso

EPS = 1e-9


SETTLED_KEPT = 1000  # charges of purged jobs listed one by one per account; older ones are summed


@dataclass(frozen=True)
class Charge:
    """One succeeded job's price, at the clock time it finished; or (`jobs` > 1) the sum of several."""

    time: float
    amount_usd: float
    request_id: str | None
    model_id: str | None
    jobs: int = 1


@dataclass(frozen=True)
class BalanceSet:
    time: float
    amount_usd: float | None


@dataclass(frozen=True)
class Statement:
    """An account's money at one moment: what is left, what was spent, and how it got there."""

    balance_usd: float | None
    spent_usd: float
    ledger: list[dict[str, Any]]


def statement(opening: float | None, sets: Iterable[BalanceSet], charges: Iterable[Charge]) -> Statement:
    """Replay balance settings and charges in time order. A charge at the same instant as a setting came
    first: under a frozen clock the job had already finished when the balance was set."""
    events: list[tuple[float, int, BalanceSet | Charge]] = [(s.time, 1, s) for s in sets]
    events += [(c.time, 0, c) for c in charges]
    events.sort(key=lambda e: (e[0], e[1]))
    balance, spent = opening, 0.0
    ledger: list[dict[str, Any]] = []
    for t, _, ev in events:
        if isinstance(ev, BalanceSet):
            balance = ev.amount_usd
            ledger.append({"time": t, "time_iso": iso(t), "kind": "balance_set", "amount_usd": ev.amount_usd,
                           "balance_usd": balance})
            continue
        spent += ev.amount_usd
        if balance is not None:
            balance = round(balance - ev.amount_usd, 6)
        if ev.jobs > 1:
            ledger.append({"time": t, "time_iso": iso(t), "kind": "charges", "jobs": ev.jobs,
                           "amount_usd": -ev.amount_usd, "balance_usd": balance})
            continue
        ledger.append({"time": t, "time_iso": iso(t), "kind": "charge", "amount_usd": -ev.amount_usd,
                       "request_id": ev.request_id, "model_id": ev.model_id, "balance_usd": balance})
    return Statement(balance, round(spent, 6), ledger)


def fold(charges: list[Charge], set_times: list[float]) -> list[Charge]:
    """The same charges summed into one entry per stretch between balance settings (at the time of its last
    charge), so the balance and the spend read the same while the list stays short."""
    groups: dict[int, list[Charge]] = {}
    for c in charges:  # a charge at the instant of a setting came before it (see `statement`)
        groups.setdefault(bisect_left(set_times, c.time), []).append(c)
    out = []
    for _, group in sorted(groups.items()):
        out.append(Charge(max(c.time for c in group), round(sum(c.amount_usd for c in group), 6), None, None,
                          sum(c.jobs for c in group)))
    return out


def affordable(balance: float | None, cost: float) -> bool:
    return balance is None or cost <= balance + EPS


@dataclass
class Balances:
    """The balances tests have set, per account, with when; the start-up ones come from config/settings."""

    default_usd: float | None = None
    configured: dict[str, float | None] = field(default_factory=dict)
    _sets: dict[str, list[BalanceSet]] = field(default_factory=dict)
    _settled: dict[str, list[Charge]] = field(default_factory=dict)  # charges of jobs no longer stored

    def opening(self, account: str) -> float | None:
        return self.configured.get(account, self.default_usd)

    def set(self, account: str, usd: float | None, now: float) -> None:
        self._sets.setdefault(account, []).append(BalanceSet(now, usd))

    def sets(self, account: str) -> list[BalanceSet]:
        return list(self._sets.get(account, []))

    def settle(self, account: str, charge: Charge) -> None:
        """Keep the charge of a succeeded job that is being purged: the money stays spent. Past
        `SETTLED_KEPT` the older half is summed (`fold`), so an account's ledger stays bounded."""
        settled = self._settled.setdefault(account, [])
        settled.append(charge)
        if len(settled) > 2 * SETTLED_KEPT:
            times = sorted(s.time for s in self._sets.get(account, []))
            settled.sort(key=lambda c: c.time)
            self._settled[account] = fold(settled[:SETTLED_KEPT], times) + settled[SETTLED_KEPT:]

    def settled(self, account: str) -> list[Charge]:
        return list(self._settled.get(account, []))

    def finite(self, account: str) -> bool:
        """Whether the balance can run out (only then is a submit checked against the account's jobs)."""
        sets = self._sets.get(account)
        return (sets[-1].amount_usd if sets else self.opening(account)) is not None

    def reset(self, account: str | None = None) -> None:
        if account is None:
            self._sets.clear()
            self._settled.clear()
        else:
            self._sets.pop(account, None)
            self._settled.pop(account, None)


def micro_usd(amount: float) -> int:
    """A price in whole micro-dollars: prices have six decimals, so sums of these are exact."""
    return round(amount * 1_000_000)


@dataclass(frozen=True, order=True)
class Pending:
    """A job that has not ended yet, as the book sees it: when it ends, and what it will cost if it succeeds.

    Ordered by (end, seq): the order in which the replay meets charges that fall at the same instant.
    """

    end: float
    seq: int
    request_id: str = field(compare=False)
    model_id: str = field(compare=False)
    cost: float = field(compare=False)
    ok: bool = field(compare=False)


@dataclass
class RunningBook:
    """One account's balance, spend and held money, kept current without replaying its jobs.

    Unfinished jobs wait in a heap by end time and settle lazily, in (end, seq) order, whenever the book is
    read at a later moment: a success is charged then, with the same rounding `statement` applies, and a
    failure just stops being held. A balance set first settles everything that ended by then, as the replay
    puts a charge before a setting made at the same instant. Ends before `now` never move, so settling
    early is final; ends after it can (a cancel moves the account's later jobs up): `reschedule`.
    """

    balance: float | None
    spent: float = 0.0
    held_micro: int = 0
    pending: list[Pending] = field(default_factory=list)

    def add(self, job: Pending) -> None:
        heapq.heappush(self.pending, job)
        self.held_micro += micro_usd(job.cost)

    def settle(self, now: float) -> None:
        """Apply every job that has ended by `now`, oldest first."""
        while self.pending and self.pending[0].end <= now:
            job = heapq.heappop(self.pending)
            self.held_micro -= micro_usd(job.cost)
            if not job.ok:
                continue
            self.spent += job.cost
            if self.balance is not None:
                self.balance = round(self.balance - job.cost, 6)

    def set_balance(self, usd: float | None, now: float) -> None:
        self.settle(now)
        self.balance = usd

    def reschedule(self, now: float, end_of: Callable[[Pending], float | None]) -> None:
        """Re-read the end of every unfinished job (None: it was cancelled and leaves the book)."""
        self.settle(now)
        kept: list[Pending] = []
        for job in self.pending:
            end = end_of(job)
            if end is None:
                self.held_micro -= micro_usd(job.cost)
            else:
                kept.append(Pending(end, job.seq, job.request_id, job.model_id, job.cost, job.ok))
        heapq.heapify(kept)
        self.pending = kept

    def figures(self, now: float) -> tuple[float | None, float, float]:
        """(balance, spent, held) at `now`, equal to `statement`'s balance and spend and the held sum."""
        self.settle(now)
        return self.balance, round(self.spent, 6), round(self.held_micro / 1_000_000, 6)
