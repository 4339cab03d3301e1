"""The one reader of `Authorization: Bearer <token>`: a bearer token is an account (tenancy by token).

Two callers read it differently on purpose, through the same parser: the routes refuse a missing or bad
token in the API's error format (`bearer_token`), while the controls middleware only wants to know which
account a request claims, for the journal, fault matching and rate limits (`parse_bearer`), and leaves
the refusal to the route.
"""

from __future__ import annotations

from starlette.requests import Request

from ..settings import Settings
from ..sim import errors


def parse_bearer(value: str | None) -> str | None:
    """The token of an `Authorization` header value, or None if it is not `Bearer <one word>`.

    The scheme is case-insensitive (RFC 7235); the token may not contain whitespace.
    """
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
        return None
    return token


def bearer_token(request: Request, settings: Settings) -> str:
    """The caller's account. A missing or malformed token is refused before anything else is looked at."""
    value = request.headers.get("authorization")
    if not value:
        raise errors.unauthorized(settings.auth_error_style, "missing Authorization header")
    token = parse_bearer(value)
    if token is None:
        raise errors.unauthorized(settings.auth_error_style, "expected 'Authorization: Bearer <token>'")
    if settings.tokens and token not in settings.tokens:
        raise errors.unauthorized(settings.auth_error_style, "token not recognised")
    return token
