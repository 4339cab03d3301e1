"""From a job to its media: the image an image-to-video job starts from, and the spec of its MP4.

Fetching happens at submit, as the real service reads the image when it takes the job: a URL that cannot be
read fails that job with a clear `error` (decided now, shown when the job ends) and nothing else breaks.
The image is kept once per content (`image_key`), however many jobs start from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..media import FetchPolicy, ImageFetchError, RenderSpec, Shot, fetch_image, frame_size
from ..settings import Settings
from .contract import ModelInfo
from .lifecycle import NO_FAULT, Job, JobFault

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "images"
PROMPT_EXCERPT = 60


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        enabled=settings.fetch_images,
        allow_hosts=tuple(settings.fetch_allow_hosts),
        max_bytes=settings.fetch_max_bytes,
        timeout_s=settings.fetch_timeout_s,
    )


async def start_image(inputs: Mapping[str, Any], settings: Settings) -> tuple[bytes | None, JobFault]:
    """The start image's bytes if it can be had offline or is allowed (else None: the video is drawn
    without it), and what reading it does to the job: nothing, or a failure soon after it starts."""
    url = inputs.get("start_image_url")
    if not isinstance(url, str):
        return None, NO_FAULT
    try:
        return await fetch_image(url, fetch_policy(settings), FIXTURES_DIR), NO_FAULT
    except ImageFetchError as exc:
        return None, JobFault(fail_at=0.05, error="image_fetch_failed",
                              error_message=f"Could not read start_image_url: {exc}")


def image_key(image: bytes) -> str:
    """The key an image is stored under: its content hash, so equal images are kept once."""
    return hashlib.sha256(image).hexdigest()


def shots_of(inputs: Mapping[str, Any]) -> tuple[Shot, ...]:
    """One shot per `multi_prompt` entry, else one shot of the whole clip."""
    multi = inputs.get("multi_prompt") or []
    if multi:
        return tuple(Shot(int(s["duration"]), str(s["prompt"])[:PROMPT_EXCERPT]) for s in multi)
    prompt = str(inputs.get("prompt") or "image to video")
    return (Shot(int(inputs.get("duration", 5)), prompt[:PROMPT_EXCERPT]),)


def render_spec(job: Job, model: ModelInfo, settings: Settings, image: bytes | None) -> RenderSpec:
    """What the job's MP4 shows: its request and seed (the fingerprint), tier size, shots, audio, image."""
    width, height = frame_size(model.tier, str(job.inputs.get("aspect_ratio", "16:9")))
    return RenderSpec(
        request_id=job.request_id,
        seed=job.seed,
        model_id=job.model_id,
        width=width,
        height=height,
        fps=settings.fps,
        shots=shots_of(job.inputs),
        sound=bool(job.inputs.get("sound", False)),
        backdrop=image,
    )
