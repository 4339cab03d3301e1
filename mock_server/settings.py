"""Every knob of the mock in one typed place.

Each field can be set by an environment variable (`KLING_MOCK_<FIELD>`, upper case), by a CLI flag of
`kling-mock serve`, or by a YAML config file. Fields whose comment says *guess* cover behaviour of the real
API that is not documented (see API-FACTS.md); their default is our best reading and the field switches it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .sim.clock import CLOCK_MAX, CLOCK_MIN

ClockMode = Literal["real", "manual"]


class Settings(BaseSettings):
    """The server's whole configuration; `create_app(settings)` builds everything from it."""

    model_config = SettingsConfigDict(env_prefix="KLING_MOCK_", extra="forbid", frozen=True)

    # --- network -------------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    public_base_url: str | None = Field(
        None,
        description="Base URL put into status/result/file URLs; default: the URL the request came in on "
        "(its Host header: see allowed_hosts).",
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="If set, only requests whose Host is one of these (`name`, `name:port`, `*.domain`, `*`) "
        "are answered; others get 421001. Default: any Host, which is copied into URLs without public_base_url.",
    )
    header_timeout_s: float = Field(
        10.0, gt=0, allow_inf_nan=False,
        description="A request's line and headers must arrive within this many seconds of the connection (or of "
        "its first byte after an idle keep-alive), else 408001 and the connection closes (kling-mock serve).",
    )
    body_timeout_s: float = Field(
        30.0, gt=0, allow_inf_nan=False,
        description="A request body must arrive whole within this many seconds of its headers, else 408001 and the "
        "connection closes.",
    )
    keep_alive_timeout_s: int = Field(
        5, ge=1, description="Idle keep-alive connections are closed after this many seconds (kling-mock serve)."
    )
    max_header_bytes: int = Field(
        32 * 1024, ge=1024,
        description="Largest request line plus headers, in bytes; larger gets 431001 and the connection closes "
        "(kling-mock serve).",
    )
    max_headers: int = Field(
        100, ge=8, description="Most header fields in one request; more get 431001 and the connection closes "
        "(kling-mock serve).",
    )
    max_connections: int | None = Field(
        2048, ge=1,
        description="Connections (and requests in progress) served at once; past it 503001 with Retry-After and "
        "the connection closes (kling-mock serve). null: no limit.",
    )
    files_base_url: str | None = Field(
        None,
        description="Base URL of `output.video` file URLs (the real files live on another host than the API, "
        "and RunComfy's CLI downloads only from its storage hosts); default: the API's own base.",
    )

    # --- determinism and time ------------------------------------------------------------------
    seed: int = Field(0, description="One seed explains request ids, timings, faults and media bytes.")
    clock: ClockMode = Field("real", description="real: wall time scaled by `speed`; manual: frozen until advanced.")
    speed: float = Field(
        10.0, gt=0, allow_inf_nan=False, description="Simulated seconds per wall second (real clock). 1 = as slow as the real service."
    )
    manual_clock_start: float = Field(
        1767225600.0,
        ge=CLOCK_MIN,
        le=CLOCK_MAX,
        description="Epoch seconds a manual clock starts at (2026-01-01T00:00:00Z), for replayable bodies; "
        "the clock stays between 1970 and 9999-01-01.",
    )

    # --- the job lifecycle (all guesses at the real service's timing) --------------------------
    slots_per_account: int = Field(2, ge=1, description="Jobs one account can have generating at once.")
    queue_wait_s: float = Field(8.0, ge=0, description="Median dispatch latency of a job with a free slot (guess).")
    queue_wait_jitter: float = Field(0.5, ge=0, le=1, description="+/- fraction of random spread on the wait.")
    run_base_s: float = Field(30.0, ge=0, description="Fixed part of a standard clip's generation time (guess).")
    run_per_video_s: float = Field(12.0, ge=0, description="Generation seconds per second of standard video (guess).")
    run_tier_factor_pro: float = Field(1.5, gt=0, description="Pro takes this much longer than standard (guess).")
    run_tier_factor_4k: float = Field(3.0, gt=0, description="4K takes this much longer than standard (guess).")
    run_sound_factor: float = Field(1.3, gt=0, description="Audio makes a run this much longer (guess).")
    run_jitter: float = Field(0.2, ge=0, le=1, description="+/- fraction of random spread on the run time.")
    failure_rate: float = Field(0.0, ge=0, le=1, description="Share of jobs that fail on their own, seeded.")
    result_ttl_s: float = Field(7 * 24 * 3600.0, gt=0, description="Outputs are kept 7 days [doc, sibling API].")

    # --- contract guesses ----------------------------------------------------------------------
    success_word: Literal["succeeded", "completed"] = Field(
        "succeeded", description="Result status of a successful job (guess: succeeded)."
    )
    failed_on_status: bool = Field(
        False, description="Show `failed` on /status for failed jobs; default shows `completed` (guess)."
    )
    auth_error_style: Literal["401", "400"] = Field(
        "401", description="Missing/bad token: 401 with 401001 (default) or 400 with 400004 (guess)."
    )
    unknown_fields: Literal["ignore", "reject"] = Field(
        "ignore", description="Unknown input fields: ignored (guess) or rejected with 422001."
    )
    extra_aspect_ratios: bool = Field(False, description="Also accept 4:3, 3:4 and 21:9 (agent-skill page only).")
    queue_position_base: int = Field(0, ge=0, le=1, description="queue_position of the next job in line (guess: 0).")
    tokens: list[str] = Field(
        default_factory=list, description="If set, only these bearer tokens are accepted; otherwise any token is."
    )
    max_body_bytes: int = Field(
        64 * 1024 * 1024, gt=0,
        description="Larger request bodies get 413001; 64 MiB is what RunComfy's clients keep to with inline images.",
    )
    balance_error_status: Literal[402, 400] = Field(
        402, description="HTTP status of insufficient balance (400002): 402, as RunComfy's clients expect (guess), or 400."
    )

    # --- media ---------------------------------------------------------------------------------
    fps: int = Field(24, ge=1, le=60, description="Frame rate of rendered clips (guess: 24).")
    cache_dir: Path = Field(Path("cache/media"), description="Rendered MP4s, keyed by fingerprint.")
    cache_max_mb: int = Field(512, ge=1, description="Disk cap of the MP4 cache; least recently used goes first.")
    cache_memory_mb: int = Field(
        128, ge=1,
        description="While cache_dir cannot take files (read-only, full), clips are held in memory up to this; "
        "a clip larger than it answers 503001 with Retry-After.",
    )
    render_workers: int = Field(2, ge=1, description="Threads that render MP4s off the event loop (the encoder releases the GIL).")
    fetch_images: bool = Field(False, description="Fetch start/end image URLs (off: offline, no SSRF).")
    fetch_allow_hosts: list[str] = Field(default_factory=list, description="Hosts image fetching may reach.")
    fetch_max_bytes: int = Field(50 * 1024 * 1024, gt=0, description="Largest image fetched.")
    fetch_timeout_s: float = Field(10.0, gt=0, description="Time-out of one image fetch.")

    # --- simulation controls (faults, limits, billing, journal) -----------------------------------
    config_file: Path | None = Field(
        None, description="YAML file whose `faults:` and `accounts:` sections are loaded at start-up."
    )
    rate_limit_rps: float | None = Field(
        None, gt=0, description="Requests per second per account (token bucket); none published (guess: off)."
    )
    rate_limit_burst: int = Field(10, ge=1, description="Token bucket size: requests an account may burst.")
    max_concurrent_jobs: int | None = Field(
        None, ge=1, description="Queued plus running jobs per account before submit answers 429 (guess: off)."
    )
    default_balance_usd: float | None = Field(
        None, ge=0, description="Starting balance of every account in USD; none means unlimited."
    )
    balance_holds_pending: bool = Field(
        True, description="A submit must fit the balance minus the price of unfinished jobs (guess); off: the balance."
    )
    max_jobs_per_account: int | None = Field(
        200_000, ge=1,
        description="Jobs kept per account; at the cap the jobs that ended first are purged, and if all are "
        "queued or running a submit answers 429001 with Retry-After. null: no cap.",
    )
    max_jobs_total: int | None = Field(
        500_000, ge=1,
        description="Jobs kept in all accounts together, with the same rule as max_jobs_per_account. null: no cap.",
    )
    journal_max_entries: int = Field(10_000, ge=1, description="Requests kept in the journal; oldest go first.")
    journal_body_max_bytes: int = Field(
        16 * 1024, ge=0, description="Request and response bodies larger than this are not kept in the journal."
    )
    max_fault_latency_s: float = Field(
        30.0, ge=0, description="Cap on the wall-clock delay one fault adds to one request."
    )

    # --- admin ---------------------------------------------------------------------------------
    admin_token: str | None = Field(None, description="If set, /__mock/ needs `Authorization: Bearer <this>`.")

    @field_validator("balance_error_status", mode="before")
    @classmethod
    def _status_as_number(cls, value: object) -> object:
        """An environment variable or `--set balance_error_status=400` gives text; the status is a number."""
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value

    @field_validator("auth_error_style", mode="before")
    @classmethod
    def _status_as_text(cls, value: object) -> object:
        """`--set auth_error_style=400` and YAML read the status as a number; it names a style, so text."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
