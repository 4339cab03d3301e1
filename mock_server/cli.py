"""`kling-mock`: serve the mock, inspect an MP4, and talk to any server of the contract.

`serve` and `inspect` live here; `run`, `status`, `result`, `cancel` and `models` are the harness's client
commands (contracts.cli), mounted under the same program so one install gives both halves.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from .settings import Settings

SERVE_FLAGS: tuple[tuple[str, str], ...] = (
    ("--host", "host"),
    ("--port", "port"),
    ("--seed", "seed"),
    ("--speed", "speed"),
    ("--clock", "clock"),
    ("--public-base-url", "public_base_url"),
    ("--cache-dir", "cache_dir"),
    ("--cache-max-mb", "cache_max_mb"),
    ("--admin-token", "admin_token"),
)


def load_config(path: Path | None) -> dict[str, Any]:
    """A YAML file whose `settings:` mapping holds Settings fields (other sections are for the controls)."""
    if path is None:
        return {}
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    if not isinstance(data, dict):
        raise SystemExit(f"error: {path}: expected a mapping at the top level")
    return data


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Precedence: flags > `--set` > config file > environment > defaults."""
    values: dict[str, Any] = dict(load_config(args.config).get("settings") or {})
    if args.config is not None:
        values.setdefault("config_file", args.config)  # its faults: and accounts: are loaded by the app
    for item in args.set or []:
        key, sep, raw = item.partition("=")
        if not sep:
            raise SystemExit(f"error: --set expects KEY=VALUE, got {item!r}")
        values[key.strip().replace("-", "_")] = yaml.safe_load(raw)
    for flag, field in SERVE_FLAGS:
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is not None:
            values[field] = value
    return Settings(**values)


def serve(args: argparse.Namespace) -> int:
    from .app import create_app
    from .web.server import run

    settings = settings_from_args(args)
    from .config import ConfigError

    try:
        app = create_app(settings)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"kling-mock on http://{settings.host}:{settings.port}/v1  (clock={settings.clock}, "
        f"speed={settings.speed}, seed={settings.seed}); docs at /docs",
        file=sys.stderr,
    )
    run(app, settings, args.log_level)
    return 0


def inspect(args: argparse.Namespace) -> int:
    from .media import inspect_mp4

    try:
        report = inspect_mp4(args.file)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 65
    print(json.dumps(report, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kling-mock", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the mock server")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--speed", type=float, help="simulated seconds per wall second (real clock)")
    p.add_argument("--clock", choices=["real", "manual"])
    p.add_argument("--public-base-url")
    p.add_argument("--cache-dir")
    p.add_argument("--cache-max-mb", type=int)
    p.add_argument("--admin-token")
    p.add_argument("--config", type=Path, help="YAML file with settings (and fault rules, accounts)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="any setting, e.g. --set success_word=completed")
    p.add_argument("--log-level", default="warning")
    p.set_defaults(func=serve)

    p = sub.add_parser("inspect", help="describe an MP4: size, duration, audio, fingerprint, shots (JSON)")
    p.add_argument("file", type=Path)
    p.set_defaults(func=inspect)

    try:
        from contracts.cli import add_commands
    except ImportError:  # the harness is part of the same distribution; only a broken install lacks it
        pass
    else:
        add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
