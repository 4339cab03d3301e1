"""Typed views of the API's JSON answers.

Each model is a frozen dataclass built by ``from_json(dict)``. Parsing is strict about the fields the
contract names (a missing ``request_id`` or a ``queue_position`` that is not an integer raises
``ValueError``: that is what a contract harness is for) and tolerant of everything else: unknown
fields are ignored and the whole answer is kept as ``.raw``, so a server that adds fields never
breaks a client, as with the real API.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = [
    "FAILURE_STATUSES",
    "SUCCESS_STATUSES",
    "TERMINAL_STATUSES",
    "CancelResponse",
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

_T = TypeVar("_T")


def _mapping(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def _typed(data: Mapping[str, Any], key: str, kind: type[_T], what: str) -> _T | None:
    """The value at ``key`` if absent/null or of ``kind``; a ValueError naming the field otherwise."""
    value = data.get(key)
    if value is None:
        return None
    # bool is an int in Python but never a valid integer field in JSON terms.
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise ValueError(f"{what}.{key}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _required(data: Mapping[str, Any], key: str, kind: type[_T], what: str) -> _T:
    value = _typed(data, key, kind, what)
    if value is None:
        raise ValueError(f"{what}: missing required field {key!r}")
    return value


def _number(data: Mapping[str, Any], key: str, what: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what}.{key}: expected a number, got {type(value).__name__}")
    return float(value)


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


@dataclass(frozen=True)
class SubmitResponse:
    """Answer to ``POST /models/{model_id}``: the new request's id and its absolute URLs."""

    request_id: str
    status_url: str | None = None
    result_url: str | None = None
    cancel_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> SubmitResponse:
        what = "SubmitResponse"
        d = _mapping(data, what)
        return cls(
            request_id=_required(d, "request_id", str, what),
            status_url=_typed(d, "status_url", str, what),
            result_url=_typed(d, "result_url", str, what),
            cancel_url=_typed(d, "cancel_url", str, what),
            raw=dict(d),
        )


@dataclass(frozen=True)
class StatusResponse:
    """Answer to ``GET /requests/{id}/status``; ``queue_position`` only while ``in_queue``."""

    request_id: str
    status: str
    queue_position: int | None = None
    status_url: str | None = None
    result_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> StatusResponse:
        what = "StatusResponse"
        d = _mapping(data, what)
        return cls(
            request_id=_required(d, "request_id", str, what),
            status=_required(d, "status", str, what),
            queue_position=_typed(d, "queue_position", int, what),
            status_url=_typed(d, "status_url", str, what),
            result_url=_typed(d, "result_url", str, what),
            raw=dict(d),
        )

    @property
    def is_terminal(self) -> bool:
        """True once polling can stop: the job finished, failed or was cancelled."""
        return self.status.lower() in TERMINAL_STATUSES

    def describe(self) -> str:
        """Short human form, e.g. ``in_queue (position 3)``, as the real CLI prints it."""
        if self.queue_position is not None:
            return f"{self.status} (position {self.queue_position})"
        return self.status


@dataclass(frozen=True)
class JobError:
    """Why a job failed, from a result's ``error``.

    The shape is a best guess (``{error_code, error_message}``), so a bare string or an object
    with other keys is accepted too, and kept whole in ``raw``.
    """

    error_message: str
    error_code: int | None = None
    raw: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> JobError:
        if isinstance(data, str):
            return cls(error_message=data, raw=data)
        d = _mapping(data, "JobError")
        code = d.get("error_code")
        message = d.get("error_message", d.get("message"))
        return cls(
            error_message=message if isinstance(message, str) else str(dict(d)),
            error_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            raw=dict(d),
        )


@dataclass(frozen=True)
class ResultResponse:
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

    @classmethod
    def from_json(cls, data: Any) -> ResultResponse:
        what = "ResultResponse"
        d = _mapping(data, what)
        error = d.get("error")
        return cls(
            request_id=_required(d, "request_id", str, what),
            status=_required(d, "status", str, what),
            output=_typed(d, "output", dict, what),
            created_at=_typed(d, "created_at", str, what),
            finished_at=_typed(d, "finished_at", str, what),
            error=None if error is None else JobError.from_json(error),
            cost=_number(d, "cost", what),
            raw=dict(d),
        )

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


@dataclass(frozen=True)
class CancelResponse:
    """Answer to ``POST /requests/{id}/cancel``.

    ``outcome`` is ``cancelled`` or ``not_cancellable`` (the job is already running or finished);
    both come with HTTP 200, so this is information, not an error.
    """

    request_id: str
    status: str | None = None
    outcome: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> CancelResponse:
        what = "CancelResponse"
        d = _mapping(data, what)
        return cls(
            request_id=_required(d, "request_id", str, what),
            status=_typed(d, "status", str, what),
            outcome=_typed(d, "outcome", str, what),
            raw=dict(d),
        )

    @property
    def cancelled(self) -> bool:
        return self.outcome == "cancelled"


@dataclass(frozen=True)
class Model:
    """One catalog entry, from ``GET /models/{model_id}`` or an item of ``GET /models``."""

    model_id: str
    display_name: str | None = None
    description: str | None = None
    categories: tuple[str, ...] = ()
    base_price_usd: float | None = None
    price_unit: str | None = None
    input_schema: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> Model:
        what = "Model"
        d = _mapping(data, what)
        categories = _typed(d, "categories", list, what) or []
        if not all(isinstance(c, str) for c in categories):
            raise ValueError(f"{what}.categories: expected a list of strings")
        return cls(
            model_id=_required(d, "model_id", str, what),
            display_name=_typed(d, "display_name", str, what),
            description=_typed(d, "description", str, what),
            categories=tuple(categories),
            base_price_usd=_number(d, "base_price_usd", what),
            price_unit=_typed(d, "price_unit", str, what),
            input_schema=_typed(d, "input_schema", dict, what),
            raw=dict(d),
        )


@dataclass(frozen=True)
class ModelList:
    """A page of the catalog: ``{models, total, limit, offset}``."""

    models: tuple[Model, ...]
    total: int | None = None
    limit: int | None = None
    offset: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> ModelList:
        what = "ModelList"
        d = _mapping(data, what)
        models = _required(d, "models", list, what)
        return cls(
            models=tuple(Model.from_json(m) for m in models),
            total=_typed(d, "total", int, what),
            limit=_typed(d, "limit", int, what),
            offset=_typed(d, "offset", int, what),
            raw=dict(d),
        )

    def __iter__(self) -> Iterator[Model]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)
