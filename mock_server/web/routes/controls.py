"""`/__mock/faults`, `/__mock/journal`, `/__mock/accounts`: the simulation controls, and their OpenAPI.

Thin, like every route: parse, call the fault book, the journal or the accounts, answer. The same admin
token guards them as the rest of `/__mock/`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from ...sim import errors
from ...sim.accounts import AccountConfig
from ...sim.faults import FaultRuleError, parse_rule
from ...sim.journal import Query
from ..admin_openapi import admin_openapi
from ..http import base_url, json, json_body, runtime
from .admin import admin

router = APIRouter(prefix="/__mock")


def _invalid(exc: FaultRuleError | ValidationError, prefix: tuple[str, ...] = ("body",)) -> errors.ApiError:
    if isinstance(exc, FaultRuleError):
        return errors.validation_error(exc.detail)
    return errors.validation_error([
        errors.detail_item([*prefix, *e["loc"]], e["msg"], e["type"])
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ])


# --- faults ---------------------------------------------------------------------------------------


@router.get("/faults")
async def list_faults(request: Request, account: str | None = None) -> Response:
    """Every rule (or those scoped to one account), with how often each matched and fired."""
    rt = admin(request)
    return json({"rules": rt.faults.rules(account)})


@router.post("/faults")
async def add_faults(request: Request) -> Response:
    """Add one rule (an object) or several (a list); a rule with a name already in use replaces it."""
    rt = admin(request)
    body = await json_body(request, rt.settings.max_body_bytes)
    raws = body if isinstance(body, list) else [body]
    try:
        rules = [parse_rule(raw, ("body", i) if isinstance(body, list) else ("body",)) for i, raw in enumerate(raws)]
    except FaultRuleError as exc:
        raise _invalid(exc) from None
    now = rt.clock.now()
    added = [rt.faults.add(rule, "admin", now) for rule in rules]
    described = [a.describe(0, 0) for a in added]
    return json({"rules": described} if isinstance(body, list) else described[0])


@router.delete("/faults")
async def clear_faults(request: Request, account: str | None = None) -> Response:
    rt = admin(request)
    return json({"removed": rt.faults.clear(account)})


@router.delete("/faults/{name}")
async def delete_fault(request: Request, name: str, account: str | None = None) -> Response:
    rt = admin(request)
    removed = rt.faults.remove(name, account)
    if not removed:
        raise errors.ApiError(404, 404001, f"No fault rule named {name!r}")
    return json({"removed": removed})


# --- journal --------------------------------------------------------------------------------------


@router.get("/journal")
async def journal(
    request: Request,
    account: str | None = None,
    request_id: str | None = None,
    path: str | None = None,
    method: str | None = None,
    status: int | None = None,
    since: float | None = None,
    until: float | None = None,
    limit: int | None = None,
) -> Response:
    """Recorded `/v1` and `/files` exchanges, oldest first; `since`/`until` are clock epoch seconds."""
    rt = admin(request)
    q = Query(account, request_id, path, method, status, since, until, limit)
    return json({"entries": rt.journal.query(q), "total": len(rt.journal)})


@router.delete("/journal")
async def clear_journal(request: Request, account: str | None = None) -> Response:
    rt = admin(request)
    return json({"removed": rt.journal.clear(account)})


# --- accounts -------------------------------------------------------------------------------------


@router.get("/accounts")
async def list_accounts(request: Request) -> Response:
    rt = admin(request)
    return json({"accounts": rt.store.accounts()})


@router.get("/accounts/{token}")
async def account(request: Request, token: str) -> Response:
    """Jobs, balance, spend, ledger and limits of one account (any token is an account)."""
    rt = admin(request)
    return json(rt.accounts.view(token))


@router.put("/accounts/{token}/balance")
async def set_balance(request: Request, token: str) -> Response:
    """`{"usd": 0.1}` sets what is left from now on; `{"usd": null}` makes it unlimited again."""
    rt = admin(request)
    body = await json_body(request, rt.settings.max_body_bytes)
    usd = body.get("usd", ...) if isinstance(body, dict) else ...
    if usd is not None and (usd is ... or isinstance(usd, bool) or not isinstance(usd, int | float) or usd < 0):
        raise errors.validation_error(
            [errors.detail_item(["body", "usd"], "Input should be a number >= 0, or null for unlimited", "type")]
        )
    rt.accounts.set_balance(token, None if usd is None else float(usd))
    return json(rt.accounts.view(token))


@router.put("/accounts/{token}/limits")
async def set_limits(request: Request, token: str) -> Response:
    """`{"rps": 2, "burst": 2, "max_concurrent_jobs": 1}`; a key left out falls back to the settings."""
    rt = admin(request)
    body = await json_body(request, rt.settings.max_body_bytes)
    try:
        cfg = AccountConfig.model_validate(body)
    except ValidationError as exc:
        raise _invalid(exc) from None
    if "balance_usd" in cfg.model_fields_set:
        raise errors.validation_error(
            [errors.detail_item(["body", "balance_usd"], "Set the balance with PUT .../balance", "extra_forbidden")]
        )
    rt.accounts.set_limits(token, cfg)
    return json(rt.accounts.view(token))


# --- the admin API's own contract -----------------------------------------------------------------


@router.get("/openapi.json")
async def openapi(request: Request) -> Response:
    """The admin API's OpenAPI document (public, like `/openapi.json`, which stays the pure `/v1` contract)."""
    rt = runtime(request)
    doc: dict[str, Any] = admin_openapi()
    return json({**doc, "servers": [{"url": base_url(request, rt.settings)}]})
