"""The API's error bodies and the exceptions that produce them.

RunComfy answers every error as `{error_code: int, error_message: str, detail?: str | list}`; the code's
first three digits are the HTTP status. Domain code raises `ApiError`; one handler in `app.py` turns it into
that body, so no route ever formats an error by hand and nothing leaks as a bare 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiError(Exception):
    """An error answered in the API's own format."""

    status: int
    error_code: int
    message: str
    detail: str | list[dict[str, Any]] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error_code": self.error_code, "error_message": self.message}
        if self.detail is not None:
            out["detail"] = self.detail
        return out

    def __str__(self) -> str:
        return f"{self.status} {self.error_code}: {self.message}"


def detail_item(loc: list[str | int], msg: str, type_: str) -> dict[str, Any]:
    """One entry of a 422001 `detail` list: where (`loc`), what (`msg`) and which rule (`type`)."""
    return {"loc": loc, "msg": msg, "type": type_}


def validation_error(detail: list[dict[str, Any]]) -> ApiError:
    return ApiError(422, 422001, "Request validation failed", detail)


def unknown_model(model_id: str) -> ApiError:
    return ApiError(400, 400001, f"Invalid model_id: {model_id!r} is not a model of this API")


def insufficient_balance(status: int, cost: float, available: float) -> ApiError:
    """The account cannot pay for this job (`available` is its balance less what unfinished jobs hold):
    code 400002 [doc], answered with HTTP 402 by default, as RunComfy's clients expect [client] (the status
    is a setting: the docs give only the code)."""
    return ApiError(
        status, 400002, f"Insufficient balance: this request costs ${cost:.3f}, ${available:.3f} is available"
    )


def unauthorized(style: str, why: str) -> ApiError:
    """Missing or bad token. The real code/status pair is not documented: `style` picks 401001 or 400004."""
    if style == "400":
        return ApiError(400, 400004, f"Invalid or expired token: {why}")
    return ApiError(401, 401001, f"Unauthorized: {why}", headers={"WWW-Authenticate": "Bearer"})


def forbidden(request_id: str) -> ApiError:
    return ApiError(403, 403001, f"Request {request_id} belongs to another account")


def not_found(request_id: str, headers: dict[str, str] | None = None) -> ApiError:
    return ApiError(404, 404001, f"Request {request_id} not found or expired", headers=dict(headers or {}))


def body_too_large(limit: int) -> ApiError:
    return ApiError(413, 413001, f"Request body is larger than {limit} bytes")


def unsupported_media_type(got: str) -> ApiError:
    return ApiError(415, 415001, f"Content-Type must be application/json, got {got or 'none'!r}")


def request_timeout(timeout_s: float, what: str = "request body") -> ApiError:
    """A client that stopped sending mid-request. The connection closes: the rest may still be on its way."""
    return ApiError(
        408, 408001, f"Request time-out: the {what} did not arrive within {timeout_s:g} s",
        headers={"Connection": "close"},
    )


def host_not_allowed(host: str | None, allowed: tuple[str, ...]) -> ApiError:
    """A request for a host this server does not answer for (`allowed_hosts`)."""
    return ApiError(
        421, 421001, f"Host {host!r} is not served here; allowed hosts: {', '.join(allowed)}",
    )


def too_many_requests(retry_after: int, why: str = "Too many requests") -> ApiError:
    return ApiError(429, 429001, why, headers={"Retry-After": str(max(1, retry_after))})


def internal(message: str = "Internal server error, please retry with backoff") -> ApiError:
    return ApiError(500, 500001, message)


def unavailable(message: str = "Service temporarily unavailable", retry_after: int | None = None) -> ApiError:
    headers = {"Retry-After": str(max(1, retry_after))} if retry_after is not None else {}
    return ApiError(503, 503001, message, headers=headers)


def for_status(status: int, message: str | None = None, headers: dict[str, str] | None = None) -> ApiError:
    """An error of any HTTP status in the API's format (`<status>001`), for faults and framework errors."""
    text = message or {
        400: "Bad request",
        404: "Not found",
        405: "Method not allowed",
        429: "Too many requests",
        500: "Internal server error, please retry with backoff",
        502: "Bad gateway",
        503: "Service temporarily unavailable",
        504: "Gateway time-out",
    }.get(status, "Error")
    return ApiError(status, status * 1000 + 1, text, headers=dict(headers or {}))
