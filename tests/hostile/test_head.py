"""HEAD on every GET route answers like GET without a body (it answered 405 on all but status and result)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contracts._live import LiveServer

T2V = "kling/kling-3.0/standard/text-to-video"
AUTH = {"Authorization": "Bearer alice"}


@pytest.fixture
def rid(api: TestClient) -> str:
    r = api.post(f"/v1/models/{T2V}", json={"prompt": "a cat"}, headers=AUTH)
    request_id: str = r.json()["request_id"]
    return request_id


def get_routes(api: TestClient, rid: str) -> list[str]:
    fixture = api.get("/__mock/fixtures").json()["fixtures"][0]
    return [
        "/v1/models", "/v1/models/categories", f"/v1/models/{T2V}", "/openapi.json", "/docs",
        f"/v1/requests/{rid}/status", f"/v1/requests/{rid}/result", "/__mock/fixtures", f"/__mock/fixtures/{fixture}",
        "/__mock/clock", "/__mock/faults", "/__mock/journal", "/__mock/accounts", "/__mock/accounts/alice",
        "/__mock/openapi.json",
    ]


def test_head_answers_like_get_without_a_body_on_every_get_route(api: TestClient, rid: str) -> None:
    for path in get_routes(api, rid):
        head, get = api.head(path, headers=AUTH), api.get(path, headers=AUTH)
        assert (get.status_code, head.status_code) == (200, 200), path
        assert head.content == b""
        assert head.headers["content-length"] == get.headers["content-length"], path
        assert head.headers["content-type"] == get.headers["content-type"], path


def test_head_keeps_the_errors_of_get(api: TestClient, rid: str) -> None:
    assert api.head("/v1/models").status_code == 401  # no token, as GET
    assert api.head("/v1/requests/00000000-0000-4000-8000-000000000000/status", headers=AUTH).status_code == 404
    assert api.head("/__mock/reset").status_code == 405  # a POST-only control stays POST-only
    assert api.head("/nowhere").status_code == 404


def test_head_is_journaled_once_as_head(api: TestClient, rid: str) -> None:
    api.delete("/__mock/journal")
    assert api.head("/v1/models", headers=AUTH).status_code == 200
    entries = api.get("/__mock/journal").json()["entries"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [("HEAD", "/v1/models", 200)]


def head_then_get(origin: str, path: str) -> list[bytes]:
    """HEAD then GET on one keep-alive connection: the HEAD's answer must end at its headers."""
    host, port = origin.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        for method in ("HEAD", "GET"):
            s.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer alice\r\n\r\n".encode())
        data = b""
        while data.count(b"HTTP/1.1 ") < 2 or not data.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return [b"HTTP/1.1 " + part for part in data.split(b"HTTP/1.1 ")[1:]]


def test_over_a_socket_head_sends_the_length_and_no_body(live: LiveServer) -> None:
    head, get = head_then_get(live.origin, "/v1/models/categories")
    head_headers, _, head_body = head.partition(b"\r\n\r\n")
    assert head_headers.startswith(b"HTTP/1.1 200") and head_body == b""
    get_headers, _, get_body = get.partition(b"\r\n\r\n")
    length: Any = [h for h in get_headers.split(b"\r\n") if h.lower().startswith(b"content-length")]
    assert length and length[0].lower() in head_headers.lower()
    assert get_body.startswith(b"{")
