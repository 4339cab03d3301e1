"""Fault rules: which requests they touch, when they fire, and what they do. Pure: no HTTP, no I/O.

A rule is a *match* (which requests it looks at), a *trigger* (which of those it fires on) and an *effect*
(what happens then). Rules come from the admin API, the config file, an `X-Mock-Fault` request header and
`[[mock:...]]` tokens in a prompt; the last two use a compact `key=value,...` form of the same fields.

Replay is exact because nothing here reads a shared random stream: every random choice a rule makes
(fire or not, how long to wait) comes from a generator seeded by (server seed, rule name, the rule's match
count). The count depends only on the requests that rule matched, so the same seed and the same request
sequence give the same decisions whatever else happens (other accounts' traffic, other rules, wall time).
"""

from __future__ import annotations

import fnmatch
import functools
import math
import random
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import detail_item
from .lifecycle import FAILURE_REASONS, JobFault
from .rng import rng_for

Endpoint = Literal["submit", "status", "result", "cancel", "models", "model", "categories", "files"]
Source = Literal["admin", "config", "header", "prompt"]
# No bracket inside a token: each attempt stops at the next bracket, so scanning is linear in the prompt
# (with `[^\]]*`, a prompt of 20,000 "[[mock:" took 33 s, all of it on the event loop).
PROMPT_TOKEN = re.compile(r"\[\[mock:([^\[\]]*)\]\]")
MAX_PROMPT_TOKENS = 10
MAX_COMPACT_CHARS = 1000
NAME_MAX_CHARS = 100
NAME_FORBIDDEN = frozenset(',;=[]"\\')
NAME_RULE = (
    f"1 to {NAME_MAX_CHARS} printable ASCII characters without spaces or any of , ; = [ ] \" \\ "
    "(the name is sent in the X-Mock-Decision header)"
)
MAX_DELAY_S = 86_400.0
#: The bytes every prompt token starts with: a raw body without them has no tokens and need not be parsed.
PROMPT_TOKEN_MARKER = b"[[mock:"
JOB_ERRORS: Mapping[str, str] = dict(FAILURE_REASONS)
MAX_EPHEMERAL_COUNTERS = 10_000
CDN_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
)


class FaultRuleError(ValueError):
    """A rule that cannot be read; `detail` lists what is wrong, in the API's 422001 item shape."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        self.detail = detail
        super().__init__("; ".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in detail))


class _Strict(BaseModel):
    """Unknown keys are refused: a typo in a rule must not silently make it match everything. Numbers must be
    finite (`retry_after=inf` once reached `math.ceil` and answered 500)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def header_safe_name(name: str) -> bool:
    """A rule name that can go into a header and be split back out of `X-Mock-Decision: a, b` and of the
    compact `key=value,...` form: printable ASCII, no space, no separator."""
    return (
        0 < len(name) <= NAME_MAX_CHARS
        and all("!" <= c <= "~" for c in name)
        and not NAME_FORBIDDEN.intersection(name)
    )


# --- match ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What a rule can match on, read from one request (and, for a job's own paths, from its job)."""

    method: str
    path: str
    endpoint: str | None = None
    account: str | None = None
    model: str | None = None
    request_id: str | None = None


class Match(_Strict):
    """Which requests a rule looks at; every given key must hold. `path` and `model` are globs (`*`)."""

    account: str | None = Field(
        None, max_length=4096, description="Bearer token (for /files: the token that owns the job)."
    )
    endpoint: Endpoint | list[Endpoint] | None = Field(None, description="One endpoint name or a list.")
    model: str | None = Field(
        None, max_length=1000, description="Glob on the model id (submit, catalog entry, a job's paths)."
    )
    method: str | None = Field(None, max_length=20, description="HTTP method, any case.")
    path: str | None = Field(
        None, max_length=1000, description="Glob on the path, e.g. /v1/requests/*/status; * spans slashes."
    )
    request_id: str | None = Field(None, max_length=200, description="Only the paths of this one job.")

    def matches(self, facts: Facts) -> bool:
        if self.account is not None and facts.account != self.account:
            return False
        if self.endpoint is not None:
            wanted = [self.endpoint] if isinstance(self.endpoint, str) else self.endpoint
            if facts.endpoint not in wanted:
                return False
        if self.method is not None and facts.method.upper() != self.method.upper():
            return False
        if self.path is not None and not fnmatch.fnmatchcase(facts.path, self.path):
            return False
        if self.model is not None and (facts.model is None or not fnmatch.fnmatchcase(facts.model, self.model)):
            return False
        return self.request_id is None or facts.request_id == self.request_id


# --- effect ---------------------------------------------------------------------------------------


class LogNormal(_Strict):
    median: float = Field(gt=0, le=MAX_DELAY_S, description="Median latency, seconds.")
    sigma: float = Field(0.5, ge=0, le=10, description="Spread of log(latency).")


def _number_or_shape(schema: dict[str, Any]) -> None:
    """Latency's JSON schema says what `_number_is_fixed` accepts too: a bare number of seconds."""
    shape = dict(schema)
    schema.clear()
    schema["anyOf"] = [{"type": "number", "minimum": 0}, shape]


class Latency(_Strict):
    """Wall-clock delay before the answer. Exactly one of the three shapes; a bare number means `fixed`."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_number_or_shape)

    fixed: float | None = Field(None, ge=0, le=MAX_DELAY_S)
    uniform: tuple[float, float] | None = None
    lognormal: LogNormal | None = None

    @model_validator(mode="before")
    @classmethod
    def _number_is_fixed(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"fixed": data}
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> Latency:
        given = [k for k in ("fixed", "uniform", "lognormal") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of fixed, uniform, lognormal")
        if self.uniform is not None and not 0 <= self.uniform[0] <= self.uniform[1] <= MAX_DELAY_S:
            raise ValueError(f"uniform must be [low, high] with 0 <= low <= high <= {MAX_DELAY_S:g}")
        return self

    def sample(self, rng: random.Random) -> float:
        if self.fixed is not None:
            return self.fixed
        if self.uniform is not None:
            return rng.uniform(*self.uniform)
        assert self.lognormal is not None
        # Bounded median and sigma keep this finite (sigma=1000 once overflowed `exp` into a 500).
        return self.lognormal.median * math.exp(self.lognormal.sigma * rng.gauss(0.0, 1.0))


class Dribble(_Strict):
    """Send the body `chunk` bytes at a time with `delay` wall seconds between chunks (a slow link). The
    delays of one response add up to at most `max_fault_latency_s` (less any latency the rule added); after
    that the rest of the body goes at once."""

    chunk: int = Field(1024, ge=1, le=16 * 1024 * 1024)
    delay: float = Field(0.05, ge=0, le=60)


REQUEST_EFFECTS = ("status", "latency", "drop", "dribble", "truncate", "as_200", "html", "retry_after")
JOB_EFFECTS = ("fail_at", "error", "stuck", "run_factor", "not_found_for")


class Effect(_Strict):
    """What a fired rule does. Request effects apply to the request that fired the rule; job effects
    (the last five) apply at submit to the job it creates, so a rule with only job effects matches only
    submits."""

    status: int | None = Field(None, ge=400, le=599, description="Answer this HTTP error in the API's body.")
    error_code: int | None = Field(
        None, ge=0, le=999_999_999, description="Error code in the body; default <status>001."
    )
    message: str | None = Field(None, max_length=1000, description="error_message in the body.")
    retry_after: float | None = Field(
        None, ge=0, le=MAX_DELAY_S, description="Adds Retry-After (whole seconds, rounded up)."
    )
    html: bool | None = Field(None, description="An HTML page like a CDN's instead of JSON; default on for 502/504.")
    as_200: bool = Field(False, description="The quirk: the error body with HTTP 200 (status defaults to 500).")
    latency: Latency | None = Field(None, description="Wall-clock delay before answering.")
    drop: Literal["close", "reset"] | None = Field(None, description="Close (FIN) or reset (RST) with no answer.")
    dribble: Dribble | None = Field(None, description="Send the body slowly.")
    truncate: float | None = Field(None, gt=0, lt=1, description="Send only this fraction of the body.")
    truncate_mode: Literal["abort", "short"] = Field(
        "abort", description="abort: full Content-Length, then the connection dies; short: a complete short file."
    )
    fail_at: float | None = Field(None, ge=0, le=1, description="The job fails at this fraction of its run.")
    error: str = Field(
        "internal_error", min_length=1, max_length=100,
        description="Failure code: content_moderation, internal_error, timeout, ...",
    )
    error_message: str | None = Field(
        None, max_length=1000, description="Failure message; default: the code's usual message."
    )
    stuck: bool = Field(False, description="The job never leaves the queue.")
    run_factor: float | None = Field(None, gt=0, le=1000, description="The job runs this many times longer.")
    not_found_for: float | None = Field(
        None, gt=0, le=MAX_DELAY_S * 365, description="Status and result answer 404001 this long after submit."
    )

    @field_validator("dribble", mode="before")
    @classmethod
    def _true_is_default_dribble(cls, value: Any) -> Any:
        return {} if value is True else value

    @model_validator(mode="after")
    def _does_something(self) -> Effect:
        if not (self.has_request_effect or self.has_job_effect):
            raise ValueError(f"an effect needs at least one of {', '.join(REQUEST_EFFECTS + JOB_EFFECTS)}")
        return self

    @property
    def has_request_effect(self) -> bool:
        return bool(set(REQUEST_EFFECTS) & self.model_fields_set)

    @property
    def has_job_effect(self) -> bool:
        return bool(set(JOB_EFFECTS) & self.model_fields_set)

    @property
    def answers_error(self) -> bool:
        return self.status is not None or self.as_200

    def error_status(self) -> int:
        return self.status if self.status is not None else 500

    def job_fault(self) -> JobFault | None:
        """What this effect does to the job of a submit it fires on; None if it does nothing to jobs.
        Naming an `error` alone fails the job at the end of its run."""
        if not self.has_job_effect:
            return None
        fault = JobFault(stuck=self.stuck, run_factor=self.run_factor or 1.0, not_found_for=self.not_found_for or 0.0)
        if self.fail_at is None and "error" not in self.model_fields_set:
            return fault
        return replace(
            fault,
            fail_at=1.0 if self.fail_at is None else self.fail_at,
            error=self.error,
            error_message=self.error_message or JOB_ERRORS.get(self.error, f"Generation failed: {self.error}"),
        )


# --- rule -----------------------------------------------------------------------------------------


class Window(_Strict):
    """Clock seconds relative to when the rule was added: fires only while start <= t - added < end."""

    start: float = 0.0
    end: float | None = None


class Rule(_Strict):
    """One fault rule. Triggers are ANDed: a rule fires on a matching request when every given one holds."""

    name: str | None = Field(
        None, description=f"Shown in X-Mock-Decision; unique per account scope (adding it again replaces it); {NAME_RULE}.",
    )
    match: Match = Field(default_factory=Match)
    effect: Effect
    probability: float = Field(1.0, ge=0, le=1, description="Seeded chance of firing on a match.")
    first: int | None = Field(None, ge=1, description="Fire on the first N matches only.")
    after: int | None = Field(None, ge=0, description="Fire only after N matches.")
    every: int | None = Field(None, ge=1, description="Fire on every Nth match.")
    window: Window | None = Field(None, description="Fire only inside this window of clock time (an outage).")
    limit: int | None = Field(None, ge=1, description="Fire at most N times in all.")

    @field_validator("name")
    @classmethod
    def _header_safe(cls, value: str | None) -> str | None:
        """A name with U+2028 made every matching request answer 500, one with U+0001 closed the connection."""
        if value is not None and not header_safe_name(value):
            raise ValueError(f"a rule name is {NAME_RULE}")
        return value

    def triggered(self, n: int, fires: int, draw: float) -> bool:
        """Whether the n-th match (1-based) fires, given `fires` earlier fires and a uniform `draw`."""
        if self.first is not None and n > self.first:
            return False
        if self.after is not None and n <= self.after:
            return False
        if self.every is not None and n % self.every != 0:
            return False
        if self.limit is not None and fires >= self.limit:
            return False
        return draw < self.probability


def _errors_of(exc: ValidationError, prefix: Sequence[str | int]) -> list[dict[str, Any]]:
    return [
        detail_item([*prefix, *e["loc"]], e["msg"], e["type"])
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def parse_rule(data: Any, prefix: Sequence[str | int] = ("body",)) -> Rule:
    """A rule from its JSON/YAML form; `FaultRuleError` says which key is wrong."""
    try:
        return Rule.model_validate(data)
    except ValidationError as exc:
        raise FaultRuleError(_errors_of(exc, prefix)) from None


# --- compact form: X-Mock-Fault header and [[mock:...]] prompt tokens ----------------------------

TRIGGER_KEYS = ("probability", "first", "after", "every", "limit")
BARE_TRUE = ("as_200", "html", "stuck", "dribble")


def _scalar(text: str) -> Any:
    low = text.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _compact_value(key: str, raw: str | None) -> Any:
    if raw is None:
        if key == "drop":
            return "close"
        if key in BARE_TRUE:
            return True
        raise ValueError(f"{key} needs a value ({key}=...)")
    if key == "latency" and ":" in raw:
        kind, _, rest = raw.partition(":")
        nums = [float(x) for x in rest.split(":")]
        if kind == "uniform" and len(nums) == 2:
            return {"uniform": nums}
        if kind == "lognormal" and len(nums) in (1, 2):
            return {"lognormal": {"median": nums[0], **({"sigma": nums[1]} if len(nums) == 2 else {})}}
        raise ValueError("latency is S, uniform:LOW:HIGH or lognormal:MEDIAN[:SIGMA]")
    if key == "dribble" and ":" in raw:
        chunk, _, delay = raw.partition(":")
        return {"chunk": int(chunk), "delay": float(delay)}
    if key == "dribble":
        return {"chunk": int(raw)}
    return _scalar(raw)


def parse_compact(text: str, source: Source, prefix: Sequence[str | int]) -> Rule:
    """`status=429,retry_after=7` (or `;`-separated) as a rule. Keys: `name`, the trigger keys, and any
    effect key; `latency=uniform:0.1:0.3`, `dribble=CHUNK:DELAY`, and bare `drop`, `stuck`, `as_200`, `html`."""
    if len(text) > MAX_COMPACT_CHARS:
        raise FaultRuleError([detail_item([*prefix], f"At most {MAX_COMPACT_CHARS} characters", "string_too_long")])
    data: dict[str, Any] = {"name": source}
    effect: dict[str, Any] = {}
    for part in re.split(r"[,;]", text):
        part = part.strip()
        if not part:
            continue
        key, sep, raw = part.partition("=")
        key = key.strip().lower().replace("-", "_")
        try:
            value = _compact_value(key, raw.strip() if sep else None)
        except ValueError as exc:
            raise FaultRuleError([detail_item([*prefix, key], str(exc), "value_error")]) from None
        if key == "name":
            data["name"] = str(value)
        elif key in TRIGGER_KEYS:
            data[key] = value
        else:
            effect[key] = value
    data["effect"] = effect
    return parse_rule(data, prefix)


def prompt_tokens(inputs: Any) -> list[str]:
    """The `[[mock:...]]` tokens in a submit body's prompts, for clients whose headers cannot be changed."""
    if not isinstance(inputs, Mapping):
        return []
    texts = [inputs.get("prompt")]
    multi = inputs.get("multi_prompt")
    if isinstance(multi, list):
        texts.extend(s.get("prompt") for s in multi if isinstance(s, Mapping))
    return [m.group(1) for t in texts if isinstance(t, str) for m in PROMPT_TOKEN.finditer(t)]


# --- deciding -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveRule:
    """A rule as the server holds it: where it came from, when it was added, and its identity."""

    rule: Rule
    name: str
    source: Source
    added_at: float

    @property
    def key(self) -> tuple[str, str]:
        """Rules are unique per (name, account scope), so parallel tests can reuse names."""
        return (self.name, self.rule.match.account or "")

    def applies(self, facts: Facts, now: float) -> bool:
        rule = self.rule
        if rule.effect.has_job_effect and not rule.effect.has_request_effect and facts.endpoint != "submit":
            return False
        if rule.window is not None:
            t = now - self.added_at
            if t < rule.window.start or (rule.window.end is not None and t >= rule.window.end):
                return False
        return rule.match.matches(facts)

    def describe(self, matched: int, fired: int) -> dict[str, Any]:
        out = self.rule.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        out["effect"] = self.rule.effect.model_dump(mode="json", exclude_defaults=True)
        out.update(name=self.name, source=self.source, added_at=self.added_at, matched=matched, fired=fired)
        if self.rule.window is not None:
            end = self.rule.window.end
            out["window_clock"] = {"start": self.added_at + self.rule.window.start,
                                   "end": None if end is None else self.added_at + end}
        return out


@dataclass(frozen=True)
class Fired:
    name: str
    effect: Effect
    latency_s: float


@dataclass(frozen=True)
class Decision:
    """The rules that fired on one request, in order, and what they add up to."""

    fired: tuple[Fired, ...]

    @property
    def header(self) -> str:
        """The value of `X-Mock-Decision`: the names of the rules that touched the response."""
        return ", ".join(f.name for f in self.fired)

    @property
    def latency_s(self) -> float:
        return sum(f.latency_s for f in self.fired)

    def first(self, predicate: str) -> Effect | None:
        """The effect of the first fired rule that has `predicate` true (earlier rules win)."""
        return next((f.effect for f in self.fired if getattr(f.effect, predicate)), None)

    def first_with(self, key: str) -> Effect | None:
        return next((f.effect for f in self.fired if getattr(f.effect, key) is not None), None)

    def job_fault(self) -> JobFault | None:
        """The job effects of every fired rule combined (the earliest rule wins each effect), named by the
        rules that fired; None if no fired rule does anything to jobs."""
        faults = [jf for f in self.fired if (jf := f.effect.job_fault()) is not None]
        if not faults:
            return None
        return replace(functools.reduce(JobFault.then, faults), rules=self.header)


@dataclass
class Counters:
    """How often each rule matched and fired. The only state decisions depend on, besides time."""

    matched: dict[Any, int] = field(default_factory=dict)
    fired: dict[Any, int] = field(default_factory=dict)
    _ephemeral: OrderedDict[Any, None] = field(default_factory=OrderedDict)

    def bump(self, key: Any, ephemeral: bool = False) -> int:
        n = self.matched.get(key, 0) + 1
        self.matched[key] = n
        if ephemeral:
            # Header and prompt rules are keyed by their text: cap how many distinct texts are kept.
            self._ephemeral[key] = None
            self._ephemeral.move_to_end(key)
            while len(self._ephemeral) > MAX_EPHEMERAL_COUNTERS:
                old, _ = self._ephemeral.popitem(last=False)
                self.matched.pop(old, None)
                self.fired.pop(old, None)
        return n

    def fire(self, key: Any) -> None:
        self.fired[key] = self.fired.get(key, 0) + 1

    def forget(self, key: Any) -> None:
        self.matched.pop(key, None)
        self.fired.pop(key, None)


def decide(
    rules: Iterable[tuple[Any, ActiveRule]], facts: Facts, now: float, counters: Counters, seed: int,
    ephemeral: bool = False,
) -> list[Fired]:
    """The rules (given with their counter keys) that fire on this request; bumps their counters.

    Every applicable rule counts the request, fired or not, so one rule's triggers never depend on
    another rule being present.
    """
    fired: list[Fired] = []
    for key, active in rules:
        if not active.applies(facts, now):
            continue
        n = counters.bump(key, ephemeral)
        rng = rng_for(seed, "fault", active.name, n)  # the randomness of this rule's n-th match alone
        draw = rng.random()
        if not active.rule.triggered(n, counters.fired.get(key, 0), draw):
            continue
        counters.fire(key)
        latency = active.rule.effect.latency
        fired.append(Fired(active.name, active.rule.effect, latency.sample(rng) if latency else 0.0))
    return fired


@dataclass
class FaultBook:
    """The server's fault rules (admin and config), their counters, and the decision for each request."""

    seed: int
    config_rules: list[Rule] = field(default_factory=list)
    _rules: dict[tuple[str, str], ActiveRule] = field(default_factory=dict)
    counters: Counters = field(default_factory=Counters)
    _auto: int = 0

    def load_config(self, now: float) -> None:
        for rule in self.config_rules:
            self.add(rule, "config", now)

    def add(self, rule: Rule, source: Source, now: float) -> ActiveRule:
        """Add (or replace, with fresh counters) a rule; unnamed rules get `rule-<n>`."""
        if rule.name is None:
            self._auto += 1
            name = f"rule-{self._auto}"
        else:
            name = rule.name
        active = ActiveRule(rule, name, source, now)
        self._rules.pop(active.key, None)
        self.counters.forget(active.key)
        self._rules[active.key] = active
        return active

    def rules(self, account: str | None = None) -> list[dict[str, Any]]:
        return [
            a.describe(self.counters.matched.get(k, 0), self.counters.fired.get(k, 0))
            for k, a in self._rules.items()
            if account is None or a.rule.match.account == account
        ]

    def remove(self, name: str, account: str | None = None) -> int:
        keys = [k for k in self._rules if k[0] == name and (account is None or k[1] == account)]
        for k in keys:
            del self._rules[k]
            self.counters.forget(k)
        return len(keys)

    def clear(self, account: str | None = None) -> int:
        """Remove every rule, or the rules scoped to one account."""
        keys = [k for k in self._rules if account is None or k[1] == account]
        for k in keys:
            del self._rules[k]
            self.counters.forget(k)
        return len(keys)

    def reset(self, now: float, account: str | None = None) -> None:
        """Back to the start-up state: the config file's rules, fresh counters."""
        if account is None:
            self._rules.clear()
            self.counters = Counters()
            self._auto = 0
            self.load_config(now)
            return
        self.clear(account)
        for rule in self.config_rules:
            if rule.match.account == account:
                self.add(rule, "config", now)

    def decide(self, facts: Facts, now: float, extra: Sequence[ActiveRule] = ()) -> Decision | None:
        """Request rules (header, prompt) first, then the book's rules in the order they were added."""
        fired = decide(
            ((("x", a.source, facts.account or "", a.name, a.rule.model_dump_json()), a) for a in extra),
            facts, now, self.counters, self.seed, ephemeral=True,
        )
        fired += decide(list(self._rules.items()), facts, now, self.counters, self.seed)
        return Decision(tuple(fired)) if fired else None


def request_rules(header: str | None, prompts: Sequence[str], now: float) -> list[ActiveRule]:
    """The one-request rules a request carries: its `X-Mock-Fault` header and its prompt tokens."""
    out: list[ActiveRule] = []
    if len(prompts) > MAX_PROMPT_TOKENS:
        raise FaultRuleError([detail_item(
            ["body", "prompt"], f"At most {MAX_PROMPT_TOKENS} [[mock:...]] tokens per request", "too_many_tokens"
        )])
    if header:
        rule = parse_compact(header, "header", ["header", "X-Mock-Fault"])
        out.append(ActiveRule(rule, rule.name or "header", "header", now))
    for i, text in enumerate(prompts):
        rule = parse_compact(text, "prompt", ["body", "prompt", f"[[mock:...]] #{i + 1}"])
        out.append(ActiveRule(rule, rule.name or "prompt", "prompt", now))
    return out


def cdn_page(status: int) -> bytes:
    """An HTML error page like the one a CDN in front of the API answers during long jobs."""
    reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}.get(
        status, "Error"
    )
    return CDN_PAGE.format(status=status, reason=reason).encode()
