"""Media through the API: the file a result points at is the one that request asked for."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts import fingerprint_hash, inspect_mp4
from mock_server.app import create_app
from mock_server.settings import Settings

AUTH = {"Authorization": "Bearer media"}


async def finished_video(client: httpx.AsyncClient, model: str, body: dict[str, Any]) -> tuple[str, str]:
    submitted = await client.post(f"/v1/models/{model}", json=body, headers=AUTH)
    assert submitted.status_code == 200, submitted.text
    request_id = submitted.json()["request_id"]
    await client.post("/__mock/clock/advance", json={"seconds": 7200})
    result = (await client.get(f"/v1/requests/{request_id}/result", headers=AUTH)).json()
    assert result["status"] == "succeeded", result
    return request_id, result["output"]["video"]


def app_client(tmp_path: Path, **overrides: Any) -> tuple[Any, httpx.AsyncClient]:
    app = create_app(Settings(**{"clock": "manual", "seed": 11, "cache_dir": tmp_path / "media", **overrides}))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test")
    return app, client


@pytest.mark.parametrize(
    ("model", "body", "size", "audio", "shots"),
    [
        ("kling/kling-3.0/standard/text-to-video", {"prompt": "a cat", "sound": True}, (1920, 1080), True, [(0, 5)]),
        ("kling/kling-3.0/pro/text-to-video", {"prompt": "a dog", "aspect_ratio": "1:1", "duration": 3, "sound": False}, (1080, 1080), False, [(0, 3)]),
        (
            "kling/kling-3.0/standard/text-to-video",
            {"prompt": "two shots", "sound": False,
             "multi_prompt": [{"prompt": "one", "duration": 2}, {"prompt": "two", "duration": 3}]},
            (1920, 1080),
            False,
            [(0, 2), (2, 5)],
        ),
        (
            "kling/kling-3.0/4k/image-to-video",
            # no aspect_ratio on image-to-video: the clip takes the portrait still's shape
            {"prompt": "she smiles", "start_image_url": "https://example.com/__mock/fixtures/portrait.jpg",
             "duration": 3, "generate_audio": False},
            (2160, 3840),
            False,
            [(0, 3)],
        ),
    ],
)
def test_the_served_file_matches_its_request(
    tmp_path: Path, model: str, body: dict[str, Any], size: tuple[int, int], audio: bool, shots: list[tuple[int, int]]
) -> None:
    async def scenario() -> None:
        _, client = app_client(tmp_path)
        async with client:
            request_id, url = await finished_video(client, model, body)
            video = await client.get(url)
            assert video.status_code == 200
        path = tmp_path / "clip.mp4"
        path.write_bytes(video.content)
        info = inspect_mp4(path)
        assert (info["width"], info["height"]) == size
        assert info["duration"] == pytest.approx(shots[-1][1], abs=1 / 24)
        assert (info["audio"] is not None) == audio
        assert info["fingerprint"]["magic_ok"] and info["fingerprint"]["hash"] == fingerprint_hash(request_id, 11)
        assert [(s["start"], s["end"]) for s in info["shots"]] == [(float(a), float(b)) for a, b in shots]

    asyncio.run(scenario())


def test_concurrent_downloads_of_one_file_render_it_once(tmp_path: Path) -> None:
    async def scenario() -> None:
        app, client = app_client(tmp_path)
        async with client:
            _, url = await finished_video(client, "kling/kling-3.0/pro/text-to-video", {"prompt": "once"})
            answers = await asyncio.gather(*(client.get(url) for _ in range(8)))
        assert {a.status_code for a in answers} == {200}
        assert len({a.content for a in answers}) == 1
        assert app.state.runtime.media.renders == 1

    asyncio.run(scenario())


def test_the_same_request_and_seed_give_the_same_bytes_on_two_servers(tmp_path: Path) -> None:
    async def one(cache: Path) -> bytes:
        _, client = app_client(cache)
        async with client:
            _, url = await finished_video(client, "kling/kling-3.0/standard/text-to-video", {"prompt": "same", "sound": True})
            return (await client.get(url)).content

    first = asyncio.run(one(tmp_path / "a"))
    second = asyncio.run(one(tmp_path / "b"))
    assert first == second


def test_after_a_reset_a_reused_request_id_does_not_inherit_an_old_image(tmp_path: Path) -> None:
    """Ids come from (seed, account, sequence), so a reset reissues them; the image must go with its job."""

    async def scenario() -> None:
        _, client = app_client(tmp_path)
        async with client:
            with_image = {"prompt": "x", "start_image_url": "https://example.com/__mock/fixtures/portrait.jpg",
                          "duration": 3}
            first, url = await finished_video(client, "kling/kling-3.0/standard/image-to-video", with_image)
            pictured = (await client.get(url)).content
            await client.post("/__mock/reset")
            no_image = {**with_image, "start_image_url": "https://example.com/a.png"}  # not fetched: no backdrop
            second, url = await finished_video(client, "kling/kling-3.0/standard/image-to-video", no_image)
            assert second == first
            assert (await client.get(url)).content != pictured

    asyncio.run(scenario())
