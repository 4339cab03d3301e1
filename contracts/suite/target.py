"""The server under test, as the contract suite sees it: where it is, who we are, and what we may spend.

Three kinds of target, one interface, so that every test is written once:

- `mock`: the mock, started in this process on a free loopback port with a manual clock. Free, fast,
  and its clock only moves when a test moves it, so the suite can assert exact states.
- `url`: any server at a base URL that includes `/v1` (a `kling-mock serve`, a staging deployment, your
  own implementation). If it has the mock's clock control (`/__mock/clock`, manual mode), the suite uses
  it; otherwise time passes on its own and the suite only waits briefly.
- `real`: RunComfy's API. Submits cost money, so each goes through `pay()`, which prints the estimate
  first and skips the test when `--max-spend` would be exceeded.

Tests talk through `call()`, which answers the raw status and JSON: a contract check must see exactly
what the server said, which a client (that retries, raises, parses) would hide. `client` is there for
users who want the typed client against the same target.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import httpx
import pytest
from hypothesis import Phase

from contracts import Client
from mock_server.spec import input_schema, submit_operations

__all__ = ["NO_TOKEN", "Exchange", "Kind", "Target", "estimate_cost", "model_path"]

Kind = Literal["mock", "url", "real"]


class _NoToken:
    """Marker for `call(token=NO_TOKEN)`: send no Authorization header at all."""

    def __repr__(self) -> str:
        return "NO_TOKEN"


NO_TOKEN = _NoToken()
_UNSET: Any = object()


def model_path(model_id: str) -> str:
    """The submit (and catalog) path of a model under the base; the slashes of the id are part of it."""
    return "/models/" + quote(model_id.strip("/"), safe="/")


def estimate_cost(model_id: str, body: Mapping[str, Any]) -> float:
    """What a submit of `body` to `model_id` costs at the contract's prices, in USD.

    Per second of video, with the audio price when the endpoint's audio input (`sound` on text-to-video,
    `generate_audio` on image-to-video) is on; it and `duration` fall back to the contract's defaults
    (audio on; 5 s or 10 s). An unknown model costs nothing (the API refuses it before billing).
    """
    op = submit_operations().get(model_id)
    if op is None:
        return 0.0
    props = input_schema(model_id)["properties"]
    duration = body.get("duration")
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        duration = props["duration"].get("default", 5)
    audio = body.get(op.audio_input)
    if not isinstance(audio, bool):
        audio = bool(props.get(op.audio_input, {}).get("default", False))
    price = op.price_audio if audio else op.price_no_audio
    return round(float(price) * float(duration), 6)


def _short(value: Any, limit: int = 400) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Exchange:
    """One request and what the server answered: the status, the parsed JSON (None if not JSON), the text."""

    method: str
    url: str
    status_code: int
    body: Any
    text: str
    headers: httpx.Headers

    def describe(self) -> str:
        """`POST http://.../v1/models/... -> HTTP 422: {...}`, for assertion messages."""
        shown = self.body if self.body is not None else self.text
        return f"{self.method} {self.url} -> HTTP {self.status_code}: {_short(shown)}"


@dataclass
class Target:
    """A server under test. Build it with the plugin's `target` fixture rather than by hand."""

    kind: Kind
    base_url: str
    token: str
    max_spend: float = 0.0
    other_token: str | None = None
    can_advance: bool = False
    has_controls: bool = False
    shared_clock: bool = False  # other processes (xdist workers) may move the same clock
    wait_cap_s: float = 0.2
    report: Callable[[str], None] = print
    spent: float = 0.0
    _http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60.0), repr=False)
    _client: Client | None = field(default=None, repr=False)

    @property
    def origin(self) -> str:
        """Scheme and host of the API, where the mock's `/__mock/` controls live (the base minus `/v1`)."""
        return self.base_url[: -len("/v1")] if self.base_url.endswith("/v1") else self.base_url

    @property
    def frozen(self) -> bool:
        """True when time only moves when this process moves it, so states read at one moment must agree."""
        return self.can_advance and not self.shared_clock

    @property
    def client(self) -> Client:
        """A `contracts.Client` bound to this target and token."""
        if self._client is None:
            self._client = Client(self.base_url, self.token, poll_interval=0.5)
        return self._client

    def close(self) -> None:
        self._http.close()
        if self._client is not None:
            self._client.close()

    # -- calls -------------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path_or_url: str,
        *,
        json_body: Any = _UNSET,
        token: str | _NoToken | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Exchange:
        """Send one request and answer exactly what came back; nothing is retried or interpreted.

        `path_or_url` is a path under the base (`/requests/ID/status`) or an absolute URL the server
        handed out (`status_url`). `token` defaults to the target's; `NO_TOKEN` sends none.
        """
        url = path_or_url if path_or_url.startswith(("http://", "https://")) else self.base_url + path_or_url
        sent: dict[str, str] = {"Accept": "application/json"}
        if token is None:
            sent["Authorization"] = f"Bearer {self.token}"
        elif isinstance(token, str):
            sent["Authorization"] = f"Bearer {token}"
        content: bytes | None = None
        if json_body is not _UNSET:
            content = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        response = self._http.request(method, url, content=content, headers=sent, params=params)
        try:
            body: Any = response.json() if response.content else None
        except ValueError:
            body = None
        return Exchange(method, str(response.url), response.status_code, body, response.text, response.headers)

    def fresh_token(self) -> str:
        """A token no other test uses, where the target accepts any token (the in-process mock: each
        token is its own account, so tests never see each other's queues); elsewhere the given token."""
        if self.kind == "mock":
            return f"suite-{uuid.uuid4().hex[:16]}"
        return self.token

    def token_of_another_account(self) -> str | None:
        """A second account's token, for the tenancy check; None when the target cannot supply one."""
        if self.other_token:
            return self.other_token
        if self.kind == "mock" or self.has_controls:
            return f"{self.token}-other-{uuid.uuid4().hex[:8]}"
        return None

    # -- time --------------------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Let `seconds` of the server's time pass.

        With the mock's manual clock this is instant and exact (`POST /__mock/clock/advance`). Without it
        the suite cannot move the server's time, so it waits a little instead, at most `wait_cap_s`: the
        rules it checks hold whatever the pace, they are just seen at fewer moments.
        """
        if self.can_advance:
            r = self._http.post(f"{self.origin}/__mock/clock/advance", json={"seconds": seconds})
            if r.status_code != 200:
                raise RuntimeError(f"could not advance the clock: HTTP {r.status_code} {_short(r.text)}")
            return
        time.sleep(min(float(seconds), self.wait_cap_s))

    def probe_clock(self) -> None:
        """Use the mock's clock control when the target has one in manual mode (never on the real API)."""
        if self.kind == "real":
            self.can_advance = self.has_controls = False
            return
        try:
            r = self._http.get(f"{self.origin}/__mock/clock", timeout=5.0)
            data = r.json() if r.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            data = {}
        self.has_controls = isinstance(data, dict) and "mode" in data
        self.can_advance = self.has_controls and data.get("mode") == "manual"

    # -- money -------------------------------------------------------------------------------------

    def examples(self, n: int) -> int:
        """How many hypothesis examples a test draws: `n` where calls are free, one on the real API."""
        return 1 if self.kind == "real" else n

    def phases(self) -> list[Phase]:
        """Hypothesis phases for the suite's tests. On the real API only `generate`: shrinking a failure
        replays it many times, and every replay of a submit would be paid again. Never `explain`: it traces
        every line a failing example runs, costs seconds, and says nothing a contract failure does not."""
        if self.kind == "real":
            return [Phase.generate]
        return [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]

    def pay(self, estimated_usd: float, what: str) -> None:
        """Account for a call that may cost money, before making it.

        Only the real API charges. There the estimate is printed first, and the test is skipped if the
        running total would pass `--max-spend` (default 0: nothing paid runs).
        """
        if self.kind != "real" or estimated_usd <= 0:
            return
        total = self.spent + estimated_usd
        if total > self.max_spend + 1e-9:
            self.report(
                f"contract suite: NOT running {what} (about ${estimated_usd:.3f}); "
                f"spent ${self.spent:.3f} of --max-spend ${self.max_spend:.2f}"
            )
            pytest.skip(
                f"{what} would cost about ${estimated_usd:.3f}; --max-spend ${self.max_spend:.2f} "
                f"leaves ${max(self.max_spend - self.spent, 0):.3f}"
            )
        self.report(
            f"contract suite: about to spend about ${estimated_usd:.3f} on {what} "
            f"(total ${total:.3f} of --max-spend ${self.max_spend:.2f})"
        )
        self.spent = total
