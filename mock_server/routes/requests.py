"""`/v1/requests/{id}`: status, result and cancel of one job of the caller's account."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from .. import bodies, errors
from ..faults import hidden, job_decision_headers
from ..http import base_url, bearer_token, json
from ..lifecycle import Job
from ..runtime import Runtime, runtime

router = APIRouter()


def check_visible(rt: Runtime, job: Job) -> None:
    """A fault can make a fresh request answer 404001 for a moment, as the real service sometimes does."""
    if hidden(job, rt.clock.now()):
        raise errors.ApiError(404, 404001, f"Request {job.request_id} not found or expired",
                              headers=job_decision_headers(job))


@router.get("/v1/requests/{request_id}/status")
async def status(request: Request, request_id: str) -> Response:
    rt = runtime(request)
    job, v = rt.jobs.find(bearer_token(request, rt.settings), request_id)
    check_visible(rt, job)
    urls = bodies.Urls(base_url(request, rt.settings), request_id)
    return json(bodies.status_body(v, urls, rt.settings), headers=job_decision_headers(job))


@router.get("/v1/requests/{request_id}/result")
async def result(request: Request, request_id: str, include_cost: bool = False) -> Response:
    rt = runtime(request)
    job, v = rt.jobs.find(bearer_token(request, rt.settings), request_id)
    check_visible(rt, job)
    urls = bodies.Urls(base_url(request, rt.settings), request_id)
    model = rt.jobs.model(job.model_id)
    return json(bodies.result_body(job, v, urls, rt.settings, model, include_cost), headers=job_decision_headers(job))


@router.post("/v1/requests/{request_id}/cancel")
async def cancel(request: Request, request_id: str) -> Response:
    rt = runtime(request)
    _, v, cancelled = rt.jobs.cancel(bearer_token(request, rt.settings), request_id)
    urls = bodies.Urls(base_url(request, rt.settings), request_id)
    return json(bodies.cancel_body(v, urls, rt.settings, cancelled))
