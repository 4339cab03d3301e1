"""What the harness reads from its environment beyond the API's own variables."""

from __future__ import annotations

import os

__all__ = ["in_ci"]


def in_ci() -> bool:
    """True in a CI job (``CI`` set to anything but empty, 0, false or no).

    Calls to the real API never run there: a shared pipeline must not spend anyone's money or show
    their token, so the contract suite's and the drift check's real targets refuse to start.
    """
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
