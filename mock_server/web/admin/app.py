"""The `/__mock` sub-application: the controls the real service does not have, with their own document.

Mounted by `create_app` at `/__mock`, so `/v1` stays the pure contract. Each route is thin (parse with its
typed model, call the world, answer its view); the admin token and the body limits are the route class's
(`access.AdminRoute`), the error format is the API's (`web.handlers`).
"""

from __future__ import annotations

from fastapi import FastAPI

from ...sim.world import Runtime
from ..guards import LastResort
from ..handlers import install_error_handlers
from . import accounts, document, faults, fixtures, journal, media, world

ROUTERS = (world.router, fixtures.router, faults.router, journal.router, accounts.router, media.router,
           document.router)
TITLE = "kling-mock admin API"
DESCRIPTION = "Controls of the mock (clock, faults, journal, accounts). Not part of the real API."


def build_admin_app(rt: Runtime) -> FastAPI:
    """The controls of one app's world. Its document is served by its own route, never FastAPI's pages."""
    app = FastAPI(
        title=TITLE,
        version="1",
        description=DESCRIPTION,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        separate_input_output_schemas=False,
        generate_unique_id_function=lambda route: route.name,  # the function's name: add_faults, set_balance
    )
    app.state.runtime = rt
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(LastResort)
    return app
