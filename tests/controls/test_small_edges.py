"""Small edges: fixture names, only images served, an unexpected 500 keeps the connection, allowed hosts."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import orjson
import pytest

from contracts._live import LiveServer
from mock_server.app import create_app
from mock_server.settings import Settings
from mock_server.web.guards import host_allowed


@pytest.mark.parametrize("name", ["%00", "a%00.png", "make_images.py", "..", "%2e%2e", ".hidden.png", "nope.png"])
def test_a_fixture_that_is_not_a_sample_image_is_404001(api: Any, name: str) -> None:
    rid = api.rid()
    r = api.get(f"/__mock/fixtures/{name}")
    assert r.status_code == 404, r.text
    assert r.json()["error_code"] == 404001
    api.assert_serving(rid)


def test_the_fixture_list_holds_only_images_and_each_is_served(api: Any) -> None:
    names = api.get("/__mock/fixtures").json()["fixtures"]
    assert names and all(Path(n).suffix in {".png", ".jpg", ".jpeg", ".webp", ".bmp"} for n in names)
    for name in names:
        r = api.get(f"/__mock/fixtures/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/")


def _exchange(sock: socket.socket, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """One request on an open connection; the answer's status, headers and body (Content-Length framed)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def test_an_unexpected_error_is_500001_and_keeps_the_connection(tmp_path: Path) -> None:
    app = create_app(Settings(clock="manual", cache_dir=tmp_path))

    def broken(*_: Any) -> Any:
        raise RuntimeError("a bug")

    app.state.runtime.jobs.find = broken
    with LiveServer(app) as srv, socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        get = b"GET /v1/requests/x/status HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer a\r\n\r\n"
        status, headers, body = _exchange(sock, get)
        assert status == 500 and orjson.loads(body)["error_code"] == 500001
        assert headers.get("connection") != "close"
        status, _, body = _exchange(sock, b"GET /__mock/clock HTTP/1.1\r\nHost: h\r\n\r\n")  # same connection
        assert status == 200 and orjson.loads(body)["mode"] == "manual"
        journal = orjson.loads(_exchange(sock, b"GET /__mock/journal HTTP/1.1\r\nHost: h\r\n\r\n")[2])
        assert [e["status"] for e in journal["entries"]] == [500]


def test_an_unexpected_error_in_the_controls_is_500001_and_keeps_the_connection(tmp_path: Path) -> None:
    app = create_app(Settings(clock="manual", cache_dir=tmp_path))

    def broken(*_: Any) -> Any:
        raise RuntimeError("a bug")

    app.state.runtime.journal.query = broken
    with LiveServer(app) as srv, socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        status, headers, body = _exchange(sock, b"GET /__mock/journal HTTP/1.1\r\nHost: h\r\n\r\n")
        assert status == 500 and orjson.loads(body)["error_code"] == 500001
        assert headers.get("connection") != "close"
        status, _, _ = _exchange(sock, b"GET /__mock/clock HTTP/1.1\r\nHost: h\r\n\r\n")
        assert status == 200


@pytest.mark.parametrize(
    "host,ok",
    [("api.test", True), ("api.test:8000", True), ("x.mock.test", True), ("mock.test", False), ("evil.test", False),
     ("API.TEST", True), (None, False), ("[::1]:80", True)],
)
def test_host_patterns(host: str | None, ok: bool) -> None:
    assert host_allowed(host, ("api.test", "*.mock.test", "::1")) is ok


def test_without_allowed_hosts_the_host_header_makes_the_urls(api: Any) -> None:
    r = api.submit(headers={**api.AUTH, "Host": "elsewhere.test"})
    assert r.json()["status_url"].startswith("http://elsewhere.test/v1/requests/")


def test_a_host_outside_allowed_hosts_is_421001_and_nothing_is_stored(make: Any) -> None:
    api = make(allowed_hosts=["mock.test"])
    rid = api.rid()
    r = api.submit(headers={**api.AUTH, "Host": "elsewhere.test"})
    assert r.status_code == 421 and r.json()["error_code"] == 421001
    assert "elsewhere.test" in r.json()["error_message"]
    assert len(api.get("/__mock/accounts/alice").json()["jobs"]) == 1
    assert api.get("/__mock/clock", headers={"Host": "elsewhere.test"}).status_code == 421
    api.assert_serving(rid)
