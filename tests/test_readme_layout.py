"""README's "Layout" section is a map of the tree: every path it names exists, and every package is on it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
INDENT = 2
SCANNED = ("mock_server", "contracts")


def layout_block() -> list[str]:
    section = README.split("## Layout\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, flags=re.DOTALL)
    assert block, "the Layout section has no tree"
    return block.group(1).splitlines()


def named_paths() -> list[str]:
    """Each name in the tree's left column, joined to the folders above it (a continued description, a
    line with nothing in the left column, names nothing)."""
    parents: list[str] = []
    paths = []
    for line in layout_block():
        if not line.strip() or line.startswith(" " * 20):
            continue
        depth = (len(line) - len(line.lstrip(" "))) // INDENT
        names = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
        del parents[depth:]
        for name in (n.strip() for n in names.split(",")):
            paths.append("/".join([*parents, name.rstrip("/")]))
        if names.endswith("/"):
            parents.append(names.rstrip("/"))
    return paths


def test_every_path_the_layout_names_exists() -> None:
    paths = named_paths()
    assert "mock_server/web/admin" in paths and "mock_server/sim/store" in paths  # the parser follows nesting
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert not missing, f"README's Layout names paths that do not exist: {missing}"


def test_every_package_is_on_the_layout() -> None:
    paths = set(named_paths())
    packages = {
        str(init.parent.relative_to(ROOT))
        for top in SCANNED
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert packages - paths == set(), f"packages missing from README's Layout: {sorted(packages - paths)}"


def test_every_module_of_the_server_outside_media_is_on_the_layout() -> None:
    """`media/` is described as a whole; everywhere else in the server a newcomer finds each module by name."""
    paths = set(named_paths())
    modules = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "mock_server").rglob("*.py")
        if p.name != "__init__.py" and p.parent.name not in ("media", "routes", "admin", "store")
    }
    assert modules - paths == set(), f"modules missing from README's Layout: {sorted(modules - paths)}"
