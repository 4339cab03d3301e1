"""The playground in Chromium, as a user drives it: pick a model, fill the form drawn from its
input_schema, Generate, watch the status, play the result; errors next to their field; cancel; faults.

Every test's page is also checked (by the `fast`/`manual` fixtures) for requests outside its own origin,
Content-Security-Policy violations and script errors.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
from playwright.sync_api import expect

from .helpers import SUBMIT_PATHS, WAIT_MS, Tab

T2V = "kling/kling-3.0/standard/text-to-video"
I2V = "kling/kling-3.0/standard/image-to-video"
PRO_I2V = "kling/kling-3.0/pro/image-to-video"
REPO = Path(__file__).resolve().parents[2]


def status_words(tab: Tab) -> list[str]:
    """The status words the server answered this page's token, in order (from the server's journal)."""
    token = tab.field("Token").input_value()
    entries = httpx.get(f"{tab.origin}/__mock/journal",
                        params={"account": token, "path": "/v1/requests/*/status"}).json()["entries"]
    return [e["response"]["status"] for e in entries if e["status"] == 200]


def test_the_model_picker_lists_the_six_models_with_their_prices(manual: Tab) -> None:
    page = manual.open_playground()
    values = page.get_by_label("Model", exact=True).locator("option").evaluate_all("os => os.map(o => o.value)")
    assert sorted(values) == sorted(p.removeprefix("/v1/models/") for p in SUBMIT_PATHS)
    manual.choose_model(T2V)
    assert page.locator("#price-line").inner_text() == "$0.084 per second without audio, $0.126 with audio"
    manual.choose_model("kling/kling-3.0/pro/text-to-video")
    assert page.locator("#price-line").inner_text() == "$0.112 per second without audio, $0.168 with audio"


def test_a_text_to_video_job_goes_from_in_queue_to_completed_and_plays(fast: Tab) -> None:
    page = fast.open_playground()
    fast.choose_model(T2V)
    fast.field("prompt").fill("a corgi surfing at sunset")
    fast.field("duration").fill("4")
    fast.field("sound").uncheck()  # the live contract's default is on: this clip is silent, at the no-audio rate
    assert page.locator("#estimate").inner_text().startswith("Estimated cost: $0.336")
    fast.generate()
    fast.wait_status("completed")
    seen = status_words(fast)
    assert seen[0] == "in_queue" and seen[-1] == "completed", seen
    assert page.locator("#queue-position").inner_text() == "–"
    video = fast.wait_video()
    assert video["readyState"] >= 2 and video["error"] is None, video
    assert abs(video["duration"] - 4.0) < 0.05, video
    assert (video["width"], video["height"]) == (1920, 1080)
    facts = fast.result_facts()
    assert facts["duration"] == "4.00 s" and facts["size"].startswith("1920×1080")
    assert facts["audio"] == "none" and facts["cost"] == "$0.336"
    assert re.fullmatch(r"\d+", facts["fingerprint"]), facts
    assert page.locator("#download").get_attribute("href") == f"/files/{page.locator('#request-id').inner_text()}.mp4"
    assert fast.submitted_bodies()[-1]["prompt"] == "a corgi surfing at sunset"
    expect(page.locator("#balance")).to_contain_text("spent $0.336", timeout=WAIT_MS)
    # the history lists it (newest first) with its cost, and reopening it shows the result again
    page.wait_for_selector("#history .history-item .phase-succeeded", timeout=WAIT_MS)
    page.locator("#history .history-item").first.click()
    fast.wait_status("completed")
    assert fast.wait_video()["readyState"] >= 2


def test_an_image_to_video_job_with_a_picked_sample_still(fast: Tab) -> None:
    page = fast.open_playground()
    fast.choose_model(I2V)
    fast.field("prompt").fill("the city wakes up")
    fast.field("duration").fill("3")
    page.get_by_label("start_image_url sample still", exact=True).select_option("city.png")
    assert fast.field("start_image_url").input_value().endswith("/__mock/fixtures/city.png")
    page.wait_for_selector("canvas[aria-label='start_image_url preview']:not([hidden])", timeout=WAIT_MS)
    fast.generate()
    fast.wait_status("completed")
    video = fast.wait_video()
    assert abs(video["duration"] - 3.0) < 0.05, video
    assert fast.submitted_bodies()[-1]["start_image_url"].endswith("/__mock/fixtures/city.png")
    assert fast.result_facts()["duration"] == "3.00 s"


def test_the_image_picker_reads_a_file_as_a_data_uri(manual: Tab) -> None:
    page = manual.open_playground()
    manual.choose_model(PRO_I2V)
    image = REPO / "fixtures" / "images" / "city.png"
    page.get_by_label("end_image_url from a file", exact=True).set_input_files(str(image))
    expect(manual.field("end_image_url")).to_have_value(re.compile(r"^data:image/png;base64,"), timeout=WAIT_MS)
    value = manual.field("end_image_url").input_value()
    assert base64.b64decode(value.split(",", 1)[1]) == image.read_bytes()
    page.wait_for_selector("canvas[aria-label='end_image_url preview']:not([hidden])", timeout=WAIT_MS)


def test_a_422_shows_next_to_the_field_it_names(manual: Tab) -> None:
    page = manual.open_playground()
    manual.choose_model(T2V)
    manual.field("prompt").fill("a cat")
    manual.field("duration").fill("20")
    manual.generate()
    error = page.locator("[data-field=duration] .field-error")
    expect(error).not_to_be_empty(timeout=WAIT_MS)
    assert "15" in error.inner_text(), error.inner_text()
    assert page.locator("[data-field=prompt] .field-error").inner_text() == ""
    assert "422001" in page.locator("#form-error").inner_text()
    assert page.locator("#request-id").inner_text() == "–"  # nothing was submitted


def test_cancel_while_queued(manual: Tab) -> None:
    page = manual.open_playground()
    manual.choose_model(T2V)
    manual.field("prompt").fill("a slow cat")
    manual.generate()
    manual.wait_status("in_queue")  # the manual clock stands still: it stays queued
    assert page.locator("#queue-position").inner_text() == "0"
    cancel = page.get_by_role("button", name="Cancel", exact=True)
    cancel.click()
    manual.wait_status("cancelled")
    assert page.locator("#job-message").inner_text() == "Cancelled while queued."
    assert cancel.is_hidden()


def test_a_fault_preset_shows_its_decision(manual: Tab) -> None:
    page = manual.open_playground()
    manual.choose_model(T2V)
    manual.field("prompt").fill("a doomed cat")
    manual.open_drawer()
    page.get_by_role("button", name="Fail at 60 %", exact=True).click()
    page.wait_for_selector("#rules [data-rule=fail-at-60]", timeout=WAIT_MS)
    manual.generate()
    manual.wait_status("in_queue")
    assert "fail-at-60" in page.locator("#decision").inner_text()
    manual.advance(600)  # the drawer moves the manual clock: the job runs and fails at 60 %
    manual.wait_status("completed")
    page.wait_for_selector("#result-facts dt:text-is('error')", timeout=WAIT_MS)
    assert "internal_error" in page.locator("#result-facts").inner_text()
    # an outage for this token answers 503 at once, named in the error line
    page.get_by_role("button", name="Outage 60 s", exact=True).click()
    page.wait_for_selector("#rules [data-rule=outage-60s]", timeout=WAIT_MS)
    manual.generate()
    expect(page.locator("#form-error")).to_contain_text("outage-60s", timeout=WAIT_MS)
    assert "HTTP 503" in page.locator("#form-error").inner_text()
    # the journal table lists this token's exchanges, the refused submit with its decision
    refused = page.locator("#journal tbody tr", has_text="503").first
    expect(refused).to_contain_text("outage-60s", timeout=WAIT_MS)
    expect(refused).to_contain_text("POST")


def test_the_pages_make_no_request_outside_their_origin(manual: Tab) -> None:
    """Everything the playground and the docs load comes from the server that served them (the fixture
    also fails any test whose page reached out, or was refused something by its Content-Security-Policy)."""
    page = manual.open_playground()
    manual.choose_model(PRO_I2V)
    manual.open_drawer()
    page.get_by_label("start_image_url sample still", exact=True).select_option("portrait.jpg")
    for path in ("/docs", "/__mock/docs"):
        page.goto(manual.origin + path)
        page.wait_for_selector(".opblock-summary-path", timeout=WAIT_MS)
    paths = {url.removeprefix(manual.origin) for url in manual.requests}
    token = manual.page.evaluate("() => localStorage.getItem('kling-mock.token')")
    assert {"/playground", "/static/js/playground.js", "/static/playground.css", "/__mock/fixtures/portrait.jpg",
            f"/__mock/journal?account={token}&limit=40", "/openapi.json", "/__mock/openapi.json",
            "/static/swagger-ui/swagger-ui-bundle.js"} <= paths, paths
    assert manual.foreign_requests() == []


def test_shots_snippets_and_the_token_survive_as_the_user_expects(manual: Tab) -> None:
    page = manual.open_playground()
    manual.choose_model(T2V)
    manual.field("Token").fill("my-own-token")
    manual.field("Token").dispatch_event("change")
    manual.field("prompt").fill("two shots")
    manual.field("duration").fill("5")
    add = page.get_by_role("button", name="Add shot", exact=True)
    add.click()
    page.get_by_label("shot 1 prompt", exact=True).fill("first")
    page.get_by_label("shot 1 duration", exact=True).fill("3")
    add.click()
    page.get_by_label("shot 2 prompt", exact=True).fill("second")
    assert page.get_by_label("shot 2 duration", exact=True).input_value() == "2"  # what is left of the clip
    assert page.locator(".shot-sum").inner_text() == "2 shots: 5 s of 5 s"
    page.get_by_role("button", name="Copy as curl", exact=True).click()
    curl = page.locator("#snippet").inner_text()
    assert f"'{manual.origin}/v1/models/{T2V}'" in curl and "Authorization: Bearer my-own-token" in curl
    body = json.loads(curl.split("-d '", 1)[1].rsplit("'", 1)[0])
    assert body["multi_prompt"] == [{"prompt": "first", "duration": 3}, {"prompt": "second", "duration": 2}]
    page.get_by_role("button", name="Copy as Python", exact=True).click()
    python = page.locator("#snippet").inner_text()
    assert python.startswith("import httpx") and '"sound": true' not in python and '"sound": True' in python and '"duration": 5' in python
    compile(python, "snippet.py", "exec")
    page.get_by_role("button", name="Remove shot 1", exact=True).click()
    assert page.locator(".shot-sum").inner_text() == "1 shot: 2 s of 5 s"
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    assert manual.field("Token").input_value() == "my-own-token"


def test_the_readme_screenshot_helper_pictures_a_finished_job(fast: Tab, tmp_path: Path) -> None:
    from PIL import Image

    from .helpers import finished_job_screenshot

    path = finished_job_screenshot(fast, tmp_path / "playground.png")
    with Image.open(path) as image:
        assert image.size == (1360, 1200)
    assert path.stat().st_size < 200_000
    expect(fast.page.locator("#status-word")).to_have_text("completed")
