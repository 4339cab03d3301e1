"""The fingerprint grid: what it holds, and that it reads back from pixels alone."""

from __future__ import annotations

import numpy as np
import pytest

from mock_server.media import Fingerprint, decode_fingerprint, fingerprint_hash
from mock_server.media.fingerprint import grid_layout
from mock_server.media.frames import luma_frames, shot_looks

from .conftest import REQUEST_ID, make_spec


def test_hash_is_32_bit_and_stable() -> None:
    value = fingerprint_hash(REQUEST_ID, 7)
    assert 0 <= value < 2**32
    assert value == fingerprint_hash(REQUEST_ID, 7)
    assert value != fingerprint_hash(REQUEST_ID, 8)
    assert value != fingerprint_hash(REQUEST_ID[:-1] + "5", 7)


@pytest.mark.parametrize(("width", "height", "cell"), [(1920, 1080, 16), (2160, 3840, 32), (1440, 1080, 16), (320, 180, 4)])
def test_cells_are_16px_at_1080p_and_32px_at_4k(width: int, height: int, cell: int) -> None:
    layout = grid_layout(width, height)
    assert layout.cell == cell
    assert layout.x % cell == 0 and layout.y % cell == 0


@pytest.mark.parametrize(("width", "height"), [(320, 180), (1920, 1080), (2160, 3840)])
def test_drawn_frames_decode_to_their_counter_shot_and_hash(width: int, height: int) -> None:
    spec = make_spec(durations=(1, 1), width=width, height=height, fps=24)
    for look in shot_looks(spec):
        for index, luma in zip((0, 13, 23), luma_frames(look, (0, 13, 23)), strict=True):
            assert decode_fingerprint(luma) == Fingerprint(
                hash=fingerprint_hash(spec.request_id, spec.seed), shot=look.index, frame=index
            )


def test_colour_frames_decode_in_any_channel_order() -> None:
    look = shot_looks(make_spec())[0]
    luma = luma_frames(look, (5,))[0]
    rgb = np.repeat(luma[:, :, np.newaxis], 3, axis=2)
    assert decode_fingerprint(rgb) == decode_fingerprint(luma) == Fingerprint(look.fingerprint, 0, 5)


def test_a_frame_without_grid_or_with_a_flipped_cell_reads_as_none() -> None:
    assert decode_fingerprint(np.full((180, 320), 128, np.uint8)) is None
    look = shot_looks(make_spec())[0]
    luma = luma_frames(look, (0,))[0].copy()
    layout = grid_layout(320, 180)
    cell = luma[layout.y : layout.y + layout.cell, layout.x + 5 * layout.cell : layout.x + 6 * layout.cell]
    cell[...] = 255 - cell  # flip one payload bit: the checksum must catch it
    assert decode_fingerprint(luma) is None


def test_a_frame_too_small_for_the_grid_reads_as_none() -> None:
    assert decode_fingerprint(np.zeros((20, 40), np.uint8)) is None
