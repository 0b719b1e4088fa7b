"""``bench/cold_import.py`` measures every function of the app, and imports each as Lambda's runtime does.

A function added to a stack without being added to the bench would never have its cold start measured. An
import at a script's top level is one Lambda never makes, and on CPython 3.13.0 it cost the REST handler
40 ms that no Lambda import pays (docs/architecture.md, cold starts).
"""

from pathlib import Path

from bench.cold_import import HANDLERS, import_body, sample
from tests.infra.conftest import SynthesizedApp

STACKS = ("data", "api", "realtime", "monitoring")
# CDK's handler of the bucket-notification custom resource: only CloudFormation calls it, at deploy time.
DEPLOY_TIME_HANDLER = "BucketNotificationsHandler"


def _handlers(app: SynthesizedApp) -> set[str]:
    return {
        resource["Properties"]["Handler"]
        for stack in STACKS
        for logical_id, resource in app.template(stack)["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function" and not logical_id.startswith(DEPLOY_TIME_HANDLER)
    }


def test_the_bench_imports_the_handler_of_every_function_of_the_app(
    dev_app: SynthesizedApp, prod_app: SynthesizedApp
) -> None:
    assert set(HANDLERS.values()) == _handlers(dev_app) | _handlers(prod_app)


def test_a_sample_imports_from_inside_a_function_at_the_call_depth_it_is_given(tmp_path: Path) -> None:
    depths_seen = tmp_path / "depths"
    body = f"import traceback; open({str(depths_seen)!r}, 'a').write(f'{{len(traceback.extract_stack())}} ')"

    for depth in range(3):
        sample(body, tmp_path, depth=depth)

    # The script's frame, the timing function's, and one more call per depth: never the script's top level.
    assert [int(size) for size in depths_seen.read_text().split()] == [2, 3, 4]


def test_a_handler_is_imported_as_lambdas_runtime_client_imports_it() -> None:
    assert import_body("api.app.handler") == (
        "import importlib; getattr(importlib.import_module('api.app'), 'handler')"
    )
