"""Mux a clip: each shot's GOP repeated once per second with shifted timestamps, plus the soundtrack.

Pure and blocking: the same spec gives the same bytes on every run and in every process, because the
x264 thread count is pinned, the container and the encoders run in bitexact mode (no version strings),
and no creation time is written.
"""

from __future__ import annotations

import os
import tempfile
from fractions import Fraction
from functools import partial
from pathlib import Path

import av

from .aac import AudioPacket, NoteUnit, assemble, configure, encode_note
from .audio import SAMPLE_RATE
from .encode import EncodedGop, encode_gop
from .fingerprint import fingerprint_hash
from .frames import shot_looks
from .memo import MediaMemo
from .spec import ENGINE_VERSION, RenderSpec

# Video timescale: a multiple of the frame rate (as FFmpeg picks), so frame times are exact.
_VIDEO_TICKS_PER_FRAME = 512


def render_mp4(spec: RenderSpec) -> bytes:
    """Render the clip and return its bytes (MP4: H.264 yuv420p, AAC 48 kHz mono iff `spec.sound`)."""
    with tempfile.TemporaryDirectory(prefix="kling-mock-render-") as tmp:
        path = Path(tmp) / "clip.mp4"
        render_to_file(spec, path)
        return path.read_bytes()


def render_to_file(spec: RenderSpec, path: Path, memo: MediaMemo | None = None) -> None:
    """Write the clip to `path` (which must be a real file: `+faststart` rewrites the file at the end to
    put the index first, so a browser can start playing before the download finishes).

    With a memo, GOPs and notes seen before are reused instead of encoded: same bytes, less work.
    """
    looks = shot_looks(spec)
    if memo is None:
        gops = [encode_gop(look) for look in looks]
    else:
        gops = [memo.get(f"gop:{look.key()}", partial(encode_gop, look)) for look in looks]
    sound: list[AudioPacket] = []
    if spec.sound:
        fingerprint = fingerprint_hash(spec.request_id, spec.seed)
        durations = tuple(shot.duration_s for shot in spec.shots)
        if memo is None:
            sound = assemble(fingerprint, durations)
        else:
            def note(semitones: int) -> NoteUnit:
                return memo.get(f"note:{ENGINE_VERSION}:{semitones}", partial(encode_note, semitones))

            sound = assemble(fingerprint, durations, note)
    with av.open(
        os.fspath(path),
        mode="w",
        format="mp4",
        container_options={"movflags": "+faststart", "fflags": "+bitexact"},
    ) as container:
        # Every stream must exist before the first packet is muxed (that writes the header).
        video = container.add_mux_stream("h264", rate=spec.fps, width=spec.width, height=spec.height)
        video.time_base = Fraction(1, spec.fps * _VIDEO_TICKS_PER_FRAME)
        audio = None
        if spec.sound:
            # An encoder that never encodes: it supplies the AudioSpecificConfig the packets were made for.
            audio = container.add_stream("aac", rate=SAMPLE_RATE)
            configure(audio.codec_context)
        _mux_video(container, video, spec, gops)
        if audio is not None:
            _mux_audio(container, audio, sound)


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


def _mux_audio(container: av.container.OutputContainer, stream: av.audio.AudioStream, sound: list[AudioPacket]) -> None:
    time_base = Fraction(1, SAMPLE_RATE)
    for item in sound:
        packet = av.Packet(item.data)
        packet.stream = stream
        packet.time_base = time_base
        packet.pts = item.pts
        packet.dts = item.pts
        packet.duration = item.duration
        packet.is_keyframe = True
        container.mux_one(packet)
