"""Hypothesis strategies for submit bodies, drawn from `openapi.yaml`.

Two families, both derived from the contract rather than from hand-copied field lists, so that the
tests move when the contract moves:

* `valid_inputs(model_id)`: bodies a conforming server must accept. They satisfy the input schema and
  the one rule the schema cannot express (`x-rules: multi_prompt_durations_sum_to_duration`): when
  `multi_prompt` is present its durations are generated to sum to `duration` (or to its default when
  `duration` is omitted) instead of being filtered, which would waste almost every draw.
* `invalid_inputs(model_id)`: bodies that are valid except for exactly one broken rule, wrapped in
  `Invalid(body, field, rule, path)`. A conforming server answers them 422001, and `field` is the
  top-level property its `detail[].loc` must name (`loc[1]`, after `"body"`).

Images (RunComfy's media format `image_uri`) are drawn by `image_uris()`: https URLs, and data URIs of
small real PNG, JPEG, WebP and BMP pictures, since a server decodes a data URI and refuses one that holds
no image (`x-rules: image_data_uris_are_images`, broken on purpose by the `image_data` cases).

How "exactly one rule" is counted: the sum rule applies only to bodies that pass the schema, so a body
that breaks a schema keyword inside `multi_prompt` (say a shot with `duration: 99`) breaks one rule
even when its shot durations no longer add up. Mutations of `duration` drop `multi_prompt` so that the
sum rule is not dragged in.

This module imports nothing from any server: it must work against the mock and the real service alike.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from hypothesis_jsonschema import from_schema
from PIL import Image

from mock_server.sim.contract import IMAGE_FORMAT, image_values
from mock_server.spec import SpecPath, input_schema, submit_operations

__all__ = [
    "RULE_KINDS",
    "Invalid",
    "InvalidCase",
    "extra_rule_violations",
    "image_uris",
    "invalid_cases",
    "invalid_inputs",
    "invalid_inputs_for_rule",
    "model_ids",
    "readable_image_uri",
    "valid_inputs",
]

Body = dict[str, Any]
PathElem = str | int

#: The contract's non-schema rules (`x-rules` on an input schema) and the short rule name used here.
X_RULES: Mapping[str, str] = {
    "multi_prompt_durations_sum_to_duration": "multi_prompt_sum",
    "image_data_uris_are_images": "image_data",
}
#: RunComfy's media format for an image input: an https URL or a `data:image/...;base64,` URI.
_IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "BMP": "image/bmp"}
_HTTPS_IMAGES: tuple[str, ...] = (
    "https://example.com/images/portrait.png",
    "https://example.com/images/landscape.jpg",
    "https://images.example.org/still.webp",
)
# Data URIs that a pattern for `image_uri` lets through but that hold no usable image: bad base64, text,
# a GIF (a type the API does not take) labelled PNG, a JPEG cut off after its first bytes.
_BROKEN_IMAGE_SEEDS: tuple[str, ...] = (
    "data:image/png;base64,@@@@",
    "data:image/png;base64,aGVsbG8gd29ybGQ=",
    "data:image/png;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
    "data:image/jpeg;base64,/9j/4AAQ",
    "data:image/webp;base64,UklGRg==",
)

# The two properties the sum rule ties together. The rule's meaning cannot be read from the schema (it
# is prose plus a name), so its participants are named here once; everything else is derived.
_SUM_LIST = "multi_prompt"
_SUM_TOTAL = "duration"
_ITEM_DURATION = "duration"  # each shot's own duration, the addend

#: Every rule name `invalid_inputs` can produce, for callers that want to enumerate them.
RULE_KINDS: tuple[str, ...] = (
    "required",
    "type",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "enum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    *X_RULES.values(),
)

# URL-like strings that an `^https://...` pattern must refuse; filtered against the actual pattern, so
# only the ones the contract really rejects are used.
_NON_MATCHING_SEEDS: tuple[str, ...] = (
    "http://example.com/image.png",
    "ftp://example.com/image.png",
    "example.com/image.png",
    "//example.com/image.png",
    "https://example.com/an image.png",
    "HTTPS://example.com/image.png",
    "https://",
    "",
    "file:///etc/passwd",
    "data:image/png;base64,iVBORw0KGgo=",
    "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
    "data:text/plain;base64,aGk=",
    "data:image/png,rawbytes",
    "not a url",
)


@dataclass(frozen=True)
class Invalid:
    """A submit body that breaks exactly one rule of the contract.

    `field` is the top-level property a 422001 `detail[].loc` must name (the element after `"body"`);
    `rule` is the short name of the broken rule (`"maximum"`, `"enum"`, `"multi_prompt_sum"`, ...);
    `path` is the exact place of the bad value inside the body (`("multi_prompt", 2, "duration")`),
    so that a server reporting nested locations can be held to `loc == ["body", *path]`. For a missing
    field `path` names the field itself, as FastAPI-style errors do.
    """

    body: Body
    field: str
    rule: str
    path: tuple[PathElem, ...] = ()

    def __post_init__(self) -> None:
        """Default `path` to the field, so the three-argument form stays meaningful."""
        if not self.path:
            object.__setattr__(self, "path", (self.field,))


@dataclass(frozen=True)
class InvalidCase:
    """One way, derived from the contract, to break a body: which rule, where, and how to draw it.

    `where` is a readable pointer to the broken keyword's place: `"duration"`, `"multi_prompt"`,
    `"multi_prompt[]"` (an item itself) or `"multi_prompt[].duration"`. Tests enumerate cases to prove
    every rule is exercised, instead of hoping a random draw hits it.
    """

    field: str
    rule: str
    where: str
    strategy: SearchStrategy[Invalid] = dc_field(compare=False, repr=False)


# --------------------------------------------------------------------------------------------------
# model ids


def model_ids(spec: SpecPath = None) -> tuple[str, ...]:
    """The model ids of the contract's submit operations, in document order."""
    return tuple(submit_operations(spec))


# --------------------------------------------------------------------------------------------------
# schema helpers


def _types(schema: Mapping[str, Any]) -> tuple[str, ...]:
    """The JSON types a schema allows (`type` may be a string or a list)."""
    t = schema.get("type")
    if t is None:
        return ()
    return (t,) if isinstance(t, str) else tuple(t)


def _strip_annotations(schema: Any) -> Any:
    """A copy without `x-*` extensions, which generators do not need and some would warn about."""
    if isinstance(schema, list):
        return [_strip_annotations(s) for s in schema]
    if isinstance(schema, Mapping):
        return {k: _strip_annotations(v) for k, v in schema.items() if not str(k).startswith("x-")}
    return schema


@lru_cache(maxsize=1)
def _sample_images() -> tuple[str, ...]:
    """Data URIs of tiny real pictures, one per accepted type and shape (wide, tall, square), made once."""
    uris = []
    for i, size in enumerate(((32, 18), (18, 32), (24, 24))):
        for kind, mime in _IMAGE_TYPES.items():
            buffer = io.BytesIO()
            Image.new("RGB", size, (40 * i + 60, 90, 200 - 40 * i)).save(buffer, kind)
            uris.append(f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}")
    return tuple(uris)


def image_uris() -> SearchStrategy[str]:
    """Values of RunComfy's `image_uri` format that a server must accept: https URLs (which the mock does
    not fetch) and data URIs of small real PNG, JPEG, WebP and BMP pictures."""
    return st.one_of(st.sampled_from(_HTTPS_IMAGES), st.sampled_from(_sample_images()))


def _custom_formats() -> dict[str, SearchStrategy[str]]:
    return {IMAGE_FORMAT: image_uris()}


@lru_cache(maxsize=256)
def _scalar_values(schema_json: str) -> SearchStrategy[Any]:
    """`from_schema` canonicalises its input, which is slow; cache by the schema's text."""
    return from_schema(json.loads(schema_json), custom_formats=_custom_formats())


def _values(schema: Mapping[str, Any], *, without: Iterable[str] = ()) -> SearchStrategy[Any]:
    """Valid values of a resolved schema, with no properties beyond the declared ones.

    Objects and arrays are assembled here and only leaves go to hypothesis-jsonschema: its own object
    generator relies on a Hypothesis internal (`many.more()`) that current Hypothesis releases no
    longer have. Undeclared properties are never drawn: extra fields are a server setting to judge
    (ignored by default), not something a body "a conforming server must accept" should carry.
    `without` leaves out named properties of an object, for the callers that add them consistently.
    """
    skip = set(without)
    types = _types(schema)
    if types == ("object",) or (not types and "properties" in schema):
        props = {k: v for k, v in schema.get("properties", {}).items() if k not in skip}
        required = {k for k in schema.get("required", []) if k in props}
        return st.fixed_dictionaries(
            {k: _values(v) for k, v in props.items() if k in required},
            optional={k: _values(v) for k, v in props.items() if k not in required},
        )
    if types == ("array",) and isinstance(schema.get("items"), Mapping):
        return st.lists(
            _values(schema["items"]),
            min_size=int(schema.get("minItems", 0)),
            max_size=int(schema.get("maxItems", 8)),
        )
    return _scalar_values(json.dumps(_strip_annotations(schema), sort_keys=True))


# --------------------------------------------------------------------------------------------------
# the model's input contract, read once


@dataclass(frozen=True)
class _Contract:
    """What the strategies need from one model's input schema, resolved and split up."""

    schema: Mapping[str, Any]
    base: SearchStrategy[Body]  # valid bodies without the sum list
    list_schema: Mapping[str, Any] | None  # the multi_prompt property, if the model has one
    item_schema: Mapping[str, Any] | None  # one shot
    item_base: SearchStrategy[Body] | None  # valid shots without their duration
    total_default: int
    total_min: int
    total_max: int
    item_min: int
    item_max: int
    list_min: int
    list_max: int
    rules: tuple[str, ...]


def _int_bound(schema: Mapping[str, Any], key: str, fallback: int) -> int:
    """An integer bound of a schema, or `fallback` when the schema leaves it open."""
    value = schema.get(key)
    return int(value) if value is not None else fallback


@lru_cache(maxsize=32)
def _contract(model_id: str, spec_key: str | None) -> _Contract:
    """Split `model_id`'s input schema into the parts the generators combine."""
    schema = input_schema(model_id, spec_key)
    props: dict[str, Any] = schema.get("properties", {})
    rules = tuple(str(r) for r in schema.get("x-rules", ()))
    for r in rules:
        if r not in X_RULES:
            raise NotImplementedError(f"the contract declares rule {r!r}, which this harness does not know")

    list_schema: Mapping[str, Any] | None = props.get(_SUM_LIST)
    base: SearchStrategy[Body] = _values(schema, without=[_SUM_LIST])

    total_schema = props.get(_SUM_TOTAL, {})
    item_schema: Mapping[str, Any] | None = None
    item_base: SearchStrategy[Body] | None = None
    item_min = item_max = list_min = list_max = 0
    if list_schema is not None:
        item_schema = props[_SUM_LIST]["items"]
        item_dur = item_schema["properties"][_ITEM_DURATION]
        item_min = _int_bound(item_dur, "minimum", 1)
        item_max = _int_bound(item_dur, "maximum", _int_bound(total_schema, "maximum", 3600))
        item_base = _values(item_schema, without=[_ITEM_DURATION])
        list_min = max(1, _int_bound(list_schema, "minItems", 1))
        list_max = _int_bound(list_schema, "maxItems", 16)
    return _Contract(
        schema=schema,
        base=base,
        list_schema=list_schema,
        item_schema=item_schema,
        item_base=item_base,
        total_default=_int_bound(total_schema, "default", _int_bound(total_schema, "minimum", 1)),
        total_min=_int_bound(total_schema, "minimum", 1),
        total_max=_int_bound(total_schema, "maximum", 3600),
        item_min=item_min,
        item_max=item_max,
        list_min=list_min,
        list_max=list_max,
        rules=rules,
    )


def _spec_key(spec: SpecPath) -> str | None:
    """A hashable form of the override path, for the caches."""
    return None if spec is None else str(spec)


# --------------------------------------------------------------------------------------------------
# shots whose durations add up


def _partition(draw: st.DrawFn, total: int, n: int, lo: int, hi: int) -> list[int]:
    """`n` integers in [lo, hi] summing to `total` (caller guarantees n*lo <= total <= n*hi)."""
    rest = total - n * lo
    parts: list[int] = []
    for i in range(n):
        later = n - i - 1
        low = max(0, rest - later * (hi - lo))
        high = min(hi - lo, rest)
        extra = draw(st.integers(low, high))
        parts.append(lo + extra)
        rest -= extra
    return parts


def _shots(draw: st.DrawFn, c: _Contract, durations: Iterable[int]) -> list[Body]:
    """Valid shots with the given durations."""
    assert c.item_base is not None
    shots = []
    for d in durations:
        shot = dict(draw(c.item_base))
        shot[_ITEM_DURATION] = d
        shots.append(shot)
    return shots


def _consistent_shots(draw: st.DrawFn, c: _Contract, total: int) -> list[Body]:
    """Shots whose durations sum to `total`, drawn directly so nothing is filtered away."""
    n_max = min(c.list_max, total // c.item_min if c.item_min > 0 else c.list_max)
    n_min = max(c.list_min, math.ceil(total / c.item_max))
    n = draw(st.integers(n_min, n_max))
    return _shots(draw, c, _partition(draw, total, n, c.item_min, c.item_max))


def _total_of(c: _Contract, body: Mapping[str, Any]) -> int:
    """The duration the sum rule compares against: the body's, or the schema default."""
    value = body.get(_SUM_TOTAL, c.total_default)
    return int(value)


def extra_rule_violations(model_id: str, body: Mapping[str, Any], spec: SpecPath = None) -> tuple[str, ...]:
    """The rules beyond the schema (`x-rules`) that a body breaks, by their short names.

    Only meaningful for a body that already passes the schema, which is when a server checks them.
    Generic generators (schemathesis, `from_schema`) cannot know these rules; a filter built on this
    keeps their "valid" bodies truly valid, e.g. in a schemathesis `filter_body` hook.
    """
    c = _contract(model_id, _spec_key(spec))
    broken: list[str] = []
    if "multi_prompt_durations_sum_to_duration" in c.rules:
        shots = body.get(_SUM_LIST)
        if isinstance(shots, list) and shots:
            total = sum(s.get(_ITEM_DURATION, 0) for s in shots if isinstance(s, Mapping))
            if total != body.get(_SUM_TOTAL, c.total_default):
                broken.append(X_RULES["multi_prompt_durations_sum_to_duration"])
    images = image_values(c.schema, body) if "image_data_uris_are_images" in c.rules else iter(())
    if any(v.startswith("data:") and not readable_image_uri(v) for _, v in images):
        broken.append(X_RULES["image_data_uris_are_images"])
    return tuple(broken)


def readable_image_uri(uri: str) -> bool:
    """Whether a `data:image/...;base64,` URI holds a PNG, JPEG, WebP or BMP picture that decodes."""
    header, comma, payload = uri.partition(",")
    mime = header.removeprefix("data:").split(";", 1)[0].lower()
    if not comma or not header.lower().endswith(";base64") or mime not in _IMAGE_TYPES.values():
        return False
    try:
        data = base64.b64decode(payload, validate=True)
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.load()
    except (binascii.Error, ValueError, OSError, SyntaxError):
        return False
    return kind in _IMAGE_TYPES


# --------------------------------------------------------------------------------------------------
# valid bodies


def _valid_inputs_of(c: _Contract) -> SearchStrategy[Body]:
    """Valid bodies of a split-up contract: the base fields, then (sometimes) a consistent shot list."""

    @st.composite
    def bodies(draw: st.DrawFn) -> Body:
        body = dict(draw(c.base))
        if c.list_schema is not None and draw(st.booleans()):
            body[_SUM_LIST] = _consistent_shots(draw, c, _total_of(c, body))
        return body

    return bodies()


@lru_cache(maxsize=32)
def _valid_inputs(model_id: str, spec_key: str | None) -> SearchStrategy[Body]:
    """Cached per model: building the base strategy canonicalises a schema, which is not free."""
    return _valid_inputs_of(_contract(model_id, spec_key))


def valid_inputs(model_id: str, spec: SpecPath = None) -> SearchStrategy[Body]:
    """Bodies a conforming server must accept for `model_id`: schema-valid, no unknown fields, and
    with `multi_prompt` (when drawn) summing to `duration`."""
    return _valid_inputs(model_id, _spec_key(spec))


# --------------------------------------------------------------------------------------------------
# bad values, one keyword at a time


_JSON_TYPES = ("string", "integer", "number", "boolean", "null", "array", "object")


def _sample_of_type(t: str) -> SearchStrategy[Any]:
    """Values of JSON type `t`. Numbers are non-integral on purpose: 5.0 *is* an integer to JSON
    Schema, so only 5.5 and the like break `type: integer`."""
    if t == "string":
        return st.sampled_from(["5", "true", "x", ""])
    if t == "integer":
        return st.integers(-3, 20)
    if t == "number":
        return st.sampled_from([5.5, 0.25, -1.5])
    if t == "boolean":
        return st.booleans()
    if t == "null":
        return st.none()
    if t == "array":
        return st.sampled_from([[], [1], ["x"]])
    if t == "object":
        return st.sampled_from([{}, {"value": 1}])
    raise ValueError(f"unknown JSON type {t!r}")


def _wrong_type(schema: Mapping[str, Any]) -> SearchStrategy[Any] | None:
    """Values of a JSON type the schema does not allow (integers count as numbers; booleans are not
    integers, and a strict server must not coerce `"5"` or `1` either)."""
    allowed = set(_types(schema))
    if not allowed:
        return None
    wrong = [t for t in _JSON_TYPES if t not in allowed and not (t == "integer" and "number" in allowed)]
    return st.one_of(*[_sample_of_type(t) for t in wrong])


def _below(schema: Mapping[str, Any], bound: float, *, exclusive: bool) -> SearchStrategy[Any]:
    """Numbers just below and far below a lower bound, of a type the schema allows.

    With `exclusive` (an `exclusiveMinimum`) the bound itself is already out of range.
    """
    if "integer" in _types(schema):
        edge = math.floor(bound) if exclusive else math.ceil(bound) - 1
        return st.one_of(st.just(edge), st.just(edge - 1000), st.integers(edge - 10**6, edge))
    floats = st.one_of(
        st.just(float(bound) if exclusive else bound - 0.01),
        st.just(bound - 1000.0),
        st.floats(bound - 1.0, bound, allow_nan=False),
    )
    return floats.filter(lambda x: x < bound or (exclusive and x == bound))


def _above(schema: Mapping[str, Any], bound: float, *, exclusive: bool) -> SearchStrategy[Any]:
    """Numbers just above and far above an upper bound, of a type the schema allows."""
    if "integer" in _types(schema):
        edge = math.ceil(bound) if exclusive else math.floor(bound) + 1
        return st.one_of(st.just(edge), st.just(edge + 1000), st.integers(edge, edge + 10**6))
    floats = st.one_of(
        st.just(float(bound) if exclusive else bound + 0.01),
        st.just(bound + 1000.0),
        st.floats(bound, bound + 1.0, allow_nan=False),
    )
    return floats.filter(lambda x: x > bound or (exclusive and x == bound))


def _not_in_enum(schema: Mapping[str, Any]) -> SearchStrategy[Any]:
    """Values of the right type that are not in the enum, nor among values a server setting may add
    (`x-extra-*` lists), so they are refused under every setting."""
    members = list(schema["enum"])
    excluded = set(map(json.dumps, members))
    for key, extra in schema.items():
        if str(key).startswith("x-extra") and isinstance(extra, list):
            excluded.update(map(json.dumps, extra))
    if all(isinstance(m, str) for m in members):
        near = [v for m in members for v in (m.upper(), m.title(), f" {m}", f"{m} ", m.replace(":", "/"))]
        candidates: SearchStrategy[Any] = st.one_of(st.sampled_from(near), st.text(max_size=12))
    else:
        candidates = st.integers(-1000, 1000)
    return candidates.filter(lambda v: json.dumps(v) not in excluded)


def _pattern_ok(schema: Mapping[str, Any]) -> Callable[[str], bool]:
    """Whether a string matches the schema's pattern (JSON Schema patterns are unanchored searches)."""
    pattern = schema.get("pattern")
    if pattern is None:
        return lambda s: True
    rx = re.compile(pattern)
    return lambda s: rx.search(s) is not None


def _too_long(schema: Mapping[str, Any], limit: int) -> SearchStrategy[str]:
    """Strings over `maxLength` that still match the pattern: a valid value padded at the end, which
    keeps URLs URLs and prompts prompts."""
    ok = _pattern_ok(schema)
    shorter = {k: v for k, v in schema.items() if k not in ("maxLength", "minLength")}

    @st.composite
    def draw_long(draw: st.DrawFn) -> str:
        seed = draw(_values(shorter).filter(lambda s: isinstance(s, str) and len(s) <= 64))
        target = limit + 1 + draw(st.integers(0, 16))
        return seed + "a" * max(0, target - len(seed))

    return draw_long().filter(ok)


def _too_short(schema: Mapping[str, Any], limit: int) -> SearchStrategy[str]:
    """Strings under `minLength`."""
    return st.text(max_size=limit - 1)


def _not_matching(schema: Mapping[str, Any]) -> SearchStrategy[str]:
    """Strings the pattern refuses, within the length bounds so that only the pattern is broken."""
    ok = _pattern_ok(schema)
    lo = int(schema.get("minLength", 0))
    hi = int(schema.get("maxLength", 10**6))
    seeds = [s for s in _NON_MATCHING_SEEDS if not ok(s) and lo <= len(s) <= hi]
    random_text = st.text(min_size=lo, max_size=min(hi, 40)).filter(lambda s: not ok(s))
    return st.one_of(st.sampled_from(seeds), random_text) if seeds else random_text


def _scalar_breakers(schema: Mapping[str, Any]) -> list[tuple[str, SearchStrategy[Any]]]:
    """(rule, bad values) for every keyword of a property schema that a single value can break."""
    out: list[tuple[str, SearchStrategy[Any]]] = []
    wrong = _wrong_type(schema)
    if wrong is not None:
        out.append(("type", wrong))
    if "minimum" in schema:
        out.append(("minimum", _below(schema, schema["minimum"], exclusive=False)))
    if "exclusiveMinimum" in schema:
        out.append(("exclusiveMinimum", _below(schema, schema["exclusiveMinimum"], exclusive=True)))
    if "maximum" in schema:
        out.append(("maximum", _above(schema, schema["maximum"], exclusive=False)))
    if "exclusiveMaximum" in schema:
        out.append(("exclusiveMaximum", _above(schema, schema["exclusiveMaximum"], exclusive=True)))
    if "enum" in schema:
        out.append(("enum", _not_in_enum(schema)))
    if int(schema.get("minLength", 0)) > 0:
        out.append(("minLength", _too_short(schema, int(schema["minLength"]))))
    if "maxLength" in schema:
        out.append(("maxLength", _too_long(schema, int(schema["maxLength"]))))
    if "pattern" in schema:
        out.append(("pattern", _not_matching(schema)))
    items = schema.get("items")
    if isinstance(items, Mapping):  # a list whose items are all valid, just too few or too many of them
        if int(schema.get("minItems", 0)) > 0:
            out.append(("minItems", st.lists(_values(items), max_size=int(schema["minItems"]) - 1)))
        if "maxItems" in schema:
            most = int(schema["maxItems"])
            out.append(("maxItems", st.lists(_values(items), min_size=most + 1, max_size=most + 3)))
    return out


def _broken_images(schema: Mapping[str, Any]) -> SearchStrategy[str]:
    """Data URIs the field's pattern accepts but that hold no usable image (the `image_data` rule)."""
    ok = _pattern_ok(schema)
    return st.sampled_from([uri for uri in _BROKEN_IMAGE_SEEDS if ok(uri) and not readable_image_uri(uri)])


# --------------------------------------------------------------------------------------------------
# invalid bodies


def _top_level_case(c: _Contract, name: str, rule: str, bad: SearchStrategy[Any]) -> InvalidCase:
    """Replace one top-level property by a bad value in an otherwise valid body."""

    @st.composite
    def draw_case(draw: st.DrawFn) -> Invalid:
        body = dict(draw(c.base))
        if name == _SUM_TOTAL and c.list_schema is not None:
            body.pop(_SUM_LIST, None)
        elif c.list_schema is not None and draw(st.booleans()):
            body[_SUM_LIST] = _consistent_shots(draw, c, _total_of(c, body))
        body[name] = draw(bad)
        return Invalid(body, name, rule, (name,))

    return InvalidCase(name, rule, name, draw_case())


def _required_case(c: _Contract, name: str) -> InvalidCase:
    """Remove one required top-level property."""

    @st.composite
    def draw_case(draw: st.DrawFn) -> Invalid:
        body = dict(draw(_valid_inputs_of(c)))
        body.pop(name, None)
        return Invalid(body, name, "required", (name,))

    return InvalidCase(name, "required", name, draw_case())


def _list_cases(c: _Contract) -> list[InvalidCase]:
    """Cases for the shot list itself: too few or too many shots, and the sum rule."""
    assert c.list_schema is not None
    cases: list[InvalidCase] = []
    lst = c.list_schema

    if "minItems" in lst and int(lst["minItems"]) > 0:
        short = int(lst["minItems"]) - 1

        @st.composite
        def too_few(draw: st.DrawFn) -> Invalid:
            body = dict(draw(c.base))
            body[_SUM_LIST] = _shots(draw, c, [c.item_min] * short)
            return Invalid(body, _SUM_LIST, "minItems", (_SUM_LIST,))

        cases.append(InvalidCase(_SUM_LIST, "minItems", _SUM_LIST, too_few()))

    if "maxItems" in lst:
        n = int(lst["maxItems"]) + 1
        lo_total = max(n * c.item_min, c.total_min)
        hi_total = min(n * c.item_max, c.total_max)
        if lo_total <= hi_total:  # otherwise the sum rule could not hold with that many shots

            @st.composite
            def too_many(draw: st.DrawFn) -> Invalid:
                body = dict(draw(c.base))
                total = draw(st.integers(lo_total, hi_total))
                body[_SUM_TOTAL] = total
                body[_SUM_LIST] = _shots(draw, c, _partition(draw, total, n, c.item_min, c.item_max))
                return Invalid(body, _SUM_LIST, "maxItems", (_SUM_LIST,))

            cases.append(InvalidCase(_SUM_LIST, "maxItems", _SUM_LIST, too_many()))

    if "multi_prompt_durations_sum_to_duration" in c.rules:

        @st.composite
        def wrong_sum(draw: st.DrawFn) -> Invalid:
            body = dict(draw(c.base))
            if draw(st.booleans()):
                body.pop(_SUM_TOTAL, None)  # the rule then compares with the default duration
            total = _total_of(c, body)
            n = draw(st.integers(c.list_min, c.list_max))
            wrong = draw(st.integers(n * c.item_min, n * c.item_max).filter(lambda s: s != total))
            body[_SUM_LIST] = _shots(draw, c, _partition(draw, wrong, n, c.item_min, c.item_max))
            return Invalid(body, _SUM_LIST, "multi_prompt_sum", (_SUM_LIST,))

        cases.append(InvalidCase(_SUM_LIST, "multi_prompt_sum", _SUM_LIST, wrong_sum()))
    return cases


Mutation = Callable[[st.DrawFn, Body], tuple[Any, tuple[PathElem, ...]]]


def _valid_items(c: _Contract, name: str) -> Callable[[st.DrawFn, Body], list[Any]]:
    """How to draw a valid list for property `name` of a body: consistent shots for the sum list, else
    between `minItems` (at least one) and `maxItems` valid items."""
    if name == _SUM_LIST and c.list_schema is not None:
        return lambda draw, body: _consistent_shots(draw, c, _total_of(c, body))
    lst = c.schema["properties"][name]
    low = max(1, int(lst.get("minItems", 0)))
    values = st.lists(_values(lst["items"]), min_size=low, max_size=int(lst.get("maxItems", low + 3)))
    return lambda draw, body: list(draw(values))


def _item_case(c: _Contract, name: str, rule: str, where: str, mutate: Mutation) -> InvalidCase:
    """Break one item of an otherwise valid list property (a shot of a consistent shot list, an element).

    `mutate(draw, item)` changes the item in place or returns a replacement for it, together with the
    path inside the item of what it broke.
    """
    items_of = _valid_items(c, name)

    @st.composite
    def draw_case(draw: st.DrawFn) -> Invalid:
        body = dict(draw(c.base))
        if name != _SUM_LIST and c.list_schema is not None and draw(st.booleans()):
            body[_SUM_LIST] = _consistent_shots(draw, c, _total_of(c, body))
        items = items_of(draw, body)
        i = draw(st.integers(0, len(items) - 1))
        replacement, inner = mutate(draw, items[i])
        items[i] = replacement
        body[name] = items
        return Invalid(body, name, rule, (name, i, *inner))

    return InvalidCase(name, rule, where, draw_case())


def _item_cases(c: _Contract, name: str) -> list[InvalidCase]:
    """Cases inside one item of a list of objects: a non-object item, a missing key, one bad value, or
    (under the image rule) an image that is no image."""
    item = c.schema["properties"][name]["items"]
    cases: list[InvalidCase] = []
    item_wrong = _wrong_type(item)
    if item_wrong is not None:
        wrong_item = item_wrong

        def not_an_object(draw: st.DrawFn, value: Body) -> tuple[Any, tuple[PathElem, ...]]:
            return draw(wrong_item), ()

        cases.append(_item_case(c, name, "type", f"{name}[]", not_an_object))

    for req in item.get("required", []):

        def drop(draw: st.DrawFn, value: Body, req: str = req) -> tuple[Any, tuple[PathElem, ...]]:
            value = dict(value)
            value.pop(req, None)
            return value, (req,)

        cases.append(_item_case(c, name, "required", f"{name}[].{req}", drop))

    for prop, prop_schema in item.get("properties", {}).items():
        breakers = _scalar_breakers(prop_schema)
        if "image_data_uris_are_images" in c.rules and prop_schema.get("format") == IMAGE_FORMAT:
            breakers.append((X_RULES["image_data_uris_are_images"], _broken_images(prop_schema)))
        for rule, bad in breakers:

            def put(
                draw: st.DrawFn, value: Body, prop: str = prop, bad: SearchStrategy[Any] = bad
            ) -> tuple[Any, tuple[PathElem, ...]]:
                value = dict(value)
                value[prop] = draw(bad)
                return value, (prop,)

            cases.append(_item_case(c, name, rule, f"{name}[].{prop}", put))
    return cases


@lru_cache(maxsize=32)
def _invalid_cases(model_id: str, spec_key: str | None) -> tuple[InvalidCase, ...]:
    c = _contract(model_id, spec_key)
    schema = c.schema
    cases: list[InvalidCase] = [_required_case(c, name) for name in schema.get("required", [])]
    for name, prop_schema in schema.get("properties", {}).items():
        if name == _SUM_LIST and c.list_schema is not None:
            wrong = _wrong_type(prop_schema)
            if wrong is not None:
                cases.append(_top_level_case(c, name, "type", wrong))
            continue
        for rule, bad in _scalar_breakers(prop_schema):
            cases.append(_top_level_case(c, name, rule, bad))
        if "image_data_uris_are_images" in c.rules and prop_schema.get("format") == IMAGE_FORMAT:
            rule = X_RULES["image_data_uris_are_images"]
            cases.append(_top_level_case(c, name, rule, _broken_images(prop_schema)))
        items = prop_schema.get("items")
        if isinstance(items, Mapping) and _types(items) == ("object",):
            cases.extend(_item_cases(c, name))
    if c.list_schema is not None:
        cases.extend(_list_cases(c))
        cases.extend(_item_cases(c, _SUM_LIST))
    return tuple(cases)


def invalid_cases(model_id: str, spec: SpecPath = None) -> tuple[InvalidCase, ...]:
    """Every way to break `model_id`'s body that the contract implies, one `InvalidCase` each.

    Derived from the resolved input schema: each `required` entry, and for each property (and each
    property of an item of a list of objects: a shot, an element) each of `type`, `minimum`, `maximum`,
    `exclusiveMinimum`, `exclusiveMaximum`, `enum`, `minLength` (when > 0), `maxLength`, `pattern`
    (which is what refuses non-https URLs; formats are not a separate rule, since validators only check
    them on request), the lists' `minItems`/`maxItems`, and the `x-rules` (the multi_prompt sum; data
    URIs that hold no image).
    """
    return _invalid_cases(model_id, _spec_key(spec))


def invalid_inputs(model_id: str, spec: SpecPath = None) -> SearchStrategy[Invalid]:
    """Bodies for `model_id` that break exactly one rule; see `Invalid` for what a server must say."""
    return st.one_of(*[case.strategy for case in invalid_cases(model_id, spec)])


def invalid_inputs_for_rule(model_id: str, rule: str, spec: SpecPath = None) -> SearchStrategy[Invalid]:
    """Like `invalid_inputs`, restricted to one rule name (e.g. `"maximum"`), wherever it applies."""
    cases = [case.strategy for case in invalid_cases(model_id, spec) if case.rule == rule]
    if not cases:
        known = sorted({case.rule for case in invalid_cases(model_id, spec)})
        raise ValueError(f"no rule {rule!r} for {model_id!r}; its rules: {', '.join(known)}")
    return st.one_of(*cases)
