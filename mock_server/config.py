"""The one reader of the YAML config file, and the errors that stop start-up.

A config file has three sections, all optional: `settings:` (fields of `Settings`, read by the CLI and
merged with flags and `--set`), and the controls `faults:` (rules, as the admin API takes them) and
`accounts:`. `read_config` reads the file once and gives both. `create_app` takes the controls from the
CLI, or reads `settings.config_file` itself, so a server built from Python with that setting gets the same
rules and accounts as one started with `kling-mock serve --config FILE`. A bad file stops start-up with a
message that names the file and the key; any other section name is refused, because a typo such as
`setings:` would otherwise silently drop everything under it.

```yaml
settings: {clock: manual, seed: 7}
faults:
  - {name: outage, match: {path: "/v1/*"}, effect: {status: 503}, window: {start: 0, end: 60}}
accounts:
  alice: {balance_usd: 1.0, rps: 5, burst: 10, max_concurrent_jobs: 2}
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

if TYPE_CHECKING:
    from .sim.accounts import AccountConfig
    from .sim.faults import Rule

SECTIONS = ("settings", "faults", "accounts")


class StartupError(Exception):
    """The server cannot start as configured; the message (one line) says what to change."""


class ConfigError(StartupError, ValueError):
    """The config file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Controls:
    """The config file's fault rules and accounts: what `POST /__mock/reset` goes back to."""

    faults: list[Rule] = field(default_factory=list)
    accounts: dict[str, AccountConfig] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigFile:
    """Everything one config file says, read once: the raw `settings:` values (validated with the flags,
    into `Settings`) and the raw control sections, validated by `controls()` when the app is built."""

    path: Path
    settings: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)

    def controls(self) -> Controls:
        """The `faults:` and `accounts:` sections, validated; `ConfigError` names the key at fault."""
        return parse_controls(self.sections, str(self.path))


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's message spans several lines; keep where (line, column) and what."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"bad YAML at line {mark.line + 1}, column {mark.column + 1}: {exc.problem}"
    return f"bad YAML: {exc}"


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: {_yaml_problem(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    unknown = sorted(str(k) for k in data if k not in SECTIONS)
    if unknown:
        raise ConfigError(f"{path}: unknown section {unknown[0]!r} (the sections are {', '.join(SECTIONS)})")
    return data


def parse_controls(data: dict[str, Any], where: str = "config") -> Controls:
    # Imported here: the CLI reads this module on every command, and the rule and account models pull in
    # the contract (and jsonschema), which only `serve` needs.
    from .sim.accounts import AccountConfig
    from .sim.faults import FaultRuleError, parse_rule

    rules_raw = data.get("faults") or []
    accounts_raw = data.get("accounts") or {}
    if not isinstance(rules_raw, list):
        raise ConfigError(f"{where}: faults: expected a list of rules")
    if not isinstance(accounts_raw, dict):
        raise ConfigError(f"{where}: accounts: expected a mapping of token -> account")
    rules = []
    for i, raw in enumerate(rules_raw):
        try:
            rules.append(parse_rule(raw, ("faults", i)))
        except FaultRuleError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    accounts = {}
    for token, raw in accounts_raw.items():
        try:
            accounts[str(token)] = AccountConfig.model_validate(raw or {})
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(x) for x in ("accounts", token, *first["loc"]))
            raise ConfigError(f"{where}: {loc}: {first['msg']}") from None
    return Controls(rules, accounts)


def read_config(path: Path) -> ConfigFile:
    """Read the file once: its `settings:` mapping as written, and its control sections."""
    data = _read_mapping(path)
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: settings: expected a mapping of setting -> value")
    sections = {k: v for k, v in data.items() if k != "settings"}
    return ConfigFile(path, {str(k): v for k, v in settings.items()}, sections)


def load_controls(path: Path | None) -> Controls:
    """The `faults:` and `accounts:` sections of the file, validated; empty if there is no file."""
    return Controls() if path is None else read_config(path).controls()
