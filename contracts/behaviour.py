"""Checks of what a client *did*, read from the mock's journal.

HTTP mocks answer "was it called, how often, with what" (`calls`, `assert_called`). These checks also
answer what they do not: did the client poll no faster than N per second, stop polling once the job was
finished, honour `Retry-After`, back off after 5xx, cancel when it gave up, download the output once.
Each raises `AssertionError` with a sentence that names the offending requests.

Times: every journal entry has `time` (the mock's clock) and `wall_time`. Checks take `timebase="wall"`
(default: what a real client's sleeps spend) or `"clock"` (for tests whose client sleeps by advancing the
mock's manual clock, so a 30-second back-off costs no real time).
"""

from __future__ import annotations

import fnmatch
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ._models import TERMINAL_STATUSES

__all__ = [
    "JournalEntry",
    "Timebase",
    "assert_backs_off_after_5xx",
    "assert_called",
    "assert_cancelled_on_abort",
    "assert_downloaded_once",
    "assert_honours_retry_after",
    "assert_poll_rate",
    "assert_stops_polling_at_terminal",
    "calls",
]

Timebase = Literal["wall", "clock"]
_EPS = 1e-6


@dataclass(frozen=True)
class JournalEntry:
    """One exchange the mock recorded (`GET /__mock/journal`); `raw` keeps every field."""

    seq: int
    time: float
    wall_time: float
    method: str
    path: str
    status: int | None
    account: str | None = None
    endpoint: str | None = None
    request_id: str | None = None
    decision: str | None = None
    retry_after: str | None = None
    latency_ms: float = 0.0
    outcome: str = "answered"
    body: Any = None
    response: Any = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JournalEntry:
        return cls(
            seq=int(data["seq"]),
            time=float(data["time"]),
            wall_time=float(data["wall_time"]),
            method=str(data["method"]),
            path=str(data["path"]),
            status=data.get("status"),
            account=data.get("account"),
            endpoint=data.get("endpoint"),
            request_id=data.get("request_id"),
            decision=data.get("decision"),
            retry_after=data.get("retry_after"),
            latency_ms=float(data.get("latency_ms") or 0.0),
            outcome=str(data.get("outcome") or "answered"),
            body=data.get("body"),
            response=data.get("response"),
            raw=dict(data),
        )

    def at(self, timebase: Timebase) -> float:
        return self.wall_time if timebase == "wall" else self.time

    @property
    def job_status(self) -> str | None:
        """The job's status word in a status/result answer, if the journal kept the answer."""
        if isinstance(self.response, Mapping) and isinstance(self.response.get("status"), str):
            status: str = self.response["status"]
            return status
        return None

    @property
    def retry_after_s(self) -> float | None:
        try:
            return float(self.retry_after) if self.retry_after is not None else None
        except ValueError:
            return None

    def __str__(self) -> str:
        status = self.status if self.status is not None else self.outcome
        return f"#{self.seq} {self.method} {self.path} -> {status}"


def _entries(entries: Iterable[JournalEntry | Mapping[str, Any]]) -> list[JournalEntry]:
    out = [e if isinstance(e, JournalEntry) else JournalEntry.from_json(e) for e in entries]
    return sorted(out, key=lambda e: e.seq)


def calls(
    entries: Iterable[JournalEntry | Mapping[str, Any]],
    *,
    path: str | None = None,
    method: str | None = None,
    status: int | None = None,
    endpoint: str | None = None,
    request_id: str | None = None,
    account: str | None = None,
) -> list[JournalEntry]:
    """The entries that match every given filter (`path` is a glob, `*` spans slashes), oldest first."""
    out = []
    for e in _entries(entries):
        if path is not None and not fnmatch.fnmatchcase(e.path, path):
            continue
        if method is not None and e.method != method.upper():
            continue
        if status is not None and e.status != status:
            continue
        if endpoint is not None and e.endpoint != endpoint:
            continue
        if request_id is not None and e.request_id != request_id:
            continue
        if account is not None and e.account != account:
            continue
        out.append(e)
    return out


def assert_called(
    entries: Iterable[JournalEntry | Mapping[str, Any]],
    *,
    times: int | None = None,
    at_least: int | None = None,
    at_most: int | None = None,
    **filters: Any,
) -> list[JournalEntry]:
    """Was it called (at least once, or exactly `times`, or within bounds)? Answers the matching calls."""
    found = calls(entries, **filters)
    what = ", ".join(f"{k}={v!r}" for k, v in filters.items()) or "any request"
    if times is not None and len(found) != times:
        raise AssertionError(f"expected {times} call(s) matching {what}, got {len(found)}: {_list(found)}")
    if at_least is not None and len(found) < at_least:
        raise AssertionError(f"expected at least {at_least} call(s) matching {what}, got {len(found)}")
    if at_most is not None and len(found) > at_most:
        raise AssertionError(f"expected at most {at_most} call(s) matching {what}, got {len(found)}: {_list(found)}")
    if times is None and at_least is None and at_most is None and not found:
        raise AssertionError(f"expected a call matching {what}, there was none")
    return found


def _list(found: list[JournalEntry], limit: int = 5) -> str:
    shown = ", ".join(str(e) for e in found[:limit])
    return shown + (f" and {len(found) - limit} more" if len(found) > limit else "")


def _by(entries: list[JournalEntry], key: str) -> dict[Any, list[JournalEntry]]:
    groups: dict[Any, list[JournalEntry]] = defaultdict(list)
    for e in entries:
        groups[getattr(e, key) if key != "account_path" else (e.account, e.path)].append(e)
    return groups


def assert_poll_rate(
    entries: Iterable[JournalEntry | Mapping[str, Any]],
    max_per_second: float,
    *,
    timebase: Timebase = "wall",
    request_id: str | None = None,
) -> None:
    """Status polls of one job are never closer together than 1/`max_per_second` seconds."""
    polls = calls(entries, endpoint="status", request_id=request_id)
    floor = 1.0 / max_per_second
    worst: tuple[float, JournalEntry, JournalEntry] | None = None
    for seq in _by(polls, "request_id").values():
        for a, b in itertools.pairwise(seq):
            gap = b.at(timebase) - a.at(timebase)
            if gap < floor - _EPS and (worst is None or gap < worst[0]):
                worst = (gap, a, b)
    if worst is not None:
        gap, a, b = worst
        raise AssertionError(
            f"polled faster than {max_per_second:g}/s: {b} came {gap:.3f}s ({timebase}) after {a} "
            f"for request {b.request_id}; at least {floor:.3f}s expected"
        )


def assert_stops_polling_at_terminal(entries: Iterable[JournalEntry | Mapping[str, Any]], *, grace: int = 0) -> None:
    """Once a status answer said the job was finished, its status is not polled again (`grace` extra allowed)."""
    for request_id, seq in _by(calls(entries, endpoint="status"), "request_id").items():
        terminal = next((e for e in seq if e.status == 200 and e.job_status in TERMINAL_STATUSES), None)
        if terminal is None:
            continue
        after = [e for e in seq if e.seq > terminal.seq]
        if len(after) > grace:
            raise AssertionError(
                f"request {request_id} was polled {len(after)} more time(s) after {terminal} said "
                f"{terminal.job_status!r}: {_list(after)}"
            )


def assert_honours_retry_after(
    entries: Iterable[JournalEntry | Mapping[str, Any]],
    *,
    timebase: Timebase = "wall",
    slack: float = 0.05,
    scope: Literal["path", "account"] = "path",
) -> None:
    """After an answer with `Retry-After: N`, the next request (to the same path, or by the same account
    with `scope="account"`) comes at least N seconds later (less `slack`)."""
    found = _entries(entries)
    for i, e in enumerate(found):
        wait = e.retry_after_s
        if wait is None:
            continue
        nxt = next((n for n in found[i + 1 :] if n.account == e.account and (scope == "account" or n.path == e.path)),
                   None)
        if nxt is None:
            continue
        gap = nxt.at(timebase) - e.at(timebase)
        if gap < wait - slack:
            raise AssertionError(
                f"Retry-After not honoured: {e} said Retry-After: {e.retry_after}, but {nxt} came "
                f"{gap:.3f}s ({timebase}) later"
            )


def _check_backoff_run(
    path: str, delays: list[tuple[float, JournalEntry, JournalEntry]], dictated: bool, timebase: Timebase,
    min_delay: float, require_growth: bool, slack: float,
) -> None:
    for d, a, b in delays:
        if d < min_delay - _EPS:
            raise AssertionError(f"no back-off after {a}: {b} came {d:.3f}s ({timebase}) later, "
                                 f"at least {min_delay:g}s expected")
    if dictated:
        return
    for (d1, _, _), (d2, _, b2) in itertools.pairwise(delays):
        if d2 < d1 - slack:
            raise AssertionError(f"back-off shrank on {path}: {d1:.3f}s then {d2:.3f}s (before {b2})")
    if require_growth and len(delays) >= 3 and delays[-1][0] <= delays[0][0] + _EPS:
        raise AssertionError(
            f"back-off did not grow on {path} over {len(delays)} retries: "
            + ", ".join(f"{d:.3f}s" for d, _, _ in delays)
        )


def assert_backs_off_after_5xx(
    entries: Iterable[JournalEntry | Mapping[str, Any]],
    *,
    timebase: Timebase = "wall",
    min_delay: float = 0.1,
    require_growth: bool = True,
    slack: float = 0.05,
) -> None:
    """After a 5xx (or a dropped connection), the retry of the same path waits at least `min_delay`; along
    a run of failures the waits never shrink and, over three or more, grow (unless `Retry-After` set them)."""
    for (_, path), seq in _by(_entries(entries), "account_path").items():
        delays: list[tuple[float, JournalEntry, JournalEntry]] = []
        dictated = False
        for a, b in itertools.pairwise(seq):
            if a.outcome in ("dropped", "reset") or (a.status is not None and a.status >= 500):
                delays.append((b.at(timebase) - a.at(timebase), a, b))
                dictated = dictated or a.retry_after_s is not None
            elif delays:
                _check_backoff_run(path, delays, dictated, timebase, min_delay, require_growth, slack)
                delays, dictated = [], False
        _check_backoff_run(path, delays, dictated, timebase, min_delay, require_growth, slack)


def assert_cancelled_on_abort(
    entries: Iterable[JournalEntry | Mapping[str, Any]], request_id: str | None = None
) -> None:
    """A job the client gave up on was cancelled: for `request_id`, or for every submitted job whose last
    status seen was not final."""
    found = _entries(entries)
    cancels = {e.request_id for e in found if e.endpoint == "cancel"}
    if request_id is not None:
        if request_id not in cancels:
            raise AssertionError(f"request {request_id} was never cancelled (no POST .../cancel in the journal)")
        return
    submitted = [e.request_id for e in found if e.endpoint == "submit" and e.status == 200 and e.request_id]
    last_status: dict[str, str | None] = {}
    for e in found:
        if e.endpoint in ("status", "result") and e.request_id and e.status == 200:
            last_status[e.request_id] = e.job_status
    abandoned = [r for r in submitted if last_status.get(r) not in TERMINAL_STATUSES and r not in cancels]
    if abandoned:
        raise AssertionError(f"job(s) left unfinished without a cancel: {', '.join(abandoned)}")


def assert_downloaded_once(
    entries: Iterable[JournalEntry | Mapping[str, Any]], request_id: str | None = None
) -> None:
    """Each output file was fetched in full once (HEAD and Range requests do not count as fetches)."""
    gets = [e for e in calls(entries, endpoint="files", method="GET") if e.status == 200]
    per_file = _by(gets, "request_id")
    if request_id is not None:
        n = len(per_file.get(request_id, []))
        if n != 1:
            raise AssertionError(f"output of {request_id} was downloaded {n} time(s), once expected")
        return
    repeated = {r: len(v) for r, v in per_file.items() if len(v) > 1}
    if repeated:
        raise AssertionError("output(s) downloaded more than once: "
                             + ", ".join(f"{r} x{n}" for r, n in repeated.items()))
