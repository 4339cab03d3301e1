"""The config file's control sections: `faults:` (rules, as the admin API takes them) and `accounts:`.

The file's `settings:` section is read by the CLI (it becomes the Settings object); these two are read
by `create_app` from `settings.config_file`, so a server started from Python with that setting gets the
same rules and accounts as one started with `kling-mock serve --config FILE`. A bad file stops start-up
with a message that names the key.

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
from typing import Any

import yaml
from pydantic import ValidationError

from .sim.accounts import AccountConfig
from .sim.faults import FaultRuleError, Rule, parse_rule


class ConfigError(ValueError):
    """The config file cannot be used; the message says where."""


@dataclass(frozen=True)
class Controls:
    faults: list[Rule] = field(default_factory=list)
    accounts: dict[str, AccountConfig] = field(default_factory=dict)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def parse_controls(data: dict[str, Any], where: str = "config") -> Controls:
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


def load_controls(path: Path | None) -> Controls:
    """The `faults:` and `accounts:` sections of the file, validated; empty if there is no file."""
    if path is None:
        return Controls()
    return parse_controls(read_yaml(path), str(path))
