"""`/__mock/accounts`: each token's jobs, balance, spend and limits. The rules live in `sim.accounts`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from ...sim import errors
from ...sim.accounts import AccountConfig
from ..http import json
from .access import AdminRoute, World
from .models import BODY_ERRORS, Account, AccountList, BalanceSet, answers

router = APIRouter(route_class=AdminRoute, responses=answers(401))


@router.get("/accounts", response_model=AccountList, summary="Accounts that have jobs")
async def list_accounts(rt: World) -> Response:
    return json({"accounts": rt.store.accounts()})


@router.get("/accounts/{token}", response_model=Account, responses=answers(422),
            summary="Jobs, balance, spend, ledger and limits of one account")
async def account(rt: World, token: str) -> Response:
    """Any token is an account, so this never answers 404."""
    return json(rt.accounts.view(token))


@router.put("/accounts/{token}/balance", response_model=Account, responses=answers(*BODY_ERRORS),
            summary="Set what is left from now on; null: unlimited")
async def set_balance(rt: World, token: str, body: BalanceSet) -> Response:
    """`{"usd": 0.1}` sets what is left from now on; `{"usd": null}` makes it unlimited again."""
    rt.accounts.set_balance(token, body.usd)
    return json(rt.accounts.view(token))


@router.put("/accounts/{token}/limits", response_model=Account, responses=answers(*BODY_ERRORS),
            summary="Set the account's rate and concurrency limits")
async def set_limits(rt: World, token: str, body: AccountConfig) -> Response:
    """`{"rps": 2, "burst": 2, "max_concurrent_jobs": 1}`; a key left out falls back to the settings."""
    if "balance_usd" in body.model_fields_set:
        raise errors.validation_error(
            [errors.detail_item(["body", "balance_usd"], "Set the balance with PUT .../balance", "extra_forbidden")]
        )
    rt.accounts.set_limits(token, body)
    return json(rt.accounts.view(token))
