"""The typed bodies of `/__mock`: what each control takes and answers. Its OpenAPI document is generated
from them, so the document cannot say something the routes do not do.

Request models validate the input (FastAPI turns their errors into 422001 items with `loc` under `body`).
Response models describe what the routes answer; the routes answer the simulation's own views unchanged,
and a test checks every answer against the model its route declares, so the two cannot drift apart.
Responses forbid unknown keys for that reason: a new field must be documented here first.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StrictFloat, TypeAdapter, model_validator

from ...sim.faults import Rule, Source
from ...sim.lifecycle import Phase

# --- requests ------------------------------------------------------------------------------------------------


class ClockChange(BaseModel):
    """`POST /__mock/clock`: one of `advance` (a negative number is refused with 409001: time only moves
    forward) or `speed` (409001 on a manual clock, which has none)."""

    advance: StrictFloat | None = Field(None, description="Seconds to move a manual clock forward.")
    speed: Annotated[StrictFloat, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, description="Simulated seconds per wall second for a real clock from now on; time goes on from "
        "where it is.")

    @model_validator(mode="after")
    def _one_change(self) -> ClockChange:
        if (self.advance is None) == (self.speed is None):
            raise ValueError("give one of `advance` or `speed`")
        return self


class ClockSeconds(BaseModel):
    """`POST /__mock/clock/advance`. A negative number is refused with 409001: time only moves forward."""

    seconds: StrictFloat = Field(description="Seconds to move a manual clock forward.")


class BalanceSet(BaseModel):
    """`PUT /__mock/accounts/{token}/balance`: what the account has left from now on."""

    usd: Annotated[StrictFloat, Field(ge=0)] | None = Field(description="USD left; null: unlimited.")


_RULES = TypeAdapter(list[Rule])


def _one_or_many(value: Any) -> Rule | list[Rule]:
    """Validated as the shape it has, so an error's `loc` names the key (and the index in a list) rather
    than the branch of a union pydantic tried."""
    return _RULES.validate_python(value) if isinstance(value, list) else Rule.model_validate(value)


RuleInput = Annotated[Rule | list[Rule], PlainValidator(_one_or_many, json_schema_input_type=Rule | list[Rule])]


# --- responses -----------------------------------------------------------------------------------------------


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Clock(_View):
    mode: Literal["real", "manual"]
    now: float = Field(description="Clock time, epoch seconds.")
    now_iso: str
    speed: float = Field(description="Simulated seconds per wall second (0: manual).")


class ResetDone(_View):
    reset: str = Field(description="`all`, or the account that was reset.")


class FixtureList(_View):
    fixtures: list[str] = Field(description="File names under /__mock/fixtures/.")


class InspectedAudio(_View):
    codec: str
    sample_rate: int
    channels: int
    duration: float | None = Field(description="Seconds.")


class InspectedFingerprint(_View):
    """The block code of the first frame: which request and seed made the file (`contracts.fingerprint_hash`)."""

    magic_ok: bool = Field(description="Whether the code was found and its checksum holds.")
    hash: int | None
    shot: int | None
    frame: int | None


class InspectedShot(_View):
    index: int
    start: float
    end: float | None


class Inspection(_View):
    """What `kling-mock inspect` reads from a succeeded job's MP4."""

    request_id: str
    bytes: int = Field(description="Size of the file.")
    width: int
    height: int
    fps: float | None
    duration: float | None = Field(description="Seconds.")
    frame_count: int
    codec: str
    profile: str | None
    pix_fmt: str | None
    audio: InspectedAudio | None = Field(description="null: no audio track.")
    fingerprint: InspectedFingerprint
    shots: list[InspectedShot] = Field(description="Each shot's span in seconds, read from its keyframes.")


class Removed(_View):
    removed: int = Field(description="How many went.")


class WindowClock(_View):
    """A rule's window in clock epoch seconds."""

    start: float
    end: float | None


class RuleView(Rule):
    """A rule as the server holds it: as given (defaults left out), with its name, origin and counts."""

    name: str
    source: Source = Field(description="Where the rule came from.")
    added_at: float = Field(description="Clock time it was added, epoch seconds.")
    matched: int = Field(description="Requests the rule matched (its trigger count).")
    fired: int = Field(description="Times it fired.")
    window_clock: WindowClock | None = None


class RuleList(_View):
    rules: list[RuleView]


class JournalEntry(_View):
    seq: int = Field(description="Arrival number; keeps counting across clears.")
    time: float = Field(description="Clock time at arrival, epoch seconds.")
    time_iso: str
    wall_time: float = Field(description="Wall time at arrival, epoch seconds.")
    account: str | None
    method: str
    path: str
    query: str
    endpoint: str | None
    request_id: str | None
    model_id: str | None
    body: Any = Field(description="The request body (JSON if it parses), if small enough.")
    status: int | None = Field(description="null: no answer (a dropped connection).")
    outcome: Literal["answered", "dropped", "reset", "truncated"]
    latency_ms: float
    decision: str | None = Field(description="X-Mock-Decision of the answer.")
    retry_after: str | None
    response: Any = Field(description="The JSON answer, if small enough; never media.")


class JournalPage(_View):
    entries: list[JournalEntry]
    total: int = Field(description="Entries kept in all.")


class LedgerEntry(_View):
    time: float
    time_iso: str
    kind: Literal["balance_set", "charge"]
    amount_usd: float | None = Field(description="The balance set (null: unlimited), or a charge (negative).")
    balance_usd: float | None = Field(description="After this entry; null: unlimited.")
    request_id: str | None = None
    model_id: str | None = None


class AccountJob(_View):
    request_id: str
    model_id: str
    phase: Phase
    submitted_at: str
    started_at: str | None
    finished_at: str | None
    cost_usd: float
    charged_usd: float = Field(description="What it was charged: its cost once it succeeded, else 0.")


class AccountLimits(_View):
    rps: float | None = Field(description="Requests per second; null: unlimited.")
    burst: int
    max_concurrent_jobs: int | None = Field(description="Live jobs at once; null: unlimited.")


class Account(_View):
    account: str
    balance_usd: float | None = Field(description="null: unlimited.")
    spent_usd: float
    held_usd: float = Field(description="Price of the unfinished jobs, held against the balance.")
    ledger: list[LedgerEntry]
    jobs: list[AccountJob]
    limits: AccountLimits
    rate_tokens: float | None = Field(description="Requests left in the bucket now; null: no rate limit.")


class AccountList(_View):
    accounts: list[str] = Field(description="Accounts that have jobs.")


class DetailItem(_View):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(_View):
    """The API's error body, which the controls answer too."""

    error_code: int = Field(description="The HTTP status followed by three digits, e.g. 422001.")
    error_message: str
    detail: str | list[DetailItem] | None = None


_ERRORS = {
    401: "The admin token is set, and the request does not carry it (401001)",
    404: "No such thing (404001)",
    409: "The clock cannot do that: it is not manual, or the time is in the past (409001)",
    413: "The body is larger than `max_body_bytes` (413001)",
    415: "The body is not JSON (415001)",
    422: "Invalid input (422001); `detail` lists each problem with its `loc`",
}
BODY_ERRORS = (413, 415, 422)


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error responses a route declares, each with the API's error body."""
    return {status: {"model": ErrorBody, "description": _ERRORS[status]} for status in statuses}
