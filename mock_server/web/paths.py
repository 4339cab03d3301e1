"""The one reader of the API's paths: which endpoint a path is, and the request id or model id in it.

The controls middleware needs these facts before any route runs (the journal, fault matching, the owner of
a file), and the routes need the request id again; both read them here, and the result is kept on the
ASGI scope so a request's path is parsed once.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from ..sim.contract import SUBMIT_PREFIX

FILES_PREFIX = "/files/"
VIDEO_SUFFIX = ".mp4"
REQUEST_ACTIONS = ("status", "result", "cancel")
TARGET_KEY = "kling_mock.target"


@dataclass(frozen=True)
class Target:
    """What a path addresses: an endpoint name (None outside the API), and the ids the path carries."""

    endpoint: str | None = None
    request_id: str | None = None
    model_id: str | None = None


def parse(method: str, path: str) -> Target:
    """The endpoint, request id and model id of a request, read off its method and path alone.

    `/files/<id>.mp4` carries the request id of its job (a name without `.mp4` is kept whole, so an
    unknown file is still reported by the name asked for); model ids contain slashes and take the rest of
    `/v1/models/...`.
    """
    if path.startswith(FILES_PREFIX):
        return Target("files", path[len(FILES_PREFIX) :].removesuffix(VIDEO_SUFFIX))
    if path == "/v1/models":
        return Target("models")
    if path == "/v1/models/categories":
        return Target("categories")
    if path.startswith(SUBMIT_PREFIX):
        return Target("submit" if method == "POST" else "model", model_id=path[len(SUBMIT_PREFIX) :])
    parts = path.split("/")
    if len(parts) == 5 and parts[1:3] == ["v1", "requests"] and parts[4] in REQUEST_ACTIONS:
        return Target(parts[4], parts[3])
    return Target()


def target_of(scope: MutableMapping[str, Any]) -> Target:
    """The parsed path of this request, parsed on first use and kept on its scope."""
    found: Target | None = scope.get(TARGET_KEY)
    if found is None:
        found = scope[TARGET_KEY] = parse(scope["method"], scope["path"])
    return found


def request_id_in(scope: MutableMapping[str, Any]) -> str:
    """The request id of a `/v1/requests/{id}/...` or `/files/{id}.mp4` request (the only routes that ask)."""
    request_id = target_of(scope).request_id
    if request_id is None:
        raise LookupError(f"{scope['path']} carries no request id")
    return request_id
