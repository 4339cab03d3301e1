"""The contract served as `/openapi.json`, and API docs that work with no network.

`/docs` renders `openapi.yaml` (OpenAPI 3.1) and `/__mock/docs` the controls' own document, both with the
Swagger UI (5.x) that the pinned `fastapi-offline` package ships: its files are served from here, and the
page's start-up script is a file of ours (`static/js/docs.js`), so the Content-Security-Policy forbids
inline scripts and every outside origin.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from ...sim import errors
from ..http import base_url, json, runtime
from ..pages import DOCS_CSP, SWAGGER_UI_DIR, SWAGGER_UI_FILES, SWAGGER_UI_URL, page

router = APIRouter()
TITLE = "kling-mock: RunComfy Model API (Kling 3.0)"
CONTROLS_TITLE = "kling-mock: simulation controls (/__mock)"


@router.get("/openapi.json")
async def openapi(request: Request) -> Response:
    rt = runtime(request)
    return json({**rt.openapi, "servers": [{"url": base_url(request, rt.settings)}]})


def docs_page(title: str, openapi_url: str) -> Response:
    return page("docs.html", DOCS_CSP, title=title, openapi_url=openapi_url, assets=SWAGGER_UI_URL)


@router.get("/docs")
async def docs() -> Response:
    """The public API's contract, `/openapi.json`."""
    return docs_page(TITLE, "/openapi.json")


@router.get("/__mock/docs")
async def controls_docs() -> Response:
    """The controls' document, `/__mock/openapi.json` (public, like the document itself)."""
    return docs_page(CONTROLS_TITLE, "/__mock/openapi.json")


@router.get(SWAGGER_UI_URL + "/{name}")
async def swagger_ui_asset(name: str) -> Response:
    """Only the three files the docs pages load; the package's other files are not served."""
    if name not in SWAGGER_UI_FILES:
        raise errors.ApiError(404, 404001, f"No docs asset named {name!r}")
    return FileResponse(SWAGGER_UI_DIR / name, headers={"Cache-Control": "public, max-age=86400"})
