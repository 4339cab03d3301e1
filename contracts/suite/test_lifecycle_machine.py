"""The job lifecycle as a hypothesis state machine: submit, poll, result, cancel and time passing, in any order.

After every step the machine reads the status of every job it has submitted, and every answer is held to
its schema in `openapi.yaml` and to the rules of `contracts.checks`:

- statuses come only from the contract and from the closed sets of words RunComfy's clients know (checked
  before the schema, so the report names the word), and never move backwards;
- `queue_position` is there exactly while `in_queue`, and never grows;
- cancel succeeds only while queued (and a queued job can be cancelled); a cancelled job stays cancelled;
- a terminal state never changes, on `/status` or on `/result` (whose body then stays the same);
- `/result` agrees with `/status`, and its fields fit its status (output only on success, error only on
  failure, `finished_at` only once finished, never before `created_at`).

When the target's clock is frozen (the mock's manual clock), the machine also knows *when* things may
change: only when it advances the clock or cancels a job. Two reads at one moment must then agree
exactly, and a job seen `in_queue` at this moment must be cancellable. Where time runs on its own, the
machine waits briefly instead of advancing and checks only what holds at any pace.

On the real API submits are paid, so the machine runs once (no shrinking, which would replay paid calls),
submits at most two of the cheapest jobs, pays for them up front (`target.pay`), and cancels what is left
when the run ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from contracts.checks import (
    STATUS_WORD_SETS,
    STATUSES,
    TERMINAL,
    ContractViolation,
    assert_conforms,
    assert_forward,
    assert_queue_position_never_grows,
    assert_result_agrees,
    assert_result_consistent,
    assert_status_word,
    assert_terminal_stays,
)
from contracts.suite.target import Exchange, Target, estimate_cost, model_path
from mock_server.spec import submit_operations

OPS = submit_operations()
_BY_MODE = {(op.tier, op.mode): m for m, op in OPS.items()}
_STILL = "https://example.com/images/still.png"

#: Cheap bodies (short clips) for every tier and mode; the real API only gets the first (the cheapest).
SUBMITS: tuple[tuple[str, dict[str, Any]], ...] = (
    (_BY_MODE[("standard", "text-to-video")], {"prompt": "A paper boat on a puddle", "duration": 3, "sound": False}),
    (_BY_MODE[("pro", "text-to-video")], {"prompt": "A kite over a beach", "duration": 3, "aspect_ratio": "9:16"}),
    (_BY_MODE[("4k", "text-to-video")], {"prompt": "Fog over a lake", "duration": 3, "sound": True}),
    (_BY_MODE[("standard", "image-to-video")],
     {"prompt": "The boat drifts", "start_image_url": _STILL, "duration": 3, "generate_audio": False}),
    (
        _BY_MODE[("pro", "text-to-video")],
        {
            "prompt": "Two shots of a train",
            "duration": 4,
            "shot_type": "customize",
            "multi_prompt": [{"prompt": "The train arrives", "duration": 2}, {"prompt": "It leaves", "duration": 2}],
        },
    ),
)
STEPS_OF_TIME = (1, 3, 10, 30, 120, 600)


@dataclass
class Seen:
    """What the machine has seen of one job; each new answer is judged against it."""

    model_id: str
    status: str | None = None  # last word on /status or /cancel
    moment: int = -1  # the moment that word was read at (frozen targets)
    queue_position: int | None = None  # last position seen while in_queue
    result_status: str | None = None
    created_at: Any = None
    terminal_result: dict[str, Any] | None = None  # the first terminal /result body, minus cost
    cancelled: bool = False  # a cancel answered outcome `cancelled`


def _ok(ex: Exchange, operation_id: str) -> dict[str, Any]:
    """A 200 whose status word is one clients know and whose body fits its schema, or a failure that says
    what came back."""
    if ex.status_code != 200:
        raise ContractViolation(f"{operation_id} of a job this account submitted failed: {ex.describe()}")
    if operation_id in STATUS_WORD_SETS:
        assert_status_word(ex.body, operation_id)
    assert_conforms(ex.body, 200, operation_id)
    body: dict[str, Any] = ex.body
    return body


class LifecycleMachine(RuleBasedStateMachine):
    """Drives one account on the target; `bound_to(target)` makes the runnable subclass."""

    target_under_test: ClassVar[Target]
    jobs = Bundle("jobs")

    def __init__(self) -> None:
        super().__init__()
        t = self.target_under_test
        self.t = t
        self.token = t.fresh_token()
        self.seen: dict[str, Seen] = {}
        self.moment = 0  # moves when the clock is advanced or a cancel succeeds (frozen targets)
        self.max_jobs = self.max_jobs_on(t)
        self.submits = SUBMITS[:1] if t.kind == "real" else SUBMITS

    @staticmethod
    def max_jobs_on(target: Target) -> int:
        """Jobs one run may submit: a few on the real API, where each is paid; enough to queue elsewhere."""
        return 2 if target.kind == "real" else 6

    @classmethod
    def bound_to(cls, target: Target) -> type[LifecycleMachine]:
        return type("LifecycleMachineOn" + target.kind.title(), (cls,), {"target_under_test": target})

    # -- what one answer may say, given what was seen ------------------------------------------

    def _observe_status(self, rid: str, body: dict[str, Any], source: str) -> None:
        seen = self.seen[rid]
        word = str(body.get("status"))
        what = f"job {rid} ({source})"
        if body.get("request_id") != rid:
            raise ContractViolation(f"{what} answered for request {body.get('request_id')!r}")
        if word not in STATUSES:
            raise ContractViolation(f"{what}: status {word!r} is not one of the contract's {STATUSES}")
        assert_forward(seen.status, word, what=what)
        assert_terminal_stays(seen.status, word, what=what)
        if seen.cancelled and word != "cancelled":
            raise ContractViolation(f"{what} was cancelled, yet its status is now {word!r}")
        position = body.get("queue_position")
        if source != "cancel":
            if word == "in_queue" and not isinstance(position, int):
                raise ContractViolation(f"{what} is in_queue without a queue_position: {body}")
            if word != "in_queue" and "queue_position" in body:
                raise ContractViolation(f"{what} is {word} but has queue_position {position}; only while in_queue")
        if word == "in_queue" and isinstance(position, int):
            assert_queue_position_never_grows(seen.queue_position, position, what=what)
        if self.t.frozen and seen.status is not None and seen.moment == self.moment:
            if word != seen.status:
                raise ContractViolation(f"{what}: nothing happened, yet status went from {seen.status!r} to {word!r}")
            if word == "in_queue" and isinstance(position, int) and position != seen.queue_position:
                raise ContractViolation(
                    f"{what}: nothing happened, yet queue_position went from {seen.queue_position} to {position}"
                )
        if word == "in_queue" and isinstance(position, int):
            seen.queue_position = position
        if word != seen.status:
            event(f"{source}: {seen.status} -> {word}")  # --hypothesis-show-statistics shows what was covered
        seen.status, seen.moment = word, self.moment

    def _read_status(self, rid: str) -> dict[str, Any]:
        body = _ok(self.t.call("GET", f"/requests/{rid}/status", token=self.token), "getStatus")
        self._observe_status(rid, body, "status")
        return body

    # -- rules -----------------------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        """Nothing to set up: each run is its own account (on the in-process mock), or the given token."""

    @precondition(lambda self: len(self.seen) < self.max_jobs)
    @rule(target=jobs, which=st.integers(min_value=0, max_value=len(SUBMITS) - 1))
    def submit(self, which: int) -> str:
        model_id, body = self.submits[which % len(self.submits)]  # paid for up front, on the real API
        ex = self.t.call("POST", model_path(model_id), json_body=body, token=self.token)
        sub = _ok(ex, OPS[model_id].operation_id)
        rid = str(sub["request_id"])
        if rid in self.seen:
            raise ContractViolation(f"submit answered a request id it had already issued: {rid}")
        self.seen[rid] = Seen(model_id)
        return rid

    @rule(rid=jobs)
    def poll(self, rid: str) -> None:
        self._read_status(rid)

    @rule(rid=jobs, include_cost=st.booleans())
    def read_result(self, rid: str, include_cost: bool) -> None:
        seen = self.seen[rid]
        status = self._read_status(rid)
        params = {"include_cost": "true"} if include_cost else None
        ex = self.t.call("GET", f"/requests/{rid}/result", token=self.token, params=params)
        result = _ok(ex, "getResult")
        what = f"job {rid} (result)"
        if result.get("request_id") != rid:
            raise ContractViolation(f"{what} answered for request {result.get('request_id')!r}")
        assert_result_consistent(result)
        assert_result_agrees(status, result, allow_progress=not self.t.frozen)
        word = str(result["status"])
        assert_forward(seen.result_status, word, what=what)
        assert_terminal_stays(seen.result_status, word, what=what)
        if seen.cancelled and word != "cancelled":
            raise ContractViolation(f"{what} was cancelled, yet its result says {word!r}")
        if not include_cost and "cost" in result:
            raise ContractViolation(f"{what}: cost is only for include_cost=true: {result}")
        position = result.get("queue_position")
        if word == "in_queue" and isinstance(position, int):
            assert_queue_position_never_grows(seen.queue_position, position, what=what)
            seen.queue_position = position
        if seen.created_at is not None and result.get("created_at") != seen.created_at:
            raise ContractViolation(f"{what}: created_at changed from {seen.created_at} to {result.get('created_at')}")
        seen.created_at = result.get("created_at")
        if word in TERMINAL:
            stable = {k: v for k, v in result.items() if k != "cost"}
            if seen.terminal_result is None:
                seen.terminal_result = stable
            elif stable != seen.terminal_result:
                raise ContractViolation(
                    f"{what}: a finished job's result changed from {seen.terminal_result} to {stable}"
                )
        event(f"result: {word}")
        seen.result_status = word

    @rule(rid=jobs)
    def cancel(self, rid: str) -> None:
        seen = self.seen[rid]
        before, before_moment = seen.status, seen.moment
        ex = self.t.call("POST", f"/requests/{rid}/cancel", token=self.token)
        body = _ok(ex, "cancelRequest")
        what = f"job {rid} (cancel)"
        outcome, word = body.get("outcome"), str(body.get("status"))
        if outcome == "cancelled":
            if word != "cancelled":
                raise ContractViolation(f"{what}: outcome cancelled but status {word!r}")
            if before is not None and before not in ("in_queue", "cancelled"):
                raise ContractViolation(f"{what}: cancel succeeded on a job that was already {before!r}; "
                                        "only queued jobs can be cancelled")
            self.moment += 1  # the jobs behind it move up, at once
            seen.cancelled = True
        else:
            if word == "in_queue":
                raise ContractViolation(f"{what}: refused ({outcome!r}) although the job is in_queue")
            if self.t.frozen and before == "in_queue" and before_moment == self.moment:
                raise ContractViolation(
                    f"{what}: the job was in_queue at this very moment, yet cancel answered {outcome!r} ({word!r})"
                )
        event(f"cancel: {outcome} ({word})")
        self._observe_status(rid, body, "cancel")

    @rule(seconds=st.sampled_from(STEPS_OF_TIME))
    def let_time_pass(self, seconds: int) -> None:
        self.t.advance(seconds)
        self.moment += 1

    @invariant()
    def every_job_keeps_the_rules(self) -> None:
        for rid in list(self.seen):
            self._read_status(rid)

    def teardown(self) -> None:
        """On the real API, cancel whatever is still queued so that the run costs no more than it must."""
        if self.t.kind == "real":
            for rid, seen in self.seen.items():
                if seen.status in (None, "in_queue"):
                    self.t.call("POST", f"/requests/{rid}/cancel", token=self.token)


def test_the_lifecycle_keeps_the_contract(target: Target) -> None:
    """Random interleavings of submit, poll, result, cancel and time passing; see the module docstring."""
    model_id, body = SUBMITS[0]
    jobs = LifecycleMachine.max_jobs_on(target)
    target.pay(jobs * estimate_cost(model_id, body), f"the lifecycle machine: up to {jobs} jobs on {model_id}")
    run_state_machine_as_test(
        LifecycleMachine.bound_to(target),
        settings=settings(
            max_examples=target.examples(25),
            stateful_step_count=25 if target.kind != "real" else 8,
            deadline=None,
            database=None,
            phases=target.phases(),
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_a_request_of_another_account_answers_403001(target: Target) -> None:
    """A request id is readable only with the token that submitted it (the real service answers 403001)."""
    other = target.token_of_another_account()
    if other is None:
        pytest.skip("needs --other-token: a second account's token, to read a job of the first")
    model_id, body = SUBMITS[0]
    target.pay(estimate_cost(model_id, body), f"a submit to {model_id} (tenancy check)")
    owner = target.fresh_token()
    rid = _ok(target.call("POST", model_path(model_id), json_body=body, token=owner), OPS[model_id].operation_id)[
        "request_id"
    ]
    try:
        for method, action, operation_id in (
            ("GET", "status", "getStatus"),
            ("GET", "result", "getResult"),
            ("POST", "cancel", "cancelRequest"),
        ):
            ex = target.call(method, f"/requests/{rid}/{action}", token=other)
            code = ex.body.get("error_code") if isinstance(ex.body, dict) else None
            assert (ex.status_code, code) == (403, 403001), f"another account read the job: {ex.describe()}"
            assert_conforms(ex.body, 403, operation_id)
    finally:
        target.call("POST", f"/requests/{rid}/cancel", token=owner)
