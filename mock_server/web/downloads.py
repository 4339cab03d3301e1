"""Serving a rendered clip, from its cached file or from memory, with the same Range, HEAD and ETag rules.

Starlette's `FileResponse` does the Range work (single and multiple ranges, `If-Range`). A clip held in memory
(while the cache directory cannot take files) goes through the same class, reading from the bytes instead of
a file, so a client sees one behaviour whichever way the clip is kept.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.responses import FileResponse
from starlette.types import Receive, Scope, Send

PATHSEND = "http.response.pathsend"


class _MemoryFile:
    """The part of anyio's async file that `FileResponse` uses, over bytes."""

    def __init__(self, data: bytes) -> None:
        self._io = io.BytesIO(data)

    async def read(self, size: int = -1) -> bytes:
        return self._io.read(size)

    async def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._io.seek(offset, whence)

    async def aclose(self) -> None:
        self._io.close()


class BytesFileResponse(FileResponse):
    """A `FileResponse` whose file is a bytes object in memory."""

    def __init__(self, data: bytes, name: str, **kwargs: Any) -> None:
        self._data = data
        st = os.stat_result((stat.S_IFREG | 0o444, 0, 0, 1, 0, 0, len(data), 0, 0, 0))
        super().__init__(name, stat_result=st, **kwargs)

    @asynccontextmanager
    async def _open_file(self) -> AsyncIterator[Any]:
        file = _MemoryFile(self._data)
        try:
            yield file
        finally:
            await file.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        extensions = scope.get("extensions") or {}
        if PATHSEND in extensions:  # there is no path to hand the server
            scope = {**scope, "extensions": {k: v for k, v in extensions.items() if k != PATHSEND}}
        await super().__call__(scope, receive, send)


def clip_response(clip: Path | bytes, name: str, headers: dict[str, str], media_type: str) -> FileResponse:
    """The response for a clip kept on disk (its path) or in memory (its bytes)."""
    if isinstance(clip, bytes):
        return BytesFileResponse(clip, name, headers=headers, media_type=media_type)
    return FileResponse(clip, stat_result=clip.stat(), headers=headers, media_type=media_type)
