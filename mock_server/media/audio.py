"""The soundtrack: a tone pattern per shot, the same samples on every machine.

Each second of a shot plays four short notes of an arpeggio whose root and shape depend on the request's
fingerprint and the shot index, so a listener (or a test) hears where a shot starts and which request it
belongs to. Samples come from a sine table and integer phase accumulators, with elementwise float32
arithmetic only, so they do not depend on the platform's vectorised `sin`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 48_000
F32 = npt.NDArray[np.float32]

_TABLE_BITS = 12
_ROOT_HZ = 220.0
_SCALE = (0, 3, 5, 7, 10, 12, 15, 17)  # minor pentatonic steps, in semitones above the root
_SHAPES = ((0, 4, 7, 12), (12, 7, 4, 0), (0, 7, 0, 12))  # arpeggios, in semitones above the shot's note
_BEATS = 4  # notes per second
_NOTE_S = 0.18  # each note's length; the rest of its beat is silence
_AMPLITUDE = 0.3


def _sine_table() -> F32:
    """One sine period, computed with the correctly rounded scalar `math.sin`."""
    size = 1 << _TABLE_BITS
    return np.array([math.sin(2 * math.pi * i / size) for i in range(size)], dtype=np.float32)


def _note(table: F32, semitones: int, samples: int) -> F32:
    """A note with a 5 ms attack and a linear fade, so beats start and stop without clicks."""
    freq = _ROOT_HZ * 2 ** (semitones / 12)
    step = round(freq * 2**32 / SAMPLE_RATE)
    phase = (np.arange(samples, dtype=np.uint64) * np.uint64(step)) & np.uint64(0xFFFFFFFF)
    wave = table[(phase >> np.uint64(32 - _TABLE_BITS)).astype(np.intp)]
    t = np.arange(samples, dtype=np.float32)
    attack = np.minimum(np.float32(1), t / np.float32(SAMPLE_RATE * 0.005))
    fade = np.float32(1) - t / np.float32(samples)
    return np.asarray(wave * attack * fade * np.float32(_AMPLITUDE), dtype=np.float32)


def shot_second(fingerprint: int, shot_index: int, table: F32 | None = None) -> F32:
    """One second of a shot's pattern (it repeats for every second of the shot, like its GOP)."""
    table = _sine_table() if table is None else table
    root = _SCALE[(fingerprint % len(_SCALE) + 3 * shot_index) % len(_SCALE)]  # neighbours always differ
    shape = _SHAPES[((fingerprint >> 8) + shot_index) % len(_SHAPES)]
    beat = SAMPLE_RATE // _BEATS
    note_len = int(SAMPLE_RATE * _NOTE_S)
    second = np.zeros(SAMPLE_RATE, dtype=np.float32)
    for i, offset in enumerate(shape):
        second[i * beat : i * beat + note_len] = _note(table, root + offset, note_len)
    return second


def soundtrack(fingerprint: int, shot_durations: tuple[int, ...]) -> F32:
    """Mono float32 samples for the whole clip: exactly 48 000 per second, shots back to back."""
    table = _sine_table()
    parts = [np.tile(shot_second(fingerprint, i, table), seconds) for i, seconds in enumerate(shot_durations)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
