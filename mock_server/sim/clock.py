"""Clocks: the only place in the server that reads wall time.

Every job's state is a pure function of its record and `clock.now()`, so the clock is the one lever that
moves the whole simulation. A scaled clock makes a two-minute generation pass in seconds; a manual clock
freezes time so that a test decides exactly when a job starts and finishes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Simulated time in epoch seconds; `advance` only works on a manual clock."""

    mode: str

    def now(self) -> float: ...

    @property
    def speed(self) -> float: ...

    def advance(self, seconds: float) -> float: ...

    def set_speed(self, speed: float) -> None: ...


# The clock lives between the epoch and the start of year 9999. Every time the API shows is written as
# ISO-8601 by `datetime`, which stops at 9999-12-31; the year left above the clock's end is room for the
# jobs submitted at its last moment to wait, run and finish (their times are the clock's plus minutes).
CLOCK_MIN = 0.0  # 1970-01-01T00:00:00Z
CLOCK_MAX = datetime(9999, 1, 1, tzinfo=UTC).timestamp()  # 9999-01-01T00:00:00Z
_ISO_MAX = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


class ClockError(ValueError):
    """Raised when a clock is asked to do what its mode cannot (e.g. advance a real clock)."""


class ClockRangeError(ValueError):
    """Raised, before anything changes, when a step would take the clock outside [CLOCK_MIN, CLOCK_MAX]
    or is not a finite number: a clock past year 9999 could not be written in any answer."""


def check_time(t: float, what: str = "time") -> float:
    """`t` if the clock may show it; `ClockRangeError` otherwise (inf, nan, before 1970, after 9999-01-01)."""
    if not math.isfinite(t) or not CLOCK_MIN <= t <= CLOCK_MAX:
        raise ClockRangeError(
            f"{what} must be a finite epoch time between {iso(CLOCK_MIN)} and {iso(CLOCK_MAX)}, got {t!r}"
        )
    return t


@dataclass
class ScaledClock:
    """Wall time, sped up `speed` times from the moment the clock was made.

    At speed 1 this is the real clock. Simulated time never runs backwards because it is derived from the
    monotonic counter, not from the adjustable wall clock.
    """

    speed: float = 1.0
    wall: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    mode: str = "real"
    _origin_wall: float = field(init=False)
    _origin_mono: float = field(init=False)

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ClockError("speed must be positive")
        self._origin_wall = self.wall()
        self._origin_mono = self.monotonic()

    def now(self) -> float:
        """Scaled wall time; a fast clock that has run to the end of the range stays there."""
        return min(self._origin_wall + (self.monotonic() - self._origin_mono) * self.speed, CLOCK_MAX)

    def advance(self, seconds: float) -> float:
        raise ClockError("only a manual clock can be advanced; start the server with --clock manual")

    def set_speed(self, speed: float) -> None:
        """Run at `speed` from now on. Time goes on from where it is (no jump, never backwards): the clock is
        re-based on this moment, so what already happened keeps its times."""
        if not speed > 0 or speed == float("inf"):
            raise ClockError("speed must be a positive finite number")
        mono = self.monotonic()
        now = self._origin_wall + (mono - self._origin_mono) * self.speed
        self._origin_wall, self._origin_mono, self.speed = now, mono, speed


@dataclass
class ManualClock:
    """Frozen time that moves only when told to: the test decides when every transition happens."""

    start: float = 1767225600.0
    mode: str = "manual"
    _now: float = field(init=False)

    def __post_init__(self) -> None:
        self._now = check_time(self.start, "the manual clock's start")

    @property
    def speed(self) -> float:
        return 0.0

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward; time never goes back, so a negative step is refused. A step that is not a
        finite number, or would pass `CLOCK_MAX`, is refused before the clock moves (`ClockRangeError`)."""
        if not math.isfinite(seconds):
            raise ClockRangeError(f"seconds must be a finite number, got {seconds!r}")
        if seconds < 0:
            raise ClockError("time only moves forward: seconds must be >= 0")
        if self._now + seconds > CLOCK_MAX:
            raise ClockRangeError(
                f"seconds must be at most {CLOCK_MAX - self._now:.0f}: the clock ends at {iso(CLOCK_MAX)}"
            )
        self._now += seconds
        return self._now

    def set_speed(self, speed: float) -> None:
        raise ClockError("a manual clock has no speed: it moves only when advanced; start with --clock real")


def wall_now() -> float:
    """Epoch seconds of the real wall clock, for records a human reads next to logs (the journal's
    `wall_time`). Simulation decisions never use it: they use a `Clock`."""
    return time.time()


def monotonic_now() -> float:
    """A monotonic wall-time reading, for measuring how long a request really took (latency)."""
    return time.perf_counter()


def iso(t: float | None) -> str | None:
    """ISO-8601 with microseconds and offset, as the sibling API writes timestamps.

    Never raises: the clock stays in range, but a job's own times run past it (a slowed-down run submitted
    at the clock's last moment), and one unwritable time must not turn a whole answer into a 500. Such
    times are written as the last representable moment, times before 1970 as the epoch.
    """
    if t is None:
        return None
    if not t < _ISO_MAX.timestamp():  # also catches nan
        return _ISO_MAX.isoformat(timespec="microseconds")
    return datetime.fromtimestamp(max(t, CLOCK_MIN), tz=UTC).isoformat(timespec="microseconds")


def make_clock(mode: str, speed: float, manual_start: float) -> Clock:
    """Build the clock a Settings object asks for."""
    if mode == "manual":
        return ManualClock(start=manual_start)
    return ScaledClock(speed=speed)
