"""`kling-mock run` against a running mock, as a user would call it: exit codes and a playable download."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts._live import LiveServer, free_port
from mock_server.app import create_app
from mock_server.media import inspect_mp4
from mock_server.settings import Settings

KLING = str(Path(sys.executable).parent / "kling-mock")
T2V = "kling/kling-3.0/standard/text-to-video"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = Settings(clock="real", speed=500, queue_wait_s=1, cache_dir=tmp_path_factory.mktemp("media"))
    with LiveServer(create_app(settings)) as srv:
        yield srv


def run(
    args: list[str], base_url: str, token: str | None = "cli-user", timeout: float = 120, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNCOMFY_") and k != "CI"}
    env.update(extra_env)
    env["RUNCOMFY_MODEL_API_BASE"] = base_url
    if token is not None:
        env["RUNCOMFY_TOKEN"] = token
    return subprocess.run([KLING, *args], capture_output=True, text=True, env=env, timeout=timeout)


def test_run_downloads_a_playable_mp4_and_exits_0(server: LiveServer, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run(["run", T2V, "--input", '{"prompt": "a cat"}', "--output-dir", str(out), "--poll-secs", "0.2"], server.base_url)
    assert proc.returncode == 0, proc.stderr
    files = list(out.glob("*.mp4"))
    assert len(files) == 1
    info = inspect_mp4(files[0])
    assert (info["width"], info["height"], info["duration"]) == (1920, 1080, 5.0)
    assert info["fingerprint"]["magic_ok"]


def test_a_bad_duration_exits_65(server: LiveServer) -> None:
    proc = run(["run", T2V, "--input", '{"prompt": "a cat", "duration": 20}', "--no-download"], server.base_url)
    assert proc.returncode == 65
    assert "422001" in proc.stderr


def test_no_token_exits_77(server: LiveServer) -> None:
    proc = run(["run", T2V, "--input", '{"prompt": "a cat"}'], server.base_url, token=None)
    assert proc.returncode == 77


def test_a_stopped_server_exits_1() -> None:
    port = free_port()  # nothing listens there: the connection is refused
    proc = run(["run", T2V, "--input", '{"prompt": "a cat"}'], f"http://127.0.0.1:{port}/v1", timeout=60)
    assert proc.returncode == 1


def test_status_result_cancel_and_models_commands(server: LiveServer) -> None:
    submitted = run(["run", T2V, "--input", '{"prompt": "a dog"}', "--no-wait"], server.base_url)
    assert submitted.returncode == 0, submitted.stderr
    import json

    request_id = json.loads(submitted.stdout)["request_id"]
    assert run(["status", request_id], server.base_url).returncode == 0
    assert run(["cancel", request_id], server.base_url).returncode == 0
    models = run(["models", "list", "--output", "json"], server.base_url)
    assert models.returncode == 0 and json.loads(models.stdout)["total"] == 6
    assert run(["status", request_id], server.base_url, token="someone-else").returncode == 77


def test_balance_and_whoami_against_the_mocks_other_hosts(server: LiveServer) -> None:
    """The two other bases RunComfy's CLI reads, both pointed at the mock."""
    bases = {"RUNCOMFY_SERVERLESS_API_BASE": server.origin + "/prod/v2", "RUNCOMFY_WEB_BASE": server.origin}
    balance = run(["balance"], server.base_url, **bases)
    assert balance.returncode == 0, balance.stderr
    assert balance.stdout.startswith("balance: $") and balance.stdout.rstrip().endswith(" USD")
    me = run(["whoami"], server.base_url, token="cli-whoami", **bases)
    assert me.returncode == 0, me.stderr
    assert "token type: api" in me.stderr and "user id: " in me.stderr
    assert run(["whoami"], server.base_url, token=None, **bases).returncode == 77


def test_the_mocks_own_catalog_shows_no_critical_drift(server: LiveServer) -> None:
    """`drift --target URL` on the mock: the catalog it serves says what its openapi.yaml says."""
    proc = run(["drift", "--target", server.base_url, "--min-severity", "critical"], server.base_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "drift: 0 critical" in proc.stdout
