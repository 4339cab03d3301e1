"""schemathesis hooks that teach it what JSON Schema cannot state about this contract.

Two rules live beyond the schema (`x-rules`): `multi_prompt` durations must add up to `duration` (each
endpoint's own default when it is omitted: 5 s on text-to-video, 10 s on image-to-video), and an image
sent as a data URI must decode to a PNG, JPEG, WebP or BMP picture. schemathesis generates bodies from
the schema alone, so a schema-valid body usually breaks the first rule, and a data URI drawn from the
`image_uri` pattern is random base64; a conforming server rightly answers those 422, and schemathesis'
`positive_data_acceptance` check would then blame it. So:

- the `image_uri` format is registered with `contracts.strategies.image_uris()` (https URLs and data URIs
  of real pictures), for the phases that draw from formats;
- `map_case` makes every otherwise valid body keep the sum rule and swaps a data URI that holds no
  picture (the coverage phase draws from the pattern) for one that does. Broken bodies stay broken.

Use: `SCHEMATHESIS_HOOKS=contracts.schemathesis_hooks st run ...` (the test suite does this for you).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import schemathesis

from contracts.strategies import IMAGE_FORMAT, image_uris, readable_image_uri
from mock_server.spec import input_schema, submit_operations

DEFAULT_DURATION = 5
DURATION_RANGE = (3, 15)
SHOT_RANGE = (1, 15)
MAX_SHOTS = 6
# A small real picture that stands in for a drawn data URI holding none (a 16x9 PNG).
STAND_IN_IMAGE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAJCAIAAAC0SDtlAAAAF0lEQVR42mM8UaHBQApgYiARjGqgiQYAe1AB"
    "elxAdqkAAAAASUVORK5CYII="
)

schemathesis.openapi.format(IMAGE_FORMAT, image_uris())


@lru_cache(maxsize=1)
def _schemas_by_path() -> dict[str, dict[str, Any]]:
    """Each submit path's resolved input schema (the hook sees paths, the contract keys by model id)."""
    return {op.path: input_schema(model_id) for model_id, op in submit_operations().items()}


def _whole(value: Any, low: int, high: int) -> int | None:
    """`value` as a whole number in range (JSON Schema counts 5.0 as an integer), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return None
    return int(value) if low <= value <= high else None


def fit_multi_prompt(body: Any, default_duration: int = DEFAULT_DURATION) -> Any:
    """Spread `duration` over the shots (dropping shots beyond one a second) if everything else is valid."""
    if not isinstance(body, dict):
        return body
    shots = body.get("multi_prompt")
    if not isinstance(shots, list) or not 1 <= len(shots) <= MAX_SHOTS or not all(isinstance(s, dict) for s in shots):
        return body
    duration = _whole(body.get("duration", default_duration), *DURATION_RANGE)
    if duration is None or any(_whole(s.get("duration"), *SHOT_RANGE) is None for s in shots):
        return body
    kept = shots[:duration]
    base, extra = divmod(duration, len(kept))
    fitted = [{**shot, "duration": base + (1 if i < extra else 0)} for i, shot in enumerate(kept)]
    return {**body, "multi_prompt": fitted}


def fix_images(schema: Mapping[str, Any], value: Any) -> Any:
    """`value` with every `image_uri` data URI that holds no picture replaced by one that does; anything
    else (a URL, a value of the wrong type, an unknown field) is left as it is."""
    if schema.get("format") == IMAGE_FORMAT:
        if isinstance(value, str) and value.startswith("data:") and not readable_image_uri(value):
            return STAND_IN_IMAGE
        return value
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: fix_images(props[k], v) if k in props else v for k, v in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [fix_images(schema["items"], item) for item in value]
    return value


def fit_body(path: str, body: Any) -> Any:
    """Both rules, for the submit at `path` (other operations' bodies are left alone)."""
    schema = _schemas_by_path().get(path)
    if schema is None or not isinstance(body, dict):
        return body
    default = schema.get("properties", {}).get("duration", {}).get("default", DEFAULT_DURATION)
    return fit_multi_prompt(fix_images(schema, body), int(default))


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: Any) -> Any:
    """Applied to every generated case, whichever phase made it (examples, coverage, fuzzing, stateful)."""
    body = getattr(case, "body", None)
    if isinstance(body, dict):
        case.body = fit_body(case.operation.path, body)
    return case
