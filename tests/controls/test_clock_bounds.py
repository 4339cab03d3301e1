"""The clock stays where every time it shows can be written: out-of-range steps are refused, not taken."""

from __future__ import annotations

import math
from typing import Any

import pytest

from mock_server.sim.clock import CLOCK_MAX, ClockError, ClockRangeError, ManualClock, ScaledClock, iso

START = 1767225600.0


@pytest.mark.parametrize("seconds", [3e11, 1e308, math.inf, math.nan, -math.inf, CLOCK_MAX])
def test_an_out_of_range_step_is_refused_before_the_clock_moves(seconds: float) -> None:
    clock = ManualClock(start=START)
    with pytest.raises(ClockRangeError):
        clock.advance(seconds)
    assert clock.now() == START


def test_a_negative_step_is_still_a_conflict_not_a_range_error() -> None:
    with pytest.raises(ClockError):
        ManualClock(start=START).advance(-1)


def test_the_clock_can_reach_its_end_exactly_and_no_further() -> None:
    clock = ManualClock(start=START)
    assert clock.advance(CLOCK_MAX - START) == CLOCK_MAX
    assert iso(clock.now()) == "9999-01-01T00:00:00.000000+00:00"
    with pytest.raises(ClockRangeError):
        clock.advance(1)


def test_a_start_outside_the_range_is_refused() -> None:
    with pytest.raises(ClockRangeError):
        ManualClock(start=1e308)


def test_a_fast_real_clock_stops_at_the_end_of_the_range() -> None:
    mono = iter([0.0, 1e12])
    clock = ScaledClock(speed=1e6, wall=lambda: START, monotonic=lambda: next(mono))
    assert clock.now() == CLOCK_MAX


@pytest.mark.parametrize("t", [1e308, math.inf, math.nan, 3e11 + START])
def test_iso_writes_any_time_without_raising(t: float) -> None:
    assert iso(t) == "9999-12-31T23:59:59.999999+00:00"


def test_iso_before_the_epoch_is_the_epoch() -> None:
    assert iso(-1e308) == "1970-01-01T00:00:00.000000+00:00"


@pytest.mark.parametrize("seconds", [3e11, 1e308, 1e30])
@pytest.mark.parametrize("path,key", [("/__mock/clock/advance", "seconds"), ("/__mock/clock", "advance")])
def test_a_huge_advance_answers_422001_and_changes_nothing(api: Any, seconds: float, path: str, key: str) -> None:
    rid = api.rid()
    before = api.get("/__mock/clock").json()
    r = api.post(path, json={key: seconds})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error_code"] == 422001
    assert body["detail"][0]["loc"] == ["body", key]
    assert api.get("/__mock/clock").json() == before
    api.assert_serving(rid)
    assert api.status(rid).json()["status"] == "in_queue"  # not expired by a step that was never taken
    assert api.get("/__mock/accounts/alice").status_code == 200


def test_after_advancing_to_the_end_every_answer_still_writes_its_times(api: Any) -> None:
    rid = api.rid()
    now = api.get("/__mock/clock").json()["now"]
    api.advance(CLOCK_MAX - now - 3600)
    late = api.rid({"prompt": "submitted near the end of time", "duration": 15})
    api.advance(3600)
    for r in (api.result(late), api.get("/__mock/accounts/alice"), api.get("/__mock/journal")):
        assert r.status_code == 200, r.text
    api.assert_serving(late)
    assert api.status(rid).status_code == 404  # this one expired: 7 days passed long ago, legitimately
