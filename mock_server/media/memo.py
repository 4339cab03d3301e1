"""Encoded GOPs kept in memory, so a clip whose shots were seen before is only muxed (milliseconds).

A GOP's bytes depend only on its shot's look (a fresh encoder per GOP), so reusing one cannot change the
output: a render from the memo is byte-identical to a render from scratch. GOPs are small (a still picture
with a moving grid: ~40 KB at 1080p, ~100 KB at 4K), so a modest budget holds many.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from .encode import EncodedGop, encode_gop
from .frames import ShotLook


class GopMemo:
    """A thread-safe, size-bounded LRU of encoded GOPs keyed by `ShotLook.key()`.

    Render threads call `get(look)`; encoding happens outside the lock, so two threads missing the same
    GOP may both encode it (identical bytes, one insert wins), which is cheaper than making every other
    lookup wait behind an encode.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._gops: OrderedDict[str, EncodedGop] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __call__(self, look: ShotLook) -> EncodedGop:
        return self.get(look)

    def get(self, look: ShotLook) -> EncodedGop:
        """The shot's GOP, encoded now unless it is in memory."""
        key = look.key()
        with self._lock:
            gop = self._gops.get(key)
            if gop is not None:
                self._gops.move_to_end(key)
                self.hits += 1
                return gop
            self.misses += 1
        gop = encode_gop(look)
        with self._lock:
            if key not in self._gops and gop.nbytes <= self.max_bytes:
                self._gops[key] = gop
                self._bytes += gop.nbytes
                while self._bytes > self.max_bytes:
                    _, evicted = self._gops.popitem(last=False)
                    self._bytes -= evicted.nbytes
        return gop

    @property
    def nbytes(self) -> int:
        """Bytes of encoded video held."""
        with self._lock:
            return self._bytes
