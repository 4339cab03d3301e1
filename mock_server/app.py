"""`create_app(settings)`: the composition root. It builds the world (`sim`, `media`) from the settings and
the web layer around it (the `/v1` and `/files` routes, the controls middleware, the `/__mock` sub-application).
Nothing else lives here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .config import Controls, StartupError, load_controls
from .media import MediaCache
from .settings import Settings
from .sim.accounts import Accounts
from .sim.clock import make_clock
from .sim.contract import Contract
from .sim.faults import FaultBook
from .sim.jobs import JobService, timing_from
from .sim.journal import Journal
from .sim.store.memory import MemoryStore
from .sim.world import Runtime
from .spec import load_spec
from .web.admin import MOUNT, build_admin_app
from .web.guards import Guards, LastResort
from .web.handlers import install_error_handlers
from .web.middleware import ControlsMiddleware
from .web.routes import account, docs, files, models, pages, requests


def _media_cache(settings: Settings) -> MediaCache:
    try:
        return MediaCache(settings.cache_dir, settings.cache_max_mb * 1024 * 1024, settings.render_workers,
                          memory_max_bytes=settings.cache_memory_mb * 1024 * 1024)
    except OSError as exc:
        raise StartupError(f"cache_dir {settings.cache_dir}: {exc.strerror or exc}") from None


def build_runtime(settings: Settings, controls: Controls | None = None) -> Runtime:
    """The world of one app. `controls` are the config file's, if the caller has read it already;
    otherwise they are read from `settings.config_file`. Raises `StartupError` if it cannot be built."""
    spec = load_spec()
    contract = Contract(
        spec,
        extra_aspect_ratios=settings.extra_aspect_ratios,
        reject_unknown_fields=settings.unknown_fields == "reject",
    )
    clock = make_clock(settings.clock, settings.speed, settings.manual_clock_start)
    store = MemoryStore(settings.slots_per_account)
    jobs = JobService(settings, contract, store, clock, timing_from(settings))
    if controls is None:
        controls = load_controls(settings.config_file)
    media = _media_cache(settings)
    faults = FaultBook(settings.seed, config_rules=controls.faults)
    faults.load_config(clock.now())
    journal = Journal(settings.journal_max_entries, contract.input_fields)
    accounts = Accounts(settings, jobs, controls.accounts)
    jobs.admission = accounts  # balance and limits are checked inside the submit, before the store write
    return Runtime(settings, clock, contract, store, jobs, media, dict(spec), faults, journal, accounts)


def create_app(settings: Settings | None = None, *, controls: Controls | None = None) -> FastAPI:
    """Build one independent mock server; tests may build as many as they like.

    Raises `StartupError` (a bad config file, an unusable cache directory) before anything is served.
    """
    settings = settings or Settings()
    rt = build_runtime(settings, controls)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        rt.media.close()

    app = FastAPI(
        title="kling-mock", openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan
    )
    app.state.runtime = rt

    install_error_handlers(app)
    # The pages' routes come before the controls' mount, which would otherwise take `/__mock/docs` too.
    for router in (models.router, requests.router, files.router, account.router, docs.router, pages.router):
        app.include_router(router)
    app.add_middleware(ControlsMiddleware, runtime=rt)
    app.add_middleware(Guards, settings=settings)  # hosts and the body time-out, before anything runs
    app.add_middleware(LastResort)  # outermost: an unexpected error answers 500001 and keeps the connection
    app.mount(MOUNT, build_admin_app(rt), name="controls")
    return app
