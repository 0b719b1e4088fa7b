"""What the functions' traces may hold: every function of every stack keeps return values out of X-Ray.

Return values are boards, tasks, member lists and upload forms whose presigned URLs carry session tokens;
X-Ray keeps them for 30 days, readable by anyone who may read traces. tests/unit/api/test_api_telemetry.py
shows that this variable is what stops Powertools from recording them.
"""

import pytest

from tests.infra.conftest import SynthesizedApp

STACKS = ("data", "api", "realtime", "monitoring")


@pytest.mark.parametrize("environment", ["dev_app", "prod_app"])
def test_no_function_records_its_responses_in_xray(environment: str, request: pytest.FixtureRequest) -> None:
    app: SynthesizedApp = request.getfixturevalue(environment)
    functions = {
        f"{stack}/{logical_id}": resource["Properties"]
        for stack in STACKS
        for logical_id, resource in app.template(stack)["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    runs_python = {name: p for name, p in functions.items() if str(p.get("Runtime", "")).startswith("python")}
    traced = {
        name: p for name, p in runs_python.items() if p.get("TracingConfig", {}).get("Mode") == "Active"
    }

    capturing = [
        name
        for name, properties in traced.items()
        if properties.get("Environment", {}).get("Variables", {}).get("POWERTOOLS_TRACER_CAPTURE_RESPONSE")
        != "false"
    ]

    assert len(traced) >= 6, sorted(functions)
    assert capturing == []
