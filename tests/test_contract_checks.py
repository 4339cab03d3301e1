"""`contracts.checks`: schema conformance and the lifecycle rules, on hand-written bodies."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.checks import (
    RESULT_STATUSES,
    RESULT_WORDS,
    STATUS_WORDS,
    STATUSES,
    ContractViolation,
    assert_conforms,
    assert_forward,
    assert_queue_position_never_grows,
    assert_result_agrees,
    assert_result_consistent,
    assert_status_word,
    assert_terminal_stays,
    operation_for,
    schema_errors,
)

RID = "3f2c8a9e-7b1d-4e6a-9c3f-5d8e2a1b7c40"
URL = f"https://model-api.runcomfy.net/v1/requests/{RID}"


def status(word: str, **extra: Any) -> dict[str, Any]:
    return {"request_id": RID, "status": word, "status_url": f"{URL}/status", "result_url": f"{URL}/result", **extra}


def result(word: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": RID,
        "status": word,
        "output": None,
        "created_at": "2026-01-15T10:32:07.123456+00:00",
        "finished_at": None,
        "error": None,
    }
    body.update(extra)
    return body


def test_statuses_are_read_from_the_contract() -> None:
    assert set(STATUSES) == {"in_queue", "in_progress", "completed", "cancelled", "failed"}
    assert "succeeded" in RESULT_STATUSES and "succeeded" not in STATUSES


def test_a_conforming_status_passes_and_a_broken_one_names_every_problem() -> None:
    assert_conforms(status("in_queue", queue_position=0), 200, "getStatus")
    with pytest.raises(ContractViolation) as info:
        assert_conforms({"request_id": RID, "status": "queued", "queue_position": -1}, 200, "getStatus")
    text = str(info.value)
    assert "$.status: 'queued' is not one of" in text
    assert "$.queue_position: -1 is less than the minimum of 0" in text
    assert "'status_url' is a required property" in text


def test_formats_are_checked() -> None:
    body = {"request_id": "not-a-uuid", "status_url": "x y", "result_url": f"{URL}/result", "cancel_url": f"{URL}/cancel"}
    problems = schema_errors(body, 200, "submitProTextToVideo")
    assert "$.request_id: 'not-a-uuid' is not a 'uuid'" in problems
    assert any(p.startswith("$.status_url") for p in problems)


def test_error_bodies_are_held_to_error_body_and_their_code_to_the_status() -> None:
    assert_conforms({"error_code": 404001, "error_message": "gone"}, 404, "getStatus")
    assert schema_errors({"error_code": 400001, "error_message": "x"}, 404, "getStatus") == [
        "$.error_code: 400001 does not start with the HTTP status 404"
    ]
    assert schema_errors({"error": "x"}, 404, "getStatus")[0] == "$: 'error_code' is a required property"


def test_insufficient_balance_is_the_one_code_answered_under_another_status() -> None:
    assert_conforms({"error_code": 400002, "error_message": "pay up"}, 402, "submitProImageToVideo")
    assert schema_errors({"error_code": 400001, "error_message": "x"}, 402, "submitProImageToVideo") == [
        "$.error_code: 400001 does not start with the HTTP status 402"
    ]
    assert schema_errors({"error_code": 400002, "error_message": "x"}, 404, "getStatus") == [
        "$.error_code: 400002 does not start with the HTTP status 404"
    ]


def test_an_undeclared_status_is_a_violation() -> None:
    problems = schema_errors({"error_code": 405001, "error_message": "no"}, 405, "getStatus")
    assert problems == ["getStatus does not declare HTTP 405"]
    assert schema_errors({}, 201, "getStatus") == ["getStatus does not declare HTTP 201"]


def test_unknown_operation_ids_fail_loudly() -> None:
    with pytest.raises(KeyError, match="unknown operationId"):
        schema_errors({}, 200, "getStatuss")


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("POST", "/v1/models/kling/kling-3.0/pro/text-to-video", "submitProTextToVideo"),
        ("GET", "/v1/models/kling/kling-3.0/4k/image-to-video", "get4kImageToVideoModel"),
        ("POST", "/v1/models/kling/kling-9.9/pro/text-to-video", "submitAnyModel"),
        ("GET", "/v1/models/someone/else", "getModel"),
        ("GET", "/v1/models/categories", "listCategories"),
        ("GET", "/v1/models", "listModels"),
        ("GET", f"/v1/requests/{RID}/result?include_cost=true", "getResult"),
        ("POST", f"/v1/requests/{RID}/cancel", "cancelRequest"),
        ("DELETE", f"/v1/requests/{RID}/cancel", None),
    ],
)
def test_operation_for_finds_the_operation_of_a_concrete_request(method: str, path: str, operation_id: str) -> None:
    assert operation_for(method, path) == operation_id


def test_a_job_only_moves_forward() -> None:
    for prev, new in [(None, "in_queue"), ("in_queue", "in_progress"), ("in_queue", "cancelled"), ("in_progress", "completed")]:
        assert_forward(prev, new)
    with pytest.raises(ContractViolation, match="went backwards"):
        assert_forward("in_progress", "in_queue")
    with pytest.raises(ContractViolation, match="not in the contract"):
        assert_forward("in_queue", "done")


def test_a_terminal_state_never_changes() -> None:
    assert_terminal_stays("completed", "completed")
    assert_terminal_stays("in_queue", "in_progress")
    with pytest.raises(ContractViolation, match="left its terminal state"):
        assert_terminal_stays("cancelled", "completed")


def test_queue_position_never_grows() -> None:
    assert_queue_position_never_grows(3, 1)
    assert_queue_position_never_grows(None, 4)
    with pytest.raises(ContractViolation, match="grew from 0 to 1"):
        assert_queue_position_never_grows(0, 1)


@pytest.mark.parametrize(
    ("status_word", "result_word"),
    [
        ("completed", "succeeded"),
        ("completed", "completed"),
        ("completed", "failed"),
        ("failed", "failed"),
        ("cancelled", "cancelled"),
        ("in_queue", "in_queue"),
        ("in_progress", "in_progress"),
    ],
)
def test_result_agrees_with_status(status_word: str, result_word: str) -> None:
    assert_result_agrees(status(status_word), result(result_word))


@pytest.mark.parametrize(
    ("status_word", "result_word"),
    [("completed", "cancelled"), ("cancelled", "succeeded"), ("in_queue", "in_progress"), ("failed", "succeeded")],
)
def test_result_disagreeing_with_status_is_a_violation(status_word: str, result_word: str) -> None:
    with pytest.raises(ContractViolation, match="result says"):
        assert_result_agrees(status(status_word), result(result_word))


def test_a_result_read_later_may_be_ahead_of_status_only_when_time_runs() -> None:
    assert_result_agrees(status("in_queue"), result("succeeded"), allow_progress=True)
    with pytest.raises(ContractViolation, match="behind"):
        assert_result_agrees(status("in_progress"), result("in_queue"), allow_progress=True)
    with pytest.raises(ContractViolation, match="queue_position"):
        assert_result_agrees(status("in_queue", queue_position=1), result("in_queue", queue_position=2))
    assert_result_agrees(
        status("in_queue", queue_position=2), result("in_queue", queue_position=1), allow_progress=True
    )


def test_result_fields_fit_its_status() -> None:
    assert_result_consistent(result("in_queue", queue_position=0))
    done = "2026-01-15T10:34:51.654321+00:00"
    assert_result_consistent(result("succeeded", output={"video": "https://x/v.mp4"}, finished_at=done))
    assert_result_consistent(
        result("failed", finished_at=done, error={"error_code": "timeout", "error_message": "Generation timed out"})
    )
    bad = [
        (result("succeeded", finished_at=done), "has no output"),
        (result("in_progress", output={"video": "https://x/v.mp4"}), "output is only for successful jobs"),
        (result("failed", finished_at=done), "says nothing about why"),
        (result("in_progress", finished_at=done), "has finished_at"),
        (result("in_progress", queue_position=2), "present only while in_queue"),
        (result("succeeded", output={"video": "u"}, finished_at="2026-01-15T10:00:00.000000+00:00"), "before created_at"),
        (result("cancelled", error={"error_code": "x", "error_message": "y"}), "error is only for failed jobs"),
    ]
    for body, message in bad:
        with pytest.raises(ContractViolation, match=message):
            assert_result_consistent(body)


# --------------------------------------------------------------------------------------------------
# closed sets of status words


def test_the_contracts_enums_stay_inside_the_closed_sets_clients_know() -> None:
    """The closed sets come from RunComfy's clients, not from openapi.yaml: the contract may not grow a word."""
    assert set(STATUSES) <= STATUS_WORDS
    assert set(RESULT_STATUSES) <= RESULT_WORDS
    assert {"in_queue", "in_progress", "completed", "cancelled", "failed"} == STATUS_WORDS
    assert STATUS_WORDS | {"succeeded"} == RESULT_WORDS


@pytest.mark.parametrize("word", sorted(STATUS_WORDS))
def test_every_status_word_passes_on_status_and_cancel(word: str) -> None:
    assert_status_word(status(word), "getStatus")
    assert_status_word({"request_id": RID, "status": word, "outcome": "not_cancellable"}, "cancelRequest")


@pytest.mark.parametrize("word", sorted(RESULT_WORDS))
def test_every_result_word_passes_on_result(word: str) -> None:
    assert_status_word(result(word), "getResult")


@pytest.mark.parametrize(
    ("operation_id", "word", "hint"),
    [
        ("getStatus", "canceled", "the API spells it 'cancelled'"),
        ("getResult", "canceled", "the API spells it 'cancelled'"),
        ("cancelRequest", "canceled", "the API spells it 'cancelled'"),
        ("getStatus", "succeeded", "'succeeded' is a /result word"),
        ("cancelRequest", "succeeded", "'succeeded' is a /result word"),
        ("getStatus", "queued", "'in_queue'"),
        ("getResult", "running", "'in_progress'"),
        ("getStatus", "Completed", "lower case"),
        ("getStatus", "paused", None),
        ("getStatus", "", None),
    ],
)
def test_a_word_outside_the_closed_set_is_refused(operation_id: str, word: str, hint: str | None) -> None:
    body = {"request_id": RID, "status": word}
    with pytest.raises(ContractViolation, match="not a word of the closed set") as info:
        assert_status_word(body, operation_id)
    assert repr(word) in str(info.value)
    if hint is not None:
        assert hint in str(info.value)


@pytest.mark.parametrize("body", [{"request_id": RID}, {"request_id": RID, "status": None}, {"status": 3}, ["in_queue"]])
def test_a_missing_or_non_string_status_is_refused(body: Any) -> None:
    with pytest.raises(ContractViolation):
        assert_status_word(body, "getStatus")


def test_asking_about_an_operation_without_a_status_word_fails_loudly() -> None:
    with pytest.raises(KeyError, match="answers no status word"):
        assert_status_word({"status": "in_queue"}, "submitProTextToVideo")
