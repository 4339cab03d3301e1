"""Every error in the API's own format, for the `/v1` app and the `/__mock` sub-application alike.

`ApiError` answers its body; FastAPI's request validation answers 422001 with a `detail` item per problem;
a 404 or 405 of the router answers `<status>001`. Anything unexpected is `guards.LastResort`'s: logged and
answered 500001 without closing the connection (an exception handler here would answer, then re-raise, and
the server would close it).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from ..sim import errors
from .http import error_response


def _framework_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [errors.detail_item(list(e.get("loc", [])), str(e.get("msg", "")), str(e.get("type", ""))) for e in exc.errors()]


async def _api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.ApiError)
    return error_response(exc)


async def _validation(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(errors.validation_error(_framework_detail(exc)))


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(errors.for_status(exc.status_code, str(exc.detail), dict(exc.headers or {})))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http_error)
