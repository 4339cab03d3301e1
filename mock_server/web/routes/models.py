"""`/v1/models`: submit a job, and the catalog.

Model ids contain slashes, so the submit and catalog routes take the rest of the path; the fixed
`/v1/models/categories` is declared first so that it is not read as a model id, and a wrong verb on it
gets 405 rather than being taken for a submit to a model called "categories".
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from pydantic import TypeAdapter, ValidationError
from starlette.responses import Response

from ...sim import errors
from ...sim.contract import Contract, ImagePath
from .. import bodies
from ..auth import bearer_token
from ..http import base_url, json, off_loop, parse_json, read_body, runtime
from ..middleware import job_fault_of

router = APIRouter()
CATEGORIES = "categories"
LIMIT_RANGE = (1, 500)  # RunComfy's clients send 100 by default and allow up to 500 [client]
DEFAULT_LIMIT = 100
BOOL = TypeAdapter(bool)
INT = TypeAdapter(int)


def _query_error(name: str, msg: str, type_: str) -> errors.ApiError:
    return errors.validation_error([errors.detail_item(["query", name], msg, type_)])


def _query_int(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.getlist(name)
    if not raw:
        return default
    try:
        value = INT.validate_python(raw[-1])
    except ValidationError:
        raise _query_error(name, "Input should be a valid integer", "int_parsing") from None
    if value < low:
        raise _query_error(name, f"Input should be greater than or equal to {low}", "greater_than_equal")
    if high is not None and value > high:
        raise _query_error(name, f"Input should be less than or equal to {high}", "less_than_equal")
    return value


def _query_bool(request: Request, name: str) -> bool:
    raw = request.query_params.getlist(name)
    if not raw:
        return False
    try:
        return BOOL.validate_python(raw[-1])
    except ValidationError:
        raise _query_error(name, "Input should be a valid boolean", "bool_parsing") from None


def _query_text(request: Request, name: str) -> str | None:
    raw = request.query_params.getlist(name)
    return raw[-1] if raw else None


@router.get("/v1/models")
async def list_models(request: Request) -> Response:
    """A page of the catalog as RunComfy's clients ask for it: filtered, then paged; schemas on request."""
    rt = runtime(request)
    bearer_token(request, rt.settings)
    limit = _query_int(request, "limit", DEFAULT_LIMIT, *LIMIT_RANGE)
    offset = _query_int(request, "offset", 0, 0, None)
    include_schema = _query_bool(request, "include_schema")
    search, category, kind = (_query_text(request, n) for n in ("search", "category", "kind"))
    found = [m for m in rt.contract.models.values() if m.matches(search, category, kind)]
    page = [m.catalog_entry(include_schema) for m in found[offset : offset + limit]]
    return json({"models": page, "total": len(found), "limit": limit, "offset": offset})


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


def checked_inputs(
    contract: Contract, model_id: str, raw: bytes | bytearray
) -> tuple[dict[str, Any], Mapping[ImagePath, bytes]]:
    """Parse (within the body bounds), validate (422001) and decode the inline images (422001) of a submit
    body: all CPU work, on a worker thread when the body is heavy (`http.heavy`)."""
    inputs = contract.validate(model_id, parse_json(raw, contract.max_items, contract.max_depth))
    return inputs, contract.inline_images(model_id, inputs)


async def submit(request: Request, model_id: str) -> Response:
    """Token, model, body: each refused in turn; then the job service admits and stores the job. Whatever
    can fail is done before `jobs.submit`, which stores the job as its last step: a refusal stores nothing."""
    rt = runtime(request)
    account = bearer_token(request, rt.settings)
    model = rt.jobs.model(model_id)  # 400001 before the body is even read
    raw = await read_body(request, rt.settings.max_body_bytes)
    inputs, inline = await off_loop(raw, partial(checked_inputs, rt.contract, model_id, raw))
    del raw  # the inputs hold what is needed; the body's buffer can go
    base = base_url(request, rt.settings)
    job = await rt.jobs.submit(account, model, inputs, job_fault_of(request.scope), inline)
    return json(bodies.submit_body(bodies.Urls(base, job.request_id)))
