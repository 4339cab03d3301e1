"""The live contract over HTTP: RunComfy's catalog for the six endpoints, and what its own clients need.

One test (or one parametrized row) per row of the two input tables of the project's API facts
("Kling 3.0 inputs per endpoint"): values accepted and refused, and defaults applied (a default
image-to-video job renders 10 s with audio and is priced with audio). Then images sent inline as data
URIs, the catalog as clients query it, `model_id` on results, 402 for insufficient balance, the balance
and whoami routes of RunComfy's CLI, and `files_base_url`.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from contracts.checks import assert_conforms
from mock_server.app import create_app
from mock_server.media import inspect_mp4
from mock_server.settings import Settings

AUTH = {"Authorization": "Bearer alice"}
T2V = {tier: f"kling/kling-3.0/{tier}/text-to-video" for tier in ("standard", "pro", "4k")}
I2V = {tier: f"kling/kling-3.0/{tier}/image-to-video" for tier in ("standard", "pro", "4k")}
URL = "https://example.com/images/still.png"  # not fetched: the job renders without a backdrop


def data_uri(size: tuple[int, int] = (32, 18), kind: str = "PNG", colour: tuple[int, int, int] = (200, 40, 40),
             exif_orientation: int | None = None) -> str:
    buffer = io.BytesIO()
    options: dict[str, Any] = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        options["exif"] = exif.tobytes()
    Image.new("RGB", size, colour).save(buffer, kind, **options)
    mime = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "BMP": "bmp", "GIF": "gif"}[kind]
    return f"data:image/{mime};base64,{base64.b64encode(buffer.getvalue()).decode()}"


def submit(api: TestClient, model: str, body: Any) -> Any:
    return api.post(f"/v1/models/{model}", json=body, headers=AUTH)


def accepted(api: TestClient, model: str, body: Any) -> str:
    r = submit(api, model, body)
    assert r.status_code == 200, r.text
    rid: str = r.json()["request_id"]
    return rid


def refused_at(api: TestClient, model: str, body: Any) -> list[list[Any]]:
    r = submit(api, model, body)
    assert (r.status_code, r.json()["error_code"]) == (422, 422001), r.text
    assert_conforms(r.json(), 422, "submitAnyModel")
    return [d["loc"] for d in r.json()["detail"]]


def finish(api: TestClient) -> None:
    assert api.post("/__mock/clock/advance", json={"seconds": 100_000}).status_code == 200


def result(api: TestClient, rid: str) -> dict[str, Any]:
    r = api.get(f"/v1/requests/{rid}/result", params={"include_cost": "true"}, headers=AUTH)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def clip(api: TestClient, rid: str, tmp_path: Path) -> dict[str, Any]:
    """The finished job's MP4, inspected."""
    video = result(api, rid)["output"]["video"]
    r = api.get(video)
    assert r.status_code == 200
    path = tmp_path / f"{rid}.mp4"
    path.write_bytes(r.content)
    return inspect_mp4(path)


def first_frame(api: TestClient, rid: str, tmp_path: Path) -> np.ndarray:
    path = tmp_path / f"{rid}-frame.mp4"
    path.write_bytes(api.get(result(api, rid)["output"]["video"]).content)
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return np.asarray(frame.to_ndarray(format="rgb24"))


def jobs_of(api: TestClient, account: str = "alice") -> list[Any]:
    jobs: list[Any] = api.get(f"/__mock/accounts/{account}").json()["jobs"]
    return jobs


# --- text-to-video, one row of the table at a time ----------------------------------------------------------


@pytest.mark.parametrize("tier", list(T2V))
def test_t2v_prompt_is_required_and_not_empty(api: TestClient, tier: str) -> None:
    assert ["body", "prompt"] in refused_at(api, T2V[tier], {"duration": 5})
    assert ["body", "prompt"] in refused_at(api, T2V[tier], {"prompt": ""})
    accepted(api, T2V[tier], {"prompt": "x" * 5000})  # no published maximum length


@pytest.mark.parametrize("tier", list(T2V))
def test_t2v_negative_prompt_is_a_string(api: TestClient, tier: str) -> None:
    accepted(api, T2V[tier], {"prompt": "a cat", "negative_prompt": "blur"})
    assert ["body", "negative_prompt"] in refused_at(api, T2V[tier], {"prompt": "a cat", "negative_prompt": 3})


@pytest.mark.parametrize("tier", list(T2V))
def test_t2v_duration_is_3_to_15_default_5(api: TestClient, tier: str) -> None:
    for ok in (3, 15):
        accepted(api, T2V[tier], {"prompt": "x", "duration": ok})
    for bad in (2, 16, 5.5, "5"):
        assert ["body", "duration"] in refused_at(api, T2V[tier], {"prompt": "x", "duration": bad})
    rid = accepted(api, T2V[tier], {"prompt": "x", "sound": False})
    finish(api)
    price = {"standard": 0.084, "pro": 0.112, "4k": 0.42}[tier]
    assert result(api, rid)["cost"] == pytest.approx(5 * price)


@pytest.mark.parametrize("tier", list(T2V))
def test_t2v_aspect_ratio_is_16_9_9_16_or_1_1(api: TestClient, tier: str) -> None:
    for ok in ("16:9", "9:16", "1:1"):
        accepted(api, T2V[tier], {"prompt": "x", "aspect_ratio": ok})
    for bad in ("4:3", "21:9", "2:1", "16/9"):
        assert ["body", "aspect_ratio"] in refused_at(api, T2V[tier], {"prompt": "x", "aspect_ratio": bad})


@pytest.mark.parametrize("tier", list(T2V))
def test_t2v_cfg_scale_is_0_to_1(api: TestClient, tier: str) -> None:
    for ok in (0, 0.5, 1):
        accepted(api, T2V[tier], {"prompt": "x", "cfg_scale": ok})
    for bad in (-0.1, 1.1, "0.5"):
        assert ["body", "cfg_scale"] in refused_at(api, T2V[tier], {"prompt": "x", "cfg_scale": bad})


@pytest.mark.parametrize("tier", list(T2V))
def test_t2v_sound_is_a_boolean_default_true_that_sets_the_price(api: TestClient, tier: str) -> None:
    assert ["body", "sound"] in refused_at(api, T2V[tier], {"prompt": "x", "sound": "yes"})
    default = accepted(api, T2V[tier], {"prompt": "x", "duration": 4})
    silent = accepted(api, T2V[tier], {"prompt": "x", "duration": 4, "sound": False})
    finish(api)
    no_audio, audio = {"standard": (0.084, 0.126), "pro": (0.112, 0.168), "4k": (0.42, 0.42)}[tier]
    assert result(api, default)["cost"] == pytest.approx(4 * audio)
    assert result(api, silent)["cost"] == pytest.approx(4 * no_audio)


def test_t2v_sound_defaults_to_an_audio_track(api: TestClient, tmp_path: Path) -> None:
    default = accepted(api, T2V["standard"], {"prompt": "x", "duration": 3})
    silent = accepted(api, T2V["standard"], {"prompt": "x", "duration": 3, "sound": False})
    finish(api)
    assert clip(api, default, tmp_path)["audio"]["duration"] == pytest.approx(3, abs=0.05)
    assert clip(api, silent, tmp_path)["audio"] is None


def test_t2v_shot_type_on_standard_is_intelligent_or_customize(api: TestClient) -> None:
    for ok in ("intelligent", "customize"):
        accepted(api, T2V["standard"], {"prompt": "x", "shot_type": ok})
    assert ["body", "shot_type"] in refused_at(api, T2V["standard"], {"prompt": "x", "shot_type": "auto"})
    entry = api.get(f"/v1/models/{T2V['standard']}", headers=AUTH).json()
    assert entry["input_schema"]["properties"]["shot_type"]["default"] == "intelligent"


@pytest.mark.parametrize("tier", ["pro", "4k"])
def test_t2v_shot_type_on_pro_and_4k_is_customize_only(api: TestClient, tier: str) -> None:
    accepted(api, T2V[tier], {"prompt": "x", "shot_type": "customize"})
    assert ["body", "shot_type"] in refused_at(api, T2V[tier], {"prompt": "x", "shot_type": "intelligent"})
    entry = api.get(f"/v1/models/{T2V[tier]}", headers=AUTH).json()
    assert entry["input_schema"]["properties"]["shot_type"] == {
        **entry["input_schema"]["properties"]["shot_type"], "enum": ["customize"], "default": "customize"}


@pytest.mark.parametrize("tier", list(T2V))
def test_t2v_multi_prompt_takes_up_to_6_shots_summing_to_duration(api: TestClient, tier: str) -> None:
    six = [{"prompt": f"shot {i}", "duration": 2} for i in range(6)]
    accepted(api, T2V[tier], {"prompt": "x", "duration": 12, "multi_prompt": six})
    accepted(api, T2V[tier], {"prompt": "x", "multi_prompt": [{"prompt": "a", "duration": 5}]})  # default 5
    seven = [{"prompt": f"shot {i}", "duration": 2} for i in range(7)]
    assert ["body", "multi_prompt"] in refused_at(api, T2V[tier], {"prompt": "x", "duration": 14, "multi_prompt": seven})
    wrong_sum = {"prompt": "x", "multi_prompt": [{"prompt": "a", "duration": 4}]}  # 4 != the default 5
    assert refused_at(api, T2V[tier], wrong_sum) == [["body", "multi_prompt"]]


# --- image-to-video ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tier", list(I2V))
def test_i2v_prompt_is_required(api: TestClient, tier: str) -> None:
    assert refused_at(api, I2V[tier], {"start_image_url": URL}) == [["body", "prompt"]]
    assert ["body", "prompt"] in refused_at(api, I2V[tier], {"prompt": "", "start_image_url": URL})


@pytest.mark.parametrize("tier", list(I2V))
def test_i2v_start_image_is_required_as_an_https_url_or_a_data_uri(api: TestClient, tier: str) -> None:
    assert refused_at(api, I2V[tier], {"prompt": "x"}) == [["body", "start_image_url"]]
    accepted(api, I2V[tier], {"prompt": "x", "start_image_url": URL})
    for kind in ("PNG", "JPEG", "WEBP", "BMP"):
        accepted(api, I2V[tier], {"prompt": "x", "start_image_url": data_uri(kind=kind)})
    for bad in ("http://example.com/a.png", "ftp://example.com/a.png", "a.png", "data:image/gif;base64,R0lGODdh",
                "data:text/plain;base64,aGk=", "data:image/png,raw", 42):
        assert refused_at(api, I2V[tier], {"prompt": "x", "start_image_url": bad}) == [["body", "start_image_url"]]


@pytest.mark.parametrize("tier", ["pro", "4k"])
def test_i2v_end_image_on_pro_and_4k(api: TestClient, tier: str) -> None:
    accepted(api, I2V[tier], {"prompt": "x", "start_image_url": URL, "end_image_url": data_uri(kind="WEBP")})
    loc = refused_at(api, I2V[tier], {"prompt": "x", "start_image_url": URL, "end_image_url": "http://a/b.png"})
    assert loc == [["body", "end_image_url"]]


def test_i2v_end_image_is_no_input_of_standard(make: Any) -> None:
    body = {"prompt": "x", "start_image_url": URL, "end_image_url": URL}
    assert submit(make(), I2V["standard"], body).status_code == 200  # an unknown field: ignored by default
    strict = make(unknown_fields="reject")
    r = submit(strict, I2V["standard"], body)
    assert (r.status_code, [d["loc"] for d in r.json()["detail"]]) == (422, [["body", "end_image_url"]])
    assert submit(strict, I2V["pro"], body).status_code == 200


@pytest.mark.parametrize("tier", list(I2V))
def test_i2v_generate_audio_is_a_boolean_default_true_that_sets_the_price(api: TestClient, tier: str) -> None:
    base = {"prompt": "x", "start_image_url": URL, "duration": 3}
    assert ["body", "generate_audio"] in refused_at(api, I2V[tier], {**base, "generate_audio": 1})
    default = accepted(api, I2V[tier], base)
    silent = accepted(api, I2V[tier], {**base, "generate_audio": False})
    sound_ignored = accepted(api, I2V[tier], {**base, "generate_audio": False, "sound": True})  # not an i2v input
    finish(api)
    no_audio, audio = {"standard": (0.084, 0.126), "pro": (0.112, 0.168), "4k": (0.42, 0.42)}[tier]
    assert result(api, default)["cost"] == pytest.approx(3 * audio)
    assert result(api, silent)["cost"] == pytest.approx(3 * no_audio)
    assert result(api, sound_ignored)["cost"] == pytest.approx(3 * no_audio)


def test_a_default_i2v_job_renders_10_s_with_audio_and_is_priced_with_audio(api: TestClient, tmp_path: Path) -> None:
    rid = accepted(api, I2V["standard"], {"prompt": "The dunes at dusk", "start_image_url": data_uri((64, 36))})
    finish(api)
    assert result(api, rid)["cost"] == pytest.approx(10 * 0.126)
    info = clip(api, rid, tmp_path)
    assert info["duration"] == pytest.approx(10, abs=1 / 24)
    assert info["audio"] is not None and info["audio"]["duration"] == pytest.approx(10, abs=0.05)
    assert (info["width"], info["height"]) == (1920, 1080)


@pytest.mark.parametrize("tier", list(I2V))
def test_i2v_duration_is_3_to_15_default_10(api: TestClient, tier: str) -> None:
    for ok in (3, 15):
        accepted(api, I2V[tier], {"prompt": "x", "start_image_url": URL, "duration": ok})
    for bad in (2, 16):
        assert refused_at(api, I2V[tier], {"prompt": "x", "start_image_url": URL, "duration": bad}) == [
            ["body", "duration"]]
    rid = accepted(api, I2V[tier], {"prompt": "x", "start_image_url": URL, "generate_audio": False})
    finish(api)
    price = {"standard": 0.084, "pro": 0.112, "4k": 0.42}[tier]
    assert result(api, rid)["cost"] == pytest.approx(10 * price)


@pytest.mark.parametrize("tier", list(I2V))
def test_i2v_cfg_scale_and_negative_prompt(api: TestClient, tier: str) -> None:
    base = {"prompt": "x", "start_image_url": URL}
    accepted(api, I2V[tier], {**base, "cfg_scale": 0.9, "negative_prompt": "blur"})
    assert refused_at(api, I2V[tier], {**base, "cfg_scale": 2}) == [["body", "cfg_scale"]]
    assert refused_at(api, I2V[tier], {**base, "negative_prompt": ["blur"]}) == [["body", "negative_prompt"]]


@pytest.mark.parametrize("tier", list(I2V))
def test_i2v_shot_type_is_customize_only(api: TestClient, tier: str) -> None:
    base = {"prompt": "x", "start_image_url": URL}
    accepted(api, I2V[tier], {**base, "shot_type": "customize"})
    assert refused_at(api, I2V[tier], {**base, "shot_type": "intelligent"}) == [["body", "shot_type"]]


@pytest.mark.parametrize("tier", list(I2V))
def test_i2v_multi_prompt_sums_to_its_own_default_of_10(api: TestClient, tier: str) -> None:
    base = {"prompt": "x", "start_image_url": URL}
    accepted(api, I2V[tier], {**base, "multi_prompt": [{"prompt": "a", "duration": 4}, {"prompt": "b", "duration": 6}]})
    five = {**base, "multi_prompt": [{"prompt": "a", "duration": 5}]}  # right for text-to-video, not here
    assert refused_at(api, I2V[tier], five) == [["body", "multi_prompt"]]
    seven = [{"prompt": "s", "duration": 2}] * 7
    assert ["body", "multi_prompt"] in refused_at(api, I2V[tier], {**base, "duration": 14, "multi_prompt": seven})


@pytest.mark.parametrize("tier", list(I2V))
def test_i2v_elements_take_the_guessed_shape(api: TestClient, tier: str) -> None:
    base = {"prompt": "x", "start_image_url": URL}
    element = {"frontal_image_url": data_uri(kind="JPEG"), "reference_image_urls": [URL, data_uri(kind="PNG")]}
    accepted(api, I2V[tier], {**base, "elements": [element, {"frontal_image_url": URL}]})
    assert refused_at(api, I2V[tier], {**base, "elements": [{"reference_image_urls": [URL]}]}) == [
        ["body", "elements", 0, "frontal_image_url"]]
    assert refused_at(api, I2V[tier], {**base, "elements": []}) == [["body", "elements"]]
    assert refused_at(api, I2V[tier], {**base, "elements": [{"frontal_image_url": URL}] * 5}) == [["body", "elements"]]
    assert refused_at(api, I2V[tier], {**base, "elements": [{"frontal_image_url": "http://a/b.png"}]}) == [
        ["body", "elements", 0, "frontal_image_url"]]


@pytest.mark.parametrize("tier", list(I2V))
def test_i2v_has_no_aspect_ratio(make: Any, tier: str) -> None:
    body = {"prompt": "x", "start_image_url": URL, "aspect_ratio": "9:16"}
    assert submit(make(), I2V[tier], body).status_code == 200
    r = submit(make(unknown_fields="reject"), I2V[tier], body)
    assert [d["loc"] for d in r.json()["detail"]] == [["body", "aspect_ratio"]]


SEED_PAGE_NAMES = [
    (T2V["standard"], {"prompt": "x"}, "generate_audio", True),
    (T2V["pro"], {"prompt": "x"}, "seed", 7),
    (T2V["4k"], {"prompt": "x"}, "prompt_segments", [{"prompt": "a", "duration": 5}]),
    (I2V["standard"], {"prompt": "x", "start_image_url": URL}, "image_url", URL),
    (I2V["pro"], {"prompt": "x", "start_image_url": URL}, "tail_image_url", URL),
    (I2V["4k"], {"prompt": "x", "start_image_url": URL}, "sound", False),
]


@pytest.mark.parametrize(("model", "body", "name", "value"), SEED_PAGE_NAMES, ids=[r[2] for r in SEED_PAGE_NAMES])
def test_seed_page_names_are_unknown_fields(make: Any, model: str, body: dict[str, Any], name: str, value: Any) -> None:
    assert submit(make(), model, {**body, name: value}).status_code == 200
    r = submit(make(unknown_fields="reject"), model, {**body, name: value})
    assert r.status_code == 422
    assert r.json()["detail"] == [{"loc": ["body", name], "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}]


# --- images as data URIs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP"])
def test_a_data_uri_start_image_becomes_the_first_shots_backdrop(api: TestClient, tmp_path: Path, kind: str) -> None:
    """A tall green picture: the clip is vertical and its frames are green where the picture shows."""
    uri = data_uri((90, 160), kind=kind, colour=(30, 200, 60))
    rid = accepted(api, I2V["pro"], {"prompt": "x", "start_image_url": uri, "duration": 3, "generate_audio": False})
    finish(api)
    frame = first_frame(api, rid, tmp_path)
    assert frame.shape[:2] == (1920, 1080)
    r, g, b = frame[1400:1500, 300:700].reshape(-1, 3).mean(axis=0)  # below the text, above the bar
    assert g > 150 and r < 90 and b < 110, (r, g, b)


@pytest.mark.parametrize(
    ("size", "orientation", "extra", "expected"),
    [
        ((160, 90), None, False, (1920, 1080)),
        ((90, 160), None, False, (1080, 1920)),
        ((100, 100), None, False, (1080, 1080)),
        ((100, 80), None, False, (1080, 1080)),  # 5:4 is nearest to 1:1
        ((80, 120), None, False, (1080, 1920)),  # 2:3 is nearest to 9:16
        ((120, 90), None, True, (1440, 1080)),  # 4:3, when the extra ratios are on
        ((160, 90), 6, False, (1080, 1920)),  # a photo turned by its EXIF orientation is tall
    ],
)
def test_the_clip_takes_the_ratio_nearest_the_start_image(
    make: Any, tmp_path: Path, size: tuple[int, int], orientation: int | None, extra: bool, expected: tuple[int, int]
) -> None:
    api = make(extra_aspect_ratios=extra)
    uri = data_uri(size, kind="JPEG", exif_orientation=orientation)
    rid = accepted(api, I2V["standard"], {"prompt": "x", "start_image_url": uri, "duration": 3, "generate_audio": False})
    finish(api)
    info = clip(api, rid, tmp_path)
    assert (info["width"], info["height"]) == expected


def test_without_a_readable_start_image_the_clip_is_16_9(api: TestClient, tmp_path: Path) -> None:
    rid = accepted(api, I2V["4k"], {"prompt": "x", "start_image_url": URL, "duration": 3, "generate_audio": False})
    finish(api)
    info = clip(api, rid, tmp_path)
    assert (info["width"], info["height"]) == (3840, 2160)


def test_a_20_mb_data_uri_is_accepted(api: TestClient, tmp_path: Path) -> None:
    noise = np.random.default_rng(9).integers(0, 256, (2600, 2600, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise, "RGB").save(buffer, "PNG", compress_level=0)
    png = buffer.getvalue()
    assert len(png) >= 20_000_000
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    rid = accepted(api, I2V["standard"], {"prompt": "x", "start_image_url": uri, "duration": 3})
    assert api.get(f"/v1/requests/{rid}/status", headers=AUTH).json()["status"] == "in_queue"
    finish(api)
    info = clip(api, rid, tmp_path)
    assert (info["width"], info["height"]) == (1080, 1080)


def _truncated_png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()[:60]).decode()


def _gif_as_png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, "GIF")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("data:image/png;base64,@@@@", "base64"),
        ("data:image/png;base64,iVBORw0KGgo", "base64"),  # padding missing
        ("data:image/png;base64,aGVsbG8gd29ybGQ=", "not a readable image"),
        (_gif_as_png(), "GIF"),
        (_truncated_png(), "not a readable image"),
    ],
    ids=["bad-alphabet", "bad-padding", "text", "gif-labelled-png", "truncated"],
)
def test_broken_data_uris_get_422001_naming_the_field_and_nothing_is_stored(api: TestClient, uri: str, words: str) -> None:
    r = submit(api, I2V["pro"], {"prompt": "x", "start_image_url": uri})
    assert (r.status_code, r.json()["error_code"]) == (422, 422001)
    (item,) = r.json()["detail"]
    assert item["loc"] == ["body", "start_image_url"] and item["type"] == "image_data"
    assert words in item["msg"]
    assert jobs_of(api) == []


def test_every_broken_image_of_a_body_is_named(api: TestClient) -> None:
    broken = "data:image/png;base64,aGk="
    body = {"prompt": "x", "start_image_url": data_uri(), "end_image_url": broken,
            "elements": [{"frontal_image_url": URL, "reference_image_urls": [data_uri(), broken]}]}
    assert refused_at(api, I2V["4k"], body) == [
        ["body", "elements", 0, "reference_image_urls", 1], ["body", "end_image_url"]]  # in the order of their loc
    assert jobs_of(api) == []


def test_elements_show_as_labelled_insets(api: TestClient, tmp_path: Path) -> None:
    """A blue element picture appears in the bottom-right corner; an element that cannot be had offline
    still gets its tile; the same request without elements is another clip."""
    base = {"prompt": "x", "start_image_url": URL, "duration": 3, "generate_audio": False}
    blue = data_uri((40, 40), colour=(20, 40, 230))
    with_elements = accepted(api, I2V["standard"], {**base, "elements": [{"frontal_image_url": blue},
                                                                         {"frontal_image_url": URL}]})
    without = accepted(api, I2V["standard"], base)
    finish(api)
    frame, plain = first_frame(api, with_elements, tmp_path), first_frame(api, without, tmp_path)
    corner = (slice(800, 1040), slice(1200, 1910))
    blue_pixels = (frame[corner][..., 2] > 180) & (frame[corner][..., 0] < 80)
    assert blue_pixels.sum() > 5000
    assert not ((plain[corner][..., 2] > 180) & (plain[corner][..., 0] < 80)).sum() > 5000
    assert np.abs(frame[corner].astype(int) - plain[corner].astype(int)).mean() > 10
    etags = {api.head(result(api, rid)["output"]["video"]).headers["etag"] for rid in (with_elements, without)}
    assert len(etags) == 2


# --- the body cap ------------------------------------------------------------------------------------------------


def test_bodies_up_to_64_mib_are_read_and_larger_ones_get_413001(api: TestClient) -> None:
    assert Settings().max_body_bytes == 64 * 1024 * 1024

    def chunks(total: int) -> Iterator[bytes]:
        yield b'{"prompt": "'
        for _ in range(total // (1 << 20)):
            yield b"x" * (1 << 20)
        yield b'"}'

    headers = {**AUTH, "Content-Type": "application/json"}
    big = api.post(f"/v1/models/{T2V['standard']}", content=chunks(63 << 20), headers=headers)  # streamed, no length
    assert big.status_code == 200, big.text
    over = api.post(f"/v1/models/{T2V['standard']}", content=chunks(65 << 20), headers=headers)
    assert (over.status_code, over.json()["error_code"]) == (413, 413001)
    assert len(jobs_of(api)) == 1


# --- the catalog ---------------------------------------------------------------------------------------------------


def models(api: TestClient, **params: Any) -> Any:
    return api.get("/v1/models", params=params, headers=AUTH)


def test_catalog_entries_are_what_runcomfys_clients_read(api: TestClient) -> None:
    body = models(api).json()
    assert_conforms(body, 200, "listModels")
    for entry in body["models"]:
        assert entry["kind"] == "model" and entry["price_unit"] == "second"
        assert entry["model_url"] == f"https://www.runcomfy.com/models/{entry['model_id']}"
        assert "input_schema" not in entry
        assert entry["price_usd_per_second"]["no_audio"] == entry["base_price_usd"]
        one = api.get(f"/v1/models/{entry['model_id']}", headers=AUTH).json()
        assert_conforms(one, 200, "getModel")
        assert entry["inputs"] == list(one["input_schema"]["properties"])
        assert entry["required_inputs"] == one["input_schema"]["required"]
        assert one["input_schema"]["properties"][entry["required_inputs"][0]]
    i2v = api.get(f"/v1/models/{I2V['pro']}", headers=AUTH).json()
    assert i2v["required_inputs"] == ["prompt", "start_image_url"]
    assert i2v["input_schema"]["properties"]["start_image_url"]["format"] == "image_uri"


def test_include_schema_adds_the_input_schemas_to_the_list(api: TestClient) -> None:
    for value in ("true", "1", "yes"):
        assert all("input_schema" in m for m in models(api, include_schema=value).json()["models"])
    for value in ("false", "0"):
        assert all("input_schema" not in m for m in models(api, include_schema=value).json()["models"])
    r = models(api, include_schema="maybe")
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (422, ["query", "include_schema"])


def test_search_is_case_insensitive_over_id_name_and_description(api: TestClient) -> None:
    def ids(**params: Any) -> set[str]:
        body = models(api, **params).json()
        assert body["total"] == len(body["models"])
        return {m["model_id"] for m in body["models"]}

    assert ids(search="/PRO/") == {T2V["pro"], I2V["pro"]}  # the id
    assert ids(search="pro IMAGE") == {I2V["pro"]}  # the display name
    assert ids(search="kling 3.0 4k text") == {T2V["4k"]}  # the display name
    assert ids(search="animates a start image") == set(I2V.values())  # the description
    assert ids(search="kling-3.0") == set(T2V.values()) | set(I2V.values())
    assert ids(search="seedance") == set()
    assert ids(search="/pro/", category="image-to-video") == {I2V["pro"]}


def test_kind_and_category_filter_the_list(api: TestClient) -> None:
    assert models(api, kind="model").json()["total"] == 6
    assert models(api, kind="workflow").json() == {"models": [], "total": 0, "limit": 100, "offset": 0}
    assert models(api, category="text-to-video").json()["total"] == 3
    assert models(api, category="nothing").json()["total"] == 0


@pytest.mark.parametrize(("params", "loc"), [
    ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"limit": "x"}, "limit"), ({"offset": -1}, "offset"),
    ({"offset": "1.5"}, "offset"),
])
def test_limit_is_1_to_500_and_offset_not_negative(api: TestClient, params: dict[str, Any], loc: str) -> None:
    r = models(api, **params)
    assert (r.status_code, r.json()["error_code"], r.json()["detail"][0]["loc"]) == (422, 422001, ["query", loc])


def test_limit_and_offset_page_the_filtered_list(api: TestClient) -> None:
    assert models(api, limit=500).json()["limit"] == 500
    assert models(api, limit=200).status_code == 200  # RunComfy's CLI: `runcomfy models list --limit 200`
    everything = [m["model_id"] for m in models(api).json()["models"]]
    page = models(api, limit=2, offset=1, search="video").json()
    assert [m["model_id"] for m in page["models"]] == everything[1:3] and page["total"] == 6
    assert models(api, offset=10).json()["models"] == []


# --- results, balance, identity, file URLs ---------------------------------------------------------------------------


def test_results_carry_the_model_id(api: TestClient) -> None:
    rid = accepted(api, I2V["4k"], {"prompt": "x", "start_image_url": URL})
    assert result(api, rid)["model_id"] == I2V["4k"]
    finish(api)
    done = result(api, rid)
    assert (done["model_id"], done["status"]) == (I2V["4k"], "succeeded")
    assert_conforms(done, 200, "getResult")


def test_insufficient_balance_is_402_400002_in_the_contracts_shape(api: TestClient) -> None:
    api.put("/__mock/accounts/alice/balance", json={"usd": 1.0})
    r = submit(api, I2V["standard"], {"prompt": "x", "start_image_url": URL})  # 10 s with audio: $1.26
    assert (r.status_code, r.json()["error_code"]) == (402, 400002)
    assert_conforms(r.json(), 402, "submitStandardImageToVideo")
    assert jobs_of(api) == []
    assert submit(api, I2V["standard"], {"prompt": "x", "start_image_url": URL, "generate_audio": False}).status_code == 200


def test_balance_answers_the_accounts_ledger(api: TestClient) -> None:
    unlimited = api.get("/prod/v2/balance", headers=AUTH).json()
    assert unlimited == {"balance_usd": 1_000_000.0, "balance_microdollars": 1_000_000_000_000, "currency": "USD"}
    api.put("/__mock/accounts/alice/balance", json={"usd": 2.5})
    rid = accepted(api, T2V["pro"], {"prompt": "x"})  # 5 s with audio: $0.84
    assert api.get("/prod/v2/balance", headers=AUTH).json()["balance_usd"] == 2.5  # charged when it succeeds
    finish(api)
    assert result(api, rid)["status"] == "succeeded"
    assert api.get("/prod/v2/balance", headers=AUTH).json() == {
        "balance_usd": 1.66, "balance_microdollars": 1_660_000, "currency": "USD"}
    assert api.get("/prod/v2/balance", headers={"Authorization": "Bearer bob"}).json()["balance_usd"] == 1_000_000.0


def test_whoami_names_the_tokens_account_without_echoing_the_token(api: TestClient) -> None:
    me = api.get("/api/auth/me", headers=AUTH).json()
    assert set(me) == {"id", "display_name", "token_type"} and me["token_type"] == "api"
    assert "alice" not in str(me)
    assert api.get("/api/auth/me", headers=AUTH).json() == me
    assert api.get("/api/auth/me", headers={"Authorization": "Bearer bob"}).json()["id"] != me["id"]


@pytest.mark.parametrize("path", ["/prod/v2/balance", "/api/auth/me"])
def test_balance_and_whoami_need_the_token(make: Any, path: str) -> None:
    api = make(tokens=["alice"])
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer mallory"}):
        r = api.get(path, headers=headers)
        assert (r.status_code, r.json()["error_code"]) == (401, 401001)
    assert api.get(path, headers=AUTH).status_code == 200


def test_files_base_url_moves_only_the_file_urls(make: Any, tmp_path: Path) -> None:
    api = make(files_base_url="http://files.runcomfy.net:8000/")
    submitted = submit(api, T2V["standard"], {"prompt": "x", "duration": 3}).json()
    rid = submitted["request_id"]
    assert submitted["status_url"] == f"http://mock.test/v1/requests/{rid}/status"
    finish(api)
    done = result(api, rid)
    assert done["output"]["video"] == f"http://files.runcomfy.net:8000/files/{rid}.mp4"
    assert api.get(f"/v1/requests/{rid}/status", headers=AUTH).json()["result_url"].startswith("http://mock.test/")
    assert api.get(f"/files/{rid}.mp4").status_code == 200  # the alias points back at this server
    default = make()
    rid = submit(default, T2V["standard"], {"prompt": "x", "duration": 3}).json()["request_id"]
    finish(default)
    assert result(default, rid)["output"]["video"] == f"http://mock.test/files/{rid}.mp4"


def test_a_storage_alias_reaches_the_files_through_the_mock_as_an_http_proxy(tmp_path: Path) -> None:
    """README's second way to let RunComfy's CLI download: `http_proxy` pointing at the mock itself, which
    answers absolute-form requests; the alias host is never resolved (the proxy is 127.0.0.1)."""
    import httpx

    from contracts._live import LiveServer

    settings = Settings(clock="manual", cache_dir=tmp_path / "media", files_base_url="http://mock-files.runcomfy.net")
    with LiveServer(create_app(settings)) as server, httpx.Client(proxy=server.origin, timeout=30) as client:
        r = client.post("http://127.0.0.1/v1/models/kling/kling-3.0/standard/text-to-video",
                        json={"prompt": "x", "duration": 3, "sound": False}, headers=AUTH)
        rid = r.json()["request_id"]
        assert client.post("http://127.0.0.1/__mock/clock/advance", json={"seconds": 100_000}).status_code == 200
        video = client.get(f"http://127.0.0.1/v1/requests/{rid}/result", headers=AUTH).json()["output"]["video"]
        assert video == f"http://mock-files.runcomfy.net/files/{rid}.mp4"
        answer = client.get(video)
        assert answer.status_code == 200 and answer.headers["content-type"] == "video/mp4"
        assert answer.content[4:8] == b"ftyp"


def test_the_body_is_read_once_into_one_buffer_and_reading_stops_past_the_cap() -> None:
    """The controls middleware reads a submit's body in the server's chunks into one buffer, which the route
    then takes as it is; past the cap it stops reading at once and the route answers 413."""
    import asyncio

    from mock_server.web.middleware import buffer_body

    def channel(chunks: int, split_marker: bool = False) -> tuple[Any, list[int]]:
        calls: list[int] = []

        async def receive() -> dict[str, Any]:
            calls.append(1)
            more = len(calls) < chunks
            chunk = bytearray(b"x" * 1024)
            if split_marker and len(calls) in (3, 4):  # "[[mock:" across two chunks
                chunk[-3:] = b"[[m" if len(calls) == 3 else chunk[-3:]
                chunk[:4] = b"ock:" if len(calls) == 4 else chunk[:4]
            return {"type": "http.request", "body": bytes(chunk), "more_body": more}

        return receive, calls

    async def scenario() -> None:
        receive, calls = channel(8)
        read, app_receive = await buffer_body(receive, cap=64 * 1024, declared=None, marker=b"[[mock:")
        assert read.data is not None and len(read.data) == 8 * 1024 and len(calls) == 8 and not read.marked
        assert await app_receive() == {"type": "http.request", "body": b"", "more_body": False}
        receive, calls = channel(8, split_marker=True)
        assert (await buffer_body(receive, cap=64 * 1024, declared=None, marker=b"[[mock:"))[0].marked
        receive, calls = channel(1000)
        read, _ = await buffer_body(receive, cap=4 * 1024, declared=None)
        assert read.too_large and read.data is None and len(calls) == 5  # dropped as soon as it passed the cap
        receive, calls = channel(1000)
        read, app_receive = await buffer_body(receive, cap=4 * 1024, declared=10**9)
        assert read.data is None and calls == [] and app_receive is receive  # declared too large: not read here

    asyncio.run(scenario())
