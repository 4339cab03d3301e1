"""Read back what a rendered MP4 is: sizes, timing, codecs, the fingerprint and the shot timeline.

Used by tests, the bench and the server's own checks. Fast because packets are counted without decoding and only
keyframes whose bytes differ from the previous keyframe are decoded: in our files that is one picture per
shot, whose grid gives the shot index (a repeated GOP repeats its IDR byte for byte).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import av
import numpy as np

from .fingerprint import decode_fingerprint


def _luma(frame: av.VideoFrame) -> np.ndarray:
    """The Y plane of a decoded frame without a colour conversion (yuv420p's first plane is luma)."""
    plane = frame.planes[0]
    rows = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : frame.width]


def _seconds(value: int | None, time_base: Any) -> float | None:
    if value is None or time_base is None:
        return None
    return round(float(value * time_base), 6)


def inspect_mp4(path: str | Path | bytes) -> dict[str, Any]:
    """Describe an MP4 as a JSON-able dict.

    Keys: width, height, fps, duration, frame_count (counted packets: a fragmented file's header says
    0), codec, profile, pix_fmt, audio (None, or codec/sample_rate/channels/duration), fingerprint of the
    first frame (magic_ok, hash, shot, frame) and shots ([{index, start, end}], read from the grid of each
    keyframe; empty when the frames carry no fingerprint).
    """
    source = io.BytesIO(path) if isinstance(path, bytes) else str(path)  # bytes: a clip held in memory
    with av.open(source, "r") as container:
        video = container.streams.video[0]
        audio_streams = container.streams.audio
        codec = video.codec_context
        codec.thread_count = 1  # no frame-threading delay: a keyframe comes out when it goes in
        frame_count = 0
        marks: list[tuple[float, int | None]] = []  # (keyframe time, shot index or None)
        first: dict[str, Any] = {"magic_ok": False, "hash": None, "shot": None, "frame": None}
        previous: bytes | None = None
        for packet in container.demux(video):
            if packet.size == 0:
                continue
            frame_count += 1
            if not packet.is_keyframe:
                continue
            start = _seconds(packet.pts, packet.time_base) or 0.0
            data = bytes(packet)
            if data == previous:
                # A repeated GOP: the same IDR bytes decode to the same picture, so skip the decode.
                marks.append((start, marks[-1][1]))
                continue
            previous = data
            shot: int | None = None
            for frame in packet.decode():
                fingerprint = decode_fingerprint(_luma(frame))
                if fingerprint is not None:
                    shot = fingerprint.shot
                    if not marks:
                        first = {"magic_ok": True, "hash": fingerprint.hash, "shot": fingerprint.shot,
                                 "frame": fingerprint.frame}
            marks.append((start, shot))

        duration = _seconds(video.duration, video.time_base)
        if duration is None and container.duration is not None:
            duration = round(container.duration / av.time_base, 6)
        audio: dict[str, Any] | None = None
        if audio_streams:
            stream = audio_streams[0]
            audio = {
                "codec": stream.codec_context.name,
                "sample_rate": stream.codec_context.sample_rate,
                "channels": stream.codec_context.channels,
                "duration": _seconds(stream.duration, stream.time_base),
            }
        rate = video.average_rate or video.guessed_rate
        return {
            "width": codec.width,
            "height": codec.height,
            "fps": float(rate) if rate else None,
            "duration": duration,
            "frame_count": frame_count,
            "codec": codec.name,
            "profile": video.profile,
            "pix_fmt": codec.pix_fmt,
            "audio": audio,
            "fingerprint": first,
            "shots": _timeline(marks, duration),
        }


def _timeline(marks: list[tuple[float, int | None]], duration: float | None) -> list[dict[str, Any]]:
    """Merge consecutive keyframes of the same shot into [{index, start, end}] segments."""
    shots: list[dict[str, Any]] = []
    if not marks or any(shot is None for _, shot in marks):
        return shots
    for start, shot in marks:
        if shots and shots[-1]["index"] == shot:
            continue
        if shots:
            shots[-1]["end"] = start
        shots.append({"index": shot, "start": start, "end": None})
    shots[-1]["end"] = duration
    return shots
