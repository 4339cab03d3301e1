"""`/v1/models`: submit a job, and the catalog.

Model ids contain slashes, so the submit and catalog routes take the rest of the path; the fixed
`/v1/models/categories` is declared first so that it is not read as a model id, and a wrong verb on it
gets 405 rather than being taken for a submit to a model called "categories".
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ...sim import errors
from .. import bodies
from ..auth import bearer_token
from ..http import base_url, json, json_body, runtime
from ..middleware import job_fault_of

router = APIRouter()
CATEGORIES = "categories"


@router.get("/v1/models")
async def list_models(request: Request, limit: int = 20, offset: int = 0, category: str | None = None) -> Response:
    rt = runtime(request)
    bearer_token(request, rt.settings)
    if not 1 <= limit <= 100 or offset < 0:
        raise errors.validation_error(
            [errors.detail_item(["query", "limit" if not 1 <= limit <= 100 else "offset"], "Out of range", "range")]
        )
    entries = [m.catalog_entry() for m in rt.contract.models.values() if category is None or category in m.op.categories]
    return json({"models": entries[offset : offset + limit], "total": len(entries), "limit": limit, "offset": offset})


@router.get("/v1/models/categories")
async def list_categories(request: Request) -> Response:
    rt = runtime(request)
    bearer_token(request, rt.settings)
    names = sorted({c for m in rt.contract.models.values() for c in m.op.categories})
    return json({"categories": names})


@router.api_route("/v1/models/{model_id:path}", methods=["GET", "POST"])
async def model_resource(request: Request, model_id: str) -> Response:
    """One route for both verbs, so a wrong verb gets 405 with `Allow: GET, POST` like any resource."""
    if model_id == CATEGORIES:
        raise errors.ApiError(405, 405001, "Method Not Allowed", headers={"Allow": "GET"})
    if request.method == "GET":
        return await get_model(request, model_id)
    return await submit(request, model_id)


async def get_model(request: Request, model_id: str) -> Response:
    rt = runtime(request)
    bearer_token(request, rt.settings)
    return json(rt.jobs.model(model_id).catalog_entry())


async def submit(request: Request, model_id: str) -> Response:
    """Token, model, body: each refused in turn; then the job service admits and stores the job. Whatever
    can fail is done before `jobs.submit`, which stores the job as its last step: a refusal stores nothing."""
    rt = runtime(request)
    account = bearer_token(request, rt.settings)
    model = rt.jobs.model(model_id)  # 400001 before the body is even read
    inputs = rt.contract.validate(model_id, await json_body(request, rt.settings.max_body_bytes))
    base = base_url(request, rt.settings)
    job = await rt.jobs.submit(account, model, inputs, job_fault_of(request.scope))
    return json(bodies.submit_body(bodies.Urls(base, job.request_id)))
