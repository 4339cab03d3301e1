"""The contract suite (`contracts.suite`), run the way users run it: `pytest --pyargs contracts.suite`.

It must pass against the mock (in-process, and served at a URL), and it must *fail* against apps with a
planted bug, naming the broken rule: a suite that passes against everything proves nothing. Each run is a
subprocess with a fixed hypothesis seed, from an empty directory, so the repository's own pytest settings
do not leak in and every failure replays.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from contracts._live import LiveServer
from contracts.suite.plugin import real_mode_refusal
from contracts.suite.target import Target, estimate_cost
from mock_server.app import create_app
from mock_server.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def run_suite(cwd: Path, *args: str, env: dict[str, str] | None = None, module: str = "contracts.suite") -> str:
    """Run the suite in a subprocess; answer its exit code and output together, for the assertion messages."""
    command = [
        sys.executable, "-m", "pytest", "--pyargs", module, "-p", "contracts.suite.plugin",
        "-q", "-rfEs", "-p", "no:cacheprovider", "--hypothesis-seed=0", *args,
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=280, env={**os.environ, **(env or {})}
    )
    return f"exit code {done.returncode}\n{done.stdout}\n{done.stderr}"


def passed(output: str) -> bool:
    return output.startswith("exit code 0\n") and " passed" in output and " failed" not in output


def failed_tests(output: str) -> list[str]:
    return re.findall(r"^FAILED (\S+)", output, flags=re.MULTILINE)


# --- planted bugs: the real app behind a thin ASGI layer that breaks one rule --------------------------------


class AcceptsDuration16:
    """Bug: a submit with `duration: 16` is accepted (as if it were 15) instead of answering 422001."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith("/v1/models/"):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("duration") == 16 and not isinstance(body["duration"], bool):
            raw = json.dumps({**body, "duration": 15}).encode()
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        headers.append((b"content-length", str(len(raw)).encode()))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        await self.app({**scope, "headers": headers}, replay, send)


class _RewritesAnswers:
    """The app, with each `/v1` answer's body passed through `rewrite` before it is sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def rewrite(self, scope: Scope, token: bytes, raw: bytes) -> bytes:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        token = dict(scope["headers"]).get(b"authorization", b"")
        start: Message = {}
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = self.rewrite(scope, token, b"".join(chunks))
            headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)



class QueuePositionCountsJobsBehind(_RewritesAnswers):
    """Bug: `queue_position` also counts the account's jobs submitted *after* this one, so it grows."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.order: dict[bytes, list[str]] = {}

    def rewrite(self, scope: Scope, token: bytes, raw: bytes) -> bytes:
        try:
            data = json.loads(raw)
        except ValueError:
            return raw
        if not isinstance(data, dict):
            return raw
        if scope["method"] == "POST" and scope["path"].startswith("/v1/models/") and "status_url" in data:
            self.order.setdefault(token, []).append(str(data["request_id"]))
            return raw
        ids = self.order.get(token, [])
        if data.get("status") == "in_queue" and isinstance(data.get("queue_position"), int) and data["request_id"] in ids:
            data["queue_position"] += len(ids) - 1 - ids.index(data["request_id"])
            return json.dumps(data).encode()
        return raw

class SaysCanceledOnStatus(_RewritesAnswers):
    """Bug: `/status` speaks another API's words: `canceled` for `cancelled`, `succeeded` for `completed`."""

    WORDS: ClassVar[dict[str, str]] = {"cancelled": "canceled", "completed": "succeeded"}

    def rewrite(self, scope: Scope, token: bytes, raw: bytes) -> bytes:
        if not scope["path"].endswith("/status"):
            return raw
        data = json.loads(raw)
        if isinstance(data, dict) and data.get("status") in self.WORDS:
            data["status"] = self.WORDS[data["status"]]
            return json.dumps(data).encode()
        return raw


def _unchanged(app: ASGIApp) -> ASGIApp:
    return app


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[Callable[[ASGIApp], ASGIApp]], str]]:
    """Serve the real app, wrapped in a planted bug (or not), on a free port; answer its API base URL."""
    servers: list[LiveServer] = []

    def start(wrap: Callable[[ASGIApp], ASGIApp]) -> str:
        app = create_app(Settings(clock="manual", cache_dir=tmp_path / "media"))
        server = LiveServer(wrap(app)).start()
        servers.append(server)
        return server.base_url

    yield start
    for server in servers:
        server.stop()


# --- the suite against the mock -------------------------------------------------------------------------------


def test_the_suite_passes_against_the_in_process_mock_in_parallel(tmp_path: Path) -> None:
    """Under xdist each worker starts its own in-process mock, so the suite parallelises like any other."""
    output = run_suite(tmp_path, "-n", "2")
    assert passed(output), output


def test_the_suite_passes_against_the_app_served_at_a_url(tmp_path: Path, serve: Any) -> None:
    """The control for the planted bugs: the same app, served the same way, without a bug."""
    output = run_suite(tmp_path, "--target", serve(_unchanged), "--token", "suite-token")
    assert passed(output), output


def test_the_suite_finds_a_server_that_accepts_duration_16(tmp_path: Path, serve: Any) -> None:
    output = run_suite(tmp_path, "--target", serve(AcceptsDuration16), "--token", "suite-token")
    assert output.startswith("exit code 1\n"), output
    failures = failed_tests(output)
    assert failures, output
    assert all("duration:maximum" in f for f in failures), failures
    assert "rule 'maximum' of field 'duration' (duration=16)" in output, output


def test_the_suite_finds_a_queue_position_that_grows(tmp_path: Path, serve: Any) -> None:
    output = run_suite(tmp_path, "--target", serve(QueuePositionCountsJobsBehind), "--token", "suite-token")
    assert output.startswith("exit code 1\n"), output
    failures = failed_tests(output)
    assert failures and all("test_lifecycle_machine" in f for f in failures), failures
    assert re.search(r"queue_position (grew from \d+ to \d+|went from \d+ to \d+)", output), output


def test_the_suite_finds_status_words_clients_do_not_know(tmp_path: Path, serve: Any) -> None:
    output = run_suite(
        tmp_path, "--target", serve(SaysCanceledOnStatus), "--token", "suite-token",
        module="contracts.suite.test_lifecycle_machine",
    )  # fmt: skip
    assert output.startswith("exit code 1\n"), output
    failures = failed_tests(output)
    assert failures and all("test_the_lifecycle_keeps_the_contract" in f for f in failures), failures
    assert re.search(r"getStatus answered status '(canceled|succeeded)' on /status: not a word of the closed set", output), output


# --- real mode: never without a token, never in CI, never paid without --max-spend ---------------------------


def test_real_mode_without_a_token_skips_before_calling_anything(tmp_path: Path) -> None:
    env = {"RUNCOMFY_TOKEN": "", "CI": ""}
    output = run_suite(tmp_path, "--target", "real", env=env, module="contracts.suite.test_free_calls")
    assert output.startswith("exit code 0\n") and " skipped" in output and " passed" not in output, output
    assert "needs RUNCOMFY_TOKEN" in output, output


@pytest.mark.parametrize(
    ("ci", "token", "refused"),
    [("true", "rc-token", "never runs in CI"), ("1", None, "never runs in CI"), ("", None, "needs RUNCOMFY_TOKEN"),
     ("false", "rc-token", None), ("", "rc-token", None)],
)  # fmt: skip
def test_real_mode_is_refused_in_ci_and_without_a_token(
    monkeypatch: pytest.MonkeyPatch, ci: str, token: str | None, refused: str | None
) -> None:
    monkeypatch.setenv("CI", ci)
    reason = real_mode_refusal(token)
    assert (reason is None) if refused is None else (reason is not None and refused in reason)


def test_paid_calls_print_their_estimate_and_stop_at_max_spend() -> None:
    lines: list[str] = []
    target = Target("real", "https://model-api.runcomfy.net/v1", "t", max_spend=0.5, report=lines.append)
    try:
        target.pay(0.252, "a 3 s standard clip")
        assert target.spent == pytest.approx(0.252)
        assert lines == ["contract suite: about to spend about $0.252 on a 3 s standard clip (total $0.252 of --max-spend $0.50)"]
        with pytest.raises(pytest.skip.Exception, match="would cost about"):
            target.pay(0.252 * 2, "two more")
        assert target.spent == pytest.approx(0.252) and "NOT running two more" in lines[-1]
    finally:
        target.close()


def test_calls_cost_nothing_except_on_the_real_api() -> None:
    target = Target("url", "http://127.0.0.1:9/v1", "t", report=pytest.fail)
    try:
        target.pay(100.0, "anything")
        assert target.spent == 0
    finally:
        target.close()


@pytest.mark.parametrize(
    ("model_id", "body", "usd"),
    [
        ("kling/kling-3.0/standard/text-to-video", {"prompt": "x", "duration": 3, "sound": False}, 0.252),
        ("kling/kling-3.0/standard/text-to-video", {"prompt": "x", "duration": 3}, 0.378),  # sound: default true
        ("kling/kling-3.0/pro/text-to-video", {"prompt": "x", "sound": False}, 0.56),
        ("kling/kling-3.0/pro/image-to-video", {"prompt": "x", "start_image_url": "https://a/b.png"}, 1.68),
        ("kling/kling-3.0/pro/image-to-video",
         {"prompt": "x", "start_image_url": "https://a/b.png", "generate_audio": False, "sound": True}, 1.12),
        ("kling/kling-3.0/4k/text-to-video", {"prompt": "x", "duration": 15, "sound": True}, 6.3),
        ("kling/kling-9.9/pro/text-to-video", {"prompt": "x"}, 0.0),
    ],
)
def test_estimated_cost_follows_the_contract_prices(model_id: str, body: dict[str, Any], usd: float) -> None:
    assert estimate_cost(model_id, body) == pytest.approx(usd)
