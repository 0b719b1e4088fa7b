"""The IAM statements a function's role gets, read from a synthesized template by the function's handler."""

from typing import Any

from aws_cdk.assertions import Template

__all__ = ["function_properties", "role_statements"]


def function_properties(template: Template, handler: str) -> dict[str, Any]:
    """The properties of the one function in ``template`` that runs ``handler``."""
    functions = template.find_resources("AWS::Lambda::Function", {"Properties": {"Handler": handler}})
    (function,) = functions.values()
    return function["Properties"]


def role_statements(template: Template, handler: str) -> list[dict[str, Any]]:
    """Every statement of every policy attached to the role of the function that runs ``handler``."""
    role_id = function_properties(template, handler)["Role"]["Fn::GetAtt"][0]
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role_id}]}})
    return [
        statement
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
