"""The one seeded-generator recipe: ids and fault decisions keep the values they had before it was shared."""

from __future__ import annotations

import hashlib
import random

from hypothesis import given
from hypothesis import strategies as st

from mock_server.sim.lifecycle import request_id_from
from mock_server.sim.rng import rng_for


def test_job_ids_are_the_ones_earlier_versions_issued() -> None:
    assert request_id_from(rng_for(0, "tok", 0)) == "ec139eaf-c2a1-4349-93b2-739d88220ac1"
    assert request_id_from(rng_for(7, "alice", 3)) == "f6659d1f-9f8f-4240-a506-d23be1bf3e6b"


def test_fault_decisions_draw_what_earlier_versions_drew() -> None:
    assert rng_for(0, "fault", "flaky", 1).random() == 0.7962877201119682
    assert rng_for(42, "fault", "prompt", 5).random() == 0.6974353910685787


@given(st.integers(-(2**63), 2**63), st.text(max_size=20), st.integers(0, 10**9))
def test_the_key_is_the_parts_joined_by_the_unit_separator(seed: int, name: str, n: int) -> None:
    key = f"{seed}\x1ffault\x1f{name}\x1f{n}".encode()
    expected = random.Random(int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "big"))
    assert rng_for(seed, "fault", name, n).random() == expected.random()


def test_different_parts_give_independent_generators() -> None:
    assert rng_for(0, "a", 0).random() != rng_for(0, "a", 1).random()
    assert rng_for(0, "a", 0).random() != rng_for(1, "a", 0).random()
