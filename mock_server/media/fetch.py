"""Getting the start image of an image-to-video request, safely.

Offline by default: the mock must never reach the network unless told to (it would turn the server into an
open proxy, and tests would depend on the internet). Sample images are still usable offline: a URL whose
path is `/__mock/fixtures/<name>`, on any host, is read from the fixtures directory. When fetching is
enabled, only https URLs on allowed hosts are fetched, with a size cap enforced while streaming, an overall
timeout, an image content type, and bytes that really decode as an image.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from .images import MIME_TYPES, ImageDataError, image_info

FIXTURE_PREFIX = "/__mock/fixtures/"
IMAGE_TYPES = MIME_TYPES
_MAX_REDIRECTS = 3


class ImageFetchError(Exception):
    """The image could not be obtained or is not an acceptable image; the message says why."""


@dataclass(frozen=True)
class FetchPolicy:
    """Whether and where the mock may fetch images from."""

    enabled: bool
    allow_hosts: tuple[str, ...]
    max_bytes: int = 50 * 2**20
    timeout_s: float = 10.0


async def fetch_image(
    url: str, policy: FetchPolicy, fixtures_dir: Path, client: httpx.AsyncClient | None = None
) -> bytes | None:
    """The image's bytes; None when fetching is disabled (the caller renders without a backdrop).

    Raises ImageFetchError for anything that is not a readable PNG, JPEG, WebP or BMP within the policy.
    """
    parts = urlsplit(url)
    if parts.path.startswith(FIXTURE_PREFIX):
        return await asyncio.to_thread(_read_fixture, parts.path[len(FIXTURE_PREFIX) :], fixtures_dir, policy)
    if not policy.enabled:
        return None
    try:
        async with asyncio.timeout(policy.timeout_s):
            if client is not None:
                data = await _download(url, policy, client)
            else:
                async with httpx.AsyncClient(timeout=policy.timeout_s, follow_redirects=False) as own:
                    data = await _download(url, policy, own)
    except TimeoutError:
        raise ImageFetchError(f"fetching {url} took longer than {policy.timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise ImageFetchError(f"fetching {url} failed: {exc.__class__.__name__}: {exc}") from exc
    await asyncio.to_thread(_check_image, data, url)  # decoding a photo takes milliseconds: off the loop
    return data


def _read_fixture(raw_name: str, fixtures_dir: Path, policy: FetchPolicy) -> bytes:
    """A sample image by plain file name; anything that could leave the directory is refused."""
    name = unquote(raw_name)
    if not name or name in {".", ".."} or "/" in name or "\\" in name or "\x00" in name or name.startswith("."):
        raise ImageFetchError(f"invalid fixture name {raw_name!r}")
    base = fixtures_dir.resolve()
    path = (base / name).resolve()
    if path.parent != base:
        raise ImageFetchError(f"invalid fixture name {raw_name!r}")
    try:
        size = path.stat().st_size
        if size > policy.max_bytes:
            raise ImageFetchError(f"fixture {name!r} is {size} bytes, more than {policy.max_bytes}")
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise ImageFetchError(f"no fixture image named {name!r}") from None
    _check_image(data, name)
    return data


def _check_url(url: str, policy: FetchPolicy) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ImageFetchError(f"only https URLs are fetched, not {parts.scheme or 'a relative'} URL {url!r}")
    if parts.username is not None or parts.password is not None:
        raise ImageFetchError("URLs with credentials are not fetched")
    host = (parts.hostname or "").lower()
    allowed = {h.lower() for h in policy.allow_hosts}
    if host not in allowed:
        raise ImageFetchError(f"host {host!r} is not in the allowed hosts ({', '.join(sorted(allowed)) or 'none'})")


async def _download(url: str, policy: FetchPolicy, client: httpx.AsyncClient) -> bytes:
    """GET with checks on every hop: redirects are followed by hand so each target is validated too."""
    for _ in range(_MAX_REDIRECTS + 1):
        _check_url(url, policy)
        request = client.build_request("GET", url, headers={"Accept": ", ".join(sorted(IMAGE_TYPES))})
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            if response.is_redirect and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                continue
            return await _read_body(url, response, policy)
        finally:
            await response.aclose()
    raise ImageFetchError(f"more than {_MAX_REDIRECTS} redirects")


async def _read_body(url: str, response: httpx.Response, policy: FetchPolicy) -> bytes:
    if response.status_code != 200:
        raise ImageFetchError(f"{url} answered HTTP {response.status_code}")
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in IMAGE_TYPES:
        raise ImageFetchError(
            f"{url} has content type {content_type or 'none'!r}; expected one of {', '.join(sorted(IMAGE_TYPES))}"
        )
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > policy.max_bytes:
        raise ImageFetchError(f"{url} is {declared} bytes, more than the limit of {policy.max_bytes}")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > policy.max_bytes:
            raise ImageFetchError(f"{url} is larger than the limit of {policy.max_bytes} bytes")
    return bytes(body)


def _check_image(data: bytes, source: str) -> None:
    """The bytes must decode as PNG, JPEG, WebP or BMP (a server's content type alone proves nothing)."""
    try:
        image_info(data)
    except ImageDataError as exc:
        raise ImageFetchError(f"{source} {exc}") from exc
