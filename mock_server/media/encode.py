"""Encode one closed one-second GOP of a shot with x264.

A clip is a shot's second repeated: encoding it once and muxing its packets again with shifted timestamps
costs about the same for 1 s as for 15 s (see MEDIA-NOTES). Each GOP gets a fresh encoder, so its bytes
depend on the shot's look alone and a GOP can be reused in any clip that shows the same shot.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
import numpy.typing as npt

from .frames import ShotFrames, ShotLook

# Thread count changes the bytes (each count gives a different but stable stream); 2 was fastest on the
# 2-core machines this runs on. Pinned so files are byte-identical across runs and processes.
X264_THREADS = 2
# Constant quantiser: text stays crisp at 26 (x264 gives the IDR frame a few steps finer). Unlike CRF it
# does not spend the P-frames of a still picture on refining it (they stay at ~150 bytes instead of ~5 KB),
# and skipping rate control makes the GOP 15-25 % faster to encode.
QP = 26


@dataclass(frozen=True)
class GopPacket:
    """One encoded frame, with timestamps in frames from the start of its second."""

    data: bytes
    pts: int
    dts: int
    keyframe: bool


@dataclass(frozen=True)
class EncodedGop:
    """One second of one shot: `fps` packets, the first an IDR frame carrying SPS and PPS in-band, so the
    GOP decodes on its own wherever it is placed."""

    packets: tuple[GopPacket, ...]

    @property
    def nbytes(self) -> int:
        return sum(len(packet.data) for packet in self.packets)


def _plane_views(frame: av.VideoFrame) -> list[npt.NDArray[np.uint8]]:
    """Writable numpy views of a frame's planes, cropped to the picture (planes may be padded)."""
    views = []
    for plane in frame.planes:
        rows = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(plane.height, plane.line_size)
        views.append(rows[:, : plane.width])
    return views


def _encoder(look: ShotLook) -> av.VideoCodecContext:
    """x264 for one closed GOP: ultrafast, no B-frames, keyframe only at the start, BT.709 signalled.

    No global header: SPS/PPS are repeated in the IDR, which lets the muxer take them from the first
    packet and keeps every cached GOP self-contained.
    """
    codec = av.CodecContext.create("libx264", "w")
    assert isinstance(codec, av.VideoCodecContext)
    codec.width = look.width
    codec.height = look.height
    codec.pix_fmt = "yuv420p"
    codec.time_base = Fraction(1, look.fps)
    codec.framerate = Fraction(look.fps, 1)
    codec.gop_size = look.fps
    codec.max_b_frames = 0
    codec.thread_count = X264_THREADS
    codec.options = {
        "preset": "ultrafast",
        "qp": str(QP),
        "x264-params": (
            f"keyint={look.fps}:min-keyint={look.fps}:scenecut=0:bframes=0"
            ":colorprim=bt709:transfer=bt709:colormatrix=bt709"
        ),
    }
    return codec


def encode_gop(look: ShotLook) -> EncodedGop:
    """Encode the `fps` frames of one second of a shot.

    The frame buffer is reused: only the grid and the progress bar are redrawn between frames. That is
    safe because x264 copies the picture before `encode` returns.
    """
    shot = ShotFrames(look)
    frame = av.VideoFrame(look.width, look.height, "yuv420p")
    views = _plane_views(frame)
    for view, plane in zip(views, shot.base(), strict=True):
        view[...] = plane
    codec = _encoder(look)
    packets: list[GopPacket] = []

    def collect(encoded: list[av.Packet]) -> None:
        for packet in encoded:
            assert packet.pts is not None and packet.dts is not None
            packets.append(GopPacket(bytes(packet), packet.pts, packet.dts, packet.is_keyframe))

    for index in range(look.fps):
        shot.paint(views[0], index)
        frame.pts = index
        collect(codec.encode(frame))
    collect(codec.encode(None))
    if len(packets) != look.fps or not packets[0].keyframe:
        raise RuntimeError(f"x264 returned {len(packets)} packets for {look.fps} frames")
    return EncodedGop(tuple(packets))
