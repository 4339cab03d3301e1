"""Start images: offline by default, local fixtures, and a strict policy when fetching is on."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from PIL import Image

from mock_server.media import FetchPolicy, ImageFetchError, fetch_image

from .conftest import FIXTURE_IMAGES

OFF = FetchPolicy(enabled=False, allow_hosts=())
ON = FetchPolicy(enabled=True, allow_hosts=("images.example.com",), max_bytes=100_000, timeout_s=2.0)


def _png(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


def _fetch(url: str, policy: FetchPolicy, transport: httpx.AsyncBaseTransport | None = None) -> bytes | None:
    async def main() -> bytes | None:
        if transport is None:
            return await fetch_image(url, policy, FIXTURE_IMAGES)
        async with httpx.AsyncClient(transport=transport) as client:
            return await fetch_image(url, policy, FIXTURE_IMAGES, client=client)

    return asyncio.run(main())


def _never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the network was used: {request.url}")


def _serve(body: bytes, content_type: str = "image/png", **headers: str) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, content=body, headers={"content-type": content_type, **headers}))


# --- offline -------------------------------------------------------------------------------------------


def test_disabled_policy_returns_none_without_touching_the_network() -> None:
    assert _fetch("https://images.example.com/cat.png", OFF, httpx.MockTransport(_never)) is None


@pytest.mark.parametrize("host", ["https://anything.example", "http://127.0.0.1:8000", "http://localhost"])
@pytest.mark.parametrize("policy", [OFF, ON])
def test_fixture_paths_are_read_locally_on_any_host(host: str, policy: FetchPolicy) -> None:
    data = _fetch(f"{host}/__mock/fixtures/city.png", policy, httpx.MockTransport(_never))
    assert data == (FIXTURE_IMAGES / "city.png").read_bytes()


def test_every_sample_image_is_small_and_readable() -> None:
    names = sorted(p.name for p in FIXTURE_IMAGES.iterdir() if p.suffix in {".png", ".jpg"})
    assert names == ["city.png", "portrait.jpg", "sunset.jpg"]
    for name in names:
        assert (FIXTURE_IMAGES / name).stat().st_size < 200_000
        assert _fetch(f"https://x/__mock/fixtures/{name}", OFF)


@pytest.mark.parametrize(
    "name", ["../pyproject.toml", "..%2F..%2Fpyproject.toml", "%2e%2e", "sub/dir.png", "..\\x.png", ".hidden", "", "a%00.png"]
)
def test_fixture_names_cannot_leave_the_directory(name: str) -> None:
    with pytest.raises(ImageFetchError, match="invalid fixture name"):
        _fetch(f"https://x/__mock/fixtures/{name}", OFF)


def test_a_missing_fixture_is_an_error() -> None:
    with pytest.raises(ImageFetchError, match="no fixture image"):
        _fetch("https://x/__mock/fixtures/nope.png", OFF)


def test_a_fixture_that_is_not_an_image_is_an_error() -> None:
    with pytest.raises(ImageFetchError, match="not a readable image"):
        _fetch("https://x/__mock/fixtures/make_images.py", OFF)


# --- enabled policy --------------------------------------------------------------------------------------


def test_an_allowed_https_image_is_fetched() -> None:
    png = _png()
    assert _fetch("https://images.example.com/cat.png", ON, _serve(png)) == png


def test_only_https_is_fetched() -> None:
    with pytest.raises(ImageFetchError, match="only https"):
        _fetch("http://images.example.com/cat.png", ON, httpx.MockTransport(_never))


def test_hosts_outside_the_allowlist_are_refused() -> None:
    with pytest.raises(ImageFetchError, match="not in the allowed hosts"):
        _fetch("https://evil.example.com/cat.png", ON, httpx.MockTransport(_never))
    with pytest.raises(ImageFetchError, match="credentials"):
        _fetch("https://user:pw@images.example.com/cat.png", ON, httpx.MockTransport(_never))


def test_a_redirect_off_the_allowlist_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "images.example.com":
            return httpx.Response(302, headers={"location": "https://169.254.169.254/latest/meta-data"})
        raise AssertionError("followed a redirect to a host that is not allowed")

    with pytest.raises(ImageFetchError, match="not in the allowed hosts"):
        _fetch("https://images.example.com/cat.png", ON, httpx.MockTransport(handler))


@pytest.mark.parametrize("content_type", ["text/html", "application/octet-stream", "image/svg+xml", ""])
def test_content_type_must_be_png_jpeg_or_webp(content_type: str) -> None:
    with pytest.raises(ImageFetchError, match="content type"):
        _fetch("https://images.example.com/cat.png", ON, _serve(_png(), content_type))


def test_the_size_cap_is_enforced_while_streaming() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"\0" * 10_000

    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=chunks(), headers={"content-type": "image/png"}))
    with pytest.raises(ImageFetchError, match="larger than the limit"):
        _fetch("https://images.example.com/big.png", ON, transport)


def test_a_declared_oversize_length_is_refused_up_front() -> None:
    with pytest.raises(ImageFetchError, match="more than the limit"):
        _fetch("https://images.example.com/big.png", ON, _serve(b"x", **{"content-length": "999999999"}))


def test_bytes_must_decode_as_an_image() -> None:
    with pytest.raises(ImageFetchError, match="not a readable image"):
        _fetch("https://images.example.com/cat.png", ON, _serve(b"<html>not really</html>"))


def test_http_errors_and_timeouts_become_fetch_errors() -> None:
    not_found = httpx.MockTransport(lambda r: httpx.Response(404))
    with pytest.raises(ImageFetchError, match="HTTP 404"):
        _fetch("https://images.example.com/cat.png", ON, not_found)

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    quick = FetchPolicy(enabled=True, allow_hosts=("images.example.com",), timeout_s=0.1)
    with pytest.raises(ImageFetchError, match="longer than"):
        _fetch("https://images.example.com/cat.png", quick, httpx.MockTransport(slow))

    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ImageFetchError, match="ConnectError"):
        _fetch("https://images.example.com/cat.png", ON, httpx.MockTransport(broken))


# --- with a real local server ---------------------------------------------------------------------------


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    body = _png()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_local_http_server_is_never_contacted(local_server: tuple[str, list[str]]) -> None:
    base, seen = local_server
    allow_local = FetchPolicy(enabled=True, allow_hosts=("127.0.0.1",))
    assert _fetch(f"{base}/cat.png", OFF) is None
    with pytest.raises(ImageFetchError, match="only https"):
        _fetch(f"{base}/cat.png", allow_local)
    assert _fetch(f"{base}/__mock/fixtures/sunset.jpg", allow_local) == (FIXTURE_IMAGES / "sunset.jpg").read_bytes()
    assert seen == []


def test_fixture_dir_can_be_anywhere(tmp_path: Path) -> None:
    (tmp_path / "one.png").write_bytes(_png((4, 4)))

    async def main() -> bytes | None:
        return await fetch_image("https://h/__mock/fixtures/one.png", OFF, tmp_path)

    assert asyncio.run(main()) == _png((4, 4))
