"""Contract-test harness for RunComfy's Kling 3.0 Model API and the offline mock of it.

Users import from here only; the modules with a leading underscore are machinery. The media helpers
(`inspect_mp4`, `fingerprint_hash`) load on first use, so a client that never reads an MP4 never imports
the video decoder.
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from mock_server.media import fingerprint_hash, inspect_mp4

_MEDIA = frozenset({"inspect_mp4", "fingerprint_hash"})


def __getattr__(name: str) -> Any:
    if name in _MEDIA:
        from mock_server import media

        return getattr(media, name)
    raise AttributeError(f"module 'contracts' has no attribute {name!r}")


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
    "fingerprint_hash",
    "inspect_mp4",
]
