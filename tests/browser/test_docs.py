"""The API docs render in Chromium, offline: `/docs` shows the OpenAPI 3.1 contract with every submit
operation, `/__mock/docs` the controls' document. (Before, the bundled Swagger UI 4 refused 3.1.)"""

from __future__ import annotations

from playwright.sync_api import Page

from .helpers import SUBMIT_PATHS, WAIT_MS, BrowserSession, Server


def operations(page: Page, origin: str, path: str) -> list[tuple[str, str]]:
    """(method, path) of every operation Swagger UI drew on the page."""
    page.goto(origin + path)
    page.wait_for_selector(".opblock-summary-path", timeout=WAIT_MS)
    pairs: list[list[str]] = page.eval_on_selector_all(
        ".opblock-summary",
        "els => els.map(e => [e.querySelector('.opblock-summary-method').textContent,"
        " e.querySelector('.opblock-summary-path').textContent.replace(/\\u200b/g, '')])",
    )
    return [(m, p) for m, p in pairs]


def test_docs_list_the_six_submit_operations(browser: BrowserSession, manual_server: Server) -> None:
    with browser.tab(manual_server) as tab:
        ops = operations(tab.page, tab.origin, "/docs")
        for path in SUBMIT_PATHS:
            assert ("POST", path) in ops, f"{path} is not in /docs: {ops}"
        assert ("GET", "/v1/requests/{request_id}/status") in ops
        assert tab.page.locator("text=Unable to render this definition").count() == 0
        assert "OAS 3.1" in tab.page.locator(".info").inner_text()


def test_controls_docs_render_the_mock_document(browser: BrowserSession, manual_server: Server) -> None:
    with browser.tab(manual_server) as tab:
        ops = operations(tab.page, tab.origin, "/__mock/docs")
        assert ("POST", "/__mock/faults") in ops
        assert ("GET", "/__mock/inspect/{request_id}") in ops
        assert not any(p.startswith("/v1/") for _, p in ops)
