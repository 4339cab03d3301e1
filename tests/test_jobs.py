"""The job service and its record: one typed fault per job, combined with the start image's outcome in
the service, and a record that is plain data a store can serialise (start images kept once, by hash)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.settings import Settings
from mock_server.sim.clock import ManualClock
from mock_server.sim.contract import Contract, load_spec
from mock_server.sim.errors import ApiError
from mock_server.sim.jobs import DECISION_HEADER, JobService, timing_from
from mock_server.sim.lifecycle import NO_FAULT, Job, JobFault, Outcome, Phase, Plan
from mock_server.sim.store.memory import MemoryStore

T2V = "kling/kling-3.0/standard/text-to-video"
I2V = "kling/kling-3.0/standard/image-to-video"
PORTRAIT = "https://example.com/__mock/fixtures/portrait.jpg"
MISSING = "https://example.com/__mock/fixtures/no-such-image.png"


def make_service(**overrides: Any) -> tuple[JobService, MemoryStore, ManualClock]:
    s = Settings(clock="manual", **overrides)
    clock = ManualClock(start=s.manual_clock_start)
    store = MemoryStore(s.slots_per_account)
    return JobService(s, Contract(load_spec()), store, clock, timing_from(s)), store, clock


def submit(svc: JobService, body: dict[str, Any], model: str = T2V, fault: JobFault | None = None,
           account: str = "tok") -> Job:
    inputs = svc.contract.validate(model, body)
    inline = svc.contract.inline_images(model, inputs)
    return asyncio.run(svc.submit(account, svc.model(model), inputs, fault, inline))


# --- one fault description -----------------------------------------------------------------------------------


def test_the_earlier_fault_wins_each_effect_and_a_failure_comes_with_its_error() -> None:
    first = JobFault(run_factor=2.0, rules="a")
    second = JobFault(fail_at=0.3, error="timeout", error_message="late", run_factor=5.0, stuck=True,
                      not_found_for=4.0, rules="b")
    assert first.then(second) == JobFault(fail_at=0.3, error="timeout", error_message="late", run_factor=2.0,
                                          stuck=True, not_found_for=4.0, rules="a")
    failing = JobFault(fail_at=0.5, error="content_moderation", error_message="flagged")
    assert failing.then(second).outcome() == Outcome(False, "content_moderation", "flagged", 0.5)
    assert NO_FAULT.then(NO_FAULT) == NO_FAULT and NO_FAULT.outcome() is None


def test_an_unreadable_start_image_fails_the_job_soon_after_it_starts() -> None:
    svc, _, _ = make_service()
    job = submit(svc, {"prompt": "x", "start_image_url": MISSING}, I2V)
    outcome = job.plan.outcome
    assert (outcome.ok, outcome.error_code, outcome.at_fraction) == (False, "image_fetch_failed", 0.05)
    assert outcome.error_message is not None and "start_image_url" in outcome.error_message
    assert job.image_key is None and job.fault_rules is None


def test_a_rules_failure_wins_over_an_unreadable_image() -> None:
    svc, _, _ = make_service()
    rule = JobFault(fail_at=0.5, error="timeout", error_message="Generation timed out", rules="slow")
    job = submit(svc, {"prompt": "x", "start_image_url": MISSING}, I2V, rule)
    assert job.plan.outcome == Outcome(False, "timeout", "Generation timed out", 0.5)
    assert job.fault_rules == "slow"


def test_a_rule_without_a_failure_leaves_the_images_failure_in_place() -> None:
    svc, _, _ = make_service()
    job = submit(svc, {"prompt": "x", "start_image_url": MISSING}, I2V, JobFault(run_factor=3.0, rules="slow"))
    assert job.plan.outcome.error_code == "image_fetch_failed"
    assert job.fault_rules == "slow"


def test_the_404_for_a_moment_and_the_decision_header_come_from_the_record() -> None:
    svc, _, clock = make_service()
    job = submit(svc, {"prompt": "x"}, fault=JobFault(not_found_for=5.0, rules="lag"))
    assert (job.fault_rules, job.hidden_until) == ("lag", clock.now() + 5.0)
    with pytest.raises(ApiError) as exc:
        svc.state_of("tok", job.request_id)
    assert (exc.value.status, exc.value.error_code, exc.value.headers) == (404, 404001, {DECISION_HEADER: "lag"})
    assert svc.find("tok", job.request_id)[0] == job  # cancel looks the job up without the quirk
    clock.advance(5.0)
    assert svc.state_of("tok", job.request_id)[0] == job


def test_a_job_no_rule_touched_names_no_rule_and_is_never_hidden() -> None:
    svc, _, _ = make_service()
    job = submit(svc, {"prompt": "x"})
    assert (job.fault_rules, job.hidden_until) == (None, None)


# --- the record -------------------------------------------------------------------------------------------


def test_the_job_keeps_only_the_contracts_fields_of_the_request() -> None:
    svc, _, _ = make_service()
    job = submit(svc, {"prompt": "x", "mystery": {"deep": [1, 2]}})
    assert "mystery" not in job.inputs
    assert job.inputs["prompt"] == "x" and job.inputs["duration"] == 5  # defaults are filled in


def round_trip(job: Job) -> Job:
    return Job.from_record(json.loads(json.dumps(job.to_record(), allow_nan=False)))


def test_a_job_record_round_trips_through_json() -> None:
    svc, _, clock = make_service()
    jobs = [
        submit(svc, {"prompt": "x", "multi_prompt": [{"prompt": "a", "duration": 2}, {"prompt": "b", "duration": 3}]}),
        submit(svc, {"prompt": "x", "start_image_url": PORTRAIT, "generate_audio": True}, I2V,
               JobFault(fail_at=0.2, error="timeout", error_message="m", not_found_for=3.0, rules="r")),
        submit(svc, {"prompt": "y"}, fault=JobFault(stuck=True, rules="s")),
    ]
    clock.advance(1.0)
    jobs.append(svc.cancel("tok", jobs[-1].request_id)[0])
    for job in jobs:
        again = round_trip(job)
        assert again == job and again.to_record() == job.to_record()
        assert isinstance(again.plan, Plan) and isinstance(again.plan.outcome, Outcome)
    assert jobs[1].image_key is not None and jobs[-1].cancelled_at == clock.now()


@given(
    fail_at=st.none() | st.floats(0, 1),
    run_factor=st.floats(0.01, 100),
    stuck=st.booleans(),
    not_found_for=st.floats(0, 1e6),
    rules=st.none() | st.text(min_size=1, max_size=20),
    cancelled_at=st.none() | st.floats(0, 2e9),
)
def test_any_record_is_json_and_reads_back_equal(
    fail_at: float | None, run_factor: float, stuck: bool, not_found_for: float, rules: str | None,
    cancelled_at: float | None,
) -> None:
    fault = JobFault(fail_at=fail_at, error="e", error_message="m", stuck=stuck, run_factor=run_factor,
                     not_found_for=not_found_for, rules=rules)
    plan = Plan(submitted_at=1.0, ready_at=2.0, run_s=3.0, outcome=fault.outcome() or Outcome(), stuck=stuck)
    job = Job("id", "acct", T2V, {"prompt": "p", "shots": [{"d": 1}]}, 3, 7, plan, cancelled_at, rules,
              None if not not_found_for else 1.0 + not_found_for, "k" if stuck else None)
    assert round_trip(job) == job


def test_the_record_shares_nothing_with_the_job() -> None:
    svc, _, _ = make_service()
    job = submit(svc, {"prompt": "x", "multi_prompt": [{"prompt": "a", "duration": 5}]})
    record = job.to_record()
    record["inputs"]["multi_prompt"][0]["prompt"] = "changed"
    assert job.inputs["multi_prompt"][0]["prompt"] == "a"


# --- start images, once by content ----------------------------------------------------------------------------


def test_a_start_image_is_stored_once_however_many_jobs_start_from_it() -> None:
    svc, store, _ = make_service()
    first = submit(svc, {"prompt": "x", "start_image_url": PORTRAIT}, I2V, account="alice")
    second = submit(svc, {"prompt": "x", "start_image_url": PORTRAIT}, I2V, account="bob")
    assert first.image_key is not None and first.image_key == second.image_key
    image = store.image(first.image_key)
    assert image is not None and image[:2] == b"\xff\xd8"  # the JPEG itself
    assert not any(isinstance(v, bytes) for v in first.to_record().values())  # the record names it, no copy


def test_an_image_lives_while_a_job_names_it() -> None:
    svc, store, _ = make_service()
    key = submit(svc, {"prompt": "x", "start_image_url": PORTRAIT}, I2V, account="alice").image_key
    submit(svc, {"prompt": "x", "start_image_url": PORTRAIT}, I2V, account="bob")
    assert key is not None
    store.reset("alice")
    assert store.image(key) is not None  # bob's job still starts from it
    store.reset("bob")
    assert store.image(key) is None
    submit(svc, {"prompt": "x", "start_image_url": PORTRAIT}, I2V, account="carol")
    store.reset()
    assert store.image(key) is None


def test_the_video_of_a_job_is_drawn_from_its_own_image() -> None:
    svc, _, clock = make_service()
    pictured = submit(svc, {"prompt": "x", "start_image_url": PORTRAIT}, I2V)
    plain = submit(svc, {"prompt": "no image"})
    clock.advance(100_000)
    spec = svc.video_of(pictured.request_id)
    assert spec is not None and spec.backdrop is not None and spec.backdrop[:2] == b"\xff\xd8"
    other = svc.video_of(plain.request_id)
    assert other is not None and other.backdrop is None
    assert svc.find("tok", plain.request_id)[1].phase is Phase.SUCCEEDED


def _data_uri(colour: tuple[int, int, int]) -> str:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), colour).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_inline_images_are_stored_once_and_the_job_names_them() -> None:
    """A data URI's megabytes are kept in the store by content hash; the job's inputs name the stored copy
    instead of holding the base64 too, and the elements' pictures are kept the same way."""
    svc, store, clock = make_service()
    red, blue = _data_uri((200, 0, 0)), _data_uri((0, 0, 200))
    body = {"prompt": "x", "start_image_url": red,
            "elements": [{"frontal_image_url": blue, "reference_image_urls": [red]}, {"frontal_image_url": PORTRAIT}]}
    job = submit(svc, body, "kling/kling-3.0/pro/image-to-video")
    assert job.image_key is not None and store.image(job.image_key) is not None
    assert job.inputs["start_image_url"] == f"stored:sha256:{job.image_key}"
    blue_key, portrait_key = job.element_keys
    assert job.inputs["elements"][0] == {"frontal_image_url": f"stored:sha256:{blue_key}",
                                         "reference_image_urls": [f"stored:sha256:{job.image_key}"]}
    assert job.inputs["elements"][1] == {"frontal_image_url": PORTRAIT}  # a URL stays a URL
    assert portrait_key is not None and (store.image(portrait_key) or b"")[:2] == b"\xff\xd8"
    assert body["start_image_url"] == red  # the caller's inputs are not changed
    assert "base64" not in json.dumps(job.to_record()) and round_trip(job) == job
    clock.advance(100_000)
    spec = svc.video_of(job.request_id)
    assert spec is not None and [i.label for i in spec.insets] == ["element 1", "element 2"]
    assert spec.insets[0].image == store.image(blue_key)
    store.reset()
    assert store.image(blue_key) is None and store.image(job.image_key) is None
