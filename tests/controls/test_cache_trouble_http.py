"""Downloads while the cache directory cannot take files: served from memory, or 503001 with Retry-After."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from contracts import inspect_mp4


def finished(api: Any) -> str:
    rid: str = api.rid()
    api.advance(7200)
    assert api.result(rid).json()["status"] == "succeeded"
    return rid


def block(api: Any) -> None:
    """The cache directory stops taking files while the server runs (a file now stands where it was)."""
    directory = api.app.state.runtime.media.directory
    shutil.rmtree(directory)
    directory.write_bytes(b"")


def test_downloads_work_from_memory_with_range_and_head(make: Any, tmp_path: Path) -> None:
    api = make()
    block(api)
    rid = finished(api)
    first = api.get(f"/files/{rid}.mp4")
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "video/mp4"
    assert int(first.headers["content-length"]) == len(first.content)
    (tmp_path / "clip.mp4").write_bytes(first.content)
    assert inspect_mp4(tmp_path / "clip.mp4")["duration"] == 5.0
    again = api.get(f"/files/{rid}.mp4")
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert api.app.state.runtime.media.renders == 1  # a retry is not another render
    part = api.get(f"/files/{rid}.mp4", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == first.content[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(first.content)}"
    head = api.head(f"/files/{rid}.mp4")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == first.headers["content-length"]
    assert api.get(f"/files/{rid}.mp4", headers={"Range": "bytes=99999999-"}).json()["error_code"] == 416001
    api.assert_serving(rid)


def test_a_clip_that_fits_nowhere_is_503001_with_retry_after(make: Any) -> None:
    api = make()
    block(api)
    api.app.state.runtime.media.memory_max_bytes = 10
    rid = finished(api)
    r = api.get(f"/files/{rid}.mp4")
    assert r.status_code == 503, r.text
    assert r.json()["error_code"] == 503001
    assert int(r.headers["retry-after"]) > 0
    api.assert_serving(rid)
