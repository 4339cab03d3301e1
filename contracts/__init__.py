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

    from .checks import (
        ContractViolation,
        assert_conforms,
        assert_forward,
        assert_queue_position_never_grows,
        assert_result_agrees,
        assert_result_consistent,
        assert_terminal_stays,
        operation_for,
    )
    from .parity import diff_bodies

_MEDIA = frozenset({"inspect_mp4", "fingerprint_hash"})
# The contract checks load on first use too: jsonschema's format checkers take about a second to import.
_CHECKS = frozenset(
    {
        "ContractViolation",
        "assert_conforms",
        "assert_forward",
        "assert_queue_position_never_grows",
        "assert_result_agrees",
        "assert_result_consistent",
        "assert_terminal_stays",
        "operation_for",
    }
)


def __getattr__(name: str) -> Any:
    if name in _MEDIA:
        from mock_server import media

        return getattr(media, name)
    if name in _CHECKS:
        from . import checks

        return getattr(checks, name)
    if name == "diff_bodies":
        from .parity import diff_bodies

        return diff_bodies
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
    "ContractViolation",
    "assert_conforms",
    "assert_forward",
    "assert_queue_position_never_grows",
    "assert_result_agrees",
    "assert_result_consistent",
    "assert_terminal_stays",
    "diff_bodies",
    "operation_for",
]
