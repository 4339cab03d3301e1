"""Mux a clip: each shot's GOP repeated once per second with shifted timestamps, plus the soundtrack.

Pure and blocking: the same spec gives the same bytes on every run and in every process, because the
x264 thread count is pinned, the container and the AAC encoder run in bitexact mode (no version strings),
and no creation time is written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .audio import SAMPLE_RATE, soundtrack
from .encode import EncodedGop, encode_gop
from .fingerprint import fingerprint_hash
from .frames import ShotLook, shot_looks
from .spec import RenderSpec

GopSource = Callable[[ShotLook], EncodedGop]

_AAC_FRAME = 1024  # samples per AAC frame
_AAC_BITRATE = 96_000
# Video timescale: a multiple of the frame rate (as FFmpeg picks), so frame times are exact.
_VIDEO_TICKS_PER_FRAME = 512


def render_mp4(spec: RenderSpec) -> bytes:
    """Render the clip and return its bytes (MP4: H.264 yuv420p, AAC 48 kHz mono iff `spec.sound`)."""
    with tempfile.TemporaryDirectory(prefix="kling-mock-render-") as tmp:
        path = Path(tmp) / "clip.mp4"
        render_to_file(spec, path)
        return path.read_bytes()


def render_to_file(spec: RenderSpec, path: Path, gops: GopSource = encode_gop) -> None:
    """Write the clip to `path` (which must be a real file: `+faststart` rewrites the file at the end to
    put the index first, so a browser can start playing before the download finishes).

    `gops` supplies each shot's encoded second; a caller with a memo passes a lookup that encodes only
    what it has not seen.
    """
    encoded = [gops(look) for look in shot_looks(spec)]
    with av.open(
        os.fspath(path),
        mode="w",
        format="mp4",
        container_options={"movflags": "+faststart", "fflags": "+bitexact"},
    ) as container:
        video = container.add_mux_stream("h264", rate=spec.fps, width=spec.width, height=spec.height)
        video.time_base = Fraction(1, spec.fps * _VIDEO_TICKS_PER_FRAME)
        audio = None
        if spec.sound:
            audio = container.add_stream("aac", rate=SAMPLE_RATE)
            audio.layout = "mono"
            audio.format = "fltp"
            audio.bit_rate = _AAC_BITRATE
            audio.codec_context.options = {"flags": "+bitexact"}
        _mux_video(container, video, spec, encoded)
        if audio is not None:
            samples = soundtrack(fingerprint_hash(spec.request_id, spec.seed), tuple(s.duration_s for s in spec.shots))
            _mux_audio(container, audio, samples)


def _mux_video(
    container: av.container.OutputContainer, stream: av.stream.Stream, spec: RenderSpec, gops: list[EncodedGop]
) -> None:
    """Each shot's GOP once per second of the shot, so cuts fall exactly on whole seconds."""
    frame_time = Fraction(1, spec.fps)
    second = 0
    for shot, gop in zip(spec.shots, gops, strict=True):
        for _ in range(shot.duration_s):
            offset = second * spec.fps
            for item in gop.packets:
                packet = av.Packet(item.data)
                packet.stream = stream
                packet.time_base = frame_time
                packet.pts = item.pts + offset
                packet.dts = item.dts + offset
                packet.duration = 1
                packet.is_keyframe = item.keyframe
                container.mux_one(packet)
            second += 1


def _mux_audio(container: av.container.OutputContainer, stream: av.audio.AudioStream, samples: np.ndarray) -> None:
    """Encode the soundtrack per request (cached AAC packets would overshoot the length by up to a frame);
    the last frame is short, and the muxer's edit list trims the encoder's priming samples."""
    time_base = Fraction(1, SAMPLE_RATE)
    for start in range(0, len(samples), _AAC_FRAME):
        chunk = samples[start : start + _AAC_FRAME]
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = start
        frame.time_base = time_base
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
