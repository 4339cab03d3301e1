"""The AAC track: each distinct note encoded once, the soundtrack assembled from its packets.

A note framed by silence encodes to the same packets wherever it sits (see `audio.py`), and digital
silence encodes to one fixed 4-byte packet. So the track is the silent packet repeated, with each note's
packets placed at its frame. It decodes to `audio.soundtrack` within AAC's quantisation noise (a test
holds it above 30 dB SNR; the bytes differ from one continuous encode only in how bits were spread), and
costs a few milliseconds per distinct note instead of ~13 ms per second of audio. The length is exact:
the last packet is shortened and the muxer's edit list removes the encoder's 1024 priming samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

import av
import numpy as np

from .audio import AAC_FRAME, LEAD_FRAMES, NOTE_FRAMES, SAMPLE_RATE, note_samples, note_schedule

BIT_RATE = 96_000
OPTIONS: Mapping[str, str] = MappingProxyType({"flags": "+bitexact"})  # no version string in the stream
_TRAIL_FRAMES = 4  # silence after the note when encoding it alone
# Packet i (after the priming packet 0) presents frame i-1, but a note starting at frame p already changes
# packet p-1 (its window shape announces the attack) through packet p+NOTE_FRAMES (the last window overlap).
_UNIT_OFFSET = -1
_UNIT_PACKETS = NOTE_FRAMES + 2


@dataclass(frozen=True)
class NoteUnit:
    """The packets of one note (placed from the packet before its first frame) and the silent packet."""

    packets: tuple[bytes, ...]
    silence: bytes

    @property
    def nbytes(self) -> int:
        return sum(len(p) for p in self.packets) + len(self.silence)


@dataclass(frozen=True)
class AudioPacket:
    """One AAC frame ready to mux, timestamps in samples."""

    data: bytes
    pts: int
    duration: int


def configure(codec: av.AudioCodecContext) -> None:
    """The AAC settings; the output stream and the note encoders must agree so their packets mix."""
    codec.sample_rate = SAMPLE_RATE
    codec.layout = "mono"
    codec.format = "fltp"
    codec.bit_rate = BIT_RATE
    codec.time_base = Fraction(1, SAMPLE_RATE)
    codec.options = dict(OPTIONS)


def encode_note(semitones: int) -> NoteUnit:
    """Encode one note alone, framed by silence, with a fresh encoder (its packets depend on it alone)."""
    codec = av.CodecContext.create("aac", "w")
    assert isinstance(codec, av.AudioCodecContext)
    configure(codec)
    samples = np.zeros((LEAD_FRAMES + NOTE_FRAMES + _TRAIL_FRAMES) * AAC_FRAME, dtype=np.float32)
    samples[LEAD_FRAMES * AAC_FRAME : (LEAD_FRAMES + NOTE_FRAMES) * AAC_FRAME] = note_samples(semitones)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="fltp", layout="mono")
    frame.sample_rate = SAMPLE_RATE
    frame.pts = 0
    frame.time_base = Fraction(1, SAMPLE_RATE)
    packets = [bytes(p) for p in [*codec.encode(frame), *codec.encode(None)]]
    first = LEAD_FRAMES + _UNIT_OFFSET
    return NoteUnit(packets=tuple(packets[first : first + _UNIT_PACKETS]), silence=packets[0])


def assemble(
    fingerprint: int, shot_durations: tuple[int, ...], unit: Callable[[int], NoteUnit] = encode_note
) -> list[AudioPacket]:
    """The clip's AAC packets. `unit` supplies a note's packets (a memo passes a cached lookup)."""
    samples = sum(shot_durations) * SAMPLE_RATE
    count = -(-(samples + AAC_FRAME) // AAC_FRAME)  # the priming frame, then the audio
    schedule = note_schedule(fingerprint, shot_durations)
    units = {semitones: unit(semitones) for semitones in sorted({s for _, s in schedule})}
    data = [next(iter(units.values())).silence] * count if units else []
    for frame, semitones in schedule:
        start = frame + _UNIT_OFFSET
        if start + _UNIT_PACKETS > count:
            raise RuntimeError(f"note at frame {frame} does not fit in {count} packets")
        data[start : start + _UNIT_PACKETS] = units[semitones].packets
    last = samples + AAC_FRAME - AAC_FRAME * (count - 1)
    return [
        AudioPacket(packet, pts=AAC_FRAME * (i - 1), duration=AAC_FRAME if i < count - 1 else last)
        for i, packet in enumerate(data)
    ]
