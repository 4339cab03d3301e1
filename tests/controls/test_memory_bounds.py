"""Large accepted bodies do not stay in memory: a job keeps only the contract's fields, the journal a summary."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import orjson

MIB = 2**20


def test_500_bodies_of_1_mib_do_not_grow_memory_by_the_bodies(api: Any) -> None:
    head = b'{"prompt": "a cat", "junk": "'
    body = head + b"x" * (MIB - len(head) - 2) + b'"}'
    assert len(body) == MIB and orjson.loads(body)["prompt"] == "a cat"
    headers = {**api.AUTH, "content-type": "application/json"}
    api.rid()  # warm up: first-use caches are not what is measured
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(500):
            r = api.post(f"/v1/models/{api.T2V}", content=body, headers=headers)
            assert r.status_code == 200, r.text[:200]
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 25 * MIB, f"memory grew by {grown / MIB:.0f} MiB for 500 jobs"
    assert api.app.state.runtime.store.count("alice") == 501
    shown = api.journal(method="POST")[-1]
    assert shown["body"] is None or shown["body"]["junk"].startswith("<unknown field")
