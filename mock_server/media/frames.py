"""The pictures of a shot: one still base picture per shot, plus the parts that change every frame.

A shot is a still picture (background, text, the grid's quiet border) on which only the fingerprint grid
and a progress bar change from frame to frame. That keeps the encoded GOP small and fast (most macroblocks
are skipped) while every frame still carries its own fingerprint and the video visibly moves.

Everything is drawn straight into Y, U and V planes: pattern backgrounds through lookup tables, text
through a mask, so only a backdrop image needs a full-frame colour conversion.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont, ImageOps

from .color import image_to_yuv420, palette_to_yuv
from .fingerprint import WHITE, Fingerprint, GridLayout, fingerprint_hash, grid_layout, grid_luma
from .spec import ENGINE_VERSION, Inset, RenderSpec

U8 = npt.NDArray[np.uint8]
Planes = tuple[U8, U8, U8]
Box = tuple[int, int, int, int]

_PROMPT_LINES = 3
_TRACK_LUMA = 40  # the progress bar's empty part
_PATTERN_SCALE = 4  # patterns are computed at a quarter of the size and scaled up (smooth edges, fast)
_INSET_FRACTION = 5  # an inset's side is a fifth of the frame's short side
_MIN_INSET = 24  # below this an inset would be unreadable: frames that small show none


@dataclass(frozen=True)
class ShotLook:
    """Every input that shapes one shot's frames, and nothing else.

    The frame builder reads only this object, so its `key()` safely names the shot's encoded GOP: two
    requests whose shots look the same (the same request with and without sound, say) share it.
    """

    width: int
    height: int
    fps: int
    model_id: str
    request_id: str
    seed: int
    fingerprint: int
    index: int
    count: int
    start_s: int
    end_s: int
    prompt: str
    backdrop: bytes | None
    insets: tuple[Inset, ...] = ()

    def key(self) -> str:
        """Digest of all fields and the engine version."""
        digest = hashlib.blake2b(digest_size=16)
        for part in (
            ENGINE_VERSION, self.width, self.height, self.fps, self.model_id, self.request_id, self.seed,
            self.fingerprint, self.index, self.count, self.start_s, self.end_s, self.prompt,
        ):
            digest.update(repr(part).encode("utf-8") + b"\x00")
        digest.update(hashlib.sha256(self.backdrop).digest() if self.backdrop is not None else b"-")
        for inset in self.insets:  # nothing for clips without insets, so their keys stay as they were
            digest.update(b"\x00inset" + repr(inset.label).encode("utf-8"))
            digest.update(hashlib.sha256(inset.image).digest() if inset.image is not None else b"-")
        return digest.hexdigest()


def shot_looks(spec: RenderSpec) -> tuple[ShotLook, ...]:
    """Split a spec into its shots' looks; the backdrop belongs to the first shot only (image-to-video), the
    insets (reference elements) to every shot, as the elements stay in the whole clip."""
    looks: list[ShotLook] = []
    start = 0
    fingerprint = fingerprint_hash(spec.request_id, spec.seed)
    for index, shot in enumerate(spec.shots):
        looks.append(
            ShotLook(
                width=spec.width, height=spec.height, fps=spec.fps, model_id=spec.model_id,
                request_id=spec.request_id, seed=spec.seed, fingerprint=fingerprint, index=index,
                count=len(spec.shots), start_s=start, end_s=start + shot.duration_s, prompt=shot.prompt,
                backdrop=spec.backdrop if index == 0 else None,
                insets=spec.insets,
            )
        )
        start += shot.duration_s
    return tuple(looks)


# --- backgrounds ---------------------------------------------------------------------------------------


def _palette(look: ShotLook) -> npt.NDArray[np.int32]:
    """256 RGB steps from a dark to a light colour: hue from the hash, turned by the golden ratio per shot
    so neighbouring shots sit far apart on the colour wheel."""
    hue = ((look.fingerprint & 0xFFFF) / 65536 + look.index * 0.6180339887) % 1.0
    dark = np.array([round(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.75, 0.30)], np.int32)
    light = np.array([round(c * 255) for c in colorsys.hsv_to_rgb((hue + 0.07) % 1.0, 0.55, 0.90)], np.int32)
    steps = np.arange(256, dtype=np.int32)[:, np.newaxis]
    return np.asarray(dark + (light - dark) * steps // 255, dtype=np.int32)


def _pattern(look: ShotLook) -> Image.Image:
    """Mix values (0..255, mode L) of the shot's pattern at a quarter of the frame size: a diagonal gradient
    under stripes, checks or rings, the kind chosen by hash and shot index so consecutive shots differ in
    shape as well as colour."""
    w = max(2, look.width // _PATTERN_SCALE)
    h = max(2, look.height // _PATTERN_SCALE)
    x = np.arange(w, dtype=np.int32)[np.newaxis, :]
    y = np.arange(h, dtype=np.int32)[:, np.newaxis]
    period = max(4, min(w, h) // 6)
    gradient = x * 150 // w + y * 60 // h  # 0..209
    kind = ((look.fingerprint >> 16) + look.index) % 3
    if kind == 0:
        accent = ((x + y) // period) % 2
    elif kind == 1:
        accent = (x // period + y // period) % 2
    else:
        dx, dy = x - w // 2, y - h // 2
        accent = (np.sqrt((dx * dx + dy * dy).astype(np.float64)).astype(np.int32) // period) % 2
    return Image.fromarray(np.asarray(gradient + accent * 46, dtype=np.uint8), "L")


def _pattern_planes(look: ShotLook) -> Planes:
    """Y, U, V of a pattern background: the mix scaled up, then mapped through the palette per plane."""
    lut_y, lut_u, lut_v = palette_to_yuv(_palette(look))
    mix = _pattern(look)
    full = mix.resize((look.width, look.height), Image.Resampling.BILINEAR)
    half = mix.resize((look.width // 2, look.height // 2), Image.Resampling.BILINEAR)
    return (
        np.asarray(full.point(lut_y), dtype=np.uint8).copy(),
        np.asarray(half.point(lut_u), dtype=np.uint8).copy(),
        np.asarray(half.point(lut_v), dtype=np.uint8).copy(),
    )


def _backdrop_planes(data: bytes, width: int, height: int) -> Planes:
    """Scale and centre-crop an image to cover the frame, as image-to-video keeps the start image's
    framing; EXIF orientation is honoured so phone photos stand upright."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.draft("RGB", (width, height))  # JPEG: decode at a reduced size when much larger
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValueError(f"backdrop is not a readable image: {exc}") from exc
    return image_to_yuv420(ImageOps.fit(image, (width, height), method=Image.Resampling.BILINEAR))


# --- text ----------------------------------------------------------------------------------------------


def _fit_text(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, max_width: int) -> str:
    """Shorten a line with an ellipsis until it fits, so long ids never run off small frames."""
    if draw.textlength(text, font=font) <= max_width:
        return text
    while text and draw.textlength(text + "...", font=font) > max_width:
        text = text[:-1]
    return text + "..."


def _prompt_lines(prompt: str, draw: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """The prompt excerpt: whitespace collapsed, quoted, wrapped to the panel, at most a few lines."""
    words = " ".join(prompt.split())
    if not words:
        return ["(no prompt)"]
    average = max(1.0, draw.textlength("abcdefghijklmnopqrstuvwxyz", font=font) / 26)
    lines = textwrap.wrap(f'"{words}"', width=max(8, int(max_width / average)))
    if len(lines) > _PROMPT_LINES:
        lines = lines[:_PROMPT_LINES]
        lines[-1] += " ..."
    return lines


def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's built-in scalable font (no font files to ship); it needs Pillow built with FreeType."""
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError("Pillow was built without FreeType; scalable text is unavailable")
    return font


def _even(value: int) -> int:
    return value - value % 2


def _draw_panel(planes: Planes, look: ShotLook, grid: GridLayout, bottom: int) -> None:
    """Darken a panel under the grid and write on it who made the clip: model, request, shot, prompt.

    The text is rendered once as a mask and blended into the planes: white in luma, neutral in chroma.
    """
    y_plane, u_plane, v_plane = planes
    cell = grid.cell
    size = max(9, min(look.width, look.height) // 27)
    font = _font(size)
    title = _font(size * 3 // 2)
    x0, y0, x1 = _even(cell), _even(grid.border_box[3] + cell), _even(look.width - cell)
    inner = x1 - x0 - 2 * cell
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    lines: list[tuple[str, ImageFont.FreeTypeFont]] = [
        (f"shot {look.index + 1}/{look.count}", title),
        (look.model_id, font),
        (f"request {look.request_id[:8]} | seed {look.seed}", font),
        (f"fingerprint {look.fingerprint:08x} | {look.start_s}s-{look.end_s}s", font),
    ]
    lines += [(line, font) for line in _prompt_lines(look.prompt, measure, font, inner)]
    heights = [int(f.getbbox("Ag")[3]) + size // 3 for _, f in lines]
    y1 = _even(min(bottom - cell, y0 + cell + sum(heights)))
    if y1 <= y0 or x1 <= x0:
        return
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(mask)
    top = cell // 2
    for (text, f), height in zip(lines, heights, strict=True):
        if y0 + top + height > y1:
            break
        draw.text((cell, top), _fit_text(draw, text, f, inner), font=f, fill=255)
        top += height
    alpha = np.asarray(mask, dtype=np.int32)
    alpha_half = np.asarray(mask.reduce(2), dtype=np.int32)
    luma = y_plane[y0:y1, x0:x1].astype(np.int32)
    luma = 16 + ((luma - 16) >> 2)  # a quarter of the brightness keeps white text legible on anything
    y_plane[y0:y1, x0:x1] = luma + ((WHITE - luma) * alpha + 127) // 255
    for chroma in (u_plane, v_plane):
        region = chroma[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2].astype(np.int32)
        region = 128 + ((region - 128) >> 2)
        chroma[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = region + ((128 - region) * alpha_half + 127) // 255


# --- insets --------------------------------------------------------------------------------------------


def _inset_tile(inset: Inset, side: int, index: int) -> Image.Image:
    """An RGB tile: the element's picture (cropped to cover) above a strip with its label, in a white
    frame. Without a picture the tile is a plain colour from the label, so it still shows."""
    strip = max(8, side // 5) // 2 * 2
    font = _font(max(6, strip * 2 // 3))
    tile = Image.new("RGB", (side, side), (255, 255, 255))
    border = max(2, side // 48) // 2 * 2
    inner = (side - 2 * border, side - 2 * border - strip)
    picture: Image.Image | None = None
    if inset.image is not None:
        try:
            with Image.open(io.BytesIO(inset.image)) as opened:
                opened.draft("RGB", inner)
                picture = ImageOps.fit(ImageOps.exif_transpose(opened).convert("RGB"), inner,
                                       method=Image.Resampling.BILINEAR)
        except (OSError, ValueError, Image.DecompressionBombError):
            picture = None  # an element that cannot be drawn still gets its labelled tile
    if picture is None:
        shade = hashlib.blake2b(f"{inset.label}\x00{index}".encode(), digest_size=3).digest()
        picture = Image.new("RGB", inner, tuple(64 + b // 2 for b in shade))
    tile.paste(picture, (border, border))
    draw = ImageDraw.Draw(tile)
    top = side - border - strip
    draw.rectangle((border, top, side - border - 1, side - border - 1), fill=(16, 16, 16))
    label = _fit_text(draw, inset.label, font, side - 2 * border - 4)
    draw.text((border + 2, top + (strip - font.size) // 2), label, font=font, fill=(255, 255, 255))
    return tile


def _draw_insets(planes: Planes, look: ShotLook, bottom: int, cell: int) -> None:
    """The reference elements as labelled tiles along the bottom right, above the progress bar, right to
    left in element order; as many as fit beside the fingerprint grid's column."""
    if not look.insets:
        return
    side = _even(min(look.width, look.height) // _INSET_FRACTION)
    if side < _MIN_INSET:
        return
    y0 = _even(bottom - cell - side)
    if y0 < cell:
        return
    y_plane, u_plane, v_plane = planes
    for index, inset in enumerate(look.insets):
        x0 = _even(look.width - cell - (index + 1) * (side + cell))
        if x0 < 2 * cell:
            break
        y, u, v = image_to_yuv420(_inset_tile(inset, side, index))
        y_plane[y0 : y0 + side, x0 : x0 + side] = y
        u_plane[y0 // 2 : (y0 + side) // 2, x0 // 2 : (x0 + side) // 2] = u
        v_plane[y0 // 2 : (y0 + side) // 2, x0 // 2 : (x0 + side) // 2] = v


# --- frames --------------------------------------------------------------------------------------------


class ShotFrames:
    """Builds a shot's frames: `base()` once, then `paint(luma, i)` for frame i of each second."""

    def __init__(self, look: ShotLook) -> None:
        self.look = look
        self.grid = grid_layout(look.width, look.height)
        cell = self.grid.cell
        # A progress bar along the bottom edge that fills once per second: the clip's visible motion.
        self.bar: Box = (cell, look.height - 2 * cell, look.width - cell, look.height - cell)

    def base(self) -> Planes:
        """Y, U, V planes of the still picture. The grid's box and the bar are neutral in chroma, so
        painting a frame only has to touch luma."""
        look = self.look
        if look.backdrop is not None:
            planes = _backdrop_planes(look.backdrop, look.width, look.height)
        else:
            planes = _pattern_planes(look)
        _draw_panel(planes, look, self.grid, self.bar[1])
        _draw_insets(planes, look, self.bar[1], self.grid.cell)
        y_plane, u_plane, v_plane = planes
        for (x0, y0, x1, y1), luma in ((self.grid.border_box, WHITE), (self.bar, _TRACK_LUMA)):
            y_plane[y0:y1, x0:x1] = luma
            u_plane[y0 // 2 : (y1 + 1) // 2, x0 // 2 : (x1 + 1) // 2] = 128
            v_plane[y0 // 2 : (y1 + 1) // 2, x0 // 2 : (x1 + 1) // 2] = 128
        return planes

    def paint(self, luma: U8, frame_index: int) -> None:
        """Draw frame `frame_index`'s grid and progress into a Y plane that holds the base picture."""
        look, grid = self.look, self.grid
        fingerprint = Fingerprint(hash=look.fingerprint, shot=look.index, frame=frame_index)
        luma[grid.y : grid.y + grid.height, grid.x : grid.x + grid.width] = grid_luma(fingerprint, grid)
        x0, y0, x1, y1 = self.bar
        filled = x0 + (x1 - x0) * (frame_index + 1) // look.fps
        luma[y0:y1, x0:filled] = WHITE
        luma[y0:y1, filled:x1] = _TRACK_LUMA


def luma_frames(look: ShotLook, indices: Sequence[int]) -> list[U8]:
    """Luma planes of selected frames before encoding, to test the drawing alone."""
    shot = ShotFrames(look)
    base = shot.base()[0]
    out = []
    for index in indices:
        plane = base.copy()
        shot.paint(plane, index)
        out.append(plane)
    return out
