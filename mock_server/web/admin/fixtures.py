"""`/__mock/fixtures`: sample stills for offline image-to-video. Public: image URLs carry no token."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import FileResponse, Response

from ...sim import errors
from ...sim.job_media import fixture_names, fixture_path
from ..http import json
from .models import FixtureList, answers

router = APIRouter()


@router.get("/fixtures", response_model=FixtureList, summary="Sample still images for image-to-video")
async def list_fixtures() -> Response:
    return json({"fixtures": fixture_names()})


@router.get(
    "/fixtures/{name}",
    response_class=FileResponse,
    responses={200: {"description": "The image", "content": {"image/*": {}}}, **answers(404, 422)},
    summary="One sample image",
)
async def fixture(name: str) -> Response:
    """Sample stills for offline image-to-video: pass `https://<any host>/__mock/fixtures/<name>`."""
    path = fixture_path(name)
    if path is None:
        raise errors.ApiError(404, 404001, f"No fixture image named {name!r}")
    return FileResponse(path)
