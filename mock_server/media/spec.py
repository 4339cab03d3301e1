"""What a clip is made of: the frozen description every other media module works from.

A `RenderSpec` is the whole input of a render. Its `key()` digests every field together with the engine
version, so two specs with the same key produce the same bytes: it serves as cache file name and ETag.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

import av

# Bump when a change to drawing, audio or encoder settings changes the bytes of an existing spec, so
# cached files and ETags of the old engine are not served as if they were current. The PyAV version is
# part of it because different FFmpeg builds encode the same frames to different bytes.
ENGINE_VERSION = f"kling-mock-media/1 av/{av.__version__}"

# x264 needs even frame sides for yuv420p; the fingerprint needs room for its grid and border.
MIN_WIDTH = 128
MIN_HEIGHT = 72
MAX_FPS = 120
MAX_SHOTS = 255  # the fingerprint holds the shot index in one byte
MAX_INSETS = 8


@dataclass(frozen=True)
class Shot:
    """One segment of a clip: whole seconds, and the prompt excerpt drawn on its frames."""

    duration_s: int
    prompt: str

    def __post_init__(self) -> None:
        if isinstance(self.duration_s, bool) or not isinstance(self.duration_s, int) or self.duration_s < 1:
            raise ValueError(f"shot duration must be a whole number of seconds >= 1, got {self.duration_s!r}")


@dataclass(frozen=True)
class Inset:
    """A labelled picture drawn small in a corner of every frame: one reference element of a request.

    `image` is None when the element's picture could not be had offline; the inset then shows its label
    on a plain tile, so a viewer still sees that the element reached the clip.
    """

    label: str
    image: bytes | None = None


@dataclass(frozen=True)
class RenderSpec:
    """Everything that determines the bytes of one MP4; validated on construction so renders cannot fail
    half-way on a bad argument."""

    request_id: str
    seed: int
    model_id: str
    width: int
    height: int
    fps: int
    shots: tuple[Shot, ...]
    sound: bool
    backdrop: bytes | None = None
    insets: tuple[Inset, ...] = ()

    def __post_init__(self) -> None:
        if not self.request_id:
            raise ValueError("request_id must not be empty")
        if self.width < MIN_WIDTH or self.height < MIN_HEIGHT:
            raise ValueError(f"frame must be at least {MIN_WIDTH}x{MIN_HEIGHT}, got {self.width}x{self.height}")
        if self.width % 2 or self.height % 2:
            raise ValueError(f"frame sides must be even for yuv420p, got {self.width}x{self.height}")
        if not 1 <= self.fps <= MAX_FPS:
            raise ValueError(f"fps must be within 1..{MAX_FPS}, got {self.fps}")
        if not 1 <= len(self.shots) <= MAX_SHOTS:
            raise ValueError(f"a clip needs 1..{MAX_SHOTS} shots, got {len(self.shots)}")
        if not isinstance(self.shots, tuple) or not isinstance(self.insets, tuple):
            # A list would make the frozen spec unhashable and its key order-unsafe to mutate.
            raise TypeError("shots and insets must be tuples")
        if len(self.insets) > MAX_INSETS:
            raise ValueError(f"at most {MAX_INSETS} insets, got {len(self.insets)}")

    @property
    def duration_s(self) -> int:
        """Clip length in seconds: the shots back to back."""
        return sum(shot.duration_s for shot in self.shots)

    def key(self) -> str:
        """Hex digest of every field and the engine version: equal keys mean byte-identical files.

        Computed once per spec (a backdrop can be megabytes), since the cache asks on every request.
        """
        return self._key

    @cached_property
    def _key(self) -> str:
        backdrop_digest = _digest(self.backdrop)
        fields: dict[str, object] = {}
        if self.insets:  # only when present, so the keys (and cached files) of clips without insets stay
            fields["insets"] = [[inset.label, _digest(inset.image)] for inset in self.insets]
        canonical = json.dumps(
            {
                **fields,
                "engine": ENGINE_VERSION,
                "request_id": self.request_id,
                "seed": self.seed,
                "model_id": self.model_id,
                "width": self.width,
                "height": self.height,
                "fps": self.fps,
                "shots": [[shot.duration_s, shot.prompt] for shot in self.shots],
                "sound": self.sound,
                "backdrop": backdrop_digest,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).hexdigest()


def _digest(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None
