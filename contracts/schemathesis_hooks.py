"""schemathesis hooks that teach it the one rule of the contract JSON Schema cannot state.

`multi_prompt` durations must add up to `duration`. schemathesis generates bodies from the schema alone,
so a schema-valid body usually breaks that rule and a conforming server rightly answers 422; its
`positive_data_acceptance` check would then blame the server. This hook makes every otherwise valid body
keep the rule, and leaves broken bodies alone, so negative tests stay negative.

Use: `SCHEMATHESIS_HOOKS=contracts.schemathesis_hooks st run ...` (the test suite does this for you).
"""

from __future__ import annotations

from typing import Any

import schemathesis

DEFAULT_DURATION = 5
DURATION_RANGE = (3, 15)
SHOT_RANGE = (1, 15)
MAX_SHOTS = 6


def _whole(value: Any, low: int, high: int) -> int | None:
    """`value` as a whole number in range (JSON Schema counts 5.0 as an integer), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return None
    return int(value) if low <= value <= high else None


def fit_multi_prompt(body: Any) -> Any:
    """Spread `duration` over the shots (dropping shots beyond one a second) if everything else is valid."""
    if not isinstance(body, dict):
        return body
    shots = body.get("multi_prompt")
    if not isinstance(shots, list) or not 1 <= len(shots) <= MAX_SHOTS or not all(isinstance(s, dict) for s in shots):
        return body
    duration = _whole(body.get("duration", DEFAULT_DURATION), *DURATION_RANGE)
    if duration is None or any(_whole(s.get("duration"), *SHOT_RANGE) is None for s in shots):
        return body
    kept = shots[:duration]
    base, extra = divmod(duration, len(kept))
    fitted = [{**shot, "duration": base + (1 if i < extra else 0)} for i, shot in enumerate(kept)]
    return {**body, "multi_prompt": fitted}


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: Any) -> Any:
    """Applied to every generated case, whichever phase made it (examples, coverage, fuzzing, stateful)."""
    body = getattr(case, "body", None)
    if isinstance(body, dict):
        case.body = fit_multi_prompt(body)
    return case
