"""The file cache of rendered clips: each spec rendered at most once, off the event loop.

Files are named `<spec key>.mp4` in one directory, so a restart finds and reuses them, and the key doubles
as the ETag. Renders run in a thread pool: the encoder and the muxer release the GIL while they work
(measured: a 4K render in a thread delays a 1 ms asyncio timer by under 10 ms), throughput matched a
process pool, and threads share the in-memory memo of encoded parts and need no pickling, spawn start-up or
`__main__` guard.
"""

from __future__ import annotations

import asyncio
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
DEFAULT_MEMO_BYTES = 64 * 2**20


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
    stops start-up instead of failing the first download. Use from one event loop. `renders` counts actual renders (not hits), for tests and metrics.
    """

    def __init__(self, directory: Path, max_bytes: int, workers: int = 2, memo_bytes: int = DEFAULT_MEMO_BYTES) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=self.directory):  # writable now, not at the first render
            pass
        self.max_bytes = max_bytes
        self.renders = 0
        self.memo = MediaMemo(memo_bytes)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="media-render")
        self._inflight: dict[str, asyncio.Task[Path]] = {}
        self._entries: OrderedDict[str, int] = OrderedDict()  # key -> size, oldest use first
        self._bytes = 0
        self._adopt_existing()

    @property
    def total_bytes(self) -> int:
        """Bytes of cached files this cache accounts for."""
        return self._bytes

    def path_for(self, spec: RenderSpec) -> Path:
        """Where the spec's file lives (whether or not it is rendered yet)."""
        return self.directory / f"{spec.key()}.mp4"

    async def get(self, spec: RenderSpec) -> Path:
        """Path of the spec's MP4, rendering it first if it is not cached."""
        key = spec.key()
        path = self.directory / f"{key}.mp4"
        if key in self._entries:
            try:
                os.utime(path)  # one syscall: proves the file is still there and records the use
            except FileNotFoundError:
                self._forget(key)
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

    async def _produce(self, spec: RenderSpec, key: str, path: Path) -> Path:
        try:
            loop = asyncio.get_running_loop()
            size, rendered = await loop.run_in_executor(self._executor, self._render_file, spec, path)
            if rendered:
                self.renders += 1
            self._forget(key)
            self._entries[key] = size
            self._bytes += size
            self._evict(keep=key)
            return path
        finally:
            self._inflight.pop(key, None)

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
            (self.directory / f"{key}.mp4").unlink(missing_ok=True)


def _retrieve(task: asyncio.Task[Path]) -> None:
    """Mark a render's exception as seen when every caller has gone away, so asyncio does not warn."""
    if not task.cancelled():
        task.exception()
