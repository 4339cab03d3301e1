"""Shared builders for the media tests: small specs (fast), and renders kept for a whole session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mock_server.media import RenderSpec, Shot, render_mp4

REPO = Path(__file__).resolve().parents[2]
FIXTURE_IMAGES = REPO / "fixtures" / "images"
REQUEST_ID = "3f1c2a9e-7b4d-4c1e-9a52-6d0e8f7b1a24"
MODEL_ID = "kling/kling-3.0/standard/text-to-video"


def make_spec(
    *,
    durations: tuple[int, ...] = (2,),
    width: int = 320,
    height: int = 180,
    fps: int = 12,
    sound: bool = True,
    seed: int = 7,
    request_id: str = REQUEST_ID,
    backdrop: bytes | None = None,
    model_id: str = MODEL_ID,
) -> RenderSpec:
    """A spec with small defaults: most tests need real structure, not real size."""
    shots = tuple(Shot(d, f"shot number {i} of a corgi surfing at sunset") for i, d in enumerate(durations))
    return RenderSpec(
        request_id=request_id, seed=seed, model_id=model_id, width=width, height=height, fps=fps,
        shots=shots, sound=sound, backdrop=backdrop,
    )


@pytest.fixture(scope="session")
def render_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[RenderSpec], Path]:
    """Render a spec to a file once per session (several tests read the same clip)."""
    directory = tmp_path_factory.mktemp("renders")
    done: dict[str, Path] = {}

    def render(spec: RenderSpec) -> Path:
        key = spec.key()
        if key not in done:
            path = directory / f"{key}.mp4"
            path.write_bytes(render_mp4(spec))
            done[key] = path
        return done[key]

    return render
