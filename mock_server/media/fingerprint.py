"""The machine-readable fingerprint drawn into every frame, and its decoder.

A test (or a user) holding only the MP4 must be able to prove which request produced it. Text can be
read by people; the 20x4 black/white grid can be read by code after any lossy step, because each cell
covers whole macroblocks and is either black or white (it decoded on every frame even at crf 51).

Payload, 80 bits, most significant bit first, row by row:
    magic (8) | frame within the second (16) | shot index (8) | fingerprint hash (32) | CRC-16 (16)
"""

from __future__ import annotations

import binascii
import hashlib
import struct
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

COLS = 20
ROWS = 4
MAGIC = 0xA7
_PAYLOAD = struct.Struct(">BHBI")  # magic, frame, shot, hash: 8 bytes, then a 16-bit checksum

# Luma of a set bit, a clear bit and the quiet border (limited-range video levels).
WHITE = 235
BLACK = 16


def fingerprint_hash(request_id: str, seed: int) -> int:
    """32-bit identity of a request drawn into its frames: equal for a replayed request and seed."""
    digest = hashlib.blake2b(f"{request_id}\x00{seed}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True)
class Fingerprint:
    """What one frame carries: the request's hash, its shot, and the frame number within the second."""

    hash: int
    shot: int
    frame: int


@dataclass(frozen=True)
class GridLayout:
    """Where the grid sits: cells of `cell` pixels from (`x`, `y`), with one cell of white border."""

    cell: int
    x: int
    y: int

    @property
    def width(self) -> int:
        return COLS * self.cell

    @property
    def height(self) -> int:
        return ROWS * self.cell

    @property
    def border_box(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the grid with its quiet border; drawing keeps other content out of it."""
        return self.x - self.cell, self.y - self.cell, self.x + self.width + self.cell, self.y + self.height + self.cell


def grid_layout(width: int, height: int) -> GridLayout:
    """Cell size from the frame size: 16 px at 1080p, 32 px at 4K, a multiple of 4 and at least 4.

    A multiple of 4 keeps cells on whole chroma samples; 16 and 32 put each cell on whole macroblocks,
    so the encoder never blends a cell with its neighbour. The decoder derives the same layout from
    the frame's shape, so nothing about the layout has to be stored.
    """
    cell = max(4, (16 * min(width, height) // 1080) // 4 * 4)
    return GridLayout(cell=cell, x=2 * cell, y=2 * cell)


def encode_bits(fingerprint: Fingerprint) -> npt.NDArray[np.bool_]:
    """The 80 payload bits as a ROWS x COLS array (True = white)."""
    payload = _PAYLOAD.pack(MAGIC, fingerprint.frame & 0xFFFF, fingerprint.shot & 0xFF, fingerprint.hash & 0xFFFFFFFF)
    payload += struct.pack(">H", binascii.crc_hqx(payload, 0xFFFF))
    bits = np.unpackbits(np.frombuffer(payload, dtype=np.uint8))
    return bits.astype(np.bool_).reshape(ROWS, COLS)


def grid_luma(fingerprint: Fingerprint, layout: GridLayout) -> npt.NDArray[np.uint8]:
    """Luma pixels of the grid alone (height x width of the layout), ready to paste into a Y plane."""
    cells = np.where(encode_bits(fingerprint), np.uint8(WHITE), np.uint8(BLACK)).astype(np.uint8)
    return np.repeat(np.repeat(cells, layout.cell, axis=0), layout.cell, axis=1)


def decode_fingerprint(frame: npt.NDArray[np.generic]) -> Fingerprint | None:
    """Read the grid from a decoded frame: luma/gray (H x W) or colour (H x W x 3, RGB or BGR).

    Samples the middle half of each cell and thresholds at mid-grey, so blur and compression at cell
    edges do not matter. Returns None when the magic byte or the checksum does not match (no
    fingerprint, or a frame of another size than the one rendered).
    """
    pixels = np.asarray(frame)
    if pixels.ndim == 3:
        pixels = pixels[..., :3].mean(axis=2)
    if pixels.ndim != 2:
        raise ValueError(f"expected an H x W or H x W x 3 array, got shape {np.shape(frame)}")
    height, width = pixels.shape
    layout = grid_layout(width, height)
    if layout.border_box[2] > width or layout.border_box[3] > height:
        return None
    quarter = layout.cell // 4
    region = pixels[layout.y : layout.y + layout.height, layout.x : layout.x + layout.width].astype(np.float32)
    cells = region.reshape(ROWS, layout.cell, COLS, layout.cell)
    centres = cells[:, quarter : layout.cell - quarter, :, quarter : layout.cell - quarter].mean(axis=(1, 3))
    bits = (centres > 127.5).astype(np.uint8).reshape(-1)
    raw = np.packbits(bits).tobytes()
    magic, frame_no, shot, hash_ = _PAYLOAD.unpack(raw[:8])
    (checksum,) = struct.unpack(">H", raw[8:])
    if magic != MAGIC or checksum != binascii.crc_hqx(raw[:8], 0xFFFF):
        return None
    return Fingerprint(hash=hash_, shot=shot, frame=frame_no)
