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
    monkeypatch.delenv("RUNCOMFY_SERVERLESS_API_BASE", raising=False)
    monkeypatch.delenv("RUNCOMFY_WEB_BASE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
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
        ["models", "list", "--limit", "5", "--offset", "5", "--category", "video", "--output", "json", *GLOBAL], fake
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


# --------------------------------------------------------------------------------------------------
# Parity with RunComfy's CLI v0.2


def test_a_missing_input_file_exits_66_and_an_unreadable_one_1(tmp_path: Path) -> None:
    """EX_NOINPUT for a file that is not there; other local read failures are unclassified (1), as the real CLI."""
    missing = run_cli(["run", MODEL, "--input-file", str(tmp_path / "nope.json"), *GLOBAL])
    assert (missing.code, missing.fake.requests) == (66, [])
    assert "does not exist" in missing.err
    (tmp_path / "latin1.json").write_bytes(b'{"prompt": "caf\xe9"}')
    for path in (tmp_path, tmp_path / "latin1.json"):  # a folder, a file that is not UTF-8
        unreadable = run_cli(["run", MODEL, "--input-file", str(path), *GLOBAL])
        assert (unreadable.code, unreadable.fake.requests) == (1, [])
        assert "cannot read input file" in unreadable.err


@pytest.mark.parametrize("word", ["running", "queued", "succeeded_partially", ""])
def test_an_unknown_status_word_ends_the_wait_with_exit_1(word: str) -> None:
    fake = job(["in_queue", word, "completed"])
    result = run_cli(["run", MODEL, "--input", "{}", *GLOBAL], fake)
    assert result.code == 1
    assert f"unexpected status `{word}`" in result.err
    assert "GET /v1/requests/req-1/result" not in fake.calls()
    assert result.out == ""


@pytest.mark.parametrize("word", ["canceled", "CANCELLED", "Succeeded", "failed"])
def test_every_terminal_spelling_the_real_cli_knows_ends_the_wait(word: str) -> None:
    fake = job(["in_progress", word], {"request_id": "req-1", "status": word.lower(), "error": None})
    result = run_cli(["run", MODEL, "--input", "{}", "--no-download", *GLOBAL], fake)
    assert "unexpected status" not in result.err
    assert "GET /v1/requests/req-1/result" in fake.calls()


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ({"error_code": "timeout", "error_message": "generation took too long"}, 75),
        ({"error_code": "internal_error", "error_message": "the GPU timed out"}, 75),
        ({"error_code": 429001, "error_message": "upstream busy"}, 75),
        ({"error_code": "auth", "error_message": "Unauthorized upstream"}, 77),
        ({"error_code": 401001, "error_message": "token revoked"}, 77),
        ({"error_code": "bad_request", "error_message": "Invalid input: start image unreadable"}, 65),
        ("invalid JSON in prompt", 65),
        ({"error_code": "content_moderation", "error_message": "refused"}, 1),
        ({"error_code": 500001, "error_message": "gpu lost"}, 1),
        (None, 1),
    ],
)
def test_a_failed_jobs_exit_code_comes_from_its_error_text(error: Any, code: int) -> None:
    body = {"request_id": "req-1", "status": "failed", "error": error}
    ran = run_cli(["run", MODEL, "--input", "{}", *GLOBAL], job(["completed"], body))
    fetched = run_cli(["result", "req-1", *GLOBAL], job(["completed"], body))
    assert (ran.code, fetched.code) == (code, code), (ran.err, fetched.err)
    assert "error: request req-1 failed" in ran.err


def test_a_cancelled_job_exits_1_whatever_its_id_says() -> None:
    body = {"request_id": "req-401-timeout", "status": "cancelled"}
    assert run_cli(["result", "req-1", *GLOBAL], job(["cancelled"], body)).code == 1


def _catalog(*models: dict[str, Any], total: int | None = None) -> httpx.Response:
    return httpx.Response(200, json={"models": list(models), "total": len(models) if total is None else total})


ENTRY = {
    "model_id": MODEL,
    "display_name": "Kling 3.0 Pro Text to Video",
    "categories": ["video", "text-to-video"],
    "base_price_usd": 0.112,
    "price_unit": "second",
}


def test_models_list_sends_every_filter_in_the_real_clis_order() -> None:
    fake = Fake({"GET /v1/models": _catalog(ENTRY)})
    argv = ["models", "list", "--search", "kling", "--category", "text-to-video", "--kind", "model",
            "--include-schema", "--limit", "500", "--offset", "3", *GLOBAL]  # fmt: skip
    assert run_cli(argv, fake).code == 0
    assert run_cli(["models", "list", "--search", " ", *GLOBAL], fake).code == 0
    assert [str(r.url) for r in fake.requests] == [
        f"{BASE}/models?limit=500&offset=3&search=kling&category=text-to-video&kind=model&include_schema=true",
        f"{BASE}/models?limit=100&offset=0",
    ]


@pytest.mark.parametrize("argv", [["--limit", "0"], ["--limit", "501"], ["--limit", "ten"], ["--offset", "-1"]])
def test_models_list_limits_are_1_to_500(argv: list[str]) -> None:
    result = run_cli(["models", "list", *argv, *GLOBAL])
    assert (result.code, result.fake.requests) == (2, [])


def test_models_list_prints_the_real_clis_table() -> None:
    other = {"model_id": "kling/kling-3.0/4k/image-to-video", "display_name": "4K", "categories": [],
             "base_price_usd": 0.42, "price_unit": "second"}  # fmt: skip
    fake = Fake({"GET /v1/models": _catalog(ENTRY, other, {"model_id": "x/y"}, total=9)})
    result = run_cli(["models", "list", "--offset", "2", *GLOBAL], fake)
    assert result.code == 0
    assert result.out.splitlines() == [
        "MODEL_ID                           NAME                         CATEGORY             PRICE",
        "kling/kling-3.0/pro/text-to-video  Kling 3.0 Pro Text to Video  video,text-to-video  $0.112/second",
        "kling/kling-3.0/4k/image-to-video  4K                           -                    $0.42/second",
        "x/y                                -                            -                    -",
    ]
    assert result.err == "Showing 3-5 of 9 (page with --offset/--limit; filter with --search/--category)\n"


def test_models_list_says_when_nothing_matched() -> None:
    result = run_cli(["models", "list", "--search", "sora", *GLOBAL], Fake({"GET /v1/models": _catalog()}))
    assert (result.code, result.out, result.err) == (0, "", "[info] No models matched.\n")


def test_models_list_prints_json_with_include_schema_or_output_json() -> None:
    fake = Fake({"GET /v1/models": _catalog(ENTRY)})
    with_schema = run_cli(["models", "list", "--include-schema", *GLOBAL], fake)
    assert json.loads(with_schema.out)["models"][0]["model_id"] == MODEL
    compact = run_cli(["models", "list", "--output", "json", *GLOBAL], fake)
    assert compact.out.count("\n") == 1 and json.loads(compact.out)["total"] == 1
    assert compact.err == ""


BALANCE = "GET https://api.runcomfy.net/prod/v2/balance"
ME = "GET https://www.runcomfy.com/api/auth/me"


def test_balance_prints_the_real_clis_line_from_the_serverless_api() -> None:
    fake = Fake({BALANCE: httpx.Response(200, json={"balance_usd": 12.345, "balance_microdollars": 12345000, "currency": "USD"})})
    result = run_cli(["balance", "--token", "tok"], fake)
    assert (result.code, result.out, result.err) == (0, "balance: $12.35 USD\n", "")
    assert fake.requests[0].headers["Authorization"] == "Bearer tok"
    compact = run_cli(["balance", "--token", "tok", "--output", "json"], fake)
    assert json.loads(compact.out) == {"balance_usd": 12.345, "balance_microdollars": 12345000, "currency": "USD"}


def test_balance_without_balance_usd_prints_the_answer() -> None:
    fake = Fake({BALANCE: httpx.Response(200, json={"currency": "EUR", "balance_microdollars": 5})})
    result = run_cli(["balance", "--token", "tok"], fake)
    assert result.code == 0 and json.loads(result.out) == {"currency": "EUR", "balance_microdollars": 5}


def test_balance_and_whoami_follow_the_clis_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOMFY_SERVERLESS_API_BASE", "http://127.0.0.1:8765/prod/v2")
    monkeypatch.setenv("RUNCOMFY_WEB_BASE", "http://127.0.0.1:8765/")
    monkeypatch.setenv("RUNCOMFY_TOKEN", "env-tok")
    fake = Fake(
        {
            "GET /prod/v2/balance": httpx.Response(200, json={"balance_usd": 1, "currency": "USD"}),
            "GET /api/auth/me": httpx.Response(200, json={"id": "acct-9"}),
        }
    )
    assert run_cli(["balance"], fake).out == "balance: $1.00 USD\n"
    assert run_cli(["whoami"], fake).code == 0
    assert run_cli(["whoami", "--web-base", "http://127.0.0.1:8765"], fake).code == 0
    assert fake.calls() == ["GET /prod/v2/balance", "GET /api/auth/me", "GET /api/auth/me"]
    assert {r.headers["Authorization"] for r in fake.requests} == {"Bearer env-tok"}


def test_whoami_prints_the_account_like_the_real_cli() -> None:
    body = {"id": "acct-1", "display_name": "my-token", "token_type": "api", "email": None}
    fake = Fake({ME: httpx.Response(200, json=body)})
    plain = run_cli(["whoami", "--token", "tok"], fake)
    assert (plain.code, plain.out) == (0, "")
    assert plain.err.splitlines() == ["[user] my-token", "   token type: api", "   user id: acct-1"]
    on_a_terminal = run_cli(["whoami", "--token", "tok"], fake, tty=True)
    assert on_a_terminal.err.splitlines()[0] == "📛 my-token"
    compact = run_cli(["whoami", "--token", "tok", "--output", "json"], fake)
    assert json.loads(compact.out) == {
        "id": "acct-1", "email": None, "display_name": "my-token", "username": None,
        "token_type": "api", "token_created_at": None,
    }  # fmt: skip


@pytest.mark.parametrize("command", ["balance", "whoami"])
def test_balance_and_whoami_need_a_token_and_exit_77_when_it_is_refused(command: str) -> None:
    assert run_cli([command]).code == 77
    fake = Fake({BALANCE: error(401, 401001, "Unauthorized"), ME: error(401, 401001, "Unauthorized")})
    refused = run_cli([command, "--token", "bad"], fake)
    assert refused.code == 77 and "401 401001" in refused.err


def test_output_json_keeps_stderr_for_errors_as_json_lines() -> None:
    fake = job(["in_queue", "in_progress", "completed"])
    ok = run_cli(["run", MODEL, "--input", "{}", "--no-download", "--output", "json", *GLOBAL], fake)
    assert ok.code == 0 and ok.err == ""
    assert ok.out.count("\n") == 1 and json.loads(ok.out)["status"] == "succeeded"
    fake = Fake({f"POST /v1/models/{MODEL}": error(422, 422001, "bad", detail=[{"loc": ["body", "duration"], "msg": "<= 15"}])})
    refused = run_cli(["run", MODEL, "--input", "{}", "--output", "json", *GLOBAL], fake)
    assert refused.code == 65
    assert json.loads(refused.err) == {"error": "422 422001: bad", "detail": ["body.duration: <= 15"]}
