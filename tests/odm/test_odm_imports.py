"""The data layer's error types import without the data layer: no pydantic, no tables, no boto3.

An API's error handler maps these errors on every function's import path; when they came with the whole
layer, that cost every handler about 100 ms of its cold start. Each case imports in a fresh interpreter,
as a Lambda cold start does, and lists what got loaded.
"""

import json
import subprocess
import sys

import pytest

import dynamo_odm
from tests.work_tree import ROOT

_LIST_MODULES = "import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"


def _modules_after(statement: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", _LIST_MODULES.format(statement=statement)],
        env={"PYTHONPATH": str(ROOT / "lambdas")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(result.stdout))


@pytest.mark.parametrize(
    "statement",
    [
        "import dynamo_odm.errors",
        "from dynamo_odm.errors import ModelError, ThrottledError",
        "from dynamo_odm import ItemNotFoundError, ModelError",
    ],
)
def test_the_error_types_import_without_the_rest_of_the_layer(statement: str) -> None:
    loaded = _modules_after(statement)

    assert {name for name in loaded if name.startswith("dynamo_odm")} == {"dynamo_odm", "dynamo_odm.errors"}
    assert not {name for name in loaded if name.split(".")[0] in {"pydantic", "pydantic_core", "boto3"}}


def test_every_exported_name_resolves() -> None:
    namespace: dict[str, object] = {}
    exec("from dynamo_odm import *", namespace)  # noqa: S102
    assert set(dynamo_odm.__all__) <= set(namespace)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Tabel'"):
        _ = dynamo_odm.Tabel  # type: ignore[attr-defined]
