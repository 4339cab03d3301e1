"""Make the README's screenshot of the playground: `python -m tests.browser.screenshot [PATH]`.

Starts `kling-mock serve` with a fast clock and Debian's Chromium, generates a clip in the playground and
saves the page once the clip is ready (default `docs/playground.png`). The browser tests call the same
helper, so the picture is of what the tests check.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .helpers import CHROMIUM, finished_job_screenshot, launch, serve

REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO / "docs" / "playground.png"


def main(argv: list[str]) -> int:
    if CHROMIUM is None:
        print("error: Chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    target = Path(argv[0]) if argv else DEFAULT
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as cache, serve(Path(cache), "--speed", "100", "--seed", "7") as server, \
            launch(CHROMIUM) as browser, browser.tab(server) as tab:
        finished_job_screenshot(tab, target)
    print(f"{target}: {target.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
