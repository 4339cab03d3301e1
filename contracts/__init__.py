"""Contract-test harness for RunComfy's Kling 3.0 Model API and the offline mock of it.

Users import from here only; the modules with a leading underscore are machinery.
"""

from ._client import DEFAULT_BASE_URL, AsyncClient, Client
from ._errors import ApiError, DownloadError, TransportError, WaitTimeout
from ._models import (
    CancelResponse,
    JobError,
    Model,
    ModelList,
    ResultResponse,
    StatusResponse,
    SubmitResponse,
)

# ---------------------------------------------------------------------------------------------
# OTHER HARNESS EXPORTS: import `inspect_mp4` and the strategies here, and add their names to the
# second part of `__all__` below.
# ---------------------------------------------------------------------------------------------

__all__ = [
    "DEFAULT_BASE_URL",
    "ApiError",
    "AsyncClient",
    "CancelResponse",
    "Client",
    "DownloadError",
    "JobError",
    "Model",
    "ModelList",
    "ResultResponse",
    "StatusResponse",
    "SubmitResponse",
    "TransportError",
    "WaitTimeout",
    # OTHER HARNESS EXPORTS: names go here.
]
