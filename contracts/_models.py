"""Typed views of the API's JSON answers.

Each model is a frozen (pydantic) dataclass built by ``from_json(dict)``. Parsing is strict about the
fields the contract names (a missing ``request_id`` or a ``queue_position`` that is not an integer raises
``ValueError``: that is what a contract harness is for) and tolerant of everything else: unknown
fields are ignored and the whole answer is kept as ``.raw``, so a server that adds fields never
breaks a client, as with the real API.

Strict means JSON's own types: a boolean is not an integer, a number is not a string, an integer is
a number; null is accepted wherever a field is optional.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field, fields
from typing import Annotated, Any, Self

from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from pydantic.dataclasses import dataclass
from pydantic_core import ArgsKwargs, PydanticCustomError
from pydantic_core.core_schema import ValidatorFunctionWrapHandler

__all__ = [
    "FAILURE_STATUSES",
    "SUCCESS_STATUSES",
    "TERMINAL_STATUSES",
    "Balance",
    "CancelResponse",
    "Identity",
    "JobError",
    "Model",
    "ModelList",
    "ResultResponse",
    "StatusResponse",
    "SubmitResponse",
    "iter_urls",
]

# The documented success word on status is `completed`; the result may say `succeeded` or
# `completed` (a server setting), and a failure may show as `failed` on either. Clients accept
# all of them, as RunComfy's own CLI does; `canceled` is the American spelling it also accepts.
SUCCESS_STATUSES = frozenset({"completed", "succeeded"})
FAILURE_STATUSES = frozenset({"failed", "cancelled", "canceled"})
TERMINAL_STATUSES = SUCCESS_STATUSES | FAILURE_STATUSES


def iter_urls(value: Any) -> Iterator[str]:
    """Every http(s) URL string inside a JSON value, in document order, each once.

    Used on a result's ``output`` only: the rest of an answer holds API links (``status_url``…)
    that must never be fetched as files.
    """
    seen: set[str] = set()
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item.startswith(("http://", "https://")) and item not in seen:
                seen.add(item)
                yield item
        elif isinstance(item, Mapping):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))


# Strict mode would take only a tuple for a tuple field; a JSON array arrives as a list.
_ARRAY = Field(strict=False)
_CONFIG = ConfigDict(strict=True, extra="ignore")


def _instance(cls: type, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A ``cls`` or a constructor's arguments validated as pydantic would; an error in JSON's terms else."""
    if isinstance(data, cls | ArgsKwargs):
        return handler(data)
    raise PydanticCustomError(
        "json_object", "expected a JSON object, got {kind}", {"kind": type(data).__name__}
    )


class _FromJson:
    """What every model below shares: ``from_json``, and reading a JSON object (nested ones too)."""

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """The model for a decoded JSON answer; a ValueError naming the model and field if it is not one.

        The message is one line per problem (``StatusResponse.queue_position: ...``) because callers put
        it in an `ApiError`; pydantic's own text spans several lines and repeats the whole input.
        """
        try:
            return TypeAdapter(cls).validate_python(data)
        except ValidationError as exc:
            problems = (f"{'.'.join(map(str, (cls.__name__, *e['loc'])))}: {e['msg']}" for e in exc.errors())
            raise ValueError("; ".join(problems)) from exc

    @model_validator(mode="wrap")
    @classmethod
    def _from_object(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # In strict mode pydantic takes only an instance for a dataclass, so a JSON object (a nested
        # one too) goes through __init__, which still checks each field strictly. Unknown keys are
        # dropped here, so none can collide with __init__'s own parameters; the whole is kept as `raw`.
        if not isinstance(data, Mapping):
            return _instance(cls, data, handler)
        known = {f.name: data[f.name] for f in fields(cls) if f.name in data}  # type: ignore[arg-type]
        return cls(**{**known, "raw": dict(data)})


@dataclass(frozen=True, config=_CONFIG)
class SubmitResponse(_FromJson):
    """Answer to ``POST /models/{model_id}``: the new request's id and its absolute URLs."""

    request_id: str
    status_url: str | None = None
    result_url: str | None = None
    cancel_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, config=_CONFIG)
class StatusResponse(_FromJson):
    """Answer to ``GET /requests/{id}/status``; ``queue_position`` only while ``in_queue``."""

    request_id: str
    status: str
    queue_position: int | None = None
    status_url: str | None = None
    result_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_terminal(self) -> bool:
        """True once polling can stop: the job finished, failed or was cancelled."""
        return self.status.lower() in TERMINAL_STATUSES

    def describe(self) -> str:
        """Short human form, e.g. ``in_queue (position 3)``, as the real CLI prints it."""
        if self.queue_position is not None:
            return f"{self.status} (position {self.queue_position})"
        return self.status


@dataclass(frozen=True, config=_CONFIG)
class JobError(_FromJson):
    """Why a job failed, from a result's ``error``.

    The shape is a best guess (``{error_code, error_message}``), so a bare string or an object
    with other keys is accepted too, and kept whole in ``raw``.
    """

    error_message: str
    error_code: int | None = None
    raw: Any = field(default=None, compare=False, repr=False)

    @model_validator(mode="wrap")
    @classmethod
    def _from_object(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # Replaces the shared validator (same name): tolerant on purpose, as the docstring says.
        if isinstance(data, str):
            return cls(error_message=data, raw=data)
        if not isinstance(data, Mapping):
            return _instance(cls, data, handler)
        code = data.get("error_code")
        message = data.get("error_message", data.get("message"))
        return cls(
            error_message=message if isinstance(message, str) else str(dict(data)),
            error_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            raw=dict(data),
        )


@dataclass(frozen=True, config=_CONFIG)
class ResultResponse(_FromJson):
    """Answer to ``GET /requests/{id}/result``.

    On an unfinished job the API answers with the current state instead, so ``status`` may be
    ``in_queue`` or ``in_progress`` and ``output`` absent.
    """

    request_id: str
    status: str
    output: dict[str, Any] | None = None
    created_at: str | None = None
    finished_at: str | None = None
    error: JobError | None = None
    cost: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_terminal(self) -> bool:
        return self.status.lower() in TERMINAL_STATUSES

    @property
    def succeeded(self) -> bool:
        """True for ``succeeded``/``completed`` with no ``error`` (a failed job may say completed)."""
        return self.status.lower() in SUCCESS_STATUSES and self.error is None

    @property
    def video_url(self) -> str | None:
        """``output.video``, where Kling (like RunComfy's other video models) puts its MP4 URL."""
        video = (self.output or {}).get("video")
        return video if isinstance(video, str) else None

    def output_urls(self) -> list[str]:
        """Every URL under ``output``: what the CLI downloads."""
        return list(iter_urls(self.output)) if self.output else []


@dataclass(frozen=True, config=_CONFIG)
class CancelResponse(_FromJson):
    """Answer to ``POST /requests/{id}/cancel``.

    ``outcome`` is ``cancelled`` or ``not_cancellable`` (the job is already running or finished);
    both come with HTTP 200, so this is information, not an error.
    """

    request_id: str
    status: str | None = None
    outcome: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def cancelled(self) -> bool:
        return self.outcome == "cancelled"


@dataclass(frozen=True, config=_CONFIG)
class Model(_FromJson):
    """One catalog entry, from ``GET /models/{model_id}`` or an item of ``GET /models``."""

    model_id: str
    display_name: str | None = None
    description: str | None = None
    categories: Annotated[tuple[str, ...], _ARRAY, BeforeValidator(lambda v: () if v is None else v)] = ()
    base_price_usd: float | None = None
    price_unit: str | None = None
    input_schema: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, config=_CONFIG)
class ModelList(_FromJson):
    """A page of the catalog: ``{models, total, limit, offset}``."""

    models: Annotated[tuple[Model, ...], _ARRAY]
    total: int | None = None
    limit: int | None = None
    offset: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __iter__(self) -> Iterator[Model]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)


@dataclass(frozen=True, config=_CONFIG)
class Balance(_FromJson):
    """Answer to ``GET {serverless base}/balance`` (``/prod/v2/balance``): the account's one wallet, which
    pays for Model API jobs and RunComfy's other products alike."""

    balance_usd: float | None = None
    balance_microdollars: int | None = None
    currency: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, config=_CONFIG)
class Identity(_FromJson):
    """Answer to ``GET {web base}/api/auth/me``: whom the token belongs to. Only ``id`` is required, as in
    RunComfy's CLI; the rest is shown when present."""

    id: str
    email: str | None = None
    display_name: str | None = None
    username: str | None = None
    token_type: str | None = None
    token_created_at: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        """The name to show: email, else display name, else username, else the id (the CLI's order)."""
        return self.email or self.display_name or self.username or self.id
