"""The drift check (`contracts.drift`, `kling-mock drift`): openapi.yaml against RunComfy's live catalog.

`fixtures/catalog/live-2026-09-23.json` is the catalog as RunComfy's live API stated it on 2026-09-23 (the
six Kling 3.0 entries, written from the project's API notes); `planted-drift.json` is the same catalog with
differences planted in it, each of which must be reported with its severity. The engine is tested against a
contract built from the live catalog itself, so these tests do not depend on what openapi.yaml says today;
one test then holds the shipped openapi.yaml to the live catalog.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from contracts import cli
from contracts.drift import DriftReport, catalog_entries, drift, render_table

ROOT = Path(__file__).resolve().parents[2]
LIVE = ROOT / "fixtures" / "catalog" / "live-2026-09-23.json"
PLANTED = ROOT / "fixtures" / "catalog" / "planted-drift.json"
K = "kling/kling-3.0/"


def entries(path: Path) -> list[dict[str, Any]]:
    return catalog_entries(json.loads(path.read_text(encoding="utf-8")))


def spec_from_catalog(catalog: list[dict[str, Any]], **extra_components: Any) -> dict[str, Any]:
    """A minimal contract that states exactly what `catalog` states: one submit operation per entry."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = dict(extra_components)
    for i, entry in enumerate(catalog):
        _, _, tier, mode = entry["model_id"].split("/")
        schemas[f"Input{i}"] = copy.deepcopy(entry["input_schema"])
        paths[f"/v1/models/{entry['model_id']}"] = {
            "post": {
                "operationId": f"submit{i}",
                "description": entry["description"],
                "x-model-id": entry["model_id"],
                "x-tier": tier,
                "x-mode": mode,
                "x-display-name": entry["display_name"],
                "x-price-usd-per-second": {"no_audio": entry["base_price_usd"], "audio": entry["base_price_usd"]},
                "x-audio-input": "sound" if mode == "text-to-video" else "generate_audio",
                "x-categories": entry["categories"],
                "x-max-resolution": "1080p",
                "x-model-url": entry["model_url"],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/Input{i}"}}}},
            }
        }
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas}}


def keys(report: DriftReport) -> set[tuple[str, str, str, str]]:
    return {(f.severity, f.model_id, f.field, f.aspect) for f in report.findings}


LIVE_SPEC = spec_from_catalog(entries(LIVE))

#: Every difference planted in planted-drift.json, as (severity, model, field, aspect).
PLANTED_FINDINGS = {
    ("critical", K + "standard/text-to-video", "price_unit", "unit"),
    ("critical", K + "standard/text-to-video", "sound", "default"),
    ("critical", K + "standard/text-to-video", "aspect_ratio", "enum"),
    ("critical", K + "pro/text-to-video", "base_price_usd", "price"),
    ("critical", K + "pro/text-to-video", "duration", "maximum"),
    ("warning", K + "pro/text-to-video", "sound", "default"),
    ("critical", K + "4k/text-to-video", "cfg_scale", "type"),
    ("critical", K + "4k/text-to-video", "seed", "missing"),
    ("critical", K + "pro/image-to-video", "negative_prompt", "extra"),
    ("critical", K + "pro/image-to-video", "start_image_url", "format"),
    ("critical", K + "standard/image-to-video", "duration", "required"),
    ("info", K + "standard/image-to-video", "display_name", "text"),
    ("critical", K + "4k/image-to-video", "-", "missing model"),
    ("warning", K + "turbo/text-to-video", "-", "extra model"),
}


# --------------------------------------------------------------------------------------------------
# The fixtures and the engine


def test_the_live_catalog_lists_the_six_models_as_the_api_notes_state_them() -> None:
    live = {e["model_id"]: e for e in entries(LIVE)}
    assert sorted(live) == sorted(K + f"{t}/{m}" for t in ("standard", "pro", "4k") for m in ("text-to-video", "image-to-video"))
    for model_id, entry in live.items():
        schema = entry["input_schema"]
        assert (entry["kind"], entry["price_unit"]) == ("model", "second")
        assert entry["inputs"] == list(schema["properties"]) and entry["required_inputs"] == schema["required"]
        props = schema["properties"]
        if model_id.endswith("text-to-video"):
            assert props["sound"]["default"] is True and props["duration"]["default"] == 5
            assert props["shot_type"]["enum"] == (["intelligent", "customize"] if "/standard/" in model_id else ["customize"])
            assert schema["required"] == ["prompt"]
        else:
            assert "sound" not in props and "aspect_ratio" not in props
            assert props["generate_audio"]["default"] is True and props["duration"]["default"] == 10
            assert props["start_image_url"]["format"] == "image_uri"
            assert ("end_image_url" in props) == ("/standard/" not in model_id)
            assert props["shot_type"]["enum"] == ["customize"] and "elements" in props
            assert schema["required"] == ["prompt", "start_image_url"]


def test_a_catalog_equal_to_the_contract_shows_no_drift() -> None:
    report = drift(entries(LIVE), LIVE_SPEC)
    assert report.findings == ()
    assert not report.critical and report.compared == tuple(e["model_id"] for e in entries(LIVE))


def test_every_planted_difference_is_reported_with_its_severity() -> None:
    report = drift(entries(PLANTED), LIVE_SPEC)
    assert keys(report) == PLANTED_FINDINGS
    assert report.critical and report.ignored == 1  # the model of another family
    assert report.summary() == (
        "drift: 11 critical, 2 warnings, 1 info; 6 models of openapi.yaml against 7 catalog entries "
        "(1 of other model families ignored)"
    )
    by_key = {(f.model_id, f.field, f.aspect): f for f in report.findings}
    unit = by_key[(K + "standard/text-to-video", "price_unit", "unit")]
    assert (unit.contract, unit.catalog) == ("second", "per_second")
    assert by_key[(K + "standard/text-to-video", "aspect_ratio", "enum")].catalog == ["4:3"]
    assert by_key[(K + "pro/text-to-video", "duration", "maximum")].catalog == 10
    assert [f.severity for f in report.findings] == sorted(
        (f.severity for f in report.findings), key=("critical", "warning", "info").index
    )


def test_the_shipped_contract_shows_no_critical_drift_against_the_live_catalog() -> None:
    """openapi.yaml states the live contract: what remains are its guesses (bounds, patterns, shapes the
    catalog does not publish), graded warning."""
    report = drift(entries(LIVE))
    assert not report.critical, render_table(report, min_severity="critical")


def _one_model(schema: dict[str, Any], **entry: Any) -> list[dict[str, Any]]:
    base = {"model_id": K + "pro/text-to-video", "display_name": "n", "description": "d", "kind": "model",
            "categories": ["video"], "base_price_usd": 0.1, "price_unit": "second", "model_url": "u",
            "inputs": list(schema.get("properties", {})), "required_inputs": schema.get("required", []),
            "input_schema": schema}  # fmt: skip
    return [{**base, **entry}]


@pytest.mark.parametrize(
    ("mine", "theirs", "expected"),
    [
        ({"type": "integer", "maximum": 15}, {"type": "integer"}, {("warning", "maximum")}),
        ({"type": "integer"}, {"type": "integer", "maximum": 15}, {("critical", "maximum")}),
        ({"type": "string", "maxLength": 10}, {"type": "string", "maxLength": 10.0}, set()),
        ({"type": "boolean", "default": True}, {"type": "boolean", "default": 1}, {("critical", "default")}),
        ({"type": "integer", "default": 5}, {"type": "integer", "default": 5.0}, set()),
        ({"type": "integer"}, {"type": "integer", "default": 5}, {("critical", "default")}),
        ({"type": "string", "enum": ["a", "b"]}, {"type": "string", "enum": ["b", "a"]}, set()),
        ({"type": "string", "enum": ["a", "b"]}, {"type": "string", "enum": ["a"]}, {("critical", "enum")}),
        ({"type": "string"}, {"type": "string", "enum": ["a"]}, {("critical", "enum")}),
        ({"type": "string", "const": "a"}, {"type": "string", "enum": ["a"]}, set()),
        ({"type": ["string", "null"]}, {"anyOf": [{"type": "null"}, {"type": "string"}]}, set()),
        ({"type": "number"}, {"type": "integer"}, {("critical", "type")}),
        ({"type": "string", "format": "uri"}, {"type": "string"}, {("warning", "format")}),
        ({"type": "string"}, {"type": "string", "format": "image_uri"}, {("critical", "format")}),
        ({"type": "string", "pattern": "^a"}, {"type": "string"}, {("warning", "pattern")}),
        ({"type": "string"}, {"type": "string", "validations": [{"rule": "x"}]}, {("info", "validations")}),
        ({"type": "string", "description": "mine", "x-guess": "y"}, {"type": "string", "title": "theirs"}, set()),
    ],
)
def test_each_keyword_is_graded(mine: dict[str, Any], theirs: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    contract = _one_model({"type": "object", "properties": {"f": mine}})
    catalog = _one_model({"type": "object", "properties": {"f": theirs}})
    report = drift(catalog, spec_from_catalog(contract))
    assert {(f.severity, f.aspect) for f in report.findings if f.field == "f"} == expected
    assert all(f.field == "f" for f in report.findings), report.findings


def test_nested_shapes_are_compared_and_unpublished_ones_are_guesses() -> None:
    shot = {"type": "object", "required": ["prompt"], "properties": {"prompt": {"type": "string"}, "duration": {"type": "integer", "maximum": 15}}}
    mine = {"type": "object", "properties": {"shots": {"type": "array", "items": shot}}}
    theirs_item = copy.deepcopy(shot)
    theirs_item["properties"]["duration"]["maximum"] = 10
    theirs_item["required"] = ["prompt", "duration"]
    contract = spec_from_catalog(_one_model(mine))
    same_shape = drift(_one_model({"type": "object", "properties": {"shots": {"type": "array", "items": theirs_item}}}), contract)
    assert {(f.severity, f.field, f.aspect) for f in same_shape.findings} == {
        ("critical", "shots[].duration", "maximum"),
        ("critical", "shots[].duration", "required"),
    }
    unpublished = drift(_one_model({"type": "object", "properties": {"shots": {"type": "array"}}}), contract)
    assert {(f.severity, f.field, f.aspect) for f in unpublished.findings} == {("warning", "shots[]", "shape")}


def test_an_entry_without_input_schema_is_compared_by_its_input_lists() -> None:
    schema = {"type": "object", "properties": {"prompt": {"type": "string"}, "sound": {"type": "boolean"}}, "required": ["prompt"]}
    contract = spec_from_catalog(_one_model(schema))
    listed = _one_model(schema, inputs=["prompt", "sound", "seed"], required_inputs=["prompt"])
    del listed[0]["input_schema"]
    report = drift(listed, contract)
    assert {(f.severity, f.field, f.aspect) for f in report.findings} == {("critical", "inputs", "names")}
    assert "no input_schema" in report.notes[0]


def test_the_entry_is_held_to_the_contracts_model_schema() -> None:
    model = {"type": "object", "required": ["model_id", "kind", "price_unit"],
             "properties": {"model_id": {"type": "string"}, "kind": {"type": "string"}, "price_unit": {"type": "string"},
                            "input_schema": {"type": "object"}}}  # fmt: skip
    schema = {"type": "object", "properties": {"prompt": {"type": "string"}}}
    contract = spec_from_catalog(_one_model(schema), Model=model)
    catalog = [{"model_id": K + "pro/text-to-video", "price_unit": 7, "input_schema": schema, "pricing_note": "x"}]
    report = drift(catalog, contract)
    assert {(f.severity, f.field, f.aspect) for f in report.findings} == {
        ("critical", "-", "entry shape"),  # kind is missing
        ("critical", "price_unit", "entry shape"),  # not a string
        ("critical", "price_unit", "unit"),
        ("warning", "pricing_note", "extra entry field"),
    }


def test_a_model_listed_twice_is_compared_once_and_reported() -> None:
    live = entries(LIVE)
    report = drift([*live, live[0]], LIVE_SPEC)
    assert keys(report) == {("warning", live[0]["model_id"], "-", "duplicate")}


@pytest.mark.parametrize("data", [{"models": {}}, {"items": []}, [{"id": 1}], "x", {"models": [None]}])
def test_what_is_not_a_catalog_is_refused(data: Any) -> None:
    with pytest.raises(ValueError):
        catalog_entries(data)


# --------------------------------------------------------------------------------------------------
# `kling-mock drift`


def run(argv: list[str], transport: httpx.MockTransport | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["drift", *argv], transport, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def live_spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(LIVE_SPEC), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CI", "RUNCOMFY_TOKEN", "RUNCOMFY_MODEL_API_BASE"):
        monkeypatch.delenv(name, raising=False)


def test_the_command_prints_a_table_and_exits_1_on_critical_drift(live_spec_file: Path) -> None:
    code, out, _ = run([str(PLANTED), "--spec", str(live_spec_file)])
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split() == ["SEVERITY", "MODEL", "FIELD", "WHAT", "OPENAPI.YAML", "CATALOG", "WHY"]
    assert any(line.split()[:4] == ["critical", K + "standard/text-to-video", "price_unit", "unit"] for line in lines)
    assert lines[-1].startswith("drift: 11 critical, 2 warnings, 1 info")
    code, out, _ = run([str(LIVE), "--spec", str(live_spec_file)])
    assert (code, out.splitlines()[0]) == (0, "no differences")


def test_the_command_can_hide_minor_rows_and_print_json(live_spec_file: Path) -> None:
    _, out, _ = run([str(PLANTED), "--spec", str(live_spec_file), "--min-severity", "critical"])
    rows = out.splitlines()[1:-1]
    assert len(rows) == 11 and all(r.startswith("critical") for r in rows)
    code, out, _ = run([str(PLANTED), "--spec", str(live_spec_file), "--json"])
    report = json.loads(out)
    assert code == 1 and report["counts"] == {"critical": 11, "warning": 2, "info": 1}
    assert {(f["severity"], f["model_id"], f["field"], f["aspect"]) for f in report["findings"]} == PLANTED_FINDINGS


def test_the_command_says_what_is_wrong_with_its_input(tmp_path: Path) -> None:
    assert run([str(tmp_path / "missing.json")])[0] == 66
    (tmp_path / "bad.json").write_text("{not json")
    code, _, err = run([str(tmp_path / "bad.json")])
    assert code == 65 and "not JSON" in err
    (tmp_path / "list.json").write_text('{"data": []}')
    assert run([str(tmp_path / "list.json")])[0] == 65
    assert run([])[0] == 2  # neither a file nor --target
    assert run([str(LIVE), "--target", "real"])[0] == 2  # both
    assert run([str(LIVE), "--spec", str(tmp_path / "nope.yaml")])[0] == 66


def _catalog_api(pages: list[list[dict[str, Any]]], seen: list[httpx.Request]) -> httpx.MockTransport:
    total = sum(len(p) for p in pages)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        offset = int(request.url.params["offset"])
        start = 0
        for page in pages:
            if start == offset:
                return httpx.Response(200, json={"models": page, "total": total, "limit": 500, "offset": offset})
            start += len(page)
        return httpx.Response(200, json={"models": [], "total": total, "limit": 500, "offset": offset})

    return httpx.MockTransport(handler)


def test_target_real_fetches_every_page_with_the_token_and_can_save_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, live_spec_file: Path
) -> None:
    monkeypatch.setenv("RUNCOMFY_TOKEN", "rc-token")
    live = entries(LIVE)
    seen: list[httpx.Request] = []
    saved = tmp_path / "saved" / "catalog.json"
    code, out, err = run(
        ["--target", "real", "--spec", str(live_spec_file), "--save", str(saved)],
        _catalog_api([live[:4], live[4:]], seen),
    )
    assert code == 0, err
    assert [str(r.url) for r in seen] == [
        "https://model-api.runcomfy.net/v1/models?limit=500&offset=0&include_schema=true",
        "https://model-api.runcomfy.net/v1/models?limit=500&offset=4&include_schema=true",
    ]
    assert {r.headers["Authorization"] for r in seen} == {"Bearer rc-token"}
    assert out.splitlines()[0] == "no differences"
    assert entries(saved) == live
    assert "fetched 6 catalog entries" in err


@pytest.mark.parametrize(("ci", "token", "code"), [("true", "rc-token", 2), ("1", None, 2), ("", None, 77)])
def test_target_real_is_refused_in_ci_and_without_a_token(
    monkeypatch: pytest.MonkeyPatch, ci: str, token: str | None, code: int
) -> None:
    monkeypatch.setenv("CI", ci)
    if token:
        monkeypatch.setenv("RUNCOMFY_TOKEN", token)
    seen: list[httpx.Request] = []
    result, _, err = run(["--target", "real"], _catalog_api([], seen))
    assert (result, seen) == (code, [])
    assert ("never runs in CI" in err) == (code == 2)


@pytest.mark.parametrize(("status", "code"), [(401, 77), (500, 69), (429, 75)])
def test_a_refused_fetch_exits_like_the_other_client_commands(status: int, code: int) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(status, json={"error_code": status * 1000 + 1, "error_message": "no"}))
    assert run(["--target", "http://127.0.0.1:9/v1", "--token", "t"], transport)[0] == code

