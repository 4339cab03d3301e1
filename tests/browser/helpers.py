"""What the browser tests (and the README's screenshot) share: a served mock, Chromium, and the page.

Chromium is Debian's (`/usr/bin/chromium`), launched by Playwright through `executable_path`: Playwright's
own browser download is never used (it cannot be fetched here, and Debian's build plays H.264).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

from contracts._live import free_port, served_process

CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and os.path.exists(p)), None)
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--no-first-run",
    "--disable-dev-shm-usage", "--disable-quic", "--autoplay-policy=no-user-gesture-required",
)
BIN = Path(sys.executable).parent
START_TIMEOUT_S = 120.0  # a start is mostly imports, slow while the other worker keeps both cores busy
WAIT_MS = 30_000  # a generous bound for anything the page waits for on a loaded 2-core machine
VIEWPORT = {"width": 1360, "height": 900}
PAGES = ("/", "/playground", "/docs", "/__mock/docs", "/openapi.json", "/__mock/openapi.json")
FAILED_LOAD = "Failed to load resource: the server responded with a status of"
SUBMIT_PATHS = tuple(
    f"/v1/models/kling/kling-3.0/{tier}/{mode}"
    for tier in ("standard", "pro", "4k") for mode in ("text-to-video", "image-to-video")
)


@dataclass(frozen=True)
class Server:
    origin: str


@contextlib.contextmanager
def serve(cache_dir: Path, *args: str) -> Iterator[Server]:
    """`kling-mock serve` on a free loopback port, as a child process stopped by its PID."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    cmd = [str(BIN / "kling-mock"), "serve", "--port", str(port), "--cache-dir", str(cache_dir), *args]
    with served_process(cmd, f"{origin}/openapi.json", timeout=START_TIMEOUT_S):
        yield Server(origin)


@contextlib.contextmanager
def serve_together(*commands: tuple[Path, tuple[str, ...]]) -> Iterator[list[Server]]:
    """Several servers started at once (each start is mostly imports: in parallel they overlap), all
    stopped at the end; if one fails to start, the others are stopped before the error is raised."""
    managers = [serve(cache_dir, *args) for cache_dir, args in commands]
    with ThreadPoolExecutor(len(managers)) as pool:
        futures = [pool.submit(m.__enter__) for m in managers]
        wait(futures)
    started = [m for m, f in zip(managers, futures, strict=True) if f.exception() is None]
    try:
        yield [f.result() for f in futures]
    finally:
        for m in started:
            m.__exit__(None, None, None)


@dataclass
class Tab:
    """One page in a fresh context, recording every request it makes and every error it logs."""

    page: Page
    origin: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    submits: list[str] = field(default_factory=list)

    # --- what the page did ------------------------------------------------------------------

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not (url == self.origin or url.startswith(self.origin + "/"))]

    def assert_clean(self) -> None:
        assert not self.foreign_requests(), f"requests outside {self.origin}: {self.foreign_requests()}"
        assert not self.errors, f"the page logged errors: {self.errors}"

    # --- the playground -----------------------------------------------------------------------

    def open_playground(self) -> Page:
        self.page.goto(self.origin + "/")
        self.page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
        return self.page

    def field(self, name: str) -> Any:
        return self.page.get_by_label(name, exact=True)

    def choose_model(self, model_id: str) -> None:
        """Pick a model and wait until the form is drawn from its input_schema."""
        self.page.get_by_label("Model", exact=True).select_option(model_id)
        expect(self.page.locator("#inputs")).to_have_attribute("data-model", model_id, timeout=WAIT_MS)

    def wait_until(self, script: str, timeout_s: float = WAIT_MS / 1000) -> Any:
        """Poll a function of the page until it answers something truthy. (Playwright's wait_for_function
        compiles its predicate with eval, which the page's Content-Security-Policy rightly refuses.)"""
        deadline = time.monotonic() + timeout_s
        while True:
            value = self.page.evaluate(script)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"the page never made {script!r} true")
            self.page.wait_for_timeout(100)

    def generate(self) -> None:
        self.page.get_by_role("button", name="Generate", exact=True).click()

    def wait_status(self, word: str) -> None:
        self.page.wait_for_selector(f"#status-word[data-status={word}]", timeout=WAIT_MS)

    def wait_video(self) -> dict[str, Any]:
        """Wait until the result video can play, then report what the element says of it."""
        self.wait_until("() => document.querySelector('#video').readyState >= 2")
        report: dict[str, Any] = self.page.evaluate(
            "() => { const v = document.querySelector('#video');"
            " return {readyState: v.readyState, duration: v.duration, width: v.videoWidth, height: v.videoHeight,"
            " error: v.error ? v.error.code : null, src: v.currentSrc}; }"
        )
        return report

    def result_facts(self) -> dict[str, str]:
        """The result panel's description list, term -> value."""
        self.page.wait_for_selector("#result-facts dt:text-is('fingerprint')", timeout=WAIT_MS)
        pairs: list[list[str]] = self.page.eval_on_selector_all(
            "#result-facts dt", "dts => dts.map(dt => [dt.textContent, dt.nextElementSibling.textContent])"
        )
        return dict((k, v) for k, v in pairs)

    def open_drawer(self) -> None:
        self.page.get_by_role("button", name="Controls", exact=True).click()
        self.page.wait_for_selector("#clock-facts dt", timeout=WAIT_MS)

    def advance(self, seconds: int) -> None:
        self.page.get_by_label("advance by (s)", exact=True).fill(str(seconds))
        self.page.get_by_role("button", name="Advance", exact=True).click()
        self.page.wait_for_selector(f"#drawer-message:text-is('Advanced {seconds} s.')", timeout=WAIT_MS)

    def submitted_bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the submits this tab sent (recorded from the network)."""
        return [json.loads(body) for body in self.submits]


@dataclass
class BrowserSession:
    browser: Browser

    @contextlib.contextmanager
    def tab(self, server: Server, check: bool = True) -> Iterator[Tab]:
        """A fresh context (its own local storage, so its own token) and one page in it."""
        context: BrowserContext = self.browser.new_context(viewport=VIEWPORT, accept_downloads=False)
        page = context.new_page()
        tab = Tab(page, server.origin)

        def on_request(request: Request) -> None:
            tab.requests.append(request.url)
            if request.method == "POST" and "/v1/models/" in request.url and request.post_data:
                tab.submits.append(request.post_data)

        def on_response(response: Response) -> None:
            # API errors are part of what the tests provoke; a page or an asset that fails is a bug.
            path = response.url.removeprefix(server.origin)
            if response.status >= 400 and (path in PAGES or path.startswith("/static/")):
                tab.errors.append(f"{response.status} on {response.url}")

        def on_console(message: ConsoleMessage) -> None:
            # Chromium logs every 4xx/5xx answer to fetch() as an error; those are checked above.
            if message.type == "error" and not message.text.startswith(FAILED_LOAD):
                tab.errors.append(message.text)

        context.on("request", on_request)
        context.on("response", on_response)
        page.on("console", on_console)
        page.on("pageerror", lambda exc: tab.errors.append(f"uncaught: {exc}"))
        try:
            yield tab
            if check:
                tab.assert_clean()
        finally:
            context.close()


@contextlib.contextmanager
def launch(executable: str) -> Iterator[BrowserSession]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS), headless=True)
        try:
            yield BrowserSession(browser)
        finally:
            browser.close()


def finished_job_screenshot(tab: Tab, path: Path, prompt: str = "a corgi surfing a wave at sunset") -> Path:
    """The README's picture: the playground with a finished text-to-video job, its video showing a frame
    from its second second. Saved as a small palette PNG."""
    page = tab.open_playground()
    tab.choose_model("kling/kling-3.0/standard/text-to-video")
    tab.field("prompt").fill(prompt)
    tab.field("duration").fill("5")
    tab.field("sound").check()
    tab.generate()
    tab.wait_status("completed")
    tab.wait_video()
    tab.result_facts()
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 1200})  # down to the Generate button
    page.evaluate("() => new Promise(done => { const v = document.querySelector('#video');"
                  " v.addEventListener('seeked', done, {once: true}); v.currentTime = 1.5; })")
    tab.wait_until("() => { const v = document.querySelector('#video'); return !v.seeking && v.readyState >= 3; }")
    expect(page.locator("#history .history-item").first).to_contain_text("succeeded", timeout=WAIT_MS)
    page.evaluate("() => { window.scrollTo(0, 0); document.activeElement.blur(); }")
    page.wait_for_timeout(500)  # the player's controls settle after the seek
    raw = path.with_suffix(".raw.png")
    page.screenshot(path=str(raw))
    from PIL import Image

    with Image.open(raw) as image:
        image.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    raw.unlink()
    return path
