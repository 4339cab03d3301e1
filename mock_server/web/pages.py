"""The browser pages' plumbing: where their files live and the headers every page is served with.

The pages (the playground, the two API docs) are plain files in `mock_server/static/` and in the installed
Swagger UI package, served as they are: no CDN, no build step at run time. Each page is sent with a strict
Content-Security-Policy, so the browser itself refuses any script, style, image or request that does not
come from this server: the pages stay usable offline, and a test can prove they never reach out.
"""

from __future__ import annotations

import html
from pathlib import Path

import fastapi_offline
from starlette.responses import HTMLResponse

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
STATIC_URL = "/static"
SWAGGER_UI_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
SWAGGER_UI_URL = "/static/swagger-ui"
# The only files of the package the docs pages use (it also ships Redoc, which is not served).
SWAGGER_UI_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")
CSP = "default-src 'self'"
# Swagger UI draws its icons from `data:` images in its stylesheet: the docs pages allow those, and nothing
# else from outside this server.
DOCS_CSP = "default-src 'self'; img-src 'self' data:"

__all__ = ["CSP", "DOCS_CSP", "STATIC_DIR", "STATIC_URL", "SWAGGER_UI_DIR", "SWAGGER_UI_FILES", "SWAGGER_UI_URL",
           "page"]


def page(name: str, csp: str = CSP, **values: str) -> HTMLResponse:
    """A page from `static/`, with each `{{key}}` replaced by its HTML-escaped value."""
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(value, quote=True))
    headers = {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    return HTMLResponse(text, headers=headers)
