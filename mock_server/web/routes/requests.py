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
from ...sim.faults import hidden, job_decision_headers
from ...sim.lifecycle import Job
from ...sim.world import Runtime
from .. import bodies
from ..http import base_url, bearer_token, files_base_url, json, runtime

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


def check_visible(rt: Runtime, job: Job) -> None:
    """A fault can make a fresh request answer 404001 for a moment, as the real service sometimes does."""
    if hidden(job, rt.clock.now()):
        raise errors.ApiError(404, 404001, f"Request {job.request_id} not found or expired",
                              headers=job_decision_headers(job))


async def status(request: Request) -> Response:
    rt, request_id = runtime(request), request.path_params["request_id"]
    job, v = rt.jobs.find(bearer_token(request, rt.settings), request_id)
    check_visible(rt, job)
    urls = bodies.Urls(base_url(request, rt.settings), request_id)
    return json(bodies.status_body(v, urls, rt.settings), headers=job_decision_headers(job))


async def result(request: Request) -> Response:
    rt, request_id = runtime(request), request.path_params["request_id"]
    include_cost = include_cost_of(request)
    job, v = rt.jobs.find(bearer_token(request, rt.settings), request_id)
    check_visible(rt, job)
    urls = bodies.Urls(base_url(request, rt.settings), request_id, files_base_url(request, rt.settings))
    model = rt.jobs.model(job.model_id)
    return json(bodies.result_body(job, v, urls, rt.settings, model, include_cost), headers=job_decision_headers(job))


async def cancel(request: Request) -> Response:
    rt, request_id = runtime(request), request.path_params["request_id"]
    _, v, cancelled = rt.jobs.cancel(bearer_token(request, rt.settings), request_id)
    urls = bodies.Urls(base_url(request, rt.settings), request_id)
    return json(bodies.cancel_body(v, urls, rt.settings, cancelled))


router.add_route("/v1/requests/{request_id}/status", status, methods=["GET"])
router.add_route("/v1/requests/{request_id}/result", result, methods=["GET"])
router.add_route("/v1/requests/{request_id}/cancel", cancel, methods=["POST"])
