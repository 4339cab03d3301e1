"""The file cache: one render per key under concurrency, atomic files, LRU eviction, restarts."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from mock_server.media import MediaCache, inspect_mp4

from .conftest import make_spec

T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def test_concurrent_gets_of_one_spec_render_once(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path, max_bytes=2**30)
    spec = make_spec(durations=(2,))

    async def main() -> list[Path]:
        return await asyncio.gather(*(cache.get(spec) for _ in range(8)))

    try:
        paths = _run(main())
        assert cache.renders == 1
        assert len(set(paths)) == 1
        assert paths[0].name == f"{spec.key()}.mp4"
        assert inspect_mp4(paths[0])["duration"] == 2.0
        assert _run(cache.get(spec)) == paths[0] and cache.renders == 1  # a later hit renders nothing
    finally:
        cache.close()


def test_files_are_reused_after_a_restart(tmp_path: Path) -> None:
    spec = make_spec()
    first = MediaCache(tmp_path, max_bytes=2**30)
    path = _run(first.get(spec))
    first.close()
    second = MediaCache(tmp_path, max_bytes=2**30)
    try:
        assert _run(second.get(spec)) == path
        assert second.renders == 0
        assert second.total_bytes == path.stat().st_size
    finally:
        second.close()


def test_least_recently_used_file_is_evicted(tmp_path: Path) -> None:
    a, b, c = (make_spec(request_id=f"req-{name}") for name in "abc")
    probe = MediaCache(tmp_path / "probe", max_bytes=2**30)
    sizes = {spec.key(): _run(probe.get(spec)).stat().st_size for spec in (a, b, c)}
    probe.close()
    size_a, size_b, size_c = (sizes[spec.key()] for spec in (a, b, c))
    # Room for a plus either of the others, never for all three.
    cache = MediaCache(tmp_path / "lru", max_bytes=size_a + max(size_b, size_c))

    async def main() -> None:
        await cache.get(a)
        await cache.get(b)
        await cache.get(a)  # a is now more recent than b
        await cache.get(c)  # over budget: b goes

    try:
        _run(main())
        names = {p.name for p in (tmp_path / "lru").iterdir()}
        assert names == {f"{a.key()}.mp4", f"{c.key()}.mp4"}
        assert cache.total_bytes == size_a + size_c <= cache.max_bytes
        _run(cache.get(b))
        assert cache.renders == 4  # b had to be rendered again
    finally:
        cache.close()


def test_a_file_larger_than_the_budget_is_still_served(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path, max_bytes=1)
    try:
        assert _run(cache.get(make_spec())).exists()
    finally:
        cache.close()


def test_oldest_files_beyond_the_budget_are_evicted_at_start(tmp_path: Path) -> None:
    old, new = tmp_path / f"{'a' * 32}.mp4", tmp_path / f"{'b' * 32}.mp4"
    old.write_bytes(b"x" * 100)
    new.write_bytes(b"y" * 100)
    os.utime(old, ns=(1_000_000_000, 1_000_000_000))
    os.utime(new, ns=(2_000_000_000, 2_000_000_000))
    (tmp_path / "notes.txt").write_text("not ours")
    cache = MediaCache(tmp_path, max_bytes=150)
    cache.close()
    assert not old.exists() and new.exists() and (tmp_path / "notes.txt").exists()


def test_a_deleted_file_is_rendered_again(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path, max_bytes=2**30)
    try:
        path = _run(cache.get(make_spec()))
        path.unlink()
        assert _run(cache.get(make_spec())) == path and path.exists()
        assert cache.renders == 2
    finally:
        cache.close()


def test_a_failed_render_leaves_no_file_and_can_be_retried(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path, max_bytes=2**30)
    bad = make_spec(backdrop=b"not an image")

    async def main() -> list[object]:
        return await asyncio.gather(*(cache.get(bad) for _ in range(3)), return_exceptions=True)

    try:
        results = _run(main())
        assert all(isinstance(r, ValueError) for r in results)
        assert list(tmp_path.iterdir()) == []  # no partial or temporary file
        with pytest.raises(ValueError):
            _run(cache.get(bad))
        assert cache.renders == 0
    finally:
        cache.close()


def test_a_cancelled_caller_does_not_cancel_the_render(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path, max_bytes=2**30)
    spec = make_spec(durations=(3,))

    async def main() -> Path:
        impatient = asyncio.ensure_future(cache.get(spec))
        patient = asyncio.ensure_future(cache.get(spec))
        await asyncio.sleep(0.01)
        impatient.cancel()
        return await patient

    try:
        path = _run(main())
        assert path.exists() and cache.renders == 1
        assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]
    finally:
        cache.close()


def test_memo_makes_a_re_render_only_a_mux(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path, max_bytes=2**30)
    spec = make_spec(durations=(1, 1))
    try:
        path = _run(cache.get(spec))
        first = path.read_bytes()
        path.unlink()
        _run(cache.get(spec))
        assert path.read_bytes() == first
        misses = cache.memo.misses
        assert misses > 2 and cache.memo.hits == misses  # every GOP and note came from memory the second time
    finally:
        cache.close()
