"""Start-up errors: `kling-mock serve` prints one line `error: ...` naming what to change, and exits 2.

No traceback, whatever is wrong: the config file (missing, unreadable, bad YAML, a bad section or key), a
setting (unknown, ill-typed, out of range; from the file, `--set`, a flag or the environment), the cache
directory, the port. The cases that end the program are run as the user runs it (a child process); the
rest call `main` in-process, which is the same code without the interpreter's start-up.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mock_server.cli import main

KLING = str(Path(sys.executable).parent / "kling-mock")


def serve_process(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `kling-mock serve ARGS` to its end (it must not start: every case here is an error)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KLING_MOCK_")} | (env or {})
    cmd = [KLING, "serve", "--cache-dir", str(tmp_path / "media"), "--port", "0", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=full_env)
    return proc.returncode, proc.stderr


def serve_inline(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["serve", "--cache-dir", str(tmp_path / "media"), "--port", "0", *args])
    return code, capsys.readouterr().err


def assert_one_error_line(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], err


# --- the acceptance cases, as a user runs them ---------------------------------------------------------------


def test_a_missing_config_file(tmp_path: Path) -> None:
    assert_one_error_line(*serve_process(["--config", "/nonexistent.yaml"], tmp_path),
                          "/nonexistent.yaml", "No such file")


def test_a_setting_of_the_wrong_type_in_the_config_file_names_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "mock.yaml"
    cfg.write_text("settings:\n  seed: seven\n")
    assert_one_error_line(*serve_process(["--config", str(cfg)], tmp_path), f"{cfg}: settings.seed:", "integer")


def test_an_unknown_set_key(tmp_path: Path) -> None:
    assert_one_error_line(*serve_process(["--set", "nope=1"], tmp_path), "--set nope=1", "unknown setting 'nope'")


def test_the_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = serve_process(["--port", str(port)], tmp_path)
    assert_one_error_line(code, err, f"cannot listen on 127.0.0.1:{port}", "in use")


def test_a_cache_dir_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert_one_error_line(*serve_process(["--cache-dir", str(blocker)], tmp_path), f"cache_dir {blocker}")


def test_an_ill_typed_environment_variable_names_it(tmp_path: Path) -> None:
    code, err = serve_process([], tmp_path, env={"KLING_MOCK_SPEED": "fast"})
    assert_one_error_line(code, err, "KLING_MOCK_SPEED", "number")


# --- the other cases, in-process -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("settings: {seed: [1\n", ("bad YAML at line 2", "expected ',' or ']'")),
        ("- just\n- a list\n", ("expected a mapping at the top level",)),
        ("setings: {seed: 1}\n", ("unknown section 'setings'",)),
        ("settings: [seed]\n", ("settings: expected a mapping",)),
        ("settings: {nope: 1}\n", ("settings.nope: unknown setting 'nope'",)),
        ("settings: {speed: 0}\n", ("settings.speed:", "greater than 0")),
        ("settings: {tokens: [a, [b]]}\n", ("settings.tokens: 1:", "string")),
        ("faults:\n  - {effect: {stauts: 500}}\n", ("faults.0.effect.stauts",)),
        ("accounts:\n  alice: {rps: -1}\n", ("accounts.alice.rps",)),
    ],
)
def test_a_bad_config_file_names_the_file_and_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, fragments: tuple[str, ...]
) -> None:
    cfg = tmp_path / "mock.yaml"
    cfg.write_text(text)
    code, err = serve_inline(["--config", str(cfg)], tmp_path, capsys)
    assert_one_error_line(code, err, str(cfg), *fragments)


def test_a_config_file_that_is_not_text_or_not_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    binary = tmp_path / "mock.yaml"
    binary.write_bytes(b"settings: {seed: \xff}\n")
    assert_one_error_line(*serve_inline(["--config", str(binary)], tmp_path, capsys), "not UTF-8")
    assert_one_error_line(*serve_inline(["--config", str(tmp_path)], tmp_path, capsys), "Is a directory")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--set", "seed=abc"], ("--set seed=abc:", "integer")),
        (["--set", "spead=3"], ("unknown setting 'spead'", "did you mean 'speed'")),
        (["--set", "clock=sundial"], ("--set clock=sundial:", "'real' or 'manual'")),
        (["--set", "seed"], ("--set expects KEY=VALUE",)),
        (["--set", "tokens=[a"], ("--set tokens=[a:", "not valid YAML")),
        (["--port", "70000"], ("--port 70000:", "65535")),
        (["--set", "seed=x", "--set", "fps=0"], ("--set seed=x:", "--set fps=0:")),
    ],
)
def test_a_bad_setting_names_where_it_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], fragments: tuple[str, ...]
) -> None:
    assert_one_error_line(*serve_inline(args, tmp_path, capsys), *fragments)


def test_a_cache_dir_below_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, err = serve_inline(["--cache-dir", str(blocker / "media")], tmp_path, capsys)
    assert_one_error_line(code, err, f"cache_dir {blocker / 'media'}", "Not a directory")


def test_a_host_that_is_not_ours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = serve_inline(["--host", "192.0.2.1"], tmp_path, capsys)  # TEST-NET-1: never a local address
    assert_one_error_line(code, err, "cannot listen on 192.0.2.1:0")
