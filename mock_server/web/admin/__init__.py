"""`/__mock`: the controls, as their own sub-application with an OpenAPI document generated from typed
models (`models.py`). One module per resource: `world` (clock, reset), `fixtures`, `faults`, `journal`,
`accounts`, `media` (inspect a job's MP4), `document`; `access` holds the admin token guard and the order of the input checks."""

from __future__ import annotations

from .app import ROUTERS, build_admin_app
from .document import MOUNT

__all__ = ["MOUNT", "ROUTERS", "build_admin_app"]
