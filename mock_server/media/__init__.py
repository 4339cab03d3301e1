"""Media engine: real, playable MP4s for the mock's results, rendered from the request alone.

Each clip is H.264 (plus AAC when sound is on) at the tier's size, exactly as long as asked, byte-identical
for the same request and seed, and carries the request's fingerprint in every frame so a test can prove
which request produced a file. Domain code only: no web framework imports, no wall-clock reads.

Modules, one job each: `sizes` (frame sizes), `spec` (what a clip is), `fingerprint` (the grid in every
frame), `color`, `frames` and `audio` (pictures and sound), `encode` (one GOP), `render` (the MP4),
`memo` (encoded GOPs in memory), `cache` (files on disk), `inspect` (reading an MP4 back), `images` (data
URIs and image checks), `fetch` (start images by URL).
"""

from __future__ import annotations

from .cache import CacheUnavailable, MediaCache
from .fetch import FetchPolicy, ImageFetchError, fetch_image
from .fingerprint import Fingerprint, decode_fingerprint, fingerprint_hash
from .images import ImageDataError, decode_data_uri, image_info, nearest_ratio, upright_size
from .inspect import inspect_mp4
from .render import render_mp4, render_to_file
from .sizes import ASPECT_RATIOS, TIERS, frame_size
from .spec import ENGINE_VERSION, Inset, RenderSpec, Shot

__all__ = [
    "ASPECT_RATIOS",
    "ENGINE_VERSION",
    "TIERS",
    "CacheUnavailable",
    "FetchPolicy",
    "Fingerprint",
    "ImageDataError",
    "ImageFetchError",
    "Inset",
    "MediaCache",
    "RenderSpec",
    "Shot",
    "decode_data_uri",
    "decode_fingerprint",
    "fetch_image",
    "fingerprint_hash",
    "frame_size",
    "image_info",
    "inspect_mp4",
    "nearest_ratio",
    "render_mp4",
    "render_to_file",
    "upright_size",
]
