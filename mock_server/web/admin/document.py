"""`/__mock/openapi.json`: the controls' own OpenAPI document, generated from their routes' typed models.

Kept apart from `openapi.yaml` on purpose: that file is the real service's contract, and nothing the real
service lacks may appear in it (`/openapi.json` serves it alone). The document is public, like
`/openapi.json`, even when an admin token guards the controls it describes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..http import base_url, json, runtime

router = APIRouter()
MOUNT = "/__mock"


def document(request: Request) -> dict[str, Any]:
    """The sub-application's generated document (FastAPI caches it), its paths as a client calls them:
    under `/__mock`, from the server's origin."""
    doc = request.app.openapi()
    paths = {MOUNT + path: ops for path, ops in doc["paths"].items()}
    return {**doc, "paths": paths, "servers": [{"url": base_url(request, runtime(request).settings)}]}


@router.get("/openapi.json", response_model=dict[str, Any], summary="This document")
async def openapi(request: Request) -> Response:
    return json(document(request))
