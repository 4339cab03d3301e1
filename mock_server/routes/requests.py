"""`/v1/requests/{id}`: status, result and cancel of one job of the caller's account."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from .. import bodies
from ..http import base_url, bearer_token, json
from ..runtime import runtime

router = APIRouter()


@router.get("/v1/requests/{request_id}/status")
async def status(request: Request, request_id: str) -> Response:
    rt = runtime(request)
    _, v = rt.jobs.find(bearer_token(request, rt.settings), request_id)
    urls = bodies.Urls(base_url(request, rt.settings), request_id)
    return json(bodies.status_body(v, urls, rt.settings))


@router.get("/v1/requests/{request_id}/result")
async def result(request: Request, request_id: str, include_cost: bool = False) -> Response:
    rt = runtime(request)
    job, v = rt.jobs.find(bearer_token(request, rt.settings), request_id)
    urls = bodies.Urls(base_url(request, rt.settings), request_id)
    model = rt.jobs.model(job.model_id)
    return json(bodies.result_body(job, v, urls, rt.settings, model, include_cost))


@router.post("/v1/requests/{request_id}/cancel")
async def cancel(request: Request, request_id: str) -> Response:
    rt = runtime(request)
    _, v, cancelled = rt.jobs.cancel(bearer_token(request, rt.settings), request_id)
    urls = bodies.Urls(base_url(request, rt.settings), request_id)
    return json(bodies.cancel_body(v, urls, rt.settings, cancelled))
