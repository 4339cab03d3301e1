"""The two calls RunComfy's CLI makes to hosts other than the Model API: the balance and the caller.

`runcomfy balance` asks `{RUNCOMFY_SERVERLESS_API_BASE}/balance` (default base `…/prod/v2`) and `runcomfy
whoami` asks `{RUNCOMFY_WEB_BASE}/api/auth/me` [client]. The mock answers both at its root, so pointing
those two variables at it (`http://127.0.0.1:8000/prod/v2` and `http://127.0.0.1:8000`) makes the CLI's
every command work offline. They are not part of the Model API's contract (`openapi.yaml`); both need
the bearer token, like the API.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...sim.accounts import identity
from ..auth import bearer_token
from ..http import json, runtime

router = APIRouter()
BALANCE_PATH = "/prod/v2/balance"
WHOAMI_PATH = "/api/auth/me"


async def balance(request: Request) -> Response:
    rt = runtime(request)
    return json(rt.accounts.wallet(bearer_token(request, rt.settings)))


async def whoami(request: Request) -> Response:
    rt = runtime(request)
    return json(identity(bearer_token(request, rt.settings)))


router.add_route(BALANCE_PATH, balance, methods=["GET"])
router.add_route(WHOAMI_PATH, whoami, methods=["GET"])
