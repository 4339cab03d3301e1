"""Frame sizes per tier and aspect ratio.

Kling 3.0 delivers 1080p-class frames on the standard and pro tiers and twice that on 4K; the mock's files
must have exactly these sizes so a client that checks resolution sees what the real service would send.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# Long side 1920 (16:9 family) or short side 1080, as the real service's 1080p outputs.
_BASE_SIZES: Mapping[str, tuple[int, int]] = MappingProxyType({
    "16:9": (1920, 1080),
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
    "4:3": (1440, 1080),
    "3:4": (1080, 1440),
    "21:9": (2520, 1080),
})

# How much each tier scales the base size; 4K doubles both sides.
_TIER_SCALE: Mapping[str, int] = MappingProxyType({"standard": 1, "pro": 1, "4k": 2})

TIERS: tuple[str, ...] = tuple(_TIER_SCALE)
ASPECT_RATIOS: tuple[str, ...] = tuple(_BASE_SIZES)


def frame_size(tier: str, aspect_ratio: str) -> tuple[int, int]:
    """Return (width, height) in pixels for a tier and aspect ratio.

    Raises ValueError for an unknown tier or ratio rather than guessing, because a wrong size would make
    the mock silently disagree with the contract.
    """
    try:
        scale = _TIER_SCALE[tier.lower()]
    except KeyError:
        raise ValueError(f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}") from None
    try:
        width, height = _BASE_SIZES[aspect_ratio]
    except KeyError:
        raise ValueError(
            f"unknown aspect ratio {aspect_ratio!r}; expected one of {', '.join(ASPECT_RATIOS)}"
        ) from None
    return width * scale, height * scale
