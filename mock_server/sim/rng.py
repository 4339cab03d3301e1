"""The one recipe for a seeded random generator: everything random in the simulation is drawn from one.

"One seed explains everything" (DESIGN): a request id, a job's timings, a fault rule's decision are each
drawn from a generator private to what they describe, keyed by the server seed and the parts that name it
(an account and a position; a rule and its match count). Nothing shares a random stream, so one decision
never depends on how many draws another made, and a replay on one worker or ten gives the same answers.
"""

from __future__ import annotations

import hashlib
import random

SEPARATOR = "\x1f"  # ASCII unit separator: cannot be confused with the text of a part


def rng_for(seed: int, *parts: object) -> random.Random:
    """A generator private to (`seed`, *parts): the same key gives the same draws, on any host.

    The key is the parts' text joined by the unit separator, hashed with BLAKE2b (16 bytes); this is the
    format ids and replays were made with, so it must not change.
    """
    key = SEPARATOR.join(str(p) for p in (seed, *parts))
    digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
    return random.Random(int.from_bytes(digest, "big"))
