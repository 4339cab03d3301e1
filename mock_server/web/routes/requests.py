"""`/v1/requests/{id}`: status, result and cancel of one job of the caller's account.

These are the routes clients poll, so they are plain Starlette endpoints: FastAPI's parameter machinery
cost about 40 % of the status route's throughput (`make bench`: ~4,900 -> ~8,000 req/s on 2 cores). The only
parameter that needs parsing, `include_cost`, is read with pydantic's own boolean rules.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ...sim import errors
from ...sim.jobs import decision_headers
from .. import bodies
from ..auth import bearer_token
from ..http import base_url, files_base_url, json, runtime
from ..paths import request_id_in

router = APIRouter()
BOOL = TypeAdapter(bool)


def include_cost_of(request: Request) -> bool:
    raw = request.query_params.getlist("include_cost")
    if not raw:
        return False
    try:
        return BOOL.validate_python(raw[-1])
    except ValidationError:
        raise errors.validation_error(
            [errors.detail_item(["query", "include_cost"], "Input should be a valid boolean", "bool_parsing")]
        ) from None


async def status(request: Request) -> Response:
    rt, request_id = runtime(request), request_id_in(request.scope)
    job, v = rt.jobs.state_of(bearer_token(request, rt.settings), request_id)
    urls = bodies.Urls(base_url(request, rt.settings), request_id)
    return json(bodies.status_body(v, urls, rt.settings), headers=decision_headers(job))


async def result(request: Request) -> Response:
    rt, request_id = runtime(request), request_id_in(request.scope)
    include_cost = include_cost_of(request)
    job, v = rt.jobs.state_of(bearer_token(request, rt.settings), request_id)
    urls = bodies.Urls(base_url(request, rt.settings), request_id, files_base_url(request, rt.settings))
    model = rt.jobs.model(job.model_id)
    return json(bodies.result_body(job, v, urls, rt.settings, model, include_cost), headers=decision_headers(job))


async def cancel(request: Request) -> Response:
    rt, request_id = runtime(request), request_id_in(request.scope)
    _, v, cancelled = rt.jobs.cancel(bearer_token(request, rt.settings), request_id)
    urls = bodies.Urls(base_url(request, rt.settings), request_id)
    return json(bodies.cancel_body(v, urls, rt.settings, cancelled))


router.add_route("/v1/requests/{request_id}/status", status, methods=["GET"])
router.add_route("/v1/requests/{request_id}/result", result, methods=["GET"])
router.add_route("/v1/requests/{request_id}/cancel", cancel, methods=["POST"])
