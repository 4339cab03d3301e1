"""The import rules of the layout: the domain (`sim/`) and the media (`media/`) know nothing of HTTP or
of the harness, and the API's routes reach faults only through the job service."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mock_server"
FORBIDDEN = ("fastapi", "starlette", "contracts")

PROBE = """
import importlib, json, pkgutil, sys
import mock_server.{pkg} as pkg
names = [pkg.__name__] + [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
for name in names:
    importlib.import_module(name)
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({forbidden!r}))
print(json.dumps({{"imported": names, "loaded": loaded}}))
"""


def probe(pkg: str) -> dict[str, list[str]]:
    """Import every module of `mock_server.<pkg>` in a fresh interpreter; report what got loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(pkg=pkg, forbidden=FORBIDDEN)],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def modules_in(folder: Path) -> set[str]:
    return {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in folder.rglob("*.py")
    }


def test_the_domain_loads_no_web_framework_and_no_harness() -> None:
    result = probe("sim")
    assert set(result["imported"]) == modules_in(PACKAGE / "sim")  # every module was really imported
    assert result["loaded"] == []


def test_the_media_loads_no_web_framework_and_no_harness() -> None:
    result = probe("media")
    assert set(result["imported"]) == modules_in(PACKAGE / "media")
    assert result["loaded"] == []


def imported_by(path: Path) -> set[str]:
    """The absolute names of the modules a file imports (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


API_ROUTES = ("models.py", "requests.py", "files.py")  # /v1 and /files; the /__mock controls edit the rules


def test_the_api_routes_reach_faults_only_through_the_job_service() -> None:
    routes = [PACKAGE / "web" / "routes" / name for name in API_ROUTES]
    offenders = {p.name: sorted(m for m in imported_by(p) if m.startswith("mock_server.sim.faults"))
                 for p in routes}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_import_reader_sees_relative_imports() -> None:
    """The check above would pass vacuously if relative imports were misread."""
    assert "mock_server.sim.jobs" in imported_by(PACKAGE / "web" / "routes" / "requests.py")
