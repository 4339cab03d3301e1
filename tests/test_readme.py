"""The README is the user's manual: it must name every setting and exactly the two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

from mock_server.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_settings_table() -> None:
    documented = set(re.findall(r"^\| `([a-z_0-9]+)` \|", README, flags=re.MULTILINE))
    missing = set(Settings.model_fields) - documented
    assert not missing, f"settings missing from README's table: {sorted(missing)}"


def test_setup_names_make_serve_and_make_test() -> None:
    setup = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^make (\w+)", setup, flags=re.MULTILINE)
    assert commands == ["serve", "test"]
