"""A construct whose props all have defaults is created without props, and gets exactly those defaults.

The constructs are found, not listed: every ``X`` in ``serverless_blocks.__all__`` whose ``XProps`` has no
required field is one, so a construct added later is held to the same promise.
"""

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

import serverless_blocks
from serverless_blocks import ApiMonitoring, CanaryRelease, NothingToMonitorError


def _needs_no_props(props_class: type) -> bool:
    return all(
        field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
        for field in dataclasses.fields(props_class)
    )


def _constructs_with_default_props() -> list[type]:
    exported = {name: getattr(serverless_blocks, name) for name in serverless_blocks.__all__}
    return [
        construct
        for name, construct in exported.items()
        if inspect.isclass(construct)
        and dataclasses.is_dataclass(exported.get(f"{name}Props"))
        and _needs_no_props(exported[f"{name}Props"])
    ]


CONSTRUCTS = _constructs_with_default_props()
# ApiMonitoring with nothing to watch has nothing to alarm on; without props it must say so itself.
SYNTHESIZABLE = [construct for construct in CONSTRUCTS if construct is not ApiMonitoring]


def _function(stack: Stack) -> lambda_.Function:
    return lambda_.Function(
        stack,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )


# What a construct needs besides its props (CanaryRelease releases a function).
OTHER_ARGUMENTS: Mapping[type, Callable[[Stack], dict[str, Any]]] = {
    CanaryRelease: lambda stack: {"function": _function(stack)},
}


def _template(construct: type, *, props: Any | None) -> dict[str, Any]:
    stack = Stack(App(), "Block")
    arguments = OTHER_ARGUMENTS.get(construct, lambda _: {})(stack)
    if props is None:
        construct(stack, "Block", **arguments)
    else:
        construct(stack, "Block", props=props, **arguments)
    return Template.from_stack(stack).to_json()


def test_every_construct_whose_props_all_have_defaults_is_found() -> None:
    assert {construct.__name__ for construct in CONSTRUCTS} == {
        "ApiMonitoring",
        "CanaryRelease",
        "RegionalWebAcl",
        "SecureBucket",
        "UserDirectory",
    }


@pytest.mark.parametrize("construct", SYNTHESIZABLE, ids=lambda construct: construct.__name__)
def test_created_without_props_it_is_the_construct_with_default_props(construct: type) -> None:
    default_props = getattr(serverless_blocks, f"{construct.__name__}Props")()

    assert _template(construct, props=None) == _template(construct, props=default_props)


def test_api_monitoring_without_props_says_what_to_watch() -> None:
    with pytest.raises(NothingToMonitorError):
        ApiMonitoring(Stack(App(), "Block"), "Monitoring")
