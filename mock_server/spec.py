"""The one reader of `openapi.yaml`: the server builds its model registry from it, the harness its tests.

The contract lives in one file at the repository root; everything the harness knows about inputs,
models and rules is read from there rather than copied, so a change to the contract changes the
tests with it. This module knows nothing about HTTP or
the harness, so both halves can import it.

Loaded documents are cached and shared: treat what `load_spec` returns as read-only. Functions that
hand out schemas (`resolve`, `input_schema`) return fresh deep copies that callers may change.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias

import yaml

__all__ = [
    "DEFAULT_SPEC_PATH",
    "HTTP_METHODS",
    "Operation",
    "SpecPath",
    "SubmitOperation",
    "input_schema",
    "load_spec",
    "operation_index",
    "operations",
    "pointer",
    "resolve",
    "submit_operations",
    "submit_operations_in",
]

#: The contract shipped with this repository: `<repo>/openapi.yaml`.
DEFAULT_SPEC_PATH: Path = Path(__file__).resolve().parents[1] / "openapi.yaml"

SpecPath: TypeAlias = str | Path | None
"""An override path to an OpenAPI document; None means the shipped contract."""

#: The keys of an OpenAPI path item that are operations, in the order the document lists them.
HTTP_METHODS: tuple[str, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Operation(NamedTuple):
    """One operation of the document: where it is (path template, lower-case method) and its object."""

    path: str
    method: str
    operation: Mapping[str, Any]


@dataclass(frozen=True)
class SubmitOperation:
    """One submit endpoint, as its operation's `x-` extensions describe it.

    Servers and tests key everything by `model_id`; the other fields say what the schema alone cannot
    (tier, mode, price, and `audio_input`: the input that switches audio on, which sets the price), so
    the catalog and the billing can be checked against the contract too.
    """

    model_id: str
    operation_id: str
    path: str
    tier: str
    mode: str
    display_name: str
    description: str
    price_no_audio: float
    price_audio: float
    audio_input: str
    categories: tuple[str, ...]
    max_resolution: str
    model_url: str
    input_schema_ref: str


def _key(path: SpecPath) -> str:
    """Normalise an override so equal paths share one cache entry."""
    return str(Path(path).resolve()) if path is not None else str(DEFAULT_SPEC_PATH)


@lru_cache(maxsize=8)
def _load(resolved: str) -> Mapping[str, Any]:
    """Parse the document once per path; YAML is slow enough that tests would feel it."""
    with open(resolved, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    if not isinstance(doc, dict) or "paths" not in doc:
        raise ValueError(f"{resolved} is not an OpenAPI document")
    return doc


def load_spec(path: SpecPath = None) -> Mapping[str, Any]:
    """The parsed OpenAPI document (cached, shared: do not mutate it)."""
    return _load(_key(path))


def pointer(doc: Mapping[str, Any], ref: str) -> Any:
    """What a local JSON pointer (`#/components/schemas/Shot`) points at in `doc` (shared: do not mutate).

    `~1` and `~0` are unescaped as RFC 6901 says, and list items are reached by index. Other documents
    are not supported because the contract is one self-contained file; a missing key raises KeyError.
    """
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    node: Any = doc
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def resolve(node: Any, spec: Mapping[str, Any] | None = None, *, _seen: tuple[str, ...] = ()) -> Any:
    """A deep copy of `node` with every local `$ref` replaced by what it points at.

    Tools such as hypothesis-jsonschema and plain `jsonschema` validators then see a self-contained
    schema. Keywords written beside a `$ref` (allowed in OpenAPI 3.1) are laid over the target, which is
    right for the annotations (`description`, `x-*`) this contract puts there. A cyclic `$ref` raises,
    since a fully inlined schema cannot hold one.
    """
    doc = load_spec() if spec is None else spec
    if isinstance(node, list):
        return [resolve(item, doc, _seen=_seen) for item in node]
    if not isinstance(node, Mapping):
        return copy.deepcopy(node)
    if "$ref" in node and isinstance(node["$ref"], str):
        ref = node["$ref"]
        if ref in _seen:
            raise ValueError(f"cyclic $ref {ref!r}")
        target = resolve(pointer(doc, ref), doc, _seen=(*_seen, ref))
        siblings = {k: resolve(v, doc, _seen=_seen) for k, v in node.items() if k != "$ref"}
        if isinstance(target, dict):
            target.update(siblings)
        return target
    return {k: resolve(v, doc, _seen=_seen) for k, v in node.items()}


def operations(spec: Mapping[str, Any]) -> list[Operation]:
    """Every operation of the document, in document order (paths, then methods as `HTTP_METHODS`)."""
    found: list[Operation] = []
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                found.append(Operation(path, method, item[method]))
    return found


def operation_index(spec: Mapping[str, Any]) -> dict[str, Operation]:
    """The operations keyed by `operationId`: how a response is looked up by the operation it answers."""
    return {str(op.operation["operationId"]): op for op in operations(spec)}


def submit_operations(path: SpecPath = None) -> dict[str, SubmitOperation]:
    """The submit endpoints keyed by model id, in document order.

    A submit operation is any operation carrying `x-model-id`; its request body must `$ref` a named
    input schema, which is how the harness knows which rules a model's body obeys.
    """
    return submit_operations_in(load_spec(path))


def submit_operations_in(spec: Mapping[str, Any]) -> dict[str, SubmitOperation]:
    """`submit_operations` of an already loaded document (the server reads the contract through this)."""
    ops: dict[str, SubmitOperation] = {}
    for op_path, _method, op in operations(spec):
        if "x-model-id" not in op:
            continue
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        price = op["x-price-usd-per-second"]
        model_id = str(op["x-model-id"])
        ops[model_id] = SubmitOperation(
            model_id=model_id,
            operation_id=str(op["operationId"]),
            path=op_path,
            tier=str(op["x-tier"]),
            mode=str(op["x-mode"]),
            display_name=str(op["x-display-name"]),
            description=str(op.get("description", op.get("summary", ""))),
            price_no_audio=float(price["no_audio"]),
            price_audio=float(price["audio"]),
            audio_input=str(op["x-audio-input"]),
            categories=tuple(str(c) for c in op["x-categories"]),
            max_resolution=str(op["x-max-resolution"]),
            model_url=str(op["x-model-url"]),
            input_schema_ref=str(schema["$ref"]),
        )
    return ops


def input_schema(model_id: str, path: SpecPath = None) -> dict[str, Any]:
    """The fully resolved JSON Schema of `model_id`'s submit body (a fresh copy).

    Raises KeyError naming the known ids when the model is not in the contract, because a typo in a
    test's model id should fail loudly rather than test nothing.
    """
    ops = submit_operations(path)
    if model_id not in ops:
        raise KeyError(f"unknown model id {model_id!r}; known: {', '.join(ops)}")
    spec = load_spec(path)
    resolved = resolve({"$ref": ops[model_id].input_schema_ref}, spec)
    if not isinstance(resolved, dict):
        raise TypeError(f"input schema of {model_id!r} is not an object schema")
    return resolved
