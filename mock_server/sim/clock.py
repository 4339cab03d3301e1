"""Clocks: the only place in the server that reads wall time.

Every job's state is a pure function of its record and `clock.now()`, so the clock is the one lever that
moves the whole simulation. A scaled clock makes a two-minute generation pass in seconds; a manual clock
freezes time so that a test decides exactly when a job starts and finishes.
"""

from __future__ import annotations

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


class ClockError(ValueError):
    """Raised when a clock is asked to do what its mode cannot (e.g. advance a real clock)."""


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
        return self._origin_wall + (self.monotonic() - self._origin_mono) * self.speed

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
        self._now = self.start

    @property
    def speed(self) -> float:
        return 0.0

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward; time never goes back, so a negative step is refused."""
        if seconds < 0:
            raise ClockError("time only moves forward: seconds must be >= 0")
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
    """ISO-8601 with microseconds and offset, as the sibling API writes timestamps."""
    if t is None:
        return None
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="microseconds")


def make_clock(mode: str, speed: float, manual_start: float) -> Clock:
    """Build the clock a Settings object asks for."""
    if mode == "manual":
        return ManualClock(start=manual_start)
    return ScaledClock(speed=speed)
