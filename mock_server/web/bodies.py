"""The JSON bodies of the contract, built from a job and its view: pure functions, one per response.

The words used here are where the real API's undocumented choices show (success word, whether a failure
shows on /status); each follows a setting, so a client can be tested against either reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..settings import Settings
from ..sim.clock import iso
from ..sim.contract import ModelInfo
from ..sim.lifecycle import Job, Phase, View


@dataclass(frozen=True)
class Urls:
    """Absolute URLs of one request: the API's under the public base of this server, the file's under
    `files_base` (the real files live on another host than the API [client]); the same base by default."""

    base: str
    request_id: str
    files_base: str | None = None

    @property
    def status(self) -> str:
        return f"{self.base}/v1/requests/{self.request_id}/status"

    @property
    def result(self) -> str:
        return f"{self.base}/v1/requests/{self.request_id}/result"

    @property
    def cancel(self) -> str:
        return f"{self.base}/v1/requests/{self.request_id}/cancel"

    @property
    def video(self) -> str:
        return f"{self.files_base or self.base}/files/{self.request_id}.mp4"


def status_word(phase: Phase, settings: Settings) -> str:
    """/status says `completed` for any finished job unless the server is told to show `failed`."""
    if phase is Phase.SUCCEEDED:
        return "completed"
    if phase is Phase.FAILED:
        return "failed" if settings.failed_on_status else "completed"
    return phase.value


def result_word(phase: Phase, settings: Settings) -> str:
    if phase is Phase.SUCCEEDED:
        return settings.success_word
    return phase.value


def submit_body(urls: Urls) -> dict[str, Any]:
    return {
        "request_id": urls.request_id,
        "status_url": urls.status,
        "result_url": urls.result,
        "cancel_url": urls.cancel,
    }


def status_body(v: View, urls: Urls, settings: Settings) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": urls.request_id,
        "status": status_word(v.phase, settings),
        "status_url": urls.status,
        "result_url": urls.result,
    }
    if v.phase is Phase.QUEUED:
        body["queue_position"] = v.queue_position
    return body


def result_body(
    job: Job, v: View, urls: Urls, settings: Settings, model: ModelInfo, include_cost: bool = False
) -> dict[str, Any]:
    """On an unfinished job the result route answers the current state [doc], with no output yet. The
    model id is there because RunComfy's clients check it against the model they submitted to [client]."""
    body: dict[str, Any] = {
        "request_id": job.request_id,
        "model_id": job.model_id,
        "status": result_word(v.phase, settings),
        "output": {"video": urls.video} if v.phase is Phase.SUCCEEDED else None,
        "created_at": iso(job.plan.submitted_at),
        "finished_at": iso(v.finished_at),
        "error": None,
    }
    if v.phase is Phase.QUEUED:
        body["queue_position"] = v.queue_position
    if v.phase is Phase.FAILED:
        outcome = job.plan.outcome
        body["error"] = {"error_code": outcome.error_code, "error_message": outcome.error_message}
    if include_cost:
        body["cost"] = model.cost(job.inputs) if v.phase is Phase.SUCCEEDED else 0.0
    return body


def cancel_body(v: View, urls: Urls, settings: Settings, cancelled: bool) -> dict[str, Any]:
    return {
        "request_id": urls.request_id,
        "status": status_word(v.phase, settings),
        "outcome": "cancelled" if cancelled else "not_cancellable",
    }
