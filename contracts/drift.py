"""The drift check: does `openapi.yaml` still say what RunComfy's live catalog says?

The contract was written from RunComfy's catalog (`GET /v1/models?include_schema=true`, a free call). The
catalog changes; the contract does not unless someone notices. This module compares the two field by
field, for every model of the contract: the entry (present, price and unit, the fields a catalog entry
has) and the input schema (fields missing on either side, types, enums, defaults, ranges, formats,
required fields), and grades each difference:

- **critical**: the mock would answer differently from production: it accepts what production refuses
  (a wider range, an enum value or a field production does not have, a field it does not require) or
  refuses what production accepts, applies another default, or bills another price or unit. A contract
  test would go green where production goes red, or the other way round.
- **warning**: the contract is more specific than the catalog (a bound, a pattern or a nested shape the
  catalog does not publish: a guess that may be right), an extra model of the same family, a category
  or a model URL that differs.
- **info**: names and descriptions, and catalog keywords the contract does not model.

`drift()` does the comparison on data; `add_command` mounts ``kling-mock drift`` (a saved catalog file,
or ``--target real`` to fetch RunComfy's own with ``RUNCOMFY_TOKEN``, never in CI, or ``--target URL``
for any server of the contract), which prints a table and exits 0 unless something is critical.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO, TypeGuard

import httpx
from jsonschema import Draft202012Validator

from mock_server.spec import SubmitOperation, load_spec, resolve, submit_operations_in

from ._client import DEFAULT_BASE_URL, Client
from ._env import in_ci
from ._errors import ApiError, TransportError

__all__ = [
    "SEVERITIES",
    "DriftReport",
    "Finding",
    "add_command",
    "catalog_entries",
    "drift",
    "fetch_catalog",
    "render_table",
]

Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")

#: The unit `x-price-usd-per-second` names, unless an operation says otherwise with `x-price-unit`.
CONTRACT_PRICE_UNIT = "second"
#: Pages of 500 fetched at most from a live catalog (RunComfy's had 384 entries in September 2026).
MAX_PAGES = 20

EXIT_OK = 0
EXIT_DRIFT = 1  # something critical
EXIT_USAGE = 2
EXIT_DATAERR = 65  # the file is not a catalog
EXIT_NOINPUT = 66  # the file does not exist
EXIT_NOPERM = 77  # --target without a token

# Schema keywords and how a difference in each is graded. Annotations (description, title, examples) and
# the contract's own `x-` extensions are never compared: they explain, they do not constrain.
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
           "minItems", "maxItems", "multipleOf")  # fmt: skip
_HANDLED = frozenset(
    {"type", "anyOf", "oneOf", "enum", "const", "default", "format", "pattern", "required", "properties", "items",
     "additionalProperties", *_BOUNDS}
)  # fmt: skip
_ANNOTATIONS = frozenset(
    {"description", "title", "examples", "example", "$schema", "$id", "$comment", "deprecated", "readOnly",
     "writeOnly", "nullable"}
)  # fmt: skip
_ABSENT = object()


@dataclass(frozen=True)
class Finding:
    """One difference between the contract and the catalog.

    ``field`` is where (an input's path such as ``multi_prompt[].duration``, an entry field such as
    ``price_unit``, or ``-`` for the model itself); ``aspect`` is what differs (``default``, ``enum``,
    ``missing``...); ``contract`` and ``catalog`` are the two values (None where a side has nothing).
    """

    severity: Severity
    model_id: str
    field: str
    aspect: str
    contract: Any
    catalog: Any
    note: str

    def sort_key(self) -> tuple[int, str, str, str]:
        return (SEVERITIES.index(self.severity), self.model_id, self.field, self.aspect)


@dataclass(frozen=True)
class DriftReport:
    """Every finding, and what was compared."""

    findings: tuple[Finding, ...]
    compared: tuple[str, ...]  # the contract's model ids
    catalog_size: int
    ignored: int  # catalog entries outside the contract's model families
    notes: tuple[str, ...] = field(default=())  # about the comparison itself (e.g. no input_schema)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def critical(self) -> bool:
        return self.count("critical") > 0

    def summary(self) -> str:
        c, w, i = (self.count(s) for s in SEVERITIES)
        return (
            f"drift: {c} critical, {w} warning{'s' * (w != 1)}, {i} info; {len(self.compared)} models of "
            f"openapi.yaml against {self.catalog_size} catalog entries"
            + (f" ({self.ignored} of other model families ignored)" if self.ignored else "")
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "counts": {s: self.count(s) for s in SEVERITIES},
            "compared": list(self.compared),
            "catalog_size": self.catalog_size,
            "ignored": self.ignored,
            "notes": list(self.notes),
            "findings": [asdict(f) for f in self.findings],
        }


# --------------------------------------------------------------------------------------------------
# Reading a catalog.


def catalog_entries(data: Any) -> list[dict[str, Any]]:
    """The entries of a saved catalog: a `GET /v1/models` answer (``{"models": [...]}``) or a bare list.

    Raises ValueError with a sentence when the data is neither, so the command can say what is wrong.
    """
    models = data.get("models") if isinstance(data, Mapping) else data
    if not isinstance(models, list):
        raise ValueError("expected a GET /v1/models answer ({\"models\": [...]}) or a list of catalog entries")
    entries: list[dict[str, Any]] = []
    for i, entry in enumerate(models):
        if not isinstance(entry, dict) or not isinstance(entry.get("model_id"), str):
            raise ValueError(f"catalog entry {i} is not an object with a string model_id")
        entries.append(entry)
    return entries


def fetch_catalog(client: Client) -> dict[str, Any]:
    """The whole catalog with input schemas, page by page (500 at a time, at most `MAX_PAGES` pages).

    A free call on the real API: it starts nothing and costs nothing.
    """
    entries: list[dict[str, Any]] = []
    total: int | None = None
    for _ in range(MAX_PAGES):
        page = client.models(limit=500, offset=len(entries), include_schema=True)
        batch = page.raw.get("models") or []
        entries.extend(batch)
        total = page.total
        if not batch or total is None or len(entries) >= total:
            break
    return {"models": entries, "total": total if total is not None else len(entries)}


# --------------------------------------------------------------------------------------------------
# The comparison.


def drift(catalog: Sequence[Mapping[str, Any]], spec: Mapping[str, Any] | None = None) -> DriftReport:
    """Compare catalog entries with the contract (`spec`: a loaded OpenAPI document, default the shipped one)."""
    doc = load_spec() if spec is None else spec
    ops = submit_operations_in(doc)
    raw_ops = _raw_submit_operations(doc)
    model_schema = _model_schema(doc)
    families = {_family(m) for m in ops}
    findings: list[Finding] = []
    notes: list[str] = []
    by_id: dict[str, Mapping[str, Any]] = {}
    ignored = 0
    for entry in catalog:
        model_id = str(entry.get("model_id"))
        if model_id in by_id:
            findings.append(Finding("warning", model_id, "-", "duplicate", None, None,
                                    "the catalog lists this model twice; the first entry is compared"))  # fmt: skip
            continue
        by_id[model_id] = entry
        if model_id not in ops:
            if _family(model_id) in families:
                findings.append(Finding("warning", model_id, "-", "extra model", None, model_id,
                                        "the catalog has a model of this family that the contract lacks"))  # fmt: skip
            else:
                ignored += 1
    for model_id, op in ops.items():
        listed = by_id.get(model_id)
        if listed is None:
            findings.append(Finding("critical", model_id, "-", "missing model", model_id, None,
                                    "the contract serves a model the catalog does not list"))  # fmt: skip
            continue
        out = _Collector(model_id)
        _compare_entry(out, op, raw_ops.get(model_id, {}), listed, model_schema)
        contract_schema = resolve({"$ref": op.input_schema_ref}, doc)
        catalog_schema = listed.get("input_schema")
        if isinstance(catalog_schema, Mapping):
            _compare_schema(out, "", contract_schema, catalog_schema)
            _compare_input_lists(out, listed, catalog_schema, own=True)
        else:
            notes.append(f"{model_id}: no input_schema in the catalog entry (fetch with include_schema=true); "
                         "its inputs and required_inputs were compared instead")  # fmt: skip
            _compare_input_lists(out, listed, contract_schema, own=False)
        findings.extend(out.findings)
    return DriftReport(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        compared=tuple(ops),
        catalog_size=len(catalog),
        ignored=ignored,
        notes=tuple(notes),
    )


@dataclass
class _Collector:
    model_id: str
    findings: list[Finding] = field(default_factory=list)

    def add(self, severity: Severity, where: str, aspect: str, contract: Any, catalog: Any, note: str) -> None:
        """Record a finding; `_ABSENT` (a side that says nothing) is shown as None."""
        mine = None if contract is _ABSENT else contract
        theirs = None if catalog is _ABSENT else catalog
        self.findings.append(Finding(severity, self.model_id, where or "-", aspect, mine, theirs, note))


def _family(model_id: str) -> str:
    """``kling/kling-3.0`` for ``kling/kling-3.0/pro/text-to-video``: the model and its version."""
    return "/".join(model_id.split("/")[:2])


def _raw_submit_operations(spec: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The submit operations as written, for the optional `x-` fields `SubmitOperation` does not carry."""
    found: dict[str, Mapping[str, Any]] = {}
    for item in spec.get("paths", {}).values():
        for op in item.values() if isinstance(item, Mapping) else ():
            if isinstance(op, Mapping) and "x-model-id" in op:
                found[str(op["x-model-id"])] = op
    return found


def _model_schema(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    schemas = spec.get("components", {}).get("schemas", {})
    if "Model" not in schemas:
        return None
    resolved = resolve({"$ref": "#/components/schemas/Model"}, spec)
    return resolved if isinstance(resolved, dict) else None


def _compare_entry(
    out: _Collector,
    op: SubmitOperation,
    raw_op: Mapping[str, Any],
    entry: Mapping[str, Any],
    model_schema: Mapping[str, Any] | None,
) -> None:
    """The catalog entry itself: its shape (the contract's `Model`), price, unit, names and links."""
    if model_schema is not None:
        # Held to `Model` without `input_schema`: its presence depends on `include_schema`, and its
        # content is compared field by field below.
        shape = dict(model_schema)
        shape["required"] = [r for r in model_schema.get("required", []) if r != "input_schema"]
        validator = Draft202012Validator(shape)
        for error in sorted(validator.iter_errors(dict(entry)), key=lambda e: list(map(str, e.absolute_path))):
            where = ".".join(str(p) for p in error.absolute_path) or "-"
            out.add("critical", where, "entry shape", None, _short_value(error.instance), error.message)
        known = set(model_schema.get("properties", {}))
        for name in sorted(set(entry) - known):
            out.add("warning", name, "extra entry field", None, entry[name],
                    "the catalog entry has a field the contract's Model schema does not declare")  # fmt: skip
    price = entry.get("base_price_usd")
    if _is_number(price) and not math.isclose(float(price), op.price_no_audio, rel_tol=1e-9, abs_tol=1e-12):
        out.add("critical", "base_price_usd", "price", op.price_no_audio, price,
                "the mock bills another price per unit than production")  # fmt: skip
    per_second = entry.get("price_usd_per_second")
    if isinstance(per_second, Mapping):
        for key, mine in (("no_audio", op.price_no_audio), ("audio", op.price_audio)):
            theirs = per_second.get(key)
            if _is_number(theirs) and not math.isclose(float(theirs), mine, rel_tol=1e-9, abs_tol=1e-12):
                out.add("critical", f"price_usd_per_second.{key}", "price", mine, theirs,
                        "the mock bills another price than production")  # fmt: skip
    unit = str(raw_op.get("x-price-unit", CONTRACT_PRICE_UNIT))
    if "price_unit" in entry and entry["price_unit"] != unit:
        out.add("critical", "price_unit", "unit", unit, entry["price_unit"],
                "clients check the unit before a submit (RunComfy's partner nodes refuse all but 'second')")  # fmt: skip
    categories = entry.get("categories")
    if isinstance(categories, list) and set(op.categories) != set(categories):
        out.add("warning", "categories", "categories", list(op.categories), categories,
                "a client filtering by category finds the model on one side only")  # fmt: skip
    url = raw_op.get("x-model-url")
    if url is not None and "model_url" in entry and entry["model_url"] != url:
        out.add("warning", "model_url", "link", url, entry["model_url"], "the model's page moved")
    for name, text in (("display_name", op.display_name), ("description", op.description)):
        if name in entry and entry[name] != text:
            out.add("info", name, "text", _short_value(text), _short_value(entry[name]), "wording only")


def _compare_input_lists(
    out: _Collector, entry: Mapping[str, Any], schema: Mapping[str, Any], *, own: bool
) -> None:
    """`inputs` and `required_inputs` of the entry against an input schema's names.

    ``own``: the schema is the entry's own (a catalog that disagrees with itself is a warning, the
    fields themselves having been compared already); otherwise it is the contract's (critical).
    """
    props = schema.get("properties")
    names = set(props) if isinstance(props, Mapping) else set()
    required = set(schema.get("required") or [])
    severity: Severity = "warning" if own else "critical"
    whose = "its own input_schema" if own else "the contract"
    for key, expected in (("inputs", names), ("required_inputs", required)):
        listed = entry.get(key)
        if not isinstance(listed, list):
            continue
        got = {str(x.get("name")) if isinstance(x, Mapping) else str(x) for x in listed}
        if got != expected:
            out.add(severity, key, "names", sorted(expected), sorted(got), f"the entry's {key} disagree with {whose}")


def _compare_schema(out: _Collector, where: str, mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> None:
    """One schema node of the contract (`mine`) against the catalog's (`theirs`), then their children."""
    _compare_types(out, where, mine, theirs)
    _compare_values(out, where, _allowed(mine), _allowed(theirs))
    _compare_default(out, where, mine.get("default", _ABSENT), theirs.get("default", _ABSENT))
    for key in _BOUNDS:
        a, b = mine.get(key, _ABSENT), theirs.get(key, _ABSENT)
        if (a is _ABSENT and b is _ABSENT) or _same(a, b):
            continue
        if b is _ABSENT:
            out.add("warning", where, key, a, b, "a bound only the contract states (a guess; production may not have it)")
        elif a is _ABSENT:
            out.add("critical", where, key, a, b, "production has a bound the mock does not enforce")
        else:
            out.add("critical", where, key, a, b, "the mock's bound differs from production's")
    _compare_format(out, where, mine.get("format", _ABSENT), theirs.get("format", _ABSENT))
    a, b = mine.get("pattern", _ABSENT), theirs.get("pattern", _ABSENT)
    if not _same(a, b):
        out.add("warning", where, "pattern", a, b, "the patterns differ (the catalog rarely publishes one)")
    if not _same(mine.get("additionalProperties", True), theirs.get("additionalProperties", True)):
        out.add("warning", where, "additionalProperties", mine.get("additionalProperties", True),
                theirs.get("additionalProperties", True), "unknown fields are treated differently")  # fmt: skip
    _compare_object(out, where, mine, theirs)
    _compare_items(out, where, mine, theirs)
    for key in sorted(set(theirs) - _HANDLED - _ANNOTATIONS):
        if key.startswith("x-") or (key in mine and _same(mine[key], theirs[key])):
            continue
        out.add("info", where, key, mine.get(key, _ABSENT), theirs[key], "a keyword the drift check does not grade")


def _compare_types(out: _Collector, where: str, mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> None:
    a, b = _types(mine), _types(theirs)
    if a == b or b is None:
        return
    if a is None:
        out.add("warning", where, "type", None, sorted(b), "the contract does not say the type production has")
        return
    out.add("critical", where, "type", _one_or_list(a), _one_or_list(b), "the types differ")


def _compare_values(out: _Collector, where: str, a: list[Any] | None, b: list[Any] | None) -> None:
    """Enums (and consts): every value on one side only is critical, in either direction."""
    if a is None and b is None:
        return
    if a is None or b is None:
        severity: Severity = "critical" if a is None else "warning"
        note = (
            "production allows only these values; the mock allows any"
            if a is None
            else "the contract limits the values; the catalog does not"
        )
        out.add(severity, where, "enum", a, b, note)
        return
    only_mine = [v for v in a if not any(_same(v, w) for w in b)]
    only_theirs = [v for v in b if not any(_same(v, w) for w in a)]
    if only_mine:
        out.add("critical", where, "enum", only_mine, None, "the mock accepts values production refuses")
    if only_theirs:
        out.add("critical", where, "enum", None, only_theirs, "production accepts values the mock refuses")


def _compare_default(out: _Collector, where: str, a: Any, b: Any) -> None:
    if _same(a, b):
        return
    if b is _ABSENT:
        out.add("warning", where, "default", a, b, "a default only the contract states")
    elif a is _ABSENT:
        out.add("critical", where, "default", a, b, "production fills in a default the mock does not")
    else:
        out.add("critical", where, "default", a, b, "an omitted field means something else in the mock")


def _compare_format(out: _Collector, where: str, a: Any, b: Any) -> None:
    if _same(a, b):
        return
    if b is _ABSENT:
        out.add("warning", where, "format", a, b, "a format only the contract states")
    else:
        out.add("critical", where, "format", a, b, "values production takes in this format may be refused")


def _compare_object(out: _Collector, where: str, mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> None:
    mine_req, theirs_req = set(mine.get("required") or []), set(theirs.get("required") or [])
    for name in sorted(theirs_req - mine_req):
        out.add("critical", _join(where, name), "required", False, True,
                "production refuses a body without it; the mock accepts one")  # fmt: skip
    for name in sorted(mine_req - theirs_req):
        out.add("critical", _join(where, name), "required", True, False,
                "the mock refuses a body without it; production accepts one")  # fmt: skip
    a, b = mine.get("properties"), theirs.get("properties")
    if not isinstance(a, Mapping) and not isinstance(b, Mapping):
        return
    if not isinstance(b, Mapping):
        out.add("warning", where, "shape", sorted(a or {}), None,
                "the contract details fields the catalog does not publish (a guess)")  # fmt: skip
        return
    if not isinstance(a, Mapping):
        out.add("critical", where, "shape", None, sorted(b), "production states fields the contract does not")
        return
    for name in sorted(set(b) - set(a)):
        out.add("critical", _join(where, name), "missing", None, _short_value(b[name]),
                "a field production takes is unknown to the contract (the mock ignores or refuses it)")  # fmt: skip
    for name in sorted(set(a) - set(b)):
        out.add("critical", _join(where, name), "extra", _short_value(a[name]), None,
                "the mock takes a field production does not have")  # fmt: skip
    for name in sorted(set(a) & set(b)):
        if isinstance(a[name], Mapping) and isinstance(b[name], Mapping):
            _compare_schema(out, _join(where, name), a[name], b[name])


def _compare_items(out: _Collector, where: str, mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> None:
    a, b = mine.get("items"), theirs.get("items")
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        _compare_schema(out, where + "[]", a, b)
    elif isinstance(a, Mapping):
        out.add("warning", where + "[]", "shape", _short_value(a), None,
                "the contract details the items; the catalog does not publish their shape (a guess)")  # fmt: skip
    elif isinstance(b, Mapping):
        out.add("critical", where + "[]", "shape", None, _short_value(b),
                "production constrains the items; the contract does not")  # fmt: skip


def _types(node: Mapping[str, Any]) -> frozenset[str] | None:
    """The JSON types a node allows; an `anyOf`/`oneOf` of typed members (a nullable field) is read as the
    union of their types, which is all the catalog uses it for."""
    kind = node.get("type")
    if isinstance(kind, str):
        return frozenset({kind})
    if isinstance(kind, list):
        return frozenset(str(k) for k in kind)
    members = node.get("anyOf") or node.get("oneOf")
    if isinstance(members, list):
        found = [_types(m) for m in members if isinstance(m, Mapping)]
        if found and all(t is not None for t in found):
            return frozenset().union(*(t for t in found if t is not None))
    return None


def _allowed(node: Mapping[str, Any]) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    values = node.get("enum")
    return list(values) if isinstance(values, list) else None


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 5 == 5.0, but true is not 1 and "5" is not 5."""
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _one_or_list(kinds: frozenset[str]) -> Any:
    return next(iter(kinds)) if len(kinds) == 1 else sorted(kinds)


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _short_value(value: Any, limit: int = 80) -> Any:
    """Small values as they are; big ones (a whole sub-schema) as a short JSON excerpt."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------------
# Output.


def render_table(report: DriftReport, *, min_severity: Severity = "info", width: int = 44) -> str:
    """The findings as an aligned table (most severe first), then the notes and a summary line."""
    shown = [f for f in report.findings if SEVERITIES.index(f.severity) <= SEVERITIES.index(min_severity)]
    lines: list[str] = []
    if shown:
        headers = ["SEVERITY", "MODEL", "FIELD", "WHAT", "OPENAPI.YAML", "CATALOG", "WHY"]
        rows = [
            [f.severity, f.model_id, f.field, f.aspect, _cell(f.contract, width), _cell(f.catalog, width), f.note]
            for f in shown
        ]
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
        for cells in (headers, *rows):
            lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip())
    else:
        lines.append("no differences" if not report.findings else f"no differences of severity {min_severity} or worse")
    lines.extend(f"note: {n}" for n in report.notes)
    lines.append(report.summary())
    return "\n".join(lines)


def _cell(value: Any, width: int) -> str:
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------------------------------
# The command.


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Mount ``drift`` on an argparse subparsers object; ``args.func(args)`` runs it (see `run`).

    Returns the parser, so a host program can set its own defaults on it.
    """
    p = subparsers.add_parser(
        "drift",
        help="compare openapi.yaml with RunComfy's catalog (a saved file, or --target real)",
        description="Compare openapi.yaml with a catalog (GET /v1/models?include_schema=true) field by field "
        "and print the differences with their severity. Exit 0 when nothing is critical, 1 otherwise.",
    )
    p.add_argument("catalog", nargs="?", type=Path, metavar="CATALOG.json", help="a saved catalog answer")
    p.add_argument(
        "--target",
        metavar="real|URL",
        help="fetch the catalog instead: 'real' is RunComfy's API (with RUNCOMFY_TOKEN; a free call, "
        "refused when CI is set), a URL any server of the contract (its base, /v1 included)",
    )
    p.add_argument("--token", help="bearer token for --target (default: $RUNCOMFY_TOKEN)")
    p.add_argument("--spec", type=Path, metavar="PATH", help="the contract to compare (default: openapi.yaml)")
    p.add_argument("--save", type=Path, metavar="PATH", help="with --target: also save the fetched catalog")
    p.add_argument(
        "--min-severity", choices=SEVERITIES, default="info", help="hide the rows below this severity"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace, *, transport: httpx.BaseTransport | None = None,
        stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:  # fmt: skip
    """Run ``kling-mock drift`` as parsed by `add_command`; returns the exit code."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    if (args.catalog is None) == (args.target is None):
        print("error: give a CATALOG.json file or --target real|URL (one of the two)", file=err)
        return EXIT_USAGE
    try:
        spec = load_spec(args.spec)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read the contract {args.spec}: {exc}", file=err)
        return EXIT_NOINPUT if isinstance(exc, FileNotFoundError) else EXIT_DATAERR
    if args.catalog is not None:
        code, data = _read_catalog_file(args.catalog, err)
    else:
        code, data = _fetch(args, transport, err)
    if data is None:
        return code
    try:
        entries = catalog_entries(data)
    except ValueError as exc:
        print(f"error: {args.catalog or args.target}: {exc}", file=err)
        return EXIT_DATAERR
    report = drift(entries, spec)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False), file=out)
    else:
        print(render_table(report, min_severity=args.min_severity), file=out)
    return EXIT_DRIFT if report.critical else EXIT_OK


def _read_catalog_file(path: Path, err: TextIO) -> tuple[int, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        print(f"error: {path} does not exist", file=err)
        return EXIT_NOINPUT, None
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {path}: {exc}", file=err)
        return EXIT_NOINPUT, None
    try:
        return EXIT_OK, json.loads(text)
    except ValueError as exc:
        print(f"error: {path} is not JSON: {exc}", file=err)
        return EXIT_DATAERR, None


def _fetch(args: argparse.Namespace, transport: httpx.BaseTransport | None, err: TextIO) -> tuple[int, Any]:
    token = args.token or os.environ.get("RUNCOMFY_TOKEN")
    if args.target == "real":
        if in_ci():
            print("error: drift --target real never runs in CI (CI is set): compare a saved catalog file "
                  "instead, and refresh it by hand", file=err)  # fmt: skip
            return EXIT_USAGE, None
        base = DEFAULT_BASE_URL
    else:
        base = str(args.target)
    if not token:
        print("error: --target needs a token: pass --token or set RUNCOMFY_TOKEN (nothing was called)", file=err)
        return EXIT_NOPERM, None
    try:
        with Client(base, token, transport=transport) as client:
            data = fetch_catalog(client)
    except ValueError as exc:
        print(f"error: --target must be 'real' or an http(s) API base URL: {exc}", file=err)
        return EXIT_USAGE, None
    except (ApiError, TransportError) as exc:
        from .cli import exit_code_for  # the CLI mounts this module: import it only when needed

        print(f"error: fetching the catalog from {base}: {exc}", file=err)
        return exit_code_for(exc), None
    print(f"fetched {len(data['models'])} catalog entries from {base}", file=err)
    if args.save is not None:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"saved: {args.save}", file=err)
    return EXIT_OK, data
