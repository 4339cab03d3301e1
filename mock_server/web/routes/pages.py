"""The playground: `/playground` (and `/`, which redirects to it) and the files it loads from `/static/`.

The page is plain HTML, CSS and JavaScript modules from `mock_server/static/`, served as they are. It talks
to the public API with the user's own token, as any client would, and to `/__mock/` for the controls.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import FileResponse, RedirectResponse, Response

from ...sim import errors
from ..pages import CSP, STATIC_DIR, STATIC_URL, page

router = APIRouter()
# What /static/ serves: the page templates (.html) are only served through their routes, with their headers.
ASSET_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}


@router.get("/", include_in_schema=False)
async def home() -> Response:
    return RedirectResponse("/playground", status_code=307)


@router.get("/playground")
async def playground() -> Response:
    return page("playground.html", CSP)


@router.get(STATIC_URL + "/{path:path}")
async def asset(path: str) -> Response:
    """A file of `static/` by its path; nothing outside that folder, and no page templates."""
    root = STATIC_DIR.resolve()
    target = (root / path).resolve()
    media_type = ASSET_TYPES.get(target.suffix)
    if media_type is None or not target.is_relative_to(root) or not target.is_file():
        raise errors.ApiError(404, 404001, f"No asset named {path!r}")
    return FileResponse(target, media_type=media_type,
                        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})
