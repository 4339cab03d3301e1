"""A cache directory that cannot take files: downloads keep working from memory, render once, say why once."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shutil
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from mock_server.media import CacheUnavailable, MediaCache, inspect_mp4
from mock_server.media import cache as cache_module

from .conftest import make_spec

T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def blocked(tmp_path: Path, **kwargs: Any) -> MediaCache:
    """A cache whose directory, fine at start, can no longer take files: a regular file now stands where it
    was (as a directory made read-only or removed looks to the cache, even to root)."""
    directory = tmp_path / "cache"
    cache = MediaCache(directory, **{"max_bytes": 2**30, **kwargs})
    shutil.rmtree(directory)
    directory.write_bytes(b"")
    return cache


def test_an_unwritable_directory_serves_bytes_from_memory_and_renders_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kling_mock")
    cache = blocked(tmp_path)
    spec = make_spec()
    try:
        clip = _run(cache.get(spec))
        assert isinstance(clip, bytes)
        (tmp_path / "out.mp4").write_bytes(clip)
        assert inspect_mp4(tmp_path / "out.mp4")["duration"] == 2.0
        for _ in range(3):
            assert _run(cache.get(spec)) == clip
        assert cache.renders == 1
        assert cache.trouble is not None
        warnings = [r for r in caplog.records if "cannot take files" in r.getMessage()]
        assert len(warnings) == 1
    finally:
        cache.close()


def test_a_full_disk_falls_back_to_memory_and_recovers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "cache"
    real_render = cache_module.render_to_file
    full = {"on": True}

    def render(spec: Any, path: Path, memo: Any = None) -> None:
        if full["on"] and path.parent == directory:
            path.write_bytes(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        real_render(spec, path, memo=memo)

    real_write = cache_module.MediaCache._write_file

    def write(self: MediaCache, data: bytes, path: Path) -> None:
        if full["on"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(self, data, path)

    monkeypatch.setattr(cache_module, "render_to_file", render)
    monkeypatch.setattr(cache_module.MediaCache, "_write_file", write)
    cache = MediaCache(directory, max_bytes=2**30)
    a, b = make_spec(request_id="a"), make_spec(request_id="b")
    try:
        assert isinstance(_run(cache.get(a)), bytes)
        assert "No space left" in (cache.trouble or "")
        assert not [p for p in directory.iterdir()]  # the partial temporary file went
        assert isinstance(_run(cache.get(a)), bytes) and cache.renders == 1
        full["on"] = False  # space again: the next render goes to the directory, and so does the cache
        clip_b = _run(cache.get(b))
        assert isinstance(clip_b, Path) and clip_b.exists()
        assert cache.trouble is None
    finally:
        cache.close()


def test_a_clip_larger_than_the_memory_budget_is_unavailable(tmp_path: Path) -> None:
    cache = blocked(tmp_path, memory_max_bytes=10)
    try:
        with pytest.raises(CacheUnavailable) as raised:
            _run(cache.get(make_spec()))
        assert raised.value.retry_after_s > 0
    finally:
        cache.close()


def test_the_memory_budget_evicts_the_least_recently_used(tmp_path: Path) -> None:
    a, b = make_spec(request_id="a"), make_spec(request_id="b")
    probe = MediaCache(tmp_path / "probe", max_bytes=2**30)
    size = max(_run(probe.get(s)).stat().st_size for s in (a, b))  # type: ignore[union-attr]
    probe.close()
    cache = blocked(tmp_path, memory_max_bytes=size + size // 2)
    try:
        _run(cache.get(a))
        _run(cache.get(b))
        _run(cache.get(a))
        assert cache.renders == 3  # a was pushed out by b
    finally:
        cache.close()


def test_temporary_files_of_dead_renders_are_removed_at_start(tmp_path: Path) -> None:
    key = "0123456789abcdef0123456789abcdef"
    dead, live = tmp_path / f".{key}.x1y2z3.tmp", tmp_path / f".{key}.a1b2c3.tmp"
    dead.write_bytes(b"")
    live.write_bytes(b"")
    os.utime(dead, (1_000_000_000, 1_000_000_000))
    other = tmp_path / "notes.tmp"
    other.write_bytes(b"not ours")
    os.utime(other, (1_000_000_000, 1_000_000_000))
    MediaCache(tmp_path, max_bytes=2**30).close()
    assert not dead.exists()
    assert live.exists()  # may be another server's render in progress
    assert other.exists()
    assert not [p for p in tmp_path.iterdir() if "probe" in p.name]


def test_a_directory_that_cannot_take_files_at_start_is_an_error(tmp_path: Path) -> None:
    """Found at start-up (the server exits with `error: cache_dir ...`), not at the first download."""
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(OSError):
        MediaCache(tmp_path / "file", max_bytes=2**30)
