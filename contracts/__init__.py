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
from .admin import AccountView, AdminClient
from .behaviour import (
    JournalEntry,
    assert_backs_off_after_5xx,
    assert_called,
    assert_cancelled_on_abort,
    assert_downloaded_once,
    assert_honours_retry_after,
    assert_poll_rate,
    assert_stops_polling_at_terminal,
    calls,
)

__all__ = [  # noqa: RUF022 (two parts: the client, then the other harness exports)
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
    "AccountView",
    "AdminClient",
    "JournalEntry",
    "assert_backs_off_after_5xx",
    "assert_called",
    "assert_cancelled_on_abort",
    "assert_downloaded_once",
    "assert_honours_retry_after",
    "assert_poll_rate",
    "assert_stops_polling_at_terminal",
    "calls",
]
