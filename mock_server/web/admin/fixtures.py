"""`/__mock/fixtures`: sample stills for offline image-to-video. Public: image URLs carry no token."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import FileResponse, Response

from ...sim import errors
from ...sim.job_media import FIXTURES_DIR
from ..http import json
from .models import FixtureList, answers

router = APIRouter()
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})


@router.get("/fixtures", response_model=FixtureList, summary="Sample still images for image-to-video")
async def list_fixtures() -> Response:
    return json({"fixtures": sorted(p.name for p in FIXTURES_DIR.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)})


@router.get(
    "/fixtures/{name}",
    response_class=FileResponse,
    responses={200: {"description": "The image", "content": {"image/*": {}}}, **answers(404, 422)},
    summary="One sample image",
)
async def fixture(name: str) -> Response:
    """Sample stills for offline image-to-video: pass `https://<any host>/__mock/fixtures/<name>`."""
    path = (FIXTURES_DIR / name).resolve()
    if path.parent != FIXTURES_DIR.resolve() or not path.is_file():
        raise errors.ApiError(404, 404001, f"No fixture named {name!r}")
    return FileResponse(path)
