"""kling-mock: an offline, contract-faithful stand-in for RunComfy's Kling 3.0 Model API.

`create_app` and `Settings` are loaded on first use, so importing a pure module (the lifecycle, the
contract) does not pull in the web framework or the video encoder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "Settings":
        from .settings import Settings

        return Settings
    raise AttributeError(name)
