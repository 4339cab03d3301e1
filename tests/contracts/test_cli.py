"""The client CLI: exit codes, input sources, progress, Ctrl-C and downloads, against a scripted fake.

The fake API is a dict of routes served by httpx.MockTransport; time is a fake clock, so nothing sleeps.
"""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts import cli

BASE = "http://127.0.0.1:8765/v1"
MODEL = "kling/kling-3.0/pro/text-to-video"
VIDEO = "https://cdn.runcomfy.net/out/req-1/video.mp4"
GLOBAL = ["--base-url", BASE, "--token", "tok"]

Route = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class Fake:
    """Routes keyed by ``"METHOD /path"``; a list is served in order, its last item repeating."""

    routes: dict[str, Route | list[Route]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = f"{request.method} {request.url.path}"
        if request.url.host != "127.0.0.1":
            key = f"{request.method} {request.url}"
        route = self.routes.get(key)
        if route is None:
            return httpx.Response(404, json={"error_code": 404001, "error_message": f"no route {key}"})
        if isinstance(route, list):
            route = route.pop(0) if len(route) > 1 else route[0]
        if isinstance(route, Exception):
            raise route
        if callable(route) and not isinstance(route, httpx.Response):
            return route(request)
        return route

    def calls(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def job(statuses: list[str], result: dict[str, Any] | None = None) -> Fake:
    """A fake where one submit creates req-1, which walks through ``statuses``."""
    status_bodies: list[Route] = []
    for state in statuses:
        body: dict[str, Any] = {"request_id": "req-1", "status": state}
        if state == "in_queue":
            body["queue_position"] = 1
        status_bodies.append(httpx.Response(200, json=body))
    return Fake(
        {
            f"POST /v1/models/{MODEL}": httpx.Response(
                200,
                json={
                    "request_id": "req-1",
                    "status_url": f"{BASE}/requests/req-1/status",
                    "result_url": f"{BASE}/requests/req-1/result",
                    "cancel_url": f"{BASE}/requests/req-1/cancel",
                },
            ),
            "GET /v1/requests/req-1/status": status_bodies,
            "GET /v1/requests/req-1/result": httpx.Response(
                200,
                json=result
                or {"request_id": "req-1", "status": "succeeded", "output": {"video": VIDEO}, "error": None},
            ),
            f"GET {VIDEO}": httpx.Response(200, content=b"\x00\x00\x00\x18ftypmp42fake"),
            "POST /v1/requests/req-1/cancel": httpx.Response(
                200, json={"request_id": "req-1", "status": "cancelled", "outcome": "cancelled"}
            ),
        }
    )


class TtyStream(io.StringIO):
    def isatty(self) -> bool:
        return True


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    fake: Fake

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(
    argv: list[str],
    fake: Fake | None = None,
    *,
    stdin: str = "",
    tty: bool = False,
    sleep: Callable[[float], None] | None = None,
) -> Outcome:
    fake = fake or Fake()
    now = [0.0]

    def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    out = io.StringIO()
    err: io.StringIO = TtyStream() if tty else io.StringIO()
    code = cli.main(
        argv,
        httpx.MockTransport(fake),
        sleep=sleep or fake_sleep,
        monotonic=lambda: now[0],
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
    )
    return Outcome(code, out.getvalue(), err.getvalue(), fake)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RUNCOMFY_TOKEN", raising=False)
    monkeypatch.delenv("RUNCOMFY_MODEL_API_BASE", raising=False)
    monkeypatch.chdir(tmp_path)  # `run` downloads into "." by default


def error(status: int, code: int, message: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"error_code": code, "error_message": message, **extra})


# --------------------------------------------------------------------------------------------------
# Exit code 0: success


def test_run_submits_waits_prints_result_and_downloads(tmp_path: Path) -> None:
    fake = job(["in_queue", "in_progress", "completed"])
    out_dir = tmp_path / "out"
    result = run_cli(
        ["run", MODEL, "--input", '{"prompt": "a cat"}', "--output-dir", str(out_dir), *GLOBAL], fake
    )
    assert result.code == 0, result.err
    assert result.json()["output"] == {"video": VIDEO}
    assert "request_id: req-1" in result.err
    assert (out_dir / "video.mp4").read_bytes().startswith(b"\x00\x00\x00\x18ftyp")
    assert json.loads(fake.requests[0].content) == {"prompt": "a cat"}
    assert fake.requests[0].headers["Authorization"] == "Bearer tok"
    download = fake.requests[-1]
    assert str(download.url) == VIDEO and "Authorization" not in download.headers


def test_run_downloads_into_the_current_folder_by_default_without_overwriting(tmp_path: Path) -> None:
    (tmp_path / "video.mp4").write_bytes(b"older")
    result = run_cli(["run", MODEL, "--input", "{}", *GLOBAL], job(["completed"]))
    assert result.code == 0, result.err
    assert (tmp_path / "video.mp4").read_bytes() == b"older"
    assert (tmp_path / "video-1.mp4").exists()


def test_run_no_download_only_prints(tmp_path: Path) -> None:
    fake = job(["completed"])
    result = run_cli(["run", MODEL, "--input", "{}", "--no-download", *GLOBAL], fake)
    assert result.code == 0
    assert not (tmp_path / "video.mp4").exists()
    assert "GET /out/req-1/video.mp4" not in fake.calls()


def test_run_no_wait_prints_the_submit_answer_and_does_not_poll() -> None:
    fake = job(["in_queue"])
    result = run_cli(["run", MODEL, "--input", "{}", "--no-wait", *GLOBAL], fake)
    assert result.code == 0
    assert result.json()["request_id"] == "req-1"
    assert fake.calls() == [f"POST /v1/models/{MODEL}"]


def test_run_skips_urls_outside_the_allowed_hosts_but_succeeds(tmp_path: Path) -> None:
    fake = job(
        ["completed"],
        {"request_id": "req-1", "status": "succeeded", "output": {"video": "https://evil.example.com/v.mp4"}},
    )
    result = run_cli(["run", MODEL, "--input", "{}", *GLOBAL], fake)
    assert result.code == 0
    assert "not downloaded" in result.err and "evil.example.com" in result.err
    assert all(r.url.host != "evil.example.com" for r in fake.requests)


def test_run_reads_inputs_from_stdin_and_from_a_file(tmp_path: Path) -> None:
    for argv in (["run", MODEL, "-"], ["run", MODEL, "--input-file", "-"]):
        fake = job(["completed"])
        result = run_cli([*argv, "--no-download", *GLOBAL], fake, stdin='{"prompt": "piped"}')
        assert result.code == 0, result.err
        assert json.loads(fake.requests[0].content) == {"prompt": "piped"}
    path = tmp_path / "req.json"
    path.write_text('{"prompt": "from file", "duration": 10}')
    fake = job(["completed"])
    assert run_cli(["run", MODEL, "--input-file", str(path), "--no-download", *GLOBAL], fake).code == 0
    assert json.loads(fake.requests[0].content) == {"prompt": "from file", "duration": 10}


def test_token_and_base_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOMFY_TOKEN", "env-tok")
    monkeypatch.setenv("RUNCOMFY_MODEL_API_BASE", BASE)
    fake = Fake(
        {"GET /v1/requests/r/status": httpx.Response(200, json={"request_id": "r", "status": "in_queue"})}
    )
    result = run_cli(["status", "r"], fake)
    assert result.code == 0
    assert str(fake.requests[0].url) == f"{BASE}/requests/r/status"
    assert fake.requests[0].headers["Authorization"] == "Bearer env-tok"


def test_status_result_cancel_and_catalog_print_json() -> None:
    fake = Fake(
        {
            "GET /v1/requests/r/status": httpx.Response(
                200, json={"request_id": "r", "status": "in_progress"}
            ),
            "GET /v1/requests/r/result": httpx.Response(
                200, json={"request_id": "r", "status": "succeeded", "output": {"video": VIDEO}, "cost": 0.56}
            ),
            "POST /v1/requests/r/cancel": httpx.Response(
                200, json={"request_id": "r", "status": "in_progress", "outcome": "not_cancellable"}
            ),
            "GET /v1/models": httpx.Response(200, json={"models": [{"model_id": MODEL}], "total": 1}),
            "GET /v1/models/categories": httpx.Response(200, json={"categories": ["video"]}),
            f"GET /v1/models/{MODEL}": httpx.Response(200, json={"model_id": MODEL, "input_schema": {}}),
        }
    )
    assert run_cli(["status", "r", *GLOBAL], fake).json()["status"] == "in_progress"
    assert run_cli(["result", "r", "--include-cost", *GLOBAL], fake).json()["cost"] == 0.56
    assert str(fake.requests[-1].url).endswith("/requests/r/result?include_cost=true")
    cancelled = run_cli(["cancel", "r", *GLOBAL], fake)
    assert (cancelled.code, cancelled.json()["outcome"]) == (0, "not_cancellable")
    listed = run_cli(
        ["models", "list", "--limit", "5", "--offset", "5", "--category", "video", *GLOBAL], fake
    )
    assert listed.json()["models"][0]["model_id"] == MODEL
    assert str(fake.requests[-1].url) == f"{BASE}/models?limit=5&offset=5&category=video"
    assert run_cli(["models", "categories", *GLOBAL], fake).json() == {"categories": ["video"]}
    assert run_cli(["models", "get", MODEL, *GLOBAL], fake).json()["model_id"] == MODEL
    assert str(fake.requests[-1].url) == f"{BASE}/models/{MODEL}"
    # The global options are accepted on the group too.
    assert run_cli(["models", "--base-url", BASE, "--token", "t", "categories"], fake).code == 0


# --------------------------------------------------------------------------------------------------
# Exit code 1: failed or cancelled job, refused connection, Ctrl-C


def test_a_failed_job_exits_1_after_printing_the_result() -> None:
    fake = job(
        ["in_progress", "completed"],
        {
            "request_id": "req-1",
            "status": "failed",
            "error": {"error_code": 500001, "error_message": "gpu lost"},
        },
    )
    result = run_cli(["run", MODEL, "--input", "{}", *GLOBAL], fake)
    assert result.code == 1
    assert result.json()["status"] == "failed"
    assert "error: request req-1 failed 500001: gpu lost" in result.err


def test_a_cancelled_job_exits_1() -> None:
    fake = job(["in_queue", "cancelled"], {"request_id": "req-1", "status": "cancelled"})
    assert run_cli(["run", MODEL, "--input", "{}", *GLOBAL], fake).code == 1
    assert run_cli(["result", "req-1", *GLOBAL], fake).code == 1


def test_a_refused_connection_exits_1() -> None:
    fake = Fake({"GET /v1/requests/r/status": httpx.ConnectError("[Errno 111] Connection refused")})
    result = run_cli(["status", "r", *GLOBAL], fake)
    assert result.code == 1
    assert "Connection refused" in result.err


def test_ctrl_c_while_waiting_cancels_the_request_and_exits_1() -> None:
    fake = job(["in_queue"])
    polls = 0

    def interrupt(seconds: float) -> None:
        nonlocal polls
        polls += 1
        if polls == 2:
            raise KeyboardInterrupt

    result = run_cli(["run", MODEL, "--input", "{}", *GLOBAL], fake, sleep=interrupt)
    assert result.code == 1
    assert fake.calls()[-1] == "POST /v1/requests/req-1/cancel"
    assert "cancel: cancelled" in result.err
    assert result.out == ""


def test_ctrl_c_on_a_running_job_reports_not_cancellable() -> None:
    fake = job(["in_progress"])
    fake.routes["POST /v1/requests/req-1/cancel"] = httpx.Response(
        200, json={"request_id": "req-1", "status": "in_progress", "outcome": "not_cancellable"}
    )

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    result = run_cli(["run", MODEL, "--input", "{}", *GLOBAL], fake, sleep=interrupt)
    assert result.code == 1
    assert "could not be cancelled" in result.err


# --------------------------------------------------------------------------------------------------
# Exit code 2: bad arguments


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["run"],
        ["run", MODEL, "--input", "{}", "--input-file", "x.json"],
        ["run", MODEL, "--poll-secs", "zero"],
        ["run", MODEL, "--timeout", "-1"],
        ["models"],
        ["status"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli([*argv, *GLOBAL] if argv else argv)
    assert result.code == 2
    assert result.fake.requests == []


def test_a_base_url_that_is_not_http_exits_2() -> None:
    result = run_cli(["status", "r", "--base-url", "ftp://x/v1", "--token", "t"])
    assert result.code == 2


# --------------------------------------------------------------------------------------------------
# Exit code 65: bad input, HTTP 400/404/422


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", MODEL, "--input", "{not json"], "invalid input JSON"),
        (["run", MODEL, "--input", "[1, 2]"], "JSON object"),
        (["run", MODEL, "--input-file", "/nonexistent/req.json"], "cannot read input file"),
        (["run", "kling-3.0", "--input", "{}"], "not a valid model id"),
    ],
)
def test_bad_input_exits_65_without_calling_the_server(argv: list[str], message: str) -> None:
    result = run_cli([*argv, *GLOBAL])
    assert result.code == 65
    assert message in result.err
    assert result.fake.requests == []


@pytest.mark.parametrize(
    ("response", "line"),
    [
        (error(400, 400001, "invalid model_id"), "error: 400 400001: invalid model_id"),
        (error(404, 404001, "unknown request"), "error: 404 404001: unknown request"),
        (
            error(422, 422001, "validation error", detail=[{"loc": ["body", "duration"], "msg": "<= 15"}]),
            "error: 422 422001: validation error\n  body.duration: <= 15",
        ),
        (error(200, 400004, "token expired"), "error: 200 400004: token expired"),
    ],
)
def test_client_errors_exit_65(response: httpx.Response, line: str) -> None:
    fake = Fake({f"POST /v1/models/{MODEL}": response})
    result = run_cli(["run", MODEL, "--input", '{"duration": 20}', *GLOBAL], fake)
    assert result.code == 65
    assert line in result.err


# --------------------------------------------------------------------------------------------------
# Exit code 69: HTTP 5xx


@pytest.mark.parametrize(
    ("response", "line"),
    [
        (error(500, 500001, "internal error"), "error: 500 500001: internal error"),
        (
            httpx.Response(502, text="<html><title>502 Bad gateway</title><body>cloudflare</body></html>"),
            "error: 502: 502 Bad gateway",
        ),
    ],
)
def test_server_errors_exit_69(response: httpx.Response, line: str) -> None:
    result = run_cli(["status", "r", *GLOBAL], Fake({"GET /v1/requests/r/status": response}))
    assert result.code == 69
    assert line in result.err


# --------------------------------------------------------------------------------------------------
# Exit code 75: 408/429, time-outs


@pytest.mark.parametrize(
    "response",
    [
        error(429, 429001, "rate limited"),
        httpx.Response(408, text="Request Timeout"),
        httpx.ReadTimeout("timed out"),
    ],
)
def test_rate_limits_and_time_outs_exit_75(response: Route) -> None:
    result = run_cli(["cancel", "r", *GLOBAL], Fake({"POST /v1/requests/r/cancel": response}))
    assert result.code == 75


def test_run_timeout_exits_75_and_leaves_the_job_alone() -> None:
    fake = job(["in_progress"])
    result = run_cli(["run", MODEL, "--input", "{}", "--timeout", "5", *GLOBAL], fake)
    assert result.code == 75
    assert "not finished after 5s" in result.err
    assert "POST /v1/requests/req-1/cancel" not in fake.calls()


# --------------------------------------------------------------------------------------------------
# Exit code 77: 401/403, no token


def test_no_token_exits_77_without_calling_the_server() -> None:
    result = run_cli(["run", MODEL, "--input", "{}", "--base-url", BASE])
    assert result.code == 77
    assert "no token" in result.err
    assert result.fake.requests == []


@pytest.mark.parametrize(("status", "code"), [(401, 401001), (403, 403001)])
def test_auth_errors_exit_77(status: int, code: int) -> None:
    fake = Fake({"GET /v1/requests/r/result": error(status, code, "nope")})
    result = run_cli(["result", "r", *GLOBAL], fake)
    assert result.code == 77
    assert f"error: {status} {code}: nope" in result.err


# --------------------------------------------------------------------------------------------------
# Progress


def test_progress_without_a_tty_is_one_line_per_state_change() -> None:
    fake = job(["in_queue", "in_queue", "in_progress", "in_progress", "completed"])
    result = run_cli(["run", MODEL, "--input", "{}", "--no-download", *GLOBAL], fake)
    assert result.code == 0
    lines = result.err.splitlines()
    assert lines == ["request_id: req-1", "in_queue (position 1)", "in_progress", "completed"]
    assert "\r" not in result.err


def test_progress_on_a_tty_rewrites_one_line_with_elapsed_time() -> None:
    fake = job(["in_queue", "in_progress", "completed"])
    result = run_cli(["run", MODEL, "--input", "{}", "--no-download", *GLOBAL], fake, tty=True)
    assert result.code == 0
    assert "\rin_queue (position 1)  0s" in result.err
    assert "\rin_progress  2s" in result.err
    assert "\rcompleted  4s" in result.err
    assert result.err.count("\n") == 2  # the request id line and the end of the progress line


# --------------------------------------------------------------------------------------------------
# Mounting into another program


def test_add_commands_mounts_beside_other_subcommands() -> None:
    parser = argparse.ArgumentParser(prog="kling-mock")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve").set_defaults(func=lambda args: 0)
    cli.add_commands(sub)
    args = parser.parse_args(["models", "get", MODEL, "--token", "t"])
    assert args.func is cli.dispatch
    assert args.model_id == MODEL and args.token == "t"
    assert parser.parse_args(["serve"]).command == "serve"


def test_exit_code_mapping_matches_the_real_cli() -> None:
    from contracts import ApiError, TransportError, WaitTimeout

    assert cli.exit_code_for(ApiError(401, "x")) == 77
    assert cli.exit_code_for(ApiError(403, "x")) == 77
    assert cli.exit_code_for(ApiError(408, "x")) == 75
    assert cli.exit_code_for(ApiError(429, "x")) == 75
    assert cli.exit_code_for(ApiError(503, "x")) == 69
    assert cli.exit_code_for(ApiError(404, "x")) == 65
    assert cli.exit_code_for(ApiError(200, "x", error_code=401001)) == 77
    assert cli.exit_code_for(ApiError(200, "malformed")) == 1
    assert cli.exit_code_for(TransportError("refused")) == 1
    assert cli.exit_code_for(TransportError("slow", is_timeout=True)) == 75
    assert cli.exit_code_for(WaitTimeout("r", 5)) == 75
