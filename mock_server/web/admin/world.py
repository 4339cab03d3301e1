"""`/__mock/clock` and `/__mock/reset`: the simulated time (read it, advance it, set its speed), and a clean
slate without a restart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from ...sim import errors
from ...sim.clock import ClockError, ClockRangeError, iso
from ...sim.world import Runtime
from ..http import json
from .access import AdminRoute, World
from .models import BODY_ERRORS, Clock, ClockChange, ClockSeconds, ResetDone, answers

router = APIRouter(route_class=AdminRoute, responses=answers(401))


def clock_view(rt: Runtime) -> Response:
    now = rt.clock.now()
    return json({"mode": rt.clock.mode, "now": now, "now_iso": iso(now), "speed": rt.clock.speed})


def advance(rt: Runtime, seconds: float, key: str) -> Response:
    """Move the clock; a step it cannot take (not finite, or past its end) is 422001 on `key` and moves
    nothing, a backward one 409001."""
    try:
        rt.clock.advance(seconds)
    except ClockRangeError as exc:
        raise errors.validation_error([errors.detail_item(["body", key], str(exc), "clock_range")]) from None
    except ClockError as exc:
        raise errors.ApiError(409, 409001, str(exc)) from None
    return clock_view(rt)


def set_speed(rt: Runtime, speed: float) -> Response:
    """A real clock runs `speed` times faster than the wall from now on, without a jump."""
    try:
        rt.clock.set_speed(speed)
    except ClockError as exc:
        raise errors.ApiError(409, 409001, str(exc)) from None
    return clock_view(rt)


@router.get("/clock", response_model=Clock, summary="The clock: mode, now, speed")
async def get_clock(rt: World) -> Response:
    return clock_view(rt)


@router.post("/clock", response_model=Clock, responses=answers(409, *BODY_ERRORS),
             summary='Advance a manual clock: {"advance": seconds}, or set a real clock\'s speed: {"speed": S}')
async def post_clock(rt: World, body: ClockChange) -> Response:
    if body.speed is not None:
        return set_speed(rt, body.speed)
    assert body.advance is not None  # the model takes exactly one of the two
    return advance(rt, body.advance, "advance")


@router.post("/clock/advance", response_model=Clock, responses=answers(409, *BODY_ERRORS),
             summary='Advance a manual clock: {"seconds": seconds}')
async def advance_clock(rt: World, body: ClockSeconds) -> Response:
    return advance(rt, body.seconds, "seconds")


@router.post("/reset", response_model=ResetDone, responses=answers(422),
             summary="Forget jobs, journal, balances, limits and rules (back to the config file's)")
async def reset(rt: World, account: Annotated[str | None, Query(description="Only this account")] = None) -> Response:
    """Forget every job (or one account's), and with them the fault rules (back to the config file's),
    journal entries, balances and limits: tests start from a clean slate without restarting."""
    rt.jobs.reset(account)
    rt.faults.reset(rt.clock.now(), account)
    rt.journal.clear(account)
    rt.accounts.reset(account)
    return json({"reset": account or "all"})
