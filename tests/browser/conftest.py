"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, against `kling-mock serve`.

Two servers, started once for the browser tests of a test process (package scope, see `browser`): one
with a fast real clock (jobs finish in about a second of wall time) and one with a manual clock (jobs wait
in the queue until a test moves time). Each test gets a
fresh browser context, so a fresh local storage and so a fresh token: tests never see each other's jobs.

Every page a test opens records the requests it makes and the errors it logs; a request outside the
page's own origin, a Content-Security-Policy violation or an uncaught script error fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import CHROMIUM, BrowserSession, Server, Tab, launch, serve_together


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; `make test` does it)")
    return CHROMIUM


@pytest.fixture(scope="package")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """[fast, manual]. Fast: speed 100 and a queue wait of 150 s of clock time, so a job is seen queued for
    1.5 s even on a busy machine, then finishes a second later. Manual: a job waits until a test moves time."""
    fast = (tmp_path_factory.mktemp("fast-media"),
            ("--speed", "100", "--set", "queue_wait_s=150", "--set", "queue_wait_jitter=0", "--seed", "11"))
    manual = (tmp_path_factory.mktemp("manual-media"), ("--clock", "manual", "--seed", "12"))
    with serve_together(fast, manual) as both:
        yield both


@pytest.fixture(scope="package")
def fast_server(servers: list[Server]) -> Server:
    return servers[0]


@pytest.fixture(scope="package")
def manual_server(servers: list[Server]) -> Server:
    return servers[1]


@pytest.fixture(scope="package")
def browser(chromium_path: str, servers: list[Server]) -> Iterator[BrowserSession]:
    """Package scope: Playwright's sync API keeps an event loop running in this thread while it is open,
    which would break any later test that calls asyncio.run(); it closes when the browser tests are done.
    It asks for the servers so that it closes first (its open connections would hold up their shutdown)."""
    with launch(chromium_path) as session:
        yield session


@pytest.fixture
def fast(browser: BrowserSession, fast_server: Server) -> Iterator[Tab]:
    with browser.tab(fast_server) as tab:
        yield tab


@pytest.fixture
def manual(browser: BrowserSession, manual_server: Server) -> Iterator[Tab]:
    with browser.tab(manual_server) as tab:
        yield tab
