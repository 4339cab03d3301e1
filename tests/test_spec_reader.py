"""`mock_server.spec`, the one reader of openapi.yaml: its public pointer and operation index, and the
server's model registry built on the submit operations it reads."""

from __future__ import annotations

import pytest

from mock_server.sim.contract import Contract
from mock_server.spec import (
    HTTP_METHODS,
    load_spec,
    operation_index,
    operations,
    pointer,
    submit_operations,
)


def test_pointer_follows_keys_escapes_and_list_indexes() -> None:
    doc = {"paths": {"/v1/a/{id}": {"get": {"tags": ["x", "y"]}}}, "m~n": 1}
    assert pointer(doc, "#/paths/~1v1~1a~1{id}/get/tags/1") == "y"
    assert pointer(doc, "#/m~0n") == 1
    with pytest.raises(ValueError, match="local"):
        pointer(doc, "other.yaml#/paths")
    with pytest.raises(KeyError):
        pointer(doc, "#/components")


def test_pointer_reaches_what_a_ref_of_the_contract_names() -> None:
    spec = load_spec()
    assert pointer(spec, "#/components/schemas/ErrorBody") is spec["components"]["schemas"]["ErrorBody"]


def test_operations_are_every_method_of_every_path_in_document_order() -> None:
    spec = load_spec()
    expected = [(p, m) for p, item in spec["paths"].items() for m in HTTP_METHODS if m in item]
    assert [(op.path, op.method) for op in operations(spec)] == expected


def test_the_operation_index_finds_each_operation_by_its_id() -> None:
    spec = load_spec()
    index = operation_index(spec)
    assert len(index) == len(operations(spec))
    for op_id, op in index.items():
        assert spec["paths"][op.path][op.method] is op.operation
        assert op.operation["operationId"] == op_id


def test_the_model_registry_holds_the_submit_operations_it_was_built_from() -> None:
    contract = Contract(load_spec())
    ops = submit_operations()
    assert list(contract.models) == list(ops)
    for model_id, info in contract.models.items():
        assert info.op == ops[model_id]
        assert (info.model_id, info.tier) == (ops[model_id].model_id, ops[model_id].tier)
        entry = info.catalog_entry()
        assert entry["price_usd_per_second"] == {"no_audio": info.op.price_no_audio, "audio": info.op.price_audio}


def test_a_job_keeps_only_the_inputs_the_contract_defines() -> None:
    info = Contract(load_spec()).models["kling/kling-3.0/standard/text-to-video"]
    assert info.known_inputs({"prompt": "a cat", "duration": 5, "surprise": True}) == {"prompt": "a cat", "duration": 5}
