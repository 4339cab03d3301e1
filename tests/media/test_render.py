"""Rendered MP4s: sizes, timing, audio, the shot timeline, the fingerprint, determinism."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from mock_server.media import (
    RenderSpec,
    Shot,
    decode_fingerprint,
    fingerprint_hash,
    frame_size,
    inspect_mp4,
    render_mp4,
    render_to_file,
)
from mock_server.media.audio import AAC_FRAME, note_schedule, soundtrack
from mock_server.media.memo import MediaMemo

from .conftest import FIXTURE_IMAGES, REPO, make_spec

Render = Callable[[RenderSpec], Path]


# --- real sizes (header checks) ----------------------------------------------------------------------


@pytest.mark.parametrize(("tier", "ratio", "sound"), [("standard", "16:9", True), ("4k", "9:16", False)])
def test_real_sizes_come_out_exactly(render_file: Render, tier: str, ratio: str, sound: bool) -> None:
    width, height = frame_size(tier, ratio)
    info = inspect_mp4(render_file(make_spec(width=width, height=height, fps=24, durations=(1,), sound=sound)))
    assert (info["width"], info["height"]) == (width, height)
    assert info["codec"] == "h264"
    assert info["pix_fmt"] == "yuv420p"
    assert info["profile"] == "Constrained Baseline"
    assert info["fps"] == 24.0
    assert info["frame_count"] == 24
    assert info["fingerprint"]["magic_ok"] is True
    assert (info["audio"] is not None) is sound


def test_21_9_at_4k_encodes_with_a_level_that_allows_it(render_file: Render) -> None:
    width, height = frame_size("4k", "21:9")
    path = render_file(make_spec(width=width, height=height, fps=24, durations=(1,), sound=False))
    info = inspect_mp4(path)
    assert (info["width"], info["height"]) == (5040, 2160)
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.level >= 60  # H.264 level 6.0: > 4K frame area


# --- timing, audio, shots -------------------------------------------------------------------------------


@pytest.mark.parametrize(("durations", "fps"), [((1,), 24), ((2, 3), 12), ((5,), 30), ((1, 1, 1), 1)])
def test_duration_is_the_sum_of_the_shots_within_a_frame(render_file: Render, durations: tuple[int, ...], fps: int) -> None:
    info = inspect_mp4(render_file(make_spec(durations=durations, fps=fps)))
    total = sum(durations)
    assert abs(info["duration"] - total) <= 1 / fps
    assert info["frame_count"] == total * fps


@pytest.mark.parametrize("sound", [True, False])
def test_audio_track_exists_exactly_when_sound_is_on(render_file: Render, sound: bool) -> None:
    info = inspect_mp4(render_file(make_spec(durations=(2, 1), sound=sound)))
    if not sound:
        assert info["audio"] is None
        return
    audio = info["audio"]
    assert audio["codec"] == "aac"
    assert audio["sample_rate"] == 48_000
    assert audio["channels"] == 1
    assert abs(audio["duration"] - 3) <= 1024 / 48_000  # within one AAC frame


def _decoded_audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        chunks = [frame.to_ndarray().reshape(-1) for frame in container.decode(audio=0)]
    return np.concatenate(chunks)


def _peak_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * 48_000 / len(samples))


def test_audio_decodes_to_the_designed_tone_pattern(render_file: Render) -> None:
    """The AAC track is assembled from separately encoded notes: it must still decode to the soundtrack."""
    spec = make_spec(durations=(2, 1), sound=True)
    decoded = _decoded_audio(render_file(spec))
    expected = soundtrack(fingerprint_hash(spec.request_id, spec.seed), (2, 1))
    assert abs(len(decoded) - len(expected)) <= 1024
    n = min(len(decoded), len(expected))
    noise = np.mean((decoded[:n] - expected[:n]) ** 2)
    assert 10 * np.log10(np.mean(expected**2) / noise) > 30  # dB: only AAC's quantisation noise


def test_audio_is_an_audible_tone_that_changes_with_the_shot(render_file: Render) -> None:
    spec = make_spec(durations=(1, 1), sound=True)
    samples = _decoded_audio(render_file(spec))
    starts: dict[int, int] = {}
    for frame, _ in note_schedule(fingerprint_hash(spec.request_id, spec.seed), (1, 1)):
        starts.setdefault(frame * AAC_FRAME // 48_000, frame * AAC_FRAME)  # first note of each second
    notes = [samples[start + 500 : start + 7_500] for start in (starts[0], starts[1])]
    assert all(np.sqrt(np.mean(note**2)) > 0.05 for note in notes)
    assert abs(_peak_hz(notes[0]) - _peak_hz(notes[1])) > 10


def test_shots_cut_exactly_on_their_second(render_file: Render) -> None:
    info = inspect_mp4(render_file(make_spec(durations=(2, 3))))
    assert info["shots"] == [{"index": 0, "start": 0.0, "end": 2.0}, {"index": 1, "start": 2.0, "end": 5.0}]


def _shot_colour(path: Path, second: float) -> np.ndarray:
    """Mean colour of the lower right quarter (away from text and grid) of the frame at `second`."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= second:
                rgb = frame.to_ndarray(format="rgb24")
                h, w = rgb.shape[:2]
                return np.asarray(rgb[h // 2 : h - h // 8, w // 2 :].reshape(-1, 3).mean(axis=0))
    raise AssertionError("no frame at that time")


def test_each_shot_looks_different(render_file: Render) -> None:
    path = render_file(make_spec(durations=(1, 1, 1)))
    colours = [_shot_colour(path, t) for t in (0.0, 1.0, 2.0)]
    for a, b in ((0, 1), (1, 2), (0, 2)):
        assert np.abs(colours[a] - colours[b]).max() > 20


def test_backdrop_fills_the_first_shot_only(render_file: Render) -> None:
    image_bytes = (FIXTURE_IMAGES / "city.png").read_bytes()
    spec = make_spec(durations=(1, 1), width=640, height=360, backdrop=image_bytes)
    path = render_file(spec)
    fitted = np.asarray(ImageOps.fit(Image.open(io.BytesIO(image_bytes)).convert("RGB"), (640, 360)), np.float64)
    expected = fitted[180 : 360 - 45, 320:].reshape(-1, 3).mean(axis=0)
    assert np.abs(_shot_colour(path, 0.0) - expected).max() < 12
    assert np.abs(_shot_colour(path, 1.0) - expected).max() > 20


# --- the fingerprint, through two decoders --------------------------------------------------------------


def _expected(spec: RenderSpec, index: int) -> tuple[int, int, int]:
    """(hash, shot, frame counter) that frame `index` of the clip must carry."""
    second = index // spec.fps
    starts = np.cumsum([0] + [s.duration_s for s in spec.shots])
    shot = int(np.searchsorted(starts, second, side="right") - 1)
    return fingerprint_hash(spec.request_id, spec.seed), shot, index % spec.fps


def test_every_frame_carries_its_fingerprint_pyav(render_file: Render) -> None:
    spec = make_spec(durations=(2, 3), fps=12)
    with av.open(str(render_file(spec))) as container:
        frames = [frame.to_ndarray(format="gray") for frame in container.decode(video=0)]
    assert len(frames) == 60
    for index, gray in enumerate(frames):
        fingerprint = decode_fingerprint(gray)
        assert fingerprint is not None, f"frame {index} unreadable"
        assert (fingerprint.hash, fingerprint.shot, fingerprint.frame) == _expected(spec, index)


def test_sampled_frames_carry_their_fingerprint_opencv(render_file: Render) -> None:
    spec = make_spec(durations=(2, 3), fps=12)
    capture = cv2.VideoCapture(str(render_file(spec)))
    try:
        assert capture.get(cv2.CAP_PROP_FPS) == 12
        assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 60
        index = 0
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            if index % 7 == 0 or index in (23, 24, 59):
                fingerprint = decode_fingerprint(bgr)
                assert fingerprint is not None, f"frame {index} unreadable"
                assert (fingerprint.hash, fingerprint.shot, fingerprint.frame) == _expected(spec, index)
            index += 1
        assert index == 60
    finally:
        capture.release()


def test_inspect_reports_the_first_frame_fingerprint(render_file: Render) -> None:
    spec = make_spec(seed=99)
    assert inspect_mp4(render_file(spec))["fingerprint"] == {
        "magic_ok": True, "hash": fingerprint_hash(spec.request_id, 99), "shot": 0, "frame": 0,
    }


# --- determinism ----------------------------------------------------------------------------------------

_CHILD = """
import hashlib, sys
from tests.media.conftest import make_spec
from mock_server.media import render_mp4
print(hashlib.sha256(render_mp4(make_spec(durations=(1, 2), sound=True))).hexdigest())
"""


def test_two_renders_are_byte_identical() -> None:
    spec = make_spec(durations=(1, 2), sound=True)
    assert render_mp4(spec) == render_mp4(spec)


def test_renders_in_separate_processes_are_byte_identical() -> None:
    here = hashlib.sha256(render_mp4(make_spec(durations=(1, 2), sound=True))).hexdigest()
    children = [
        subprocess.run([sys.executable, "-c", _CHILD], cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
        for _ in range(2)
    ]
    assert [child.stdout.strip() for child in children] == [here, here]


def test_rendering_from_the_memo_gives_the_same_bytes(tmp_path: Path) -> None:
    spec = make_spec(durations=(2, 1), sound=True)
    memo = MediaMemo(max_bytes=2**24)
    render_to_file(spec, tmp_path / "a.mp4", memo=memo)
    render_to_file(spec, tmp_path / "b.mp4", memo=memo)
    notes = len({s for _, s in note_schedule(fingerprint_hash(spec.request_id, spec.seed), (2, 1))})
    assert (memo.misses, memo.hits) == (2 + notes, 2 + notes)  # each GOP and each distinct note encoded once
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes() == render_mp4(spec)


def test_no_creation_time_or_version_strings() -> None:
    data = render_mp4(make_spec(durations=(1,), sound=True))
    assert b"Lavf" not in data and b"Lavc" not in data
    with av.open(io.BytesIO(data)) as container:
        assert "creation_time" not in container.metadata


# --- the spec -------------------------------------------------------------------------------------------


def test_key_changes_with_every_field() -> None:
    base = make_spec()
    variants = [
        make_spec(request_id="other"), make_spec(seed=8), make_spec(model_id="kling/kling-3.0/pro/text-to-video"),
        make_spec(width=322), make_spec(height=182), make_spec(fps=13), make_spec(durations=(3,)),
        make_spec(sound=False), make_spec(backdrop=b"x"),
        RenderSpec(base.request_id, base.seed, base.model_id, base.width, base.height, base.fps,
                   (Shot(2, "another prompt"),), base.sound),
    ]
    keys = {base.key(), *(variant.key() for variant in variants)}
    assert len(keys) == len(variants) + 1
    assert make_spec().key() == base.key()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"width": 321}, {"height": 181}, {"width": 64}, {"fps": 0}, {"fps": 1000}, {"durations": ()},
        {"durations": (1,) * 256}, {"request_id": ""},
    ],
)
def test_invalid_specs_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_spec(**kwargs)  # type: ignore[arg-type]


def test_shots_need_whole_positive_seconds() -> None:
    with pytest.raises(ValueError):
        Shot(0, "x")
    with pytest.raises(ValueError):
        Shot(1.5, "x")  # type: ignore[arg-type]


def test_an_unreadable_backdrop_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="backdrop"):
        render_mp4(make_spec(backdrop=b"not an image"))
