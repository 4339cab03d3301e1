"""Encoded media kept in memory, so a clip whose parts were seen before is only muxed (milliseconds).

Two kinds of parts: a shot's GOP (keyed by its look) and a note's AAC packets (keyed by its pitch). Each
is made by a fresh encoder and so is a pure function of its key: a render from the memo is byte-identical
to a render from scratch. Parts are small (a GOP of a still picture with a moving grid is ~50 KB at 1080p
and ~120 KB at 4K; a note ~2.5 KB, and there are only a few dozen pitches), so a modest budget holds many.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, TypeVar


class _Sized(Protocol):
    @property
    def nbytes(self) -> int: ...


T = TypeVar("T", bound=_Sized)


class MediaMemo:
    """A thread-safe, size-bounded LRU of encoded parts.

    Render threads call `get(key, make)`; `make` runs outside the lock, so two threads missing the same
    part may both make it (identical bytes, one insert wins), which is cheaper than making every other
    lookup wait behind an encode.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._parts: OrderedDict[str, _Sized] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str, make: Callable[[], T]) -> T:
        """The part stored under `key`, made (and remembered) now if it is not in memory."""
        with self._lock:
            part = self._parts.get(key)
            if part is not None:
                self._parts.move_to_end(key)
                self.hits += 1
                return part  # type: ignore[return-value]  # keys are namespaced by part type
            self.misses += 1
        made = make()
        with self._lock:
            if key not in self._parts and made.nbytes <= self.max_bytes:
                self._parts[key] = made
                self._bytes += made.nbytes
                while self._bytes > self.max_bytes:
                    _, evicted = self._parts.popitem(last=False)
                    self._bytes -= evicted.nbytes
        return made

    @property
    def nbytes(self) -> int:
        """Bytes of encoded media held."""
        with self._lock:
            return self._bytes
