"""The web layer's two readers: the bearer token, and the ids a path carries (each read in one place)."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server.web.auth import parse_bearer
from mock_server.web.paths import Target, parse, request_id_in, target_of


@pytest.mark.parametrize(("value", "token"), [
    ("Bearer abc", "abc"),
    ("bearer abc", "abc"),
    ("BEARER  abc ", "abc"),
    (None, None),
    ("", None),
    ("Bearer", None),
    ("Bearer ", None),
    ("Basic abc", None),
    ("Bearer a b", None),
    ("Bearer a\tb", None),
    ("abc", None),
])
def test_parse_bearer_accepts_one_token_after_the_bearer_scheme(value: str | None, token: str | None) -> None:
    assert parse_bearer(value) == token


RID = "0b5a9f4e-1c2d-4e3f-8a9b-0c1d2e3f4a5b"


@pytest.mark.parametrize(("method", "path", "target"), [
    ("GET", f"/v1/requests/{RID}/status", Target("status", RID)),
    ("GET", f"/v1/requests/{RID}/result", Target("result", RID)),
    ("POST", f"/v1/requests/{RID}/cancel", Target("cancel", RID)),
    ("GET", f"/files/{RID}.mp4", Target("files", RID)),
    ("HEAD", "/files/notes.txt", Target("files", "notes.txt")),
    ("POST", "/v1/models/kling/kling-3.0/pro/text-to-video", Target("submit", None, "kling/kling-3.0/pro/text-to-video")),
    ("GET", "/v1/models/kling/kling-3.0/pro/text-to-video", Target("model", None, "kling/kling-3.0/pro/text-to-video")),
    ("GET", "/v1/models", Target("models")),
    ("GET", "/v1/models/categories", Target("categories")),
    ("GET", f"/v1/requests/{RID}/other", Target()),
    ("GET", f"/v1/requests/{RID}", Target()),
    ("GET", "/__mock/clock", Target()),
])
def test_parse_names_the_endpoint_and_the_ids_in_the_path(method: str, path: str, target: Target) -> None:
    assert parse(method, path) == target


def test_a_path_is_parsed_once_per_request_and_kept_on_its_scope() -> None:
    scope: dict[str, Any] = {"method": "GET", "path": f"/v1/requests/{RID}/status"}
    first = target_of(scope)
    scope["path"] = "/changed"
    assert target_of(scope) is first
    assert request_id_in(scope) == RID


def test_asking_a_path_without_a_request_id_for_one_is_an_error() -> None:
    with pytest.raises(LookupError):
        request_id_in({"method": "GET", "path": "/v1/models"})
