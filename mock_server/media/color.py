"""RGB to planar YUV 4:2:0 (BT.709, limited range: what the encoder signals in the stream).

Conversions run in Pillow's C code on whole images (tens of milliseconds at 4K, where numpy needed ten
times as long) and produce the same bytes on every run: Pillow's matrix conversion and box reduction do
not depend on threads or timing.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

U8 = npt.NDArray[np.uint8]

# Y = 16 + 219/255 (0.2126 R + 0.7152 G + 0.0722 B); Cb, Cr = 128 + 224/255 (...): BT.709 limited range.
_Y = (0.2126 * 219 / 255, 0.7152 * 219 / 255, 0.0722 * 219 / 255, 16.0)
_U = (-0.1146 * 224 / 255, -0.3854 * 224 / 255, 0.5 * 224 / 255, 128.0)
_V = (0.5 * 224 / 255, -0.4542 * 224 / 255, -0.0458 * 224 / 255, 128.0)


def image_to_yuv420(image: Image.Image) -> tuple[U8, U8, U8]:
    """Y (H x W), U and V (H/2 x W/2) planes of an RGB image with even sides; chroma is taken from the
    mean of each 2x2 block, as 4:2:0 means."""
    if image.mode != "RGB" or image.width % 2 or image.height % 2:
        raise ValueError(f"expected an even-sided RGB image, got {image.mode} {image.size}")
    half = image.reduce(2)
    return (
        np.asarray(image.convert("L", _Y), dtype=np.uint8).copy(),
        np.asarray(half.convert("L", _U), dtype=np.uint8).copy(),
        np.asarray(half.convert("L", _V), dtype=np.uint8).copy(),
    )


def palette_to_yuv(rgb_lut: npt.NDArray[np.integer]) -> tuple[list[int], list[int], list[int]]:
    """Turn a 256-entry RGB lookup table into Y, U and V lookup tables for `Image.point`, so pattern
    backgrounds are drawn straight into the planes without a full-frame colour conversion."""
    lut = Image.fromarray(np.asarray(rgb_lut, dtype=np.uint8).reshape(1, 256, 3), "RGB")
    return (
        np.asarray(lut.convert("L", _Y)).reshape(-1).tolist(),
        np.asarray(lut.convert("L", _U)).reshape(-1).tolist(),
        np.asarray(lut.convert("L", _V)).reshape(-1).tolist(),
    )
