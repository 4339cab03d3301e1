"""The contract served as `/openapi.json`, and API docs that work with no network (bundled Swagger UI)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse, Response

from ..http import base_url, json, runtime

router = APIRouter()
DOCS_STATIC = "/__mock/docs-static"


@router.get("/openapi.json")
async def openapi(request: Request) -> Response:
    rt = runtime(request)
    return json({**rt.openapi, "servers": [{"url": base_url(request, rt.settings)}]})


@router.get("/docs")
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="kling-mock: RunComfy Model API (Kling 3.0)",
        swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_STATIC}/favicon-32x32.png",
    )
