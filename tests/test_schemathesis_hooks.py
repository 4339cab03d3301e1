"""The schemathesis hooks keep valid bodies valid under the rules beyond the schema, and nothing else."""

from __future__ import annotations

from contracts.schemathesis_hooks import STAND_IN_IMAGE, fit_body
from contracts.strategies import readable_image_uri

T2V = "/v1/models/kling/kling-3.0/standard/text-to-video"
I2V = "/v1/models/kling/kling-3.0/pro/image-to-video"
BROKEN = "data:image/png;base64,aGVsbG8="
URL = "https://example.com/a.png"


def test_shots_are_fitted_to_each_endpoints_default_duration() -> None:
    shots = [{"prompt": "a", "duration": 1}, {"prompt": "b", "duration": 1}]
    assert sum(s["duration"] for s in fit_body(T2V, {"prompt": "x", "multi_prompt": shots})["multi_prompt"]) == 5
    fitted = fit_body(I2V, {"prompt": "x", "start_image_url": URL, "multi_prompt": shots})
    assert sum(s["duration"] for s in fitted["multi_prompt"]) == 10
    assert sum(s["duration"] for s in fit_body(I2V, {"duration": 7, "multi_prompt": shots})["multi_prompt"]) == 7


def test_data_uris_without_a_picture_are_swapped_for_one_with_a_picture() -> None:
    assert readable_image_uri(STAND_IN_IMAGE)
    body = {"prompt": "x", "start_image_url": BROKEN, "end_image_url": URL,
            "elements": [{"frontal_image_url": BROKEN, "reference_image_urls": [URL, BROKEN]}], "extra": BROKEN}
    fitted = fit_body(I2V, body)
    assert fitted["start_image_url"] == STAND_IN_IMAGE and fitted["end_image_url"] == URL
    assert fitted["elements"] == [{"frontal_image_url": STAND_IN_IMAGE, "reference_image_urls": [URL, STAND_IN_IMAGE]}]
    assert fitted["extra"] == BROKEN  # not an image input of this endpoint


def test_broken_bodies_stay_broken_and_other_operations_are_left_alone() -> None:
    wrong_types = {"prompt": "x", "start_image_url": 5, "elements": "many"}
    assert fit_body(I2V, wrong_types) == wrong_types
    bad_shots = {"prompt": "x", "multi_prompt": [{"prompt": "a", "duration": 99}]}
    assert fit_body(T2V, bad_shots) == bad_shots
    assert fit_body("/v1/requests/{request_id}/cancel", {"start_image_url": BROKEN}) == {"start_image_url": BROKEN}
