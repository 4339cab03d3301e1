"""From a job to its media: the images an image-to-video job starts from, and the spec of its MP4.

Images come three ways: inline as data URIs (decoded at validation, never fetched), as a fixture path read
from disk, or fetched when the server allows it. Fetching happens at submit, as the real service reads the
image when it takes the job: a URL that cannot be read fails that job with a clear `error` (decided now,
shown when the job ends) and nothing else breaks. A reference element whose picture cannot be had is
still drawn, as a labelled tile without a picture. Every image is kept once per content (`image_key`),
however many jobs use it, and a job's inputs name an inline image by that key instead of holding its
megabytes of base64 a second time.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..media import (
    FetchPolicy,
    ImageFetchError,
    Inset,
    RenderSpec,
    Shot,
    fetch_image,
    frame_size,
    nearest_ratio,
    upright_size,
)
from ..settings import Settings
from .contract import EXTRA_ASPECT_RATIOS, ImagePath, ModelInfo
from .lifecycle import NO_FAULT, Job, JobFault

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "images"
FIXTURE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp"})
PROMPT_EXCERPT = 60
START_IMAGE: ImagePath = ("start_image_url",)
#: The frame shapes a clip without an `aspect_ratio` input can take; the first is the fallback.
RATIOS = ("16:9", "9:16", "1:1")
#: How a job's inputs name an inline image kept in the store (`stored:sha256:<key>`).
STORED_PREFIX = "stored:sha256:"


def fixture_names() -> list[str]:
    """The sample images, by file name. Only images: the folder also holds the script that draws them."""
    return sorted(
        p.name
        for p in FIXTURES_DIR.iterdir()
        if p.suffix.lower() in FIXTURE_SUFFIXES and not p.name.startswith(".") and p.is_file()
    )


def fixture_path(name: str) -> Path | None:
    """The sample image called `name`, or None. The name is looked up among `fixture_names()`, never
    joined to a path first, so no name (`..`, a NUL byte, a script) can reach another file."""
    return FIXTURES_DIR / name if name in fixture_names() else None


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        enabled=settings.fetch_images,
        allow_hosts=tuple(settings.fetch_allow_hosts),
        max_bytes=settings.fetch_max_bytes,
        timeout_s=settings.fetch_timeout_s,
    )


@dataclass(frozen=True)
class JobImages:
    """What a job's images turned into at submit: the start frame, the elements' frontal pictures (one per
    element, None where it could not be had), and what reading them does to the job (an unreadable start
    URL fails it soon after it starts)."""

    start: bytes | None = None
    elements: tuple[bytes | None, ...] = ()
    fault: JobFault = NO_FAULT


async def job_images(
    inputs: Mapping[str, Any], inline: Mapping[ImagePath, bytes], settings: Settings
) -> JobImages:
    """The start image (inline, a fixture, or fetched if allowed) and each element's frontal picture."""
    policy = fetch_policy(settings)
    start, fault = inline.get(START_IMAGE), NO_FAULT
    url = inputs.get("start_image_url")
    if start is None and isinstance(url, str):
        try:
            start = await fetch_image(url, policy, FIXTURES_DIR)
        except ImageFetchError as exc:
            fault = JobFault(fail_at=0.05, error="image_fetch_failed",
                             error_message=f"Could not read start_image_url: {exc}")
    elements: list[bytes | None] = []
    raw_elements = inputs.get("elements")
    for i, element in enumerate(raw_elements if isinstance(raw_elements, list) else []):
        picture = inline.get(("elements", i, "frontal_image_url"))
        front = element.get("frontal_image_url") if isinstance(element, Mapping) else None
        if picture is None and isinstance(front, str):
            try:
                picture = await fetch_image(front, policy, FIXTURES_DIR)
            except ImageFetchError:
                picture = None
        elements.append(picture)
    return JobImages(start, tuple(elements), fault)


def image_key(image: bytes) -> str:
    """The key an image is stored under: its content hash, so equal images are kept once."""
    return hashlib.sha256(image).hexdigest()


def naming_stored_images(inputs: Mapping[str, Any], inline: Mapping[ImagePath, bytes]) -> dict[str, Any]:
    """The inputs with each inline image replaced by the name of its stored copy (`stored:sha256:<key>`):
    the job keeps the request's shape, and the image's bytes are held once, in the store."""
    kept = dict(inputs)
    for path, data in inline.items():
        node: Any = kept
        for part in path[:-1]:
            node[part] = copy.copy(node[part])  # copy on the way down: the caller's inputs stay as they were
            node = node[part]
        node[path[-1]] = STORED_PREFIX + image_key(data)
    return kept


def shots_of(inputs: Mapping[str, Any], model: ModelInfo) -> tuple[Shot, ...]:
    """One shot per `multi_prompt` entry, else one shot of the whole clip."""
    multi = inputs.get("multi_prompt") or []
    if multi:
        return tuple(Shot(int(s["duration"]), str(s["prompt"])[:PROMPT_EXCERPT]) for s in multi)
    prompt = str(inputs.get("prompt") or "image to video")
    return (Shot(model.duration(inputs), prompt[:PROMPT_EXCERPT]),)


def aspect_ratio_of(job: Job, model: ModelInfo, settings: Settings, image: bytes | None) -> str:
    """The frame shape: the body's `aspect_ratio` where the endpoint has one; on image-to-video (which
    has none [live]) the ratio nearest the start image's, or 16:9 when there is no readable image [guess]."""
    if "aspect_ratio" in model.inputs:
        return str(job.inputs.get("aspect_ratio", RATIOS[0]))
    size = upright_size(image) if image is not None else None
    if size is None:
        return RATIOS[0]
    ratios = (*RATIOS, *EXTRA_ASPECT_RATIOS) if settings.extra_aspect_ratios else RATIOS
    return nearest_ratio(*size, ratios)


def insets_of(pictures: tuple[bytes | None, ...]) -> tuple[Inset, ...]:
    """One labelled inset per reference element, with its frontal picture when the job has it."""
    return tuple(Inset(f"element {i + 1}", picture) for i, picture in enumerate(pictures))


def render_spec(
    job: Job, model: ModelInfo, settings: Settings, image: bytes | None, elements: tuple[bytes | None, ...] = ()
) -> RenderSpec:
    """What the job's MP4 shows: its request and seed (the fingerprint), tier size (and, on image-to-video,
    the start image's shape), shots, audio, start image and reference elements."""
    width, height = frame_size(model.tier, aspect_ratio_of(job, model, settings, image))
    return RenderSpec(
        request_id=job.request_id,
        seed=job.seed,
        model_id=job.model_id,
        width=width,
        height=height,
        fps=settings.fps,
        shots=shots_of(job.inputs, model),
        sound=model.sound(job.inputs),
        backdrop=image,
        insets=insets_of(elements),
    )
