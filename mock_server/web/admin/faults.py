"""`/__mock/faults`: add, list and remove fault rules. The rules themselves live in `sim.faults`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from ...sim import errors
from ..http import json
from .access import AdminRoute, World
from .models import BODY_ERRORS, Removed, RuleInput, RuleList, RuleView, answers

router = APIRouter(route_class=AdminRoute, responses=answers(401))

Account = Annotated[
    str | None, Query(description="Only the rules scoped to this account (bearer token); empty: the unscoped ones")
]


@router.get("/faults", response_model=RuleList, responses=answers(422),
            summary="Fault rules with their match and fire counts")
async def list_faults(rt: World, account: Account = None) -> Response:
    """Every rule (or those scoped to one account), with how often each matched and fired."""
    return json({"rules": rt.faults.rules(account)})


@router.post("/faults", response_model=RuleView | RuleList, responses=answers(*BODY_ERRORS),
             summary="Add a rule, or a list of rules (a name in use is replaced)")
async def add_faults(rt: World, body: RuleInput) -> Response:
    """Add one rule (an object) or several (a list); a rule with a name already in use replaces it."""
    now = rt.clock.now()
    rules = body if isinstance(body, list) else [body]
    described = [rt.faults.add(rule, "admin", now).describe(0, 0) for rule in rules]
    return json({"rules": described} if isinstance(body, list) else described[0])


@router.delete("/faults", response_model=Removed, responses=answers(422), summary="Remove every rule, or one account's")
async def clear_faults(rt: World, account: Account = None) -> Response:
    return json({"removed": rt.faults.clear(account)})


@router.delete("/faults/{name}", response_model=Removed, responses=answers(404, 422),
               summary="Remove the rules of this name")
async def delete_fault(rt: World, name: str, account: Account = None) -> Response:
    removed = rt.faults.remove(name, account)
    if not removed:
        raise errors.ApiError(404, 404001, f"No fault rule named {name!r}")
    return json({"removed": removed})
