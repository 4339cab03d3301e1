"""`python -m bench [name ...]`: run the named benchmarks, or all of them, in order.

To add a benchmark, write a module with a `main() -> None` that prints its figures, and append it to
BENCHES below.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from . import admission, api, media

BENCHES: dict[str, Callable[[], None]] = {
    "media": media.main,
    "api": api.main,
    "admission": admission.main,
    # Append further benches here.
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    unknown = [name for name in names if name not in BENCHES]
    if unknown:
        print(f"unknown bench {', '.join(unknown)}; available: {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    for name in names:
        print(f"== bench: {name} ==", flush=True)
        BENCHES[name]()
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
