"""Contract-test harness for RunComfy's Kling 3.0 Model API and the offline mock of it.

Users import from here only; the modules with a leading underscore are machinery. The media helpers
(`inspect_mp4`, `fingerprint_hash`), the contract checks and `diff_bodies` load on first use, so a client
that never reads an MP4 or a schema never imports the video decoder or jsonschema.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._client import DEFAULT_BASE_URL, AsyncClient, Client
from ._errors import ApiError, DownloadError, TransportError, WaitTimeout
from ._models import (
    Balance,
    CancelResponse,
    Identity,
    JobError,
    Model,
    ModelList,
    ResultResponse,
    StatusResponse,
    SubmitResponse,
)
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
        assert_status_word,
        assert_terminal_stays,
        operation_for,
    )
    from .parity import diff_bodies

# Loaded on first use: the media helpers pull in the video decoder, the checks jsonschema's format
# checkers (about a second to import). The TYPE_CHECKING imports above give them their types.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("inspect_mp4", "fingerprint_hash"), "mock_server.media"),
    **dict.fromkeys(
        (
            "ContractViolation",
            "assert_conforms",
            "assert_forward",
            "assert_queue_position_never_grows",
            "assert_result_agrees",
            "assert_result_consistent",
            "assert_status_word",
            "assert_terminal_stays",
            "operation_for",
        ),
        "contracts.checks",
    ),
    "diff_bodies": "contracts.parity",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'contracts' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [  # noqa: RUF022 (two parts: the client, then the rest of the harness)
    "DEFAULT_BASE_URL",
    "ApiError",
    "AsyncClient",
    "Balance",
    "CancelResponse",
    "Client",
    "DownloadError",
    "Identity",
    "JobError",
    "Model",
    "ModelList",
    "ResultResponse",
    "StatusResponse",
    "SubmitResponse",
    "TransportError",
    "WaitTimeout",
    # the rest of the harness
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
    "assert_status_word",
    "assert_terminal_stays",
    "diff_bodies",
    "operation_for",
]
