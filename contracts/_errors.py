"""Exceptions raised by the harness client.

Three families, because a caller reacts to each differently: the server answered with an error
(`ApiError`: look at the status and the RunComfy error code), nobody answered (`TransportError`:
retry later or check the address), or we stopped waiting (`WaitTimeout`: the job may still run).
`DownloadError` covers refusals and failures of output downloads, which are local policy rather
than API errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ApiError", "DownloadError", "TransportError", "WaitTimeout"]


class ApiError(Exception):
    """The API answered with an error.

    Built from the documented error body ``{error_code, error_message, detail?}``. When the body is
    not that (an HTML page from a CDN in front of the API, an empty body) the status code is still
    kept and ``message`` holds a short excerpt, so callers can classify by status alone. The known
    quirk of an HTTP 200 carrying an error body is raised as an `ApiError` with ``status_code`` 200
    and the body's ``error_code``.
    """

    status_code: int
    error_code: int | None
    message: str
    detail: str | list[Any] | None
    body: Any
    headers: Mapping[str, str]

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        error_code: int | None = None,
        detail: str | list[Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status_code = status_code
        self.error_code = error_code
        self.message = message
        self.detail = detail
        self.body = body
        self.headers = dict(headers or {})
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        """One line in the CLI's shape: ``<status> <error_code>: <message>`` (code left out if none)."""
        if self.error_code is None:
            return f"{self.status_code}: {self.message}"
        return f"{self.status_code} {self.error_code}: {self.message}"

    @property
    def effective_status(self) -> int | None:
        """The HTTP status this error stands for.

        The status itself, except for the 200-with-error-body quirk: there the error code's first
        three digits are the status it should have had (``400004`` -> 400, ``500001`` -> 500),
        which is how the documented codes are built. None if even that is unknown.
        """
        if not 200 <= self.status_code <= 299:
            return self.status_code
        if self.error_code is not None and 100000 <= self.error_code <= 599999:
            return self.error_code // 1000
        return None

    @property
    def retry_after(self) -> float | None:
        """Seconds from a ``Retry-After`` header in delta-seconds form, else None.

        The HTTP-date form is ignored on purpose: honouring it needs a wall clock, and the
        client's waiting is driven by an injected monotonic clock so tests never really sleep.
        """
        for key, value in self.headers.items():
            if key.lower() == "retry-after":
                try:
                    seconds = float(value.strip())
                except ValueError:
                    return None
                return seconds if seconds >= 0 else None
        return None

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only fields: rebuild explicitly so the error survives pickling (worker processes).
        return (_rebuild, (type(self), (self.status_code, self.message), self._kwargs()))

    def _kwargs(self) -> dict[str, Any]:
        return {
            "error_code": self.error_code,
            "detail": self.detail,
            "body": self.body,
            "headers": self.headers,
        }

    def __repr__(self) -> str:
        return (
            f"ApiError(status_code={self.status_code!r}, error_code={self.error_code!r}, "
            f"message={self.message!r})"
        )


class TransportError(Exception):
    """No usable HTTP answer: connection refused, DNS failure, time-out, broken connection.

    Wraps httpx's exception (kept as ``__cause__``) so users of the harness need not import httpx
    to tell this case apart. ``is_timeout`` separates time-outs (retryable; the CLI exits 75) from
    refusals (the CLI exits 1, as the real one does).
    """

    def __init__(self, message: str, *, url: str | None = None, is_timeout: bool = False) -> None:
        self.message = message
        self.url = url
        self.is_timeout = is_timeout
        super().__init__(message if url is None else f"{message} ({url})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), (self.message,), {"url": self.url, "is_timeout": self.is_timeout}))


class WaitTimeout(TimeoutError):
    """`wait()` gave up before the job reached a terminal status.

    The job is not cancelled: it may still finish, and its result can be fetched later.
    ``last_status`` is the last status seen, if any.
    """

    def __init__(self, request_id: str, timeout: float, last_status: Any = None) -> None:
        self.request_id = request_id
        self.timeout = timeout
        self.last_status = last_status
        state = getattr(last_status, "status", None)
        suffix = f" (last status: {state})" if state else ""
        super().__init__(f"request {request_id} not finished after {timeout:g}s{suffix}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.request_id, self.timeout, self.last_status))


class DownloadError(Exception):
    """An output download was refused (host not allowed, too large) or failed.

    A separate type because it is local policy, not the API's answer: the real CLI reports such a
    file and carries on with the others.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{reason}: {url}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.url, self.reason))


def _rebuild(cls: type[Exception], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Exception:
    return cls(*args, **kwargs)
