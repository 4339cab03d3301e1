"""Media engine bench: first renders against Debian's ffmpeg as the floor, cached repeats, peak memory.

The floor is what a plain `ffmpeg -f lavfi -i color ... -preset ultrafast` needs for a clip of the same
size and length with AAC audio: no Python, no drawing, every frame encoded. The engine's goal is a first
render at least 3x faster than that (it encodes one GOP per shot and re-muxes it) and a cached repeat
under 10 ms. Each figure is the median of a few runs; timings are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mock_server.media import MediaCache, RenderSpec, Shot, render_to_file
from mock_server.media.memo import MediaMemo

RUNS = 3
CASES: tuple[tuple[str, int, int, int], ...] = (
    ("1080p 5 s +audio", 1920, 1080, 5),
    ("4K 15 s +audio", 3840, 2160, 15),
)
_RSS_CHILD = """
import json, sys
from pathlib import Path
from mock_server.media import RenderSpec, Shot, render_to_file

def high_water_kib():
    # VmHWM is this process's own peak: ru_maxrss would carry over the parent's peak across fork+exec.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

before = high_water_kib()
spec = RenderSpec("rss-probe", 1, "kling/kling-3.0/4k/text-to-video", 3840, 2160, 24,
                  (Shot(15, "peak memory probe"),), True)
render_to_file(spec, Path(sys.argv[1]))
print(json.dumps({"after_imports_kb": before, "peak_kb": high_water_kib()}))
"""

def _spec(label: str, width: int, height: int, seconds: int, run: int) -> RenderSpec:
    """A fresh request per run, so nothing is reused between runs of a first render."""
    return RenderSpec(
        request_id=f"bench-{label}-{run}", seed=run, model_id="kling/kling-3.0/pro/text-to-video",
        width=width, height=height, fps=24, shots=(Shot(seconds, f"bench clip {label}"),), sound=True,
    )


def _median(action: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _floor_command(ffmpeg: str, width: int, height: int, seconds: int, out: Path) -> list[str]:
    return [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"color=c=0x3050a0:size={width}x{height}:rate=24",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(out),
    ]


def _first_renders(work: Path, ffmpeg: str | None) -> list[tuple[str, float, float | None]]:
    """Ours and the floor alternate run by run, so a busy machine slows both alike."""
    rows = []
    for label, width, height, seconds in CASES:
        ours: list[float] = []
        floor: list[float] = []
        for run in range(RUNS):
            spec = _spec(label, width, height, seconds, run)
            start = time.perf_counter()
            render_to_file(spec, work / "ours.mp4")
            ours.append(time.perf_counter() - start)
            if ffmpeg:
                start = time.perf_counter()
                subprocess.run(_floor_command(ffmpeg, width, height, seconds, work / "floor.mp4"), check=True, timeout=300)
                floor.append(time.perf_counter() - start)
        rows.append((f"first render, {label}", statistics.median(ours), statistics.median(floor) if floor else None))
    return rows


def _memo_repeat(work: Path) -> float:
    """A clip whose GOP and soundtrack are in memory (say its file was evicted): only the mux remains."""
    memo = MediaMemo(max_bytes=256 * 2**20)
    spec = _spec("memo", 3840, 2160, 15, 0)
    render_to_file(spec, work / "memo.mp4", memo=memo)
    return _median(lambda: render_to_file(spec, work / "memo.mp4", memo=memo), runs=5)


def _cache_hit(work: Path) -> float:
    """MediaCache.get of a file that is already on disk, per call (averaged over many calls)."""
    cache = MediaCache(work / "cache", max_bytes=2**30)
    spec = _spec("cache", 3840, 2160, 15, 0)
    calls = 2_000

    async def hits() -> float:
        await cache.get(spec)
        start = time.perf_counter()
        for _ in range(calls):
            await cache.get(spec)
        return (time.perf_counter() - start) / calls

    try:
        return asyncio.run(hits())
    finally:
        cache.close()


def _peak_rss(work: Path) -> dict[str, int]:
    """Peak resident memory (KiB) of a fresh process rendering 4K 15 s."""
    result = subprocess.run(
        [sys.executable, "-c", _RSS_CHILD, str(work / "rss.mp4")],
        check=True, capture_output=True, text=True, timeout=300,
    )
    figures: dict[str, int] = json.loads(result.stdout)
    return figures


def main() -> None:
    ffmpeg = shutil.which("ffmpeg")
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        work = Path(tmp)
        render_to_file(_spec("warm-up", 640, 360, 1, 0), work / "warm.mp4")  # imports, fonts, codec init
        rows = _first_renders(work, ffmpeg)
        memo = _memo_repeat(work)
        hit = _cache_hit(work)
        rss = _peak_rss(work)

    print(f"median of {RUNS} runs; floor = Debian ffmpeg lavfi color+sine, libx264 ultrafast + aac")
    if not ffmpeg:
        print("(ffmpeg not found: floor not measured; `make bench` installs it)")
    header = f"{'case':<36} {'ours':>10} {'floor':>10} {'floor/ours':>11}"
    print(header)
    print("-" * len(header))
    for name, ours, floor in rows:
        floor_text = f"{floor:9.3f}s" if floor is not None else f"{'-':>10}"
        ratio = f"{floor / ours:10.1f}x" if floor is not None else f"{'-':>11}"
        print(f"{name:<36} {ours:9.3f}s {floor_text} {ratio}")
    print(f"{'repeat from memory (mux only), 4K 15 s':<36} {memo * 1000:8.1f}ms {'-':>10} {'-':>11}")
    print(f"{'cached repeat (MediaCache.get hit)':<36} {hit * 1000:8.3f}ms {'-':>10} {'-':>11}")
    print(
        f"peak RSS rendering 4K 15 s +audio (child process): {rss['peak_kb'] / 1024:.0f} MiB "
        f"({rss['after_imports_kb'] / 1024:.0f} MiB after imports)"
    )
    print("goals: first render >= 3x faster than the floor; cached repeat < 10 ms")
