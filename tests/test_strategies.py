"""The body strategies keep their promises: valid means valid, invalid means exactly one broken rule.

A strategy that drifts from the contract would make every suite built on it test the wrong thing,
and would do so quietly. Bodies are checked here with `jsonschema` against the spec through
`referencing`, and the sum rule with its own few lines, so neither shares code with the strategies.
Coverage of the rule kinds is checked by enumerating the schema's keywords, not by hoping random draws
hit them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema import ValidationError as SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from contracts.strategies import (
    RULE_KINDS,
    Invalid,
    InvalidCase,
    extra_rule_violations,
    invalid_cases,
    invalid_inputs,
    invalid_inputs_for_rule,
    model_ids,
    valid_inputs,
)
from mock_server.media.images import ImageDataError, decode_data_uri
from mock_server.spec import DEFAULT_SPEC_PATH

with open(DEFAULT_SPEC_PATH, encoding="utf-8") as _fh:
    SPEC: dict[str, Any] = yaml.safe_load(_fh)
SPEC_URI = "urn:kling-mock:openapi"
REGISTRY: Registry[Any] = Registry().with_resource(
    SPEC_URI, Resource.from_contents(SPEC, default_specification=DRAFT202012)
)

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PER_CASE = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _schema_name(model_id: str) -> str:
    for item in SPEC["paths"].values():
        op = item.get("post", {})
        if op.get("x-model-id") == model_id:
            ref: str = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            return ref.rsplit("/", 1)[1]
    raise KeyError(model_id)


def _raw_schema(model_id: str) -> dict[str, Any]:
    schema: dict[str, Any] = SPEC["components"]["schemas"][_schema_name(model_id)]
    return schema


def _validator(model_id: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/components/schemas/{_schema_name(model_id)}"},
        registry=REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


MODELS = [op.get("x-model-id") for item in SPEC["paths"].values() for op in [item.get("post", {})]]
MODELS = [m for m in MODELS if m]
VALIDATORS = {m: _validator(m) for m in MODELS}


def _leaves(errors: list[SchemaError]) -> Iterator[SchemaError]:
    for e in errors:
        if e.context:
            yield from _leaves(list(e.context))
        else:
            yield e


def _where(e: SchemaError) -> tuple[Any, ...]:
    """The path an error is about; a missing key is named by its own path, as servers report it."""
    path = tuple(e.absolute_path)
    if e.validator == "required" and isinstance(e.instance, dict):
        missing = [k for k in e.validator_value if k not in e.instance]
        return (*path, missing[0])
    return path


def _sum_ok(body: Mapping[str, Any], default: int) -> bool:
    shots = body.get("multi_prompt")
    if not shots:
        return True
    return sum(s["duration"] for s in shots) == body.get("duration", default)


def _duration_default(model_id: str) -> int:
    default: int = _raw_schema(model_id)["properties"]["duration"]["default"]
    return default


def _at(body: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        body = body[part]
    return body


def _decodes(uri: str) -> bool:
    """Whether the server's own decoder takes a data URI (an independent judge of the strategies)."""
    try:
        decode_data_uri(uri)
    except ImageDataError:
        return False
    return True


def _data_uris(value: Any) -> Iterator[str]:
    if isinstance(value, str) and value.startswith("data:"):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _data_uris(v)
    elif isinstance(value, list):
        for v in value:
            yield from _data_uris(v)


def check_invalid(model_id: str, inv: Invalid) -> None:
    """The claim an `Invalid` makes, checked independently of how it was drawn."""
    assert inv.path[0] == inv.field
    json.dumps(inv.body, allow_nan=False)
    errors = list(_leaves(list(VALIDATORS[model_id].iter_errors(inv.body))))
    if inv.rule == "multi_prompt_sum":
        assert not errors, [e.message for e in errors]
        assert not _sum_ok(inv.body, _duration_default(model_id))
        return
    if inv.rule == "image_data":
        assert not errors, [e.message for e in errors]
        assert _sum_ok(inv.body, _duration_default(model_id))
        assert not _decodes(_at(inv.body, inv.path))
        assert [uri for uri in _data_uris(inv.body) if not _decodes(uri)] == [_at(inv.body, inv.path)]
        return
    assert errors, f"{inv.rule} on {inv.path}: body passed the schema"
    fields = {_where(e)[0] for e in errors}
    assert fields == {inv.field}, (inv.rule, inv.path, [(list(e.absolute_path), e.message) for e in errors])
    assert inv.rule in {str(e.validator) for e in errors}, (inv.rule, [e.validator for e in errors])
    assert inv.path in {_where(e) for e in errors}, (inv.path, [_where(e) for e in errors])


def _deref(prop: Mapping[str, Any]) -> Mapping[str, Any]:
    """A raw property with its `$ref` (if any) laid under the keywords written beside it."""
    if "$ref" not in prop:
        return prop
    target = SPEC["components"]["schemas"][prop["$ref"].rsplit("/", 1)[1]]
    return {**target, **{k: v for k, v in prop.items() if k != "$ref"}}


def expected_rule_sites(model_id: str) -> set[tuple[str, str]]:
    """(where, rule) for every keyword of the raw schema a single value can break, walked here by hand."""
    schema = _raw_schema(model_id)
    single = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "maxLength", "pattern")
    sites: set[tuple[str, str]] = {(name, "required") for name in schema.get("required", [])}
    images = "image_data_uris_are_images" in schema.get("x-rules", [])

    def value_sites(where: str, prop: Mapping[str, Any]) -> None:
        prop = _deref(prop)
        if "type" in prop:
            sites.add((where, "type"))
        sites.update((where, kw) for kw in single if kw in prop)
        if prop.get("minLength", 0) > 0:
            sites.add((where, "minLength"))
        if prop.get("minItems", 0) > 0:
            sites.add((where, "minItems"))
        if "maxItems" in prop:
            sites.add((where, "maxItems"))
        if images and prop.get("format") == "image_uri":
            sites.add((where, "image_data"))

    for name, prop in schema["properties"].items():
        value_sites(name, prop)
        items = prop.get("items")
        if items is not None and _deref(items).get("type") == "object":
            item = _deref(items)
            value_sites(f"{name}[]", item)
            sites.update((f"{name}[].{r}", "required") for r in item.get("required", []))
            for sub, sub_prop in item.get("properties", {}).items():
                value_sites(f"{name}[].{sub}", sub_prop)
    if "multi_prompt_durations_sum_to_duration" in schema.get("x-rules", []):
        sites.add(("multi_prompt", "multi_prompt_sum"))
    return sites


def test_model_ids_are_the_six_submit_models() -> None:
    assert model_ids() == tuple(MODELS)
    assert len(MODELS) == 6


@pytest.mark.parametrize("model_id", MODELS)
def test_every_derivable_rule_has_a_case(model_id: str) -> None:
    cases = invalid_cases(model_id)
    produced = {(c.where, c.rule) for c in cases}
    assert produced == expected_rule_sites(model_id)
    assert {c.rule for c in cases} <= set(RULE_KINDS)
    for c in cases:
        assert c.field == c.where.split("[", 1)[0].split(".", 1)[0]


@pytest.mark.parametrize("model_id", MODELS)
def test_valid_inputs_are_valid(model_id: str) -> None:
    validator = VALIDATORS[model_id]
    default = _duration_default(model_id)
    known = set(_raw_schema(model_id)["properties"])

    @FAST
    @given(valid_inputs(model_id))
    def check(body: dict[str, Any]) -> None:
        json.dumps(body, allow_nan=False)
        assert not [e.message for e in validator.iter_errors(body)]
        assert _sum_ok(body, default)
        assert set(body) <= known
        assert all(_decodes(uri) for uri in _data_uris(body))

    check()


@pytest.mark.parametrize("model_id", MODELS)
def test_invalid_inputs_break_one_rule_on_their_field(model_id: str) -> None:
    @FAST
    @given(invalid_inputs(model_id))
    def check(inv: Invalid) -> None:
        check_invalid(model_id, inv)

    check()


CASES = [(m, c) for m in MODELS for c in invalid_cases(m)]


@pytest.mark.parametrize(("model_id", "case"), CASES, ids=[f"{m}:{c.where}:{c.rule}" for m, c in CASES])
def test_each_case_draws_what_it_names(model_id: str, case: InvalidCase) -> None:
    @PER_CASE
    @given(case.strategy)
    def check(inv: Invalid) -> None:
        assert (inv.field, inv.rule) == (case.field, case.rule)
        check_invalid(model_id, inv)

    check()


@pytest.mark.parametrize("rule", ["maximum", "type", "multi_prompt_sum"])
def test_invalid_inputs_for_rule_keeps_to_the_rule(rule: str) -> None:
    model_id = MODELS[0]

    @PER_CASE
    @given(invalid_inputs_for_rule(model_id, rule))
    def check(inv: Invalid) -> None:
        assert inv.rule == rule
        check_invalid(model_id, inv)

    check()


def test_invalid_inputs_for_an_unknown_rule_fails_loudly() -> None:
    with pytest.raises(ValueError, match="no rule"):
        invalid_inputs_for_rule(MODELS[0], "no-such-rule")
    with pytest.raises(KeyError):
        valid_inputs("kling/kling-9.9/pro/text-to-video")


def test_invalid_path_defaults_to_the_field() -> None:
    assert Invalid({}, "prompt", "required").path == ("prompt",)


SEARCH = settings(
    max_examples=300,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def reaches(strategy: st.SearchStrategy[Any], predicate: Callable[[Any], bool]) -> Any:
    """The first drawn example satisfying `predicate` (no shrinking: `find` spends seconds on that)."""
    hits: list[Any] = []

    @SEARCH
    @given(strategy)
    def look(value: Any) -> None:
        if not hits and predicate(value):
            hits.append(value)

    look()
    assert hits, "the strategy never drew such an example"
    return hits[0]


def _case(model_id: str, where: str, rule: str) -> InvalidCase:
    (case,) = [c for c in invalid_cases(model_id) if (c.where, c.rule) == (where, rule)]
    return case


def test_bounds_are_broken_just_outside_and_far_outside() -> None:
    model_id = "kling/kling-3.0/pro/text-to-video"
    over = _case(model_id, "duration", "maximum").strategy
    under = _case(model_id, "cfg_scale", "minimum").strategy
    assert reaches(over, lambda inv: inv.body["duration"] == 16)
    assert reaches(over, lambda inv: inv.body["duration"] >= 1000)
    assert reaches(under, lambda inv: -0.05 < inv.body["cfg_scale"] < 0)
    assert reaches(under, lambda inv: inv.body["cfg_scale"] <= -1000)
    wrong_int = _case(model_id, "duration", "type").strategy
    assert reaches(wrong_int, lambda inv: isinstance(inv.body["duration"], float))


def test_enum_breakers_avoid_the_ratios_a_setting_can_enable() -> None:
    model_id = "kling/kling-3.0/pro/text-to-video"
    extra = set(_raw_schema(model_id)["properties"]["aspect_ratio"]["x-extra-aspect-ratios"])

    @FAST
    @given(_case(model_id, "aspect_ratio", "enum").strategy)
    def check(inv: Invalid) -> None:
        assert inv.body["aspect_ratio"] not in extra

    check()


def test_valid_inputs_reach_the_interesting_shapes() -> None:
    """Multi-shot bodies, including ones relying on the default duration (10 s on image-to-video), inline
    images of each type, end frames and elements are actually generated."""
    model_id = "kling/kling-3.0/pro/image-to-video"
    strategy = valid_inputs(model_id)
    shots = reaches(strategy, lambda b: len(b.get("multi_prompt", [])) >= 3)
    assert sum(s["duration"] for s in shots["multi_prompt"]) == shots.get("duration", 10)
    defaulted = reaches(strategy, lambda b: "multi_prompt" in b and "duration" not in b)
    assert sum(s["duration"] for s in defaulted["multi_prompt"]) == _duration_default(model_id) == 10
    for mime in ("png", "jpeg", "webp", "bmp"):
        reaches(strategy, lambda b, mime=mime: b["start_image_url"].startswith(f"data:image/{mime};base64,"))
    reaches(strategy, lambda b: b["start_image_url"].startswith("https://"))
    reaches(strategy, lambda b: "end_image_url" in b and len(b.get("elements", [])) >= 2)


def test_sum_rule_cases_sometimes_rely_on_the_default_duration() -> None:
    strategy = invalid_inputs_for_rule("kling/kling-3.0/4k/text-to-video", "multi_prompt_sum")
    reaches(strategy, lambda inv: "duration" not in inv.body)


@given(st.sampled_from(MODELS).flatmap(lambda m: st.tuples(st.just(m), invalid_inputs(m))))
@FAST
def test_invalid_inputs_across_models(pair: tuple[str, Invalid]) -> None:
    model_id, inv = pair
    check_invalid(model_id, inv)


def test_extra_rule_violations_agree_with_the_strategies() -> None:
    model_id = "kling/kling-3.0/pro/text-to-video"

    @FAST
    @given(valid_inputs(model_id), invalid_inputs_for_rule(model_id, "multi_prompt_sum"))
    def check(good: dict[str, Any], bad: Invalid) -> None:
        assert extra_rule_violations(model_id, good) == ()
        assert extra_rule_violations(model_id, bad.body) == ("multi_prompt_sum",)

    check()
    shots = [{"prompt": "a", "duration": 2}, {"prompt": "b", "duration": 3}]
    assert extra_rule_violations(model_id, {"prompt": "x", "multi_prompt": shots}) == ()
    assert extra_rule_violations(model_id, {"prompt": "x", "duration": 6, "multi_prompt": shots}) == (
        "multi_prompt_sum",
    )


def test_extra_rule_violations_see_data_uris_that_hold_no_image() -> None:
    model_id = "kling/kling-3.0/4k/image-to-video"

    @PER_CASE
    @given(valid_inputs(model_id), invalid_inputs_for_rule(model_id, "image_data"))
    def check(good: dict[str, Any], bad: Invalid) -> None:
        assert extra_rule_violations(model_id, good) == ()
        assert extra_rule_violations(model_id, bad.body) == ("image_data",)

    check()
    assert extra_rule_violations(model_id, {"prompt": "x", "start_image_url": "data:image/png;base64,aGk="}) == (
        "image_data",
    )
