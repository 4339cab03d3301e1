"""Packages import in one direction: the harness (`contracts`) may import the server, never the reverse.

The server must run, and its modules must import, without the harness: `kling-mock`'s client commands
join it through the `kling_mock.commands` entry point group instead of an import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import mock_server
from mock_server.cli import build_parser

PACKAGE = Path(mock_server.__file__).resolve().parent
FORBIDDEN = "contracts"
DYNAMIC_IMPORTS = frozenset({"import_module", "__import__"})


def _is_forbidden(module: str | None) -> bool:
    return module is not None and (module == FORBIDDEN or module.startswith(FORBIDDEN + "."))


def imports_of(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import, including `importlib.import_module("...")` with a literal."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in DYNAMIC_IMPORTS and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def test_no_module_under_mock_server_imports_contracts() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 20  # the scan sees the whole package, sub-packages included
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {module}"
        for path in files
        for line, module in imports_of(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if _is_forbidden(module)
    ]
    assert not found, "mock_server imports the harness:\n" + "\n".join(found)


def test_the_scan_finds_every_form_of_import() -> None:
    source = (
        "import contracts\nimport contracts.cli as c\nfrom contracts import Client\n"
        "from contracts._live import free_port\nimportlib.import_module('contracts.cli')\n"
        "from . import contracts_like\nimport contractsx\nfrom .contracts import x\n"
    )
    assert [line for line, m in imports_of(ast.parse(source)) if _is_forbidden(m)] == [1, 2, 3, 4, 5]


def test_the_client_commands_join_through_the_entry_point_group() -> None:
    parser = build_parser()
    for command in ("run", "status", "result", "cancel", "models"):
        assert parser.parse_args([command, *(["x"] if command != "models" else ["list"])]).command == command
