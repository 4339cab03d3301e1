"""The file cache of rendered clips: each spec rendered at most once, off the event loop.

Files are named `<spec key>.mp4` in one directory, so a restart finds and reuses them, and the key doubles
as the ETag. Renders run in a thread pool: the encoder and the muxer release the GIL while they work
(measured: a 4K render in a thread delays a 1 ms asyncio timer by under 10 ms), throughput matched a
process pool, and threads share the in-memory memo of encoded parts and need no pickling, spawn start-up or
`__main__` guard.

A cache directory that cannot take files (read-only, full, removed) must not turn every download into a 500
and every retry into another render. When writing there fails, the cache logs why (once per episode) and
holds clips in memory instead, least recently used first out of `memory_max_bytes`; each later render tries
the directory again and goes back to it as soon as it takes a file. A clip that fits neither answers
`CacheUnavailable` (the web layer's 503001 with `Retry-After`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .memo import MediaMemo
from .render import render_to_file
from .spec import RenderSpec

_NAME = re.compile(r"^[0-9a-f]{32}\.mp4$")
_TMP = re.compile(r"^\.[0-9a-f]{32}\..+\.tmp$")  # what `_render_file` writes before renaming into place
DEFAULT_MEMO_BYTES = 64 * 2**20
DEFAULT_MEMORY_BYTES = 128 * 2**20
STALE_TMP_S = 300.0  # a temporary file this much older than the start-up probe is a dead render's
RETRY_AFTER_S = 30
log = logging.getLogger("kling_mock")

Clip = Path | bytes  # a cached file, or a clip held in memory while the directory cannot take files


class CacheUnavailable(Exception):
    """The clip can be neither written to the cache directory nor held in memory right now."""

    def __init__(self, message: str, retry_after_s: int = RETRY_AFTER_S) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class MediaCache:
    """Rendered MP4s on disk, bounded by `max_bytes`, least recently used evicted first.

    - Single flight: concurrent `get`s of one spec share one render; a cancelled caller does not cancel it.
    - Atomic: a render is written to a temporary name in the same directory and renamed into place, so a
      reader never sees half a file.
    - Survives restarts: existing files are adopted at start, ordered by modification time; a cache hit
      refreshes the file's mtime so that order stays meaningful across restarts.
    - Eviction never removes the file just produced, even if it alone exceeds `max_bytes`. A path handed
      out can be evicted later by other renders; open it promptly (or `get` again).

    Construction raises `OSError` if the directory cannot be made, written or listed, so a bad `cache_dir`
    stops start-up instead of failing the first download; trouble that starts later (a full disk, a directory
    made read-only or removed) is met by holding clips in memory (see the module's docstring). Use from one
    event loop. `renders` counts actual renders (not hits), for tests and metrics.
    """

    def __init__(
        self,
        directory: Path,
        max_bytes: int,
        workers: int = 2,
        memo_bytes: int = DEFAULT_MEMO_BYTES,
        memory_max_bytes: int = DEFAULT_MEMORY_BYTES,
    ) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.memory_max_bytes = memory_max_bytes
        self.renders = 0
        self.memo = MediaMemo(memo_bytes)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="media-render")
        self._inflight: dict[str, asyncio.Task[Clip]] = {}
        self._entries: OrderedDict[str, int] = OrderedDict()  # key -> size, oldest use first
        self._bytes = 0
        self._memory: OrderedDict[str, bytes] = OrderedDict()  # clips held while the directory fails
        self._memory_bytes = 0
        self._trouble: str | None = None  # why the directory cannot take files, while it cannot
        self.directory.mkdir(parents=True, exist_ok=True)
        self._clean_dead_renders()  # also proves the directory takes files now, not at the first render
        self._adopt_existing()

    @property
    def total_bytes(self) -> int:
        """Bytes of cached files this cache accounts for."""
        return self._bytes

    def path_for(self, spec: RenderSpec) -> Path:
        """Where the spec's file lives (whether or not it is rendered yet)."""
        return self.directory / f"{spec.key()}.mp4"

    @property
    def trouble(self) -> str | None:
        """Why the cache directory cannot take files right now (None when it can)."""
        return self._trouble

    async def get(self, spec: RenderSpec) -> Clip:
        """The spec's MP4, rendering it first if it is not cached: its path, or its bytes while the cache
        directory cannot take files. `CacheUnavailable` if neither can hold it."""
        key = spec.key()
        path = self.directory / f"{key}.mp4"
        held = self._memory.get(key)
        if held is not None:
            self._memory.move_to_end(key)
            return held
        if key in self._entries:
            try:
                os.utime(path)  # one syscall: proves the file is still there and records the use
            except FileNotFoundError:
                self._forget(key)
            except OSError:  # there, but the use cannot be recorded (a read-only directory): serve it
                self._entries.move_to_end(key)
                return path
            else:
                self._entries.move_to_end(key)
                return path
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._produce(spec, key, path))
            task.add_done_callback(_retrieve)
            self._inflight[key] = task
        return await asyncio.shield(task)

    def close(self) -> None:
        """Wait for running renders and stop the pool; queued renders are cancelled."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def _produce(self, spec: RenderSpec, key: str, path: Path) -> Clip:
        try:
            loop = asyncio.get_running_loop()
            if self._trouble is None:
                try:
                    size, rendered = await loop.run_in_executor(self._executor, self._render_file, spec, path)
                except OSError as exc:  # the directory cannot take the file: hold the clip in memory
                    self._disk_failed(exc)
                else:
                    return self._filed(key, path, size, rendered)
            data = await loop.run_in_executor(self._executor, self._render_bytes, spec)
            self.renders += 1
            try:  # the directory may take files again: then it is the cache once more
                await loop.run_in_executor(self._executor, self._write_file, data, path)
            except OSError as exc:
                self._disk_failed(exc)
                return self._hold(key, data)
            self._disk_recovered()
            return self._filed(key, path, len(data), False)
        finally:
            self._inflight.pop(key, None)

    def _filed(self, key: str, path: Path, size: int, rendered: bool) -> Path:
        if rendered:
            self.renders += 1
        self._forget(key)
        self._entries[key] = size
        self._bytes += size
        self._evict(keep=key)
        return path

    def _hold(self, key: str, data: bytes) -> bytes:
        """Keep a clip in memory, least recently used out first; one larger than the budget is refused."""
        if len(data) > self.memory_max_bytes:
            raise CacheUnavailable(
                f"the media cache cannot store files ({self._trouble}) and this clip ({len(data)} bytes) is larger "
                f"than the memory it may use instead ({self.memory_max_bytes} bytes)"
            )
        self._memory[key] = data
        self._memory_bytes += len(data)
        while self._memory_bytes > self.memory_max_bytes:
            _, old = self._memory.popitem(last=False)
            self._memory_bytes -= len(old)
        return data

    def _disk_failed(self, exc: OSError) -> None:
        if self._trouble is None:
            log.warning("media cache %s cannot take files (%s): holding clips in memory, up to %d MiB",
                        self.directory, exc, self.memory_max_bytes // 2**20)
        self._trouble = f"{exc.__class__.__name__}: {exc.strerror or exc}"

    def _disk_recovered(self) -> None:
        if self._trouble is not None:
            log.warning("media cache %s takes files again", self.directory)
            self._trouble = None
            self._memory.clear()
            self._memory_bytes = 0

    def _render_file(self, spec: RenderSpec, path: Path) -> tuple[int, bool]:
        """Runs in a worker thread. Adopts a file another process already wrote under the same key."""
        try:
            return path.stat().st_size, False
        except FileNotFoundError:
            pass
        fd, tmp_name = tempfile.mkstemp(dir=self.directory, prefix=f".{path.stem}.", suffix=".tmp")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            render_to_file(spec, tmp, memo=self.memo)
            size = tmp.stat().st_size
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return size, True

    def _render_bytes(self, spec: RenderSpec) -> bytes:
        """Runs in a worker thread: the clip rendered in the system's temporary directory, as bytes."""
        try:
            with tempfile.TemporaryDirectory(prefix="kling-mock-render-") as tmp:
                path = Path(tmp) / "clip.mp4"
                render_to_file(spec, path, memo=self.memo)
                return path.read_bytes()
        except OSError as exc:
            raise CacheUnavailable(
                f"the media cache cannot store files ({self._trouble}) and no temporary file could be written "
                f"either ({exc.__class__.__name__}: {exc.strerror or exc})"
            ) from None

    def _write_file(self, data: bytes, path: Path) -> None:
        """Runs in a worker thread: write rendered bytes into place atomically."""
        fd, tmp_name = tempfile.mkstemp(dir=self.directory, prefix=f".{path.stem}.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _clean_dead_renders(self) -> None:
        """Remove the temporary files of renders a killed process left behind. Another process sharing the
        directory may be rendering right now, so only files well older than a probe written now go (the
        file system's own clock, so no wall-time read here)."""
        fd, probe_name = tempfile.mkstemp(dir=self.directory, prefix=".kling-mock-probe.", suffix=".probe")
        os.close(fd)
        probe = Path(probe_name)
        try:
            now = probe.stat().st_mtime
        finally:
            probe.unlink(missing_ok=True)
        with os.scandir(self.directory) as entries:
            for entry in entries:
                if _TMP.match(entry.name) and entry.is_file() and entry.stat().st_mtime < now - STALE_TMP_S:
                    Path(entry.path).unlink(missing_ok=True)

    def _adopt_existing(self) -> None:
        found: list[tuple[int, str, int]] = []
        with os.scandir(self.directory) as entries:
            for entry in entries:
                if _NAME.match(entry.name) and entry.is_file():
                    stat = entry.stat()
                    found.append((stat.st_mtime_ns, entry.name[:-4], stat.st_size))
        for _, key, size in sorted(found):
            self._entries[key] = size
            self._bytes += size
        self._evict(keep=None)

    def _forget(self, key: str) -> None:
        size = self._entries.pop(key, None)
        if size is not None:
            self._bytes -= size

    def _evict(self, keep: str | None) -> None:
        while self._bytes > self.max_bytes and self._entries:
            key = next(iter(self._entries))
            if key == keep:
                break
            self._forget(key)
            with contextlib.suppress(OSError):  # a directory that refuses deletes keeps the file, uncounted
                (self.directory / f"{key}.mp4").unlink(missing_ok=True)


def _retrieve(task: asyncio.Task[Clip]) -> None:
    """Mark a render's exception as seen when every caller has gone away, so asyncio does not warn."""
    if not task.cancelled():
        task.exception()
