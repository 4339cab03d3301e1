"""Frame sizes: every tier and aspect ratio, as the real service delivers them."""

from __future__ import annotations

import pytest

from mock_server.media import ASPECT_RATIOS, TIERS, frame_size

EXPECTED_1080 = {
    "16:9": (1920, 1080),
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
    "4:3": (1440, 1080),
    "3:4": (1080, 1440),
    "21:9": (2520, 1080),
}


@pytest.mark.parametrize("tier", ["standard", "pro", "4k"])
@pytest.mark.parametrize("aspect_ratio", sorted(EXPECTED_1080))
def test_every_tier_and_ratio_has_its_size(tier: str, aspect_ratio: str) -> None:
    width, height = EXPECTED_1080[aspect_ratio]
    scale = 2 if tier == "4k" else 1
    assert frame_size(tier, aspect_ratio) == (width * scale, height * scale)


def test_tables_cover_the_same_names() -> None:
    assert set(TIERS) == {"standard", "pro", "4k"}
    assert set(ASPECT_RATIOS) == set(EXPECTED_1080)


@pytest.mark.parametrize(("tier", "aspect_ratio"), [("ultra", "16:9"), ("pro", "2:1"), ("", ""), ("4k", "16x9")])
def test_unknown_tier_or_ratio_is_refused(tier: str, aspect_ratio: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        frame_size(tier, aspect_ratio)


def test_all_sizes_are_even_for_yuv420() -> None:
    for tier in TIERS:
        for ratio in ASPECT_RATIOS:
            width, height = frame_size(tier, ratio)
            assert width % 2 == 0 and height % 2 == 0
