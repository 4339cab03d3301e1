"""Images clients send: data URIs decoded locally, image bytes checked, and the frame shape they suggest.

RunComfy's clients send start images inline, as `data:image/png;base64,...` URIs in the JSON body (a photo
is megabytes of base64). The mock decodes them itself, never fetching anything, and refuses what the real
service could not use: bad base64, bytes that are no image, and image types outside PNG, JPEG, WebP and
BMP. Everything here is pure and blocking; callers run it off the event loop for large bodies.
"""

from __future__ import annotations

import binascii
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

#: Image types the API takes [live: jpg, jpeg, png, bmp, webp], by Pillow format name and MIME type.
FORMATS: dict[str, str] = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "BMP": "image/bmp"}
MIME_TYPES = frozenset(FORMATS.values())
DATA_PREFIX = "data:"
_BASE64 = ";base64"
# EXIF orientations that turn the picture a quarter turn, so its width and height swap when shown upright.
_QUARTER_TURNS = frozenset({5, 6, 7, 8})
_ORIENTATION_TAG = 0x0112
PREVIEW_SIDE = 1024
_BASE64_SLICE = 1 << 18  # characters per call into the decoder: a multiple of 4, well under a millisecond each


class ImageDataError(ValueError):
    """An image the API cannot use; the message says why, in words a client developer can act on."""


@dataclass(frozen=True)
class ImageInfo:
    """What a readable image is: its type and its size as shown (EXIF orientation applied)."""

    format: str
    width: int
    height: int


def is_data_uri(value: str) -> bool:
    return value[: len(DATA_PREFIX)].lower() == DATA_PREFIX


def decode_data_uri(uri: str) -> bytes:
    """The image bytes of a `data:image/<type>;base64,<payload>` URI, checked to be a usable image.

    Raises ImageDataError for another media type, a URI that is not base64, a payload that does not
    decode, or bytes that are not a PNG, JPEG, WebP or BMP image.
    """
    header, comma, payload = uri.partition(",")
    if not comma or not is_data_uri(header):
        raise ImageDataError("is not a data URI (expected data:image/<type>;base64,<data>)")
    mime, _, params = header[len(DATA_PREFIX) :].partition(";")
    mime = mime.strip().lower()
    if mime not in MIME_TYPES:
        raise ImageDataError(f"has type {mime or 'none'!r}; expected one of {', '.join(sorted(MIME_TYPES))}")
    if f";{params}".lower() != _BASE64:
        raise ImageDataError("is not base64-encoded (expected ';base64,' after the type)")
    data = decode_base64(payload)
    if not data:
        raise ImageDataError("holds no data")
    image_info(data)
    return data


def decode_base64(text: str) -> bytes:
    """Strict base64 (the standard alphabet, padding only at the end), decoded a slice at a time.

    Each slice is one short call into C, so a photo's megabytes never hold the interpreter lock for long
    and the server's other requests keep being answered while a thread decodes. Raises ImageDataError.
    """
    if len(text) % 4:
        raise ImageDataError("is not valid base64: its length is not a multiple of 4")
    out = bytearray()
    try:
        for start in range(0, len(text), _BASE64_SLICE):
            end = start + _BASE64_SLICE
            if end < len(text) and text[end - 1] == "=":  # padding that a later slice continues
                raise binascii.Error("padding before the end")
            out += binascii.a2b_base64(text[start:end], strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageDataError(f"is not valid base64: {exc}") from None
    return bytes(out)


def image_info(data: bytes) -> ImageInfo:
    """Type and upright size of an image, after checking that its bytes really are one of the API's types
    and decode to the end (a truncated file would otherwise only fail later, while its clip renders).

    Raises ImageDataError otherwise: a content type or a file name proves nothing.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            if kind not in FORMATS:
                raise ImageDataError(f"is a {kind or 'unknown'} image; expected PNG, JPEG, WebP or BMP")
            width, height = image.size
            orientation = _orientation(image)
            image.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))  # JPEG: decode at a reduced size, much faster
            image.load()
    except ImageDataError:
        raise
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ImageDataError(f"is not a readable image: {exc}") from None
    if orientation in _QUARTER_TURNS:
        width, height = height, width
    return ImageInfo(kind, width, height)


def upright_size(data: bytes) -> tuple[int, int] | None:
    """Width and height as shown, read from the header alone (cheap: nothing is decoded); None if the
    bytes are not an image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if _orientation(image) in _QUARTER_TURNS:
                width, height = height, width
            return width, height
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError, Image.DecompressionBombError):
        return None


def _orientation(image: Image.Image) -> int | None:
    """The EXIF orientation, if the header carries one (read without decoding the picture)."""
    raw = image.info.get("exif")
    if not isinstance(raw, bytes | bytearray):
        return None
    exif = Image.Exif()
    try:
        exif.load(bytes(raw))
    except (OSError, ValueError, SyntaxError):
        return None
    value = exif.get(_ORIENTATION_TAG)
    return value if isinstance(value, int) else None


def ratio_value(ratio: str) -> float:
    """`"16:9"` -> 16/9."""
    w, _, h = ratio.partition(":")
    return int(w) / int(h)


def nearest_ratio(width: int, height: int, ratios: Sequence[str]) -> str:
    """The ratio among `ratios` closest to width:height, on a log scale so 2:1 and 1:2 are equally far from
    1:1. Ties go to the earlier ratio, so the list's order (16:9 first) settles them."""
    if width <= 0 or height <= 0:
        return ratios[0]
    shape = math.log(width / height)
    return min(ratios, key=lambda r: abs(math.log(ratio_value(r)) - shape))
