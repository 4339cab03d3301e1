"""`kling-mock`: serve the mock, inspect an MP4, and talk to any server of the contract.

`serve` and `inspect` live here; `run`, `status`, `result`, `cancel`, `models`, `balance`, `whoami` and `drift`
are the harness's commands, which the harness registers in the `kling_mock.commands` entry point group
(pyproject.toml), so one install gives both halves while this package never imports the harness.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import json
import socket
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_settings import SettingsError

from .config import ConfigFile, StartupError, read_config
from .settings import Settings

COMMANDS_GROUP = "kling_mock.commands"
EXIT_STARTUP = 2  # like a usage error: nothing ran, the command line or its files must change

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


def _config_of(args: argparse.Namespace) -> ConfigFile | None:
    return None if args.config is None else read_config(args.config)


def _set_items(items: list[str]) -> Iterator[tuple[str, Any, str]]:
    """(setting, value, origin) of each `--set KEY=VALUE`; the value is read as YAML (`[a, b]`, `true`, `3`)."""
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise StartupError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise StartupError(f"--set {item}: the value is not valid YAML") from None
        yield key, value, f"--set {item}"


def _settings_error(exc: ValidationError, origins: dict[str, str]) -> StartupError:
    """One line naming, for each bad value, where it came from (flag, `--set`, file key, environment)."""
    problems = []
    for err in exc.errors(include_url=False):
        key = str(err["loc"][0]) if err["loc"] else ""
        where = origins.get(key, f"KLING_MOCK_{key.upper()}")
        if err["type"] == "extra_forbidden":
            near = difflib.get_close_matches(key, list(Settings.model_fields), n=1)
            problems.append(f"{where}: unknown setting {key!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
        else:
            inner = ".".join(str(x) for x in err["loc"][1:])
            problems.append(f"{where}: {inner + ': ' if inner else ''}{err['msg']}")
    return StartupError("; ".join(problems))


def settings_from_args(args: argparse.Namespace, config: ConfigFile | None = None) -> Settings:
    """Precedence: flags > `--set` > config file > environment > defaults. `config` is the file already
    read (else it is read here). Raises `StartupError` naming the flag, `--set` or file key at fault."""
    if config is None:
        config = _config_of(args)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if config is not None:
        for key, value in config.settings.items():
            values[key], origins[key] = value, f"{config.path}: settings.{key}"
        values["config_file"], origins["config_file"] = config.path, "--config"  # its controls go to the app
    for key, value, origin in _set_items(args.set or []):
        values[key], origins[key] = value, origin
    for flag, name in SERVE_FLAGS:
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is not None:
            values[name], origins[name] = value, f"{flag} {value}"
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise _settings_error(exc, origins) from None
    except SettingsError as exc:  # an environment variable that is not even parseable (e.g. bad JSON list)
        raise StartupError(f"environment: {one_line(str(exc))}") from None


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, bound here rather than by uvicorn so that a port in use (or a host
    that is not ours) is a one-line start-up error; uvicorn would log it and exit 1.

    Made with IPPROTO_TCP named: asyncio's loop turns Nagle off (TCP_NODELAY) only on sockets that say so,
    and without it each answer's second write (the body after the head) waited ~40 ms for the client's
    delayed ACK: 700 req/s instead of ~3,000 on 32 connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def one_line(text: str) -> str:
    return " ".join(text.split())


def _start_up(args: argparse.Namespace) -> tuple[Settings, Any, socket.socket]:
    """Settings, the app and its listening socket; the cheap checks first, so a typo fails in a blink."""
    config = _config_of(args)
    settings = settings_from_args(args, config)
    sock = listen(settings.host, settings.port)
    try:
        from .app import create_app  # the web framework, the contract and the encoder: a second to import

        controls = config.controls() if config is not None and settings.config_file == config.path else None
        return settings, create_app(settings, controls=controls), sock
    except BaseException:
        sock.close()
        raise


def serve(args: argparse.Namespace) -> int:
    """Start-up errors (config file, settings, cache directory, port) print one `error:` line and exit 2."""
    import uvicorn

    from .web.server import uvicorn_config

    try:
        settings, app, sock = _start_up(args)
    except StartupError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_STARTUP
    port = sock.getsockname()[1]
    print(
        f"kling-mock on http://{settings.host}:{port}/v1  (clock={settings.clock}, "
        f"speed={settings.speed}, seed={settings.seed}); docs at /docs",
        file=sys.stderr,
    )
    # Everything built so far lives as long as the server: out of the collector's sight, full collections
    # stop walking ~200,000 start-up objects (pauses of 0.3-1 s under load, the tail of 1,000-connection runs).
    gc.collect()
    gc.freeze()
    server = uvicorn.Server(uvicorn_config(app, settings, args.log_level, port))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down on
        pass
    finally:
        sock.close()
    if not server.started:
        print("error: the server did not start (see the log above)", file=sys.stderr)
        return EXIT_STARTUP
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

    add_plugin_commands(sub)
    return parser


def add_plugin_commands(sub: Any) -> None:
    """Commands other packages offer under `kling-mock`, found through the `kling_mock.commands` entry
    point group: each entry is a function that adds its subparsers. The harness adds its client commands
    (`run`, `status`, `result`, `cancel`, `models`, `balance`, `whoami`) and `drift` this way, so the server
    never imports the harness."""
    for entry in entry_points(group=COMMANDS_GROUP):
        try:
            add = entry.load()
        except (ImportError, AttributeError) as exc:  # a broken install of that package must not take `serve` down with it
            print(f"warning: commands of {entry.value} not loaded: {exc}", file=sys.stderr)
            continue
        add(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
