"""The pytest plugin, used as a user would: fixtures straight from the installed `pytest11` entry point."""

from __future__ import annotations

from typing import Any

from contracts import ApiError, Client

T2V = "kling/kling-3.0/standard/text-to-video"


def test_a_generation_finishes_when_the_test_advances_the_clock(kling_mock: Any, kling_client: Client) -> None:
    job = kling_client.submit(T2V, {"prompt": "a cat"})
    assert kling_client.status(job.request_id).status == "in_queue"
    kling_mock.advance(600)
    result = kling_client.result(job.request_id)
    assert result.status == "succeeded" and result.output and result.output["video"].endswith(".mp4")


def test_each_test_gets_its_own_account(kling_mock: Any, kling_client: Client) -> None:
    job = kling_client.submit(T2V, {"prompt": "mine"})
    with Client(kling_mock.base_url, "somebody-else") as other:
        try:
            other.status(job.request_id)
        except ApiError as exc:
            assert exc.error_code == 403001
        else:
            raise AssertionError("another account could read this job")


def test_the_clock_is_shared_and_readable(kling_mock: Any) -> None:
    before = kling_mock.now()
    assert kling_mock.advance(5) == before + 5
