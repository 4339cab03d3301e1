"""The contract, loaded once from `openapi.yaml`: the model registry and the input validators.

The spec is the single source of truth, read through the one reader of that file (`mock_server.spec`), so
the server and the tests cannot disagree about what the file says. The six models, their tiers, modes and
prices come from the `x-` extensions of the submit operations (`spec.SubmitOperation`, which `ModelInfo`
holds rather than copies); request bodies are validated with the spec's own schemas, compiled once at
start-up. The two rules JSON Schema cannot state (`multi_prompt` durations sum to `duration`; a data URI
holds a readable image) are checked here and described in the spec (`x-rules`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from jsonschema import Draft202012Validator
from jsonschema import ValidationError as SchemaError

from ..media.images import ImageDataError, decode_data_uri, is_data_uri
from ..spec import SubmitOperation, load_spec, resolve, submit_operations_in
from .errors import detail_item, validation_error

__all__ = ["Contract", "ImagePath", "ModelInfo", "image_values", "load_spec", "multi_prompt_problems"]

ImagePath: TypeAlias = tuple[str | int, ...]
"""Where an image is in a body: `("start_image_url",)`, `("elements", 0, "reference_image_urls", 1)`."""

#: RunComfy's media format for an image input [live]: an https URL or a data URI.
IMAGE_FORMAT = "image_uri"

EXTRA_ASPECT_RATIOS = ("4:3", "3:4", "21:9")
SUBMIT_PREFIX = "/v1/models/"
#: What every entry of this catalog is, and the unit its price is charged per ([live]: RunComfy's partner
#: nodes refuse any other unit for a video model, so no generation would start).
KIND = "model"
PRICE_UNIT = "second"


@dataclass(frozen=True)
class ModelInfo:
    """One sellable model: its submit operation as the contract states it (`op`: ids, tier, prices,
    catalog texts, audio input) and its input schema resolved for validation and the catalog.

    Each endpoint names its own audio switch (`sound` on text-to-video, `generate_audio` on
    image-to-video [live]) and its own defaults (image-to-video runs 10 s unless told otherwise), so the
    price, the run time and the soundtrack of a job are read through `sound()` and `duration()`, never
    from a field name written down elsewhere.
    """

    op: SubmitOperation
    input_schema: Mapping[str, Any]

    @property
    def model_id(self) -> str:
        return self.op.model_id

    @property
    def tier(self) -> str:
        return self.op.tier

    @property
    def categories(self) -> tuple[str, ...]:
        return self.op.categories

    def _default(self, name: str, fallback: Any) -> Any:
        prop = self.input_schema.get("properties", {}).get(name, {})
        return prop.get("default", fallback)

    def sound(self, inputs: Mapping[str, Any]) -> bool:
        """Whether the clip has audio: the endpoint's audio input, or its default when omitted."""
        return bool(inputs.get(self.op.audio_input, self._default(self.op.audio_input, False)))

    def duration(self, inputs: Mapping[str, Any]) -> int:
        """Seconds of video: the body's `duration`, or the endpoint's default when omitted."""
        return int(inputs.get("duration", self._default("duration", 5)))

    def price_per_second(self, sound: bool) -> float:
        return self.op.price_audio if sound else self.op.price_no_audio

    def cost(self, inputs: Mapping[str, Any]) -> float:
        """USD for a clip: price per second of video, by tier and audio [doc]."""
        return round(self.price_per_second(self.sound(inputs)) * self.duration(inputs), 6)

    @property
    def inputs(self) -> list[str]:
        return list(self.input_schema.get("properties", {}))

    @property
    def required_inputs(self) -> list[str]:
        return list(self.input_schema.get("required", []))

    def known_inputs(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Only the fields the contract defines: what a job keeps of its request (unknown fields are not
        part of the job, whether the server ignores or refuses them)."""
        properties = self.input_schema.get("properties", {})
        return {k: v for k, v in inputs.items() if k in properties}

    def catalog_entry(self, include_schema: bool = True) -> dict[str, Any]:
        """The entry as RunComfy's clients read it [live, client]; `price_usd_per_second` is this mock's
        extra (its playground shows both rates). The list leaves `input_schema` out unless asked."""
        op = self.op
        entry: dict[str, Any] = {
            "model_id": op.model_id,
            "display_name": op.display_name,
            "description": op.description,
            "kind": KIND,
            "categories": list(op.categories),
            "base_price_usd": op.price_no_audio,
            "price_unit": PRICE_UNIT,
            "price_usd_per_second": {"no_audio": op.price_no_audio, "audio": op.price_audio},
            "model_url": op.model_url,
            "inputs": self.inputs,
            "required_inputs": self.required_inputs,
        }
        if include_schema:
            entry["input_schema"] = self.input_schema
        return entry

    def matches(self, search: str | None, category: str | None, kind: str | None) -> bool:
        """The catalog list's filters: `search` is a case-insensitive substring of id, name or description."""
        if category is not None and category not in self.categories:
            return False
        if kind is not None and kind != KIND:
            return False
        if search:
            needle = search.casefold()
            op = self.op
            return any(needle in text.casefold() for text in (op.model_id, op.display_name, op.description))
        return True


def _models_from_spec(spec: Mapping[str, Any], extra_aspect_ratios: bool) -> dict[str, ModelInfo]:
    models: dict[str, ModelInfo] = {}
    for op in submit_operations_in(spec).values():
        schema = resolve({"$ref": op.input_schema_ref}, spec)
        if extra_aspect_ratios and "aspect_ratio" in schema.get("properties", {}):
            ratio = schema["properties"]["aspect_ratio"]
            ratio["enum"] = [*ratio["enum"], *[r for r in EXTRA_ASPECT_RATIOS if r not in ratio["enum"]]]
        if op.path != SUBMIT_PREFIX + op.model_id:
            raise ValueError(f"x-model-id {op.model_id} does not match its path {op.path}")
        models[op.model_id] = ModelInfo(op, schema)
    return models


def _loc(error: SchemaError) -> list[str | int]:
    return ["body", *error.absolute_path]


def _flatten(errors: Iterable[SchemaError]) -> Iterable[SchemaError]:
    """Report the leaves of anyOf/oneOf failures: they name the actual broken field."""
    for e in errors:
        if e.context:
            yield from _flatten(e.context)
        else:
            yield e


def _describe(error: SchemaError) -> list[dict[str, Any]]:
    kind = str(error.validator)
    if kind == "required" and isinstance(error.instance, dict):
        return [
            detail_item([*_loc(error), name], "Field required", "missing")
            for name in error.validator_value
            if name not in error.instance
        ]
    messages = {
        "maximum": f"Input should be less than or equal to {error.validator_value}",
        "minimum": f"Input should be greater than or equal to {error.validator_value}",
        "enum": "Input should be "
        + (" or ".join(repr(v) for v in error.validator_value) if isinstance(error.validator_value, list) else ""),
        "type": f"Input should be of type {error.validator_value}",
        "maxItems": f"List should have at most {error.validator_value} items",
        "minItems": f"List should have at least {error.validator_value} items",
        "maxLength": f"String should have at most {error.validator_value} characters",
        "minLength": f"String should have at least {error.validator_value} characters",
        "pattern": f"String should match pattern {error.validator_value!r}",
    }
    return [detail_item(_loc(error), messages.get(kind, error.message), kind)]


@dataclass
class Contract:
    """The loaded contract: which models exist and what a valid request to each looks like."""

    spec: Mapping[str, Any]
    extra_aspect_ratios: bool = False
    reject_unknown_fields: bool = False
    models: dict[str, ModelInfo] = field(init=False)
    _validators: dict[str, Draft202012Validator] = field(init=False)

    def __post_init__(self) -> None:
        self.models = _models_from_spec(self.spec, self.extra_aspect_ratios)
        self._validators = {}
        for model_id, info in self.models.items():
            Draft202012Validator.check_schema(info.input_schema)
            self._validators[model_id] = Draft202012Validator(
                info.input_schema, format_checker=Draft202012Validator.FORMAT_CHECKER
            )

    def model(self, model_id: str) -> ModelInfo | None:
        return self.models.get(model_id)

    def input_fields(self, model_id: str) -> frozenset[str] | None:
        """The names of a model's inputs (None for an unknown model): what the journal shows in full."""
        info = self.models.get(model_id)
        return frozenset(info.input_schema.get("properties", {})) if info else None

    def validate(self, model_id: str, body: Any) -> dict[str, Any]:
        """Check a submit body; return it with defaults filled in, or raise 422001 naming every broken field."""
        info = self.models[model_id]
        if not isinstance(body, dict):
            raise validation_error([detail_item(["body"], "Input should be a JSON object", "model_attributes_type")])
        detail: list[dict[str, Any]] = []
        for error in _flatten(self._validators[model_id].iter_errors(body)):
            detail.extend(_describe(error))
        properties: Mapping[str, Any] = info.input_schema.get("properties", {})
        if self.reject_unknown_fields:
            detail.extend(
                detail_item(["body", name], "Extra inputs are not permitted", "extra_forbidden")
                for name in body
                if name not in properties
            )
        if not detail:
            detail.extend(multi_prompt_problems(body, properties))
        if detail:
            detail.sort(key=lambda d: [str(p) for p in d["loc"]])
            raise validation_error(detail)
        filled = dict(body)
        for name, prop in properties.items():
            if name not in filled and "default" in prop:
                filled[name] = copy.deepcopy(prop["default"])
        return filled

    def inline_images(self, model_id: str, inputs: Mapping[str, Any]) -> dict[ImagePath, bytes]:
        """The images a valid body gives as data URIs, decoded locally (never fetched), by where they are.

        The rule beyond the schema (`x-rules: image_data_uris_are_images`): each must be base64 of a PNG,
        JPEG, WebP or BMP image, else 422001 names every broken one. Blocking (a photo is megabytes): the
        caller runs it off the event loop for large bodies.
        """
        found: dict[ImagePath, bytes] = {}
        detail: list[dict[str, Any]] = []
        for path, value in image_values(self.models[model_id].input_schema, inputs):
            if not is_data_uri(value):
                continue
            try:
                found[path] = decode_data_uri(value)
            except ImageDataError as exc:
                detail.append(detail_item(["body", *path], f"Input should be an image the API can read: the data URI {exc}",
                                          "image_data"))
        if detail:
            detail.sort(key=lambda d: [str(p) for p in d["loc"]])
            raise validation_error(detail)
        return found


def image_values(schema: Mapping[str, Any], value: Any, path: ImagePath = ()) -> Iterator[tuple[ImagePath, str]]:
    """Every image of a (schema-valid) body with where it is, found through the schema's `image_uri`
    formats, so a new image field in the contract needs no code here."""
    if schema.get("format") == IMAGE_FORMAT:
        if isinstance(value, str):
            yield path, value
        return
    if isinstance(value, Mapping):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                yield from image_values(sub, value[name], (*path, name))
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for i, item in enumerate(value):
            yield from image_values(schema["items"], item, (*path, i))


def multi_prompt_problems(body: Mapping[str, Any], properties: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rule beyond the schema: the shots' durations must add up to the clip's duration [doc]."""
    shots = body.get("multi_prompt")
    if not shots:
        return []
    duration = body.get("duration", properties.get("duration", {}).get("default", 5))
    total = sum(int(s["duration"]) for s in shots)
    if total != duration:
        return [
            detail_item(
                ["body", "multi_prompt"],
                f"The durations of multi_prompt add up to {total} s, but duration is {duration} s",
                "multi_prompt_sum",
            )
        ]
    return []
