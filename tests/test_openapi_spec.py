"""The contract file itself: valid OpenAPI, complete examples, and the names the server relies on.

`openapi.yaml` is the single source of truth, so a mistake in it silently becomes a mistake in the
server, the harness and the docs at once. These checks catch that at the source. Validation of
examples goes through `referencing` rather than the harness's own `$ref` resolver, so that a bug in
the resolver cannot hide a bug in the spec.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_server.spec import DEFAULT_SPEC_PATH

SPEC_URI = "urn:kling-mock:openapi"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

SUBMIT_PRICES = {  # tier -> (no audio, audio) USD per second, from RunComfy's model pages
    "standard": (0.084, 0.126),
    "pro": (0.112, 0.168),
    "4k": (0.42, 0.42),
}
INPUT_SCHEMAS = {
    ("standard", "text-to-video"): "TextToVideoStandardInput",
    ("pro", "text-to-video"): "TextToVideoProInput",
    ("4k", "text-to-video"): "TextToVideoProInput",
    ("standard", "image-to-video"): "ImageToVideoStandardInput",
    ("pro", "image-to-video"): "ImageToVideoProInput",
    ("4k", "image-to-video"): "ImageToVideoProInput",
}
SUBMIT_OPERATION_IDS = {
    ("standard", "text-to-video"): "submitStandardTextToVideo",
    ("standard", "image-to-video"): "submitStandardImageToVideo",
    ("pro", "text-to-video"): "submitProTextToVideo",
    ("pro", "image-to-video"): "submitProImageToVideo",
    ("4k", "text-to-video"): "submit4kTextToVideo",
    ("4k", "image-to-video"): "submit4kImageToVideo",
}
OTHER_OPERATION_IDS = {
    "getStatus",
    "getResult",
    "cancelRequest",
    "listModels",
    "listCategories",
    "getModel",
    # The catch-all submit, and each model's catalog entry at its own submit path.
    "submitAnyModel",
    *(f"get{tier[0].upper()}{tier[1:]}{mode.title().replace('-', '')}Model" for tier, mode in SUBMIT_OPERATION_IDS),
}


def _load() -> dict[str, Any]:
    """A fresh parse per test module, independent of the harness's cached copy."""
    with open(DEFAULT_SPEC_PATH, encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    return doc


SPEC = _load()
REGISTRY: Registry[Any] = Registry().with_resource(
    SPEC_URI, Resource.from_contents(SPEC, default_specification=DRAFT202012)
)


def _escape(part: str) -> str:
    """One JSON-pointer segment."""
    return part.replace("~", "~0").replace("/", "~1")


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(_escape(p) for p in parts)


def _deref(node: Mapping[str, Any], where: str) -> tuple[Mapping[str, Any], str]:
    """Follow a response-level `$ref` (shared responses live in components), keeping its pointer."""
    while "$ref" in node:
        ref = node["$ref"]
        target: Any = SPEC
        for raw in ref[2:].split("/"):
            target = target[raw.replace("~1", "/").replace("~0", "~")]
        node, where = target, ref
    return node, where


def _validator_at(pointer: str) -> Draft202012Validator:
    """A validator for the schema at `pointer` inside the spec, with the spec's refs resolvable."""
    return Draft202012Validator(
        {"$ref": SPEC_URI + pointer},
        registry=REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def response_examples() -> Iterator[tuple[str, Any, Draft202012Validator]]:
    """(label, example, validator of its schema) for every example of every response."""
    for path, method, op in operations():
        for status, raw in op["responses"].items():
            response, where = _deref(raw, _pointer("paths", path, method, "responses", status))
            for media, content in response.get("content", {}).items():
                base = f"{where}/content/{_escape(media)}"
                validator = _validator_at(base + "/schema")
                label = f"{op['operationId']} {status}"
                if "example" in content:
                    yield label, content["example"], validator
                for name, ex in content.get("examples", {}).items():
                    yield f"{label} {name}", ex["value"], validator


def test_spec_passes_openapi_spec_validator() -> None:
    validate_openapi(_load())


def test_spec_identity() -> None:
    assert SPEC["openapi"] == "3.1.0"
    assert SPEC["info"]["title"] == "RunComfy Model API (Kling 3.0)"
    assert SPEC["servers"] == [{"url": "/"}]
    assert SPEC["security"] == [{"bearerAuth": []}]
    assert SPEC["components"]["securitySchemes"]["bearerAuth"] == {
        **SPEC["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }


def test_operation_ids_are_exactly_the_agreed_ones() -> None:
    ids = [op["operationId"] for _, _, op in operations()]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(SUBMIT_OPERATION_IDS.values()) | OTHER_OPERATION_IDS


def test_every_response_of_every_operation_has_an_example() -> None:
    missing = []
    for path, method, op in operations():
        for status, raw in op["responses"].items():
            response, _ = _deref(raw, "")
            content = response.get("content", {})
            if not content:
                missing.append(f"{method.upper()} {path} {status}: no content")
            for media, body in content.items():
                if "example" not in body and not body.get("examples"):
                    missing.append(f"{method.upper()} {path} {status} {media}")
    assert not missing, missing


@pytest.mark.parametrize(
    ("label", "example", "validator"),
    list(response_examples()),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_response_example_matches_its_schema(
    label: str, example: Any, validator: Draft202012Validator
) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(example)]
    assert not errors, f"{label}: {errors}"


def test_error_examples_carry_the_documented_codes() -> None:
    """Each error status answers its own code family (400 -> 400xxx, ...), so clients can trust both; the
    one exception is insufficient balance, code 400002 answered with HTTP 402 (RunComfy's clients expect
    402, its docs give only the code)."""
    for label, example, _ in response_examples():
        status = label.split()[1]
        if status == "402":
            assert example["error_code"] == 400002, label
        elif status.startswith(("4", "5")):
            assert str(example["error_code"]).startswith(status), label


def test_request_body_examples_are_valid_inputs() -> None:
    for path, _method, op in operations():
        if "requestBody" not in op:
            continue
        content = op["requestBody"]["content"]["application/json"]
        validator = _validator_at(
            _pointer("paths", path, "post", "requestBody", "content", "application/json", "schema")
        )
        examples = content.get("examples") or {"example": {"value": content["example"]}}
        for name, ex in examples.items():
            body = ex["value"]
            assert not list(validator.iter_errors(body)), f"{op['operationId']} {name}"
            if "multi_prompt" in body:
                default = SPEC["components"]["schemas"][content["schema"]["$ref"].rsplit("/", 1)[1]]["properties"][
                    "duration"]["default"]
                assert sum(s["duration"] for s in body["multi_prompt"]) == body.get("duration", default)


def test_schema_level_examples_match_their_schema() -> None:
    for name, schema in SPEC["components"]["schemas"].items():
        for prop, sub in schema.get("properties", {}).items():
            for ex in sub.get("examples", []):
                validator = _validator_at(_pointer("components", "schemas", name, "properties", prop))
                assert not list(validator.iter_errors(ex)), f"{name}.{prop}: {ex!r}"


def submit_operations() -> list[tuple[str, dict[str, Any]]]:
    return [(path, op) for path, method, op in operations() if method == "post" and "x-model-id" in op]


def test_six_submit_operations_carry_their_extensions() -> None:
    subs = submit_operations()
    assert len(subs) == 6
    seen = set()
    for path, op in subs:
        model_id = op["x-model-id"]
        assert path == f"/v1/models/{model_id}"
        family, version, tier, mode = model_id.split("/")
        assert (family, version) == ("kling", "kling-3.0")
        assert op["x-tier"] == tier
        assert op["x-mode"] == mode
        assert op["operationId"] == SUBMIT_OPERATION_IDS[(tier, mode)]
        tier_word = {"standard": "Standard", "pro": "Pro", "4k": "4K"}[tier]
        mode_words = {"text-to-video": "Text to Video", "image-to-video": "Image to Video"}[mode]
        assert op["x-display-name"] == f"Kling 3.0 {tier_word} {mode_words}"
        no_audio, audio = SUBMIT_PRICES[tier]
        assert op["x-price-usd-per-second"] == {"no_audio": no_audio, "audio": audio}
        assert op["x-audio-input"] == ("sound" if mode == "text-to-video" else "generate_audio")
        assert op["x-categories"] == ["video", mode]
        assert isinstance(op["x-max-resolution"], str) and op["x-max-resolution"]
        assert op["x-model-url"] == f"https://www.runcomfy.com/models/{model_id}"
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == f"#/components/schemas/{INPUT_SCHEMAS[(tier, mode)]}"
        seen.add((tier, mode))
    assert seen == set(SUBMIT_OPERATION_IDS)


def test_submit_responses_cover_the_agreed_statuses() -> None:
    for _, op in submit_operations():
        assert set(op["responses"]) == {"200", "400", "401", "402", "413", "415", "422", "429", "500", "503"}
        too_many, _ = _deref(op["responses"]["429"], "")
        assert too_many["headers"]["Retry-After"]


def test_request_operations_cover_the_agreed_statuses() -> None:
    for path, _method, op in operations():
        if path.startswith("/v1/requests/"):
            assert {"200", "400", "401", "403", "404", "429", "500", "503"} <= set(op["responses"])


def test_links_from_submit_lead_to_the_request_operations() -> None:
    expected = {"GetStatus": "getStatus", "GetResult": "getResult", "CancelRequest": "cancelRequest"}
    for _, op in submit_operations():
        ok, _ = _deref(op["responses"]["200"], "")
        links = ok["links"]
        assert {name: link["operationId"] for name, link in links.items()} == expected
        for link in links.values():
            assert link["parameters"] == {"request_id": "$response.body#/request_id"}


def test_request_id_is_any_string_so_unknown_ids_reach_the_server() -> None:
    for path, item in SPEC["paths"].items():
        if not path.startswith("/v1/requests/"):
            continue
        params = [_deref(p, "")[0] for p in item.get("parameters", [])]
        (rid,) = [p for p in params if p["name"] == "request_id"]
        assert rid["schema"] == {"type": "string"}


def test_input_schemas_state_the_live_catalog_per_endpoint() -> None:
    """Each endpoint's inputs as RunComfy's live catalog gives them (API-FACTS, "inputs per endpoint"): the
    tiers differ in `shot_type` and the end frame, the modes in the audio flag, defaults and aspect ratio."""
    schemas = SPEC["components"]["schemas"]
    t2v_std, t2v_pro = schemas["TextToVideoStandardInput"], schemas["TextToVideoProInput"]
    i2v_std, i2v_pro = schemas["ImageToVideoStandardInput"], schemas["ImageToVideoProInput"]
    common = ["prompt", "negative_prompt", "duration", "cfg_scale", "shot_type", "multi_prompt"]
    for t2v in (t2v_std, t2v_pro):
        assert t2v["required"] == ["prompt"]
        assert list(t2v["properties"]) == [*common[:3], "aspect_ratio", "cfg_scale", "sound", *common[4:]]
        assert t2v["properties"]["sound"]["default"] is True
        assert t2v["properties"]["duration"]["default"] == 5
        assert t2v["properties"]["aspect_ratio"]["enum"] == ["16:9", "9:16", "1:1"]
        assert t2v["properties"]["aspect_ratio"]["x-extra-aspect-ratios"] == ["4:3", "3:4", "21:9"]
        assert t2v["x-rules"] == ["multi_prompt_durations_sum_to_duration"]
    assert t2v_std["properties"]["shot_type"]["enum"] == ["intelligent", "customize"]
    assert t2v_std["properties"]["shot_type"]["default"] == "intelligent"
    for i2v in (i2v_std, i2v_pro):
        assert i2v["required"] == ["prompt", "start_image_url"]
        order = ["prompt", "start_image_url", "end_image_url", "generate_audio", "duration", "cfg_scale",
                 "negative_prompt", "shot_type", "multi_prompt", "elements"]  # the live catalog's order
        assert list(i2v["properties"]) == [name for name in order if name in i2v["properties"]]
        assert "aspect_ratio" not in i2v["properties"] and "sound" not in i2v["properties"]
        assert i2v["properties"]["generate_audio"]["default"] is True
        assert i2v["properties"]["duration"]["default"] == 10
        assert i2v["properties"]["start_image_url"]["$ref"] == "#/components/schemas/ImageUri"
        assert i2v["properties"]["elements"]["x-guess"]
        assert i2v["x-rules"] == ["multi_prompt_durations_sum_to_duration", "image_data_uris_are_images"]
    assert "end_image_url" not in i2v_std["properties"]
    assert i2v_pro["properties"]["end_image_url"]["$ref"] == "#/components/schemas/ImageUri"
    assert set(i2v_pro["properties"]) - set(i2v_std["properties"]) == {"end_image_url"}
    for schema in (t2v_pro, i2v_std, i2v_pro):
        assert schema["properties"]["shot_type"]["enum"] == ["customize"]
        assert schema["properties"]["shot_type"]["default"] == "customize"
    for name in ("prompt", "negative_prompt", "duration", "cfg_scale", "multi_prompt"):
        assert i2v_std["properties"][name] == i2v_pro["properties"][name], name
    for name in ("prompt", "negative_prompt", "cfg_scale", "multi_prompt"):
        assert t2v_std["properties"][name] == i2v_std["properties"][name], name
    for schema in (t2v_std, t2v_pro, i2v_std, i2v_pro):
        assert schema.get("additionalProperties", True) is True
        assert "maxLength" not in schema["properties"]["prompt"]  # none is published


def test_image_uri_is_runcomfys_media_format_with_urls_and_data_uris() -> None:
    image = SPEC["components"]["schemas"]["ImageUri"]
    assert image["format"] == "image_uri"
    rx = re.compile(image["pattern"])
    for good in ("https://example.com/a.png", "data:image/png;base64,iVBORw0KGgo=", "data:image/jpeg;base64,/9j/",
                 "data:image/webp;base64,UklGR", "data:image/bmp;base64,Qk0="):
        assert rx.search(good), good
    for bad in ("http://example.com/a.png", "data:image/gif;base64,R0lGOD", "data:text/plain;base64,aGk=",
                "data:image/png,rawbytes", "ftp://example.com/a.png", "https:// example.com", "https://", ""):
        assert not rx.search(bad), bad


def test_schemathesis_loads_the_spec() -> None:
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_path(str(DEFAULT_SPEC_PATH))
    labels = [result.ok().label for result in schema.get_all_operations()]
    assert len(labels) == len(SUBMIT_OPERATION_IDS) + len(OTHER_OPERATION_IDS)
    assert "GET /v1/models/categories" in labels


FIXTURES_DIR = DEFAULT_SPEC_PATH.parent / "fixtures" / "exchanges"
FIXTURES = sorted(FIXTURES_DIR.glob("*.json"))
SOURCE_TAGS = ("live", "doc", "client", "peer", "guess")


def _operation_for(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """The spec operation a concrete request path hits (templates match one path segment)."""
    bare = path.split("?", 1)[0]
    for template, item in SPEC["paths"].items():
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(rx, bare) and method.lower() in item:
            return template, item[method.lower()]
    return None


def test_there_are_fixtures() -> None:
    assert len(FIXTURES) >= 12


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_fixture_matches_the_contract(fixture: Path) -> None:
    """Each documented exchange is well formed and its response fits the schema the spec gives it."""
    ex = json.loads(fixture.read_text(encoding="utf-8"))
    assert set(ex) == {"name", "source", "request", "response"}
    assert ex["source"].split(":", 1)[0] in SOURCE_TAGS
    request, response = ex["request"], ex["response"]
    assert set(request) == {"method", "path", "headers", "body"}
    assert set(response) == {"status", "body"}
    assert request["path"].startswith("/v1/")
    status = str(response["status"])
    found = _operation_for(request["method"], request["path"])
    if found is None:  # an unknown model id: answered by the server's catch-all, in the error format
        assert status.startswith("4")
        pointer = _pointer("components", "schemas", "ErrorBody")
    else:
        template, op = found
        assert status in op["responses"], f"{op['operationId']} does not document {status}"
        raw = op["responses"][status]
        where = _pointer("paths", template, request["method"].lower(), "responses", status)
        _, where = _deref(raw, where)
        pointer = f"{where}/content/application~1json/schema"
        if status == "200" and request["body"] is not None:
            body_schema = _pointer(
                "paths", template, "post", "requestBody", "content", "application/json", "schema"
            )
            assert not list(_validator_at(body_schema).iter_errors(request["body"]))
    errors = [e.message for e in _validator_at(pointer).iter_errors(response["body"])]
    assert not errors, errors
    if status != "200":
        assert str(response["body"]["error_code"]).startswith(status)
