"""`create_app(settings)`: wires the runtime, the routers and the error handlers. Nothing else lives here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from .config import load_controls
from .media import MediaCache
from .settings import Settings
from .sim import errors
from .sim.accounts import Accounts
from .sim.clock import make_clock
from .sim.contract import Contract
from .sim.faults import FaultBook
from .sim.jobs import JobService, timing_from
from .sim.journal import Journal
from .sim.store.memory import MemoryStore
from .sim.world import Runtime
from .spec import load_spec
from .web.http import error_response
from .web.middleware import ControlsMiddleware
from .web.routes import admin, controls, docs, files, models, pages, requests

log = logging.getLogger("kling_mock")


def build_runtime(settings: Settings) -> Runtime:
    spec = load_spec()
    contract = Contract(
        spec,
        extra_aspect_ratios=settings.extra_aspect_ratios,
        reject_unknown_fields=settings.unknown_fields == "reject",
    )
    clock = make_clock(settings.clock, settings.speed, settings.manual_clock_start)
    store = MemoryStore(settings.slots_per_account)
    jobs = JobService(settings, contract, store, clock, timing_from(settings))
    media = MediaCache(settings.cache_dir, settings.cache_max_mb * 1024 * 1024, settings.render_workers)
    controls = load_controls(settings.config_file)
    faults = FaultBook(settings.seed, config_rules=controls.faults)
    faults.load_config(clock.now())
    journal = Journal(settings.journal_max_entries)
    accounts = Accounts(settings, jobs, controls.accounts)
    return Runtime(settings, clock, contract, store, jobs, media, dict(spec), faults, journal, accounts)


def _framework_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [errors.detail_item(list(e.get("loc", [])), str(e.get("msg", "")), str(e.get("type", ""))) for e in exc.errors()]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build one independent mock server; tests may build as many as they like."""
    settings = settings or Settings()
    rt = build_runtime(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        rt.media.close()

    app = FastAPI(
        title="kling-mock", openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan
    )
    app.state.runtime = rt

    @app.exception_handler(errors.ApiError)
    async def api_error(_: Request, exc: errors.ApiError) -> Response:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def framework_validation(_: Request, exc: RequestValidationError) -> Response:
        return error_response(errors.validation_error(_framework_detail(exc)))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> Response:
        return error_response(errors.for_status(exc.status_code, str(exc.detail), dict(exc.headers or {})))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> Response:
        log.exception("unexpected error", exc_info=exc)
        return error_response(errors.internal())

    for router in (models.router, requests.router, files.router, admin.router, controls.router, docs.router,
                   pages.router):
        app.include_router(router)
    app.add_middleware(ControlsMiddleware, runtime=rt)
    return app
