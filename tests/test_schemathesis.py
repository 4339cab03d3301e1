"""schemathesis judges the server against openapi.yaml: every check, every phase, stateful included.

Two ways in: the app in this process (uvicorn on a thread), and `kling-mock serve` as a user runs it.
Both must give zero failures. The report is kept under the test's tmp dir for reading on failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from contracts._live import LiveServer, free_port, served_process
from mock_server.app import create_app
from mock_server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# A token allowlist, so that schemathesis' `ignored_auth` check sees made-up tokens refused.
TOKEN = "schemathesis"


def run_schemathesis(origin: str, report: Path, max_examples: int = 25) -> subprocess.CompletedProcess[str]:
    cmd = [
        str(BIN / "st"),
        "--config-file",
        str(ROOT / "schemathesis.toml"),
        "run",
        f"{origin}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--header",
        f"Authorization: Bearer {TOKEN}",
        "--max-examples",
        str(max_examples),
        "--seed",
        "1",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "contracts.schemathesis_hooks"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=report.parent, env=env)


def assert_clean(proc: subprocess.CompletedProcess[str]) -> None:
    tail = proc.stdout[-6000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    assert "No issues found" in proc.stdout or " passed" in proc.stdout, tail


def test_schemathesis_finds_nothing_against_the_app_in_process(tmp_path: Path) -> None:
    settings = Settings(clock="real", speed=2000, cache_dir=tmp_path / "media", queue_wait_s=1, tokens=[TOKEN])
    with LiveServer(create_app(settings)) as server:
        assert_clean(run_schemathesis(server.origin, tmp_path / "junit.xml"))


def test_schemathesis_finds_nothing_against_kling_mock_serve(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "KLING_MOCK_CACHE_DIR": str(tmp_path / "media"), "KLING_MOCK_TOKENS": f'["{TOKEN}"]'}
    origin = f"http://127.0.0.1:{port}"
    serve = [str(BIN / "kling-mock"), "serve", "--port", str(port), "--speed", "2000", "--seed", "3"]
    with served_process(serve, f"{origin}/openapi.json", env):
        assert_clean(run_schemathesis(origin, tmp_path / "junit.xml", max_examples=15))
