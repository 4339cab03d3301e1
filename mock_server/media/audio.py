"""The soundtrack's design: a tone pattern per shot, laid out on the AAC frame grid.

Each second of a shot plays a four-note arpeggio whose root and shape depend on the request's fingerprint
and the shot index, so a listener (or a test) hears where a shot starts and which request it belongs to.

Notes start on AAC frame boundaries and are framed by at least two frames of silence. An AAC frame's
transform window spans two frames, so a note then encodes to the same packets wherever it sits: the
encoder (`aac.py`) encodes each distinct note once and the soundtrack is assembled from those packets,
which costs a few milliseconds instead of encoding every second of audio (about 13 ms each).

Samples come from a sine table and integer phase accumulators, with elementwise float32 arithmetic only,
so they do not depend on the platform's vectorised `sin`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 48_000
AAC_FRAME = 1024  # samples per AAC frame
NOTE_FRAMES = 8  # a note lasts 8 frames (171 ms) ...
BEAT_FRAMES = 12  # ... and one starts every 12 frames (256 ms), four per second
LEAD_FRAMES = 2  # silence before a second's first note (a note needs two silent frames before it)
_BEATS = 4

F32 = npt.NDArray[np.float32]

_TABLE_BITS = 12
_ROOT_HZ = 220.0
_SCALE = (0, 3, 5, 7, 10, 12, 15, 17)  # minor pentatonic steps, in semitones above the root
_SHAPES = ((0, 4, 7, 12), (12, 7, 4, 0), (0, 7, 0, 12))  # arpeggios, in semitones above the shot's note
_AMPLITUDE = 0.3


def _sine_table() -> F32:
    """One sine period, computed with the correctly rounded scalar `math.sin`."""
    size = 1 << _TABLE_BITS
    return np.array([math.sin(2 * math.pi * i / size) for i in range(size)], dtype=np.float32)


def note_samples(semitones: int) -> F32:
    """One note, `semitones` above 220 Hz: a 5 ms attack and a linear fade, so it starts and stops
    without clicks. Exactly NOTE_FRAMES AAC frames long."""
    samples = NOTE_FRAMES * AAC_FRAME
    step = round(_ROOT_HZ * 2 ** (semitones / 12) * 2**32 / SAMPLE_RATE)
    phase = (np.arange(samples, dtype=np.uint64) * np.uint64(step)) & np.uint64(0xFFFFFFFF)
    wave = _sine_table()[(phase >> np.uint64(32 - _TABLE_BITS)).astype(np.intp)]
    t = np.arange(samples, dtype=np.float32)
    attack = np.minimum(np.float32(1), t / np.float32(SAMPLE_RATE * 0.005))
    fade = np.float32(1) - t / np.float32(samples)
    return np.asarray(wave * attack * fade * np.float32(_AMPLITUDE), dtype=np.float32)


def shot_notes(fingerprint: int, shot_index: int) -> tuple[int, ...]:
    """The four notes (semitones above 220 Hz) a shot plays every second.

    The root steps by three scale degrees per shot, so neighbouring shots never share it."""
    root = _SCALE[(fingerprint % len(_SCALE) + 3 * shot_index) % len(_SCALE)]
    shape = _SHAPES[((fingerprint >> 8) + shot_index) % len(_SHAPES)]
    return tuple(root + offset for offset in shape)


def first_frame(second: int) -> int:
    """Index of the first AAC frame that starts at or after `second` (48 000 is not a multiple of 1024)."""
    return -(-second * SAMPLE_RATE // AAC_FRAME)


def note_schedule(fingerprint: int, shot_durations: tuple[int, ...]) -> list[tuple[int, int]]:
    """(first AAC frame, semitones) of every note of the clip, in order.

    A second's notes start LEAD_FRAMES after its first frame and the last ends at least two frames
    before the next second's, so every note is framed by silence (46 or 47 frames per second).
    """
    schedule: list[tuple[int, int]] = []
    second = 0
    for shot_index, seconds in enumerate(shot_durations):
        notes = shot_notes(fingerprint, shot_index)
        for _ in range(seconds):
            start = first_frame(second) + LEAD_FRAMES
            schedule.extend((start + beat * BEAT_FRAMES, notes[beat]) for beat in range(_BEATS))
            second += 1
    return schedule


def soundtrack(fingerprint: int, shot_durations: tuple[int, ...]) -> F32:
    """The clip's audio as samples: exactly 48 000 per second. The MP4 carries this, AAC-encoded."""
    total = sum(shot_durations) * SAMPLE_RATE
    out = np.zeros(total, dtype=np.float32)
    for frame, semitones in note_schedule(fingerprint, shot_durations):
        start = frame * AAC_FRAME
        out[start : start + NOTE_FRAMES * AAC_FRAME] = note_samples(semitones)
    return out
