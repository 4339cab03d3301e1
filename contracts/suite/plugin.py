"""pytest plugin of the contract suite: the `--target`, `--token`, `--other-token`, `--max-spend` options
and the session-wide `target` fixture.

Load it explicitly (`-p contracts.suite.plugin`) rather than through the always-on `kling_mock` plugin, so
these options never appear in, or clash with, the test runs of projects that merely install the harness.

    pytest --pyargs contracts.suite -p contracts.suite.plugin [--target mock|real|URL] [--token T]
           [--other-token T2] [--max-spend USD]

Each pytest process (each xdist worker too) starts its own in-process mock for `--target mock`, so runs
never share a server or a clock.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from contracts import DEFAULT_BASE_URL
from contracts._env import in_ci

from .target import Kind, Target

_SPENDING_KEY = pytest.StashKey[list[float]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract-suite", "Kling contract suite (contracts.suite)")
    group.addoption(
        "--target",
        default="mock",
        help="mock (default: an in-process mock with a manual clock), real (RunComfy's API, needs "
        "RUNCOMFY_TOKEN), or the API base URL of any server, including /v1 (http://127.0.0.1:8000/v1).",
    )
    group.addoption("--token", default=None, help="Bearer token (default: RUNCOMFY_TOKEN for real, any for a URL).")
    group.addoption(
        "--other-token",
        default=None,
        help="A second account's token, for the 403001 check on URL and real targets (mock: automatic).",
    )
    group.addoption(
        "--max-spend",
        type=float,
        default=0.0,
        help="USD the suite may spend on the real API (default 0: only free calls run). Estimates are "
        "printed before each paid call.",
    )


def real_mode_refusal(token: str | None) -> str | None:
    """Why the suite must not call the real API now, if it must not: never from CI (a shared pipeline
    must not spend anyone's money or leak their token), and never without a token."""
    if in_ci():
        return "contract suite: --target real never runs in CI (CI is set); run it by hand"
    if not token:
        return "contract suite: --target real needs RUNCOMFY_TOKEN (or --token); nothing was called"
    return None


def _parse_target(value: str) -> tuple[Kind, str]:
    """(kind, base URL) of a `--target` value; a URL without a path gets `/v1`."""
    if value == "mock":
        return "mock", ""
    if value == "real":
        return "real", DEFAULT_BASE_URL
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise pytest.UsageError(f"--target must be mock, real or an http(s) URL, got {value!r}")
    base = value.rstrip("/")
    if parts.path in ("", "/"):
        base += "/v1"
    if not base.endswith("/v1"):
        raise pytest.UsageError(f"--target URL must be the API base, ending in /v1 (e.g. {base}/v1), got {value!r}")
    return "url", base


def pytest_configure(config: pytest.Config) -> None:
    _parse_target(str(config.getoption("--target")))  # fail on a bad value before collecting anything
    config.stash[_SPENDING_KEY] = []


def pytest_report_header(config: pytest.Config) -> str:
    kind, base = _parse_target(str(config.getoption("--target")))
    where = "an in-process mock (manual clock)" if kind == "mock" else base
    spend = f", --max-spend ${float(config.getoption('--max-spend')):.2f}" if kind == "real" else ""
    return f"contract suite target: {kind}: {where}{spend}"


def _reporter(config: pytest.Config) -> Callable[[str], None]:
    """A function that prints a line to the terminal even while pytest captures the test's output, so a
    spending estimate is seen before the call it announces."""
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def report(line: str) -> None:
        if terminal is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                terminal.write_line(line)
        else:
            print(line, file=sys.__stderr__, flush=True)

    return report


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The server under test (see `contracts.suite.target.Target`); one per pytest process."""
    config = request.config
    kind, base = _parse_target(str(config.getoption("--target")))
    token = config.getoption("--token")
    other = config.getoption("--other-token")
    report = _reporter(config)
    if kind == "real":
        token = token or os.environ.get("RUNCOMFY_TOKEN")
        refusal = real_mode_refusal(token)
        if refusal:
            pytest.skip(refusal)
    if kind == "mock":
        from contracts._live import LiveServer
        from mock_server.app import create_app
        from mock_server.settings import Settings

        app = create_app(Settings(clock="manual", cache_dir=tmp_path_factory.mktemp("suite-media")))
        with LiveServer(app) as server:
            t = Target("mock", server.base_url, token or "contract-suite", report=report)
            t.probe_clock()
            try:
                yield t
            finally:
                t.close()
        return
    t = Target(
        kind,
        base,
        str(token or "contract-suite"),
        max_spend=float(config.getoption("--max-spend")),
        other_token=other,
        report=report,
        # xdist workers each start their own in-process mock, but share a server given by URL.
        shared_clock=int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1,
    )
    t.probe_clock()
    try:
        yield t
    finally:
        config.stash[_SPENDING_KEY].append(t.spent)
        t.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    kind, _ = _parse_target(str(config.getoption("--target")))
    if kind != "real":
        return
    spending: list[float] = config.stash.get(_SPENDING_KEY, [])
    spent = sum(spending)
    cap = float(config.getoption("--max-spend"))
    terminalreporter.write_line(f"contract suite: estimated spend ${spent:.3f} of --max-spend ${cap:.2f}")
