"""Event sources that target a function's alias or version run the function itself, as a release would."""

from pathlib import Path

import pytest
from event_source_doubles import STACK, build_deployment, function_arn, function_resource

from cdk_local_cloud.contracts.deployment import Resource
from cdk_local_cloud.events.function_refs import resolve_function

NAME = "Events-Handler"


def qualified(resource_type: str, physical_id: str, **properties: str) -> Resource:
    return Resource(STACK, resource_type.rsplit("::", 1)[1], resource_type, properties, physical_id)


@pytest.mark.parametrize(
    ("resource_type", "qualifier"), [("AWS::Lambda::Alias", "live"), ("AWS::Lambda::Version", "1")]
)
def test_an_alias_or_version_arn_resolves_to_its_deployed_function(
    tmp_path: Path, resource_type: str, qualifier: str
) -> None:
    function = function_resource(NAME)
    arn = f"{function_arn(NAME)}:{qualifier}"
    deployment = build_deployment(
        "http://127.0.0.1:1", tmp_path, function, qualified(resource_type, arn, FunctionName=NAME)
    )

    ref = resolve_function(deployment, arn)

    assert ref.resource is function
    assert (ref.name, ref.arn) == (NAME, function_arn(NAME))


def test_a_name_with_a_qualifier_resolves_to_the_function(tmp_path: Path) -> None:
    function = function_resource(NAME)
    deployment = build_deployment("http://127.0.0.1:1", tmp_path, function)

    ref = resolve_function(deployment, f"{NAME}:live")

    assert ref.resource is function
    assert ref.name == NAME


def test_an_unknown_qualified_arn_still_names_the_function(tmp_path: Path) -> None:
    deployment = build_deployment("http://127.0.0.1:1", tmp_path)

    ref = resolve_function(deployment, f"{function_arn(NAME)}:live")

    assert ref.resource is None
    assert ref.name == NAME
