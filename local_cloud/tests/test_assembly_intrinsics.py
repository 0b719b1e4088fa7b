"""The intrinsic-function resolver on hand-written template snippets, and the errors it gives."""

from typing import Any

import pytest

from cdk_local_cloud.assembly import BadTemplateError, UnresolvableReferenceError
from cdk_local_cloud.assembly.intrinsics import Resolver, referenced_names
from cdk_local_cloud.assembly.pseudo_parameters import PseudoParameters
from cdk_local_cloud.assembly.template_parameters import UNRESOLVED_SSM_PARAMETER_PREFIX
from cdk_local_cloud.contracts.deployment import Resource

STACK = "Shop"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
STREAM_ARN = f"{TABLE_ARN}/stream/2024-01-01T00:00:00.000"

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Stage": {"Type": "String", "Default": "dev"},
        "Origins": {"Type": "CommaDelimitedList", "Default": "a.example, b.example"},
        "Known": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/shop/known"},
        "Public": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/aws/service/some/layer"},
        "NoDefault": {"Type": "String"},
        "AttributeName": {"Type": "String", "Default": "StreamArn"},
    },
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
        "DevInEurope": {
            "Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": [{"Ref": "AWS::Region"}, REGION]}]
        },
        "ProdOrEurope": {
            "Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": [{"Ref": "AWS::Region"}, REGION]}]
        },
        "KnownStage": {"Fn::Contains": [["dev", "prod"], {"Ref": "Stage"}]},
    },
    "Mappings": {"Sizes": {"dev": {"Memory": 128}}},
    "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table"},
        "Alarm": {"Type": "AWS::CloudWatch::Alarm"},
        "ProdOnly": {"Type": "AWS::SQS::Queue", "Condition": "IsProd"},
    },
}
RESOURCES = {
    "Table": Resource(
        STACK, "Table", "AWS::DynamoDB::Table", {}, "orders", {"Arn": TABLE_ARN, "StreamArn": STREAM_ARN}
    ),
    "Alarm": Resource(STACK, "Alarm", "AWS::CloudWatch::Alarm", {}, "Shop-Alarm-X", {"Arn": "arn:alarm"}),
}


def _ssm(name: str) -> str | None:
    return {"/shop/known": "from-ssm"}.get(name)


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(
        TEMPLATE,
        PseudoParameters(stack_name=STACK, region=REGION, account_id=ACCOUNT),
        resources=RESOURCES,
        opaque_resources={"Alarm"},
        stack_outputs={"Data": {"BucketName": "uploads"}},
        exports={"Data:QueueUrl": "http://queue"},
        ssm_lookup=_ssm,
    )


def _resolve(resolver: Resolver, value: Any) -> Any:
    return resolver.resolve(value, where="resource Subject")


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ({"Ref": "Table"}, "orders"),
        ({"Ref": "AWS::Region"}, REGION),
        ({"Ref": "AWS::AccountId"}, ACCOUNT),
        ({"Ref": "AWS::Partition"}, "aws"),
        ({"Ref": "AWS::URLSuffix"}, "amazonaws.com"),
        ({"Ref": "AWS::StackName"}, STACK),
        ({"Ref": "AWS::NotificationARNs"}, []),
        ({"Ref": "Stage"}, "dev"),
        ({"Ref": "Origins"}, ["a.example", "b.example"]),
        ({"Ref": "Known"}, "from-ssm"),
        ({"Ref": "Public"}, f"{UNRESOLVED_SSM_PARAMETER_PREFIX}/aws/service/some/layer"),
        ({"Fn::GetAtt": ["Table", "Arn"]}, TABLE_ARN),
        ({"Fn::GetAtt": "Table.StreamArn"}, STREAM_ARN),
        ({"Fn::GetAtt": ["Table", {"Ref": "AttributeName"}]}, STREAM_ARN),
        ({"Fn::GetAtt": ["Alarm", "Arn"]}, "arn:alarm"),
        ({"Fn::GetAtt": ["Alarm", "StateReason"]}, "Shop-Alarm-X.StateReason"),
        (
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "Table"}, "/*"]]},
            "arn:aws:s3:::orders/*",
        ),
        ({"Fn::Join": [",", {"Fn::Split": ["|", "a|b"]}]}, "a,b"),
        ({"Fn::Join": ["-", [True, 3]]}, "true-3"),
        ({"Fn::Sub": "${AWS::StackName}-${Table}-${Table.Arn}"}, f"{STACK}-orders-{TABLE_ARN}"),
        ({"Fn::Sub": "${!Literal} ${ Stage }"}, "${Literal} dev"),
        ({"Fn::Sub": ["${Name}.${AWS::URLSuffix}", {"Name": {"Ref": "Table"}}]}, "orders.amazonaws.com"),
        ({"Fn::Select": ["1", ["a", "b", "c"]]}, "b"),
        ({"Fn::Select": [0, {"Fn::GetAZs": ""}]}, f"{REGION}a"),
        ({"Fn::Split": [",", "x,y,,z"]}, ["x", "y", "", "z"]),
        ({"Fn::If": ["IsProd", "big", "small"]}, "small"),
        ({"Fn::If": ["DevInEurope", {"Ref": "Table"}, "none"]}, "orders"),
        ({"Fn::ImportValue": "Data:QueueUrl"}, "http://queue"),
        ({"Fn::ImportValue": {"Fn::Sub": ["Data:${Name}", {"Name": "QueueUrl"}]}}, "http://queue"),
        (
            {
                "Fn::GetStackOutput": {
                    "StackName": "Data",
                    "OutputName": "BucketName",
                    "Region": {"Ref": "AWS::Region"},
                }
            },
            "uploads",
        ),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}, 128),
        ({"Fn::Base64": "hi"}, "aGk="),
        (
            {"Nested": [{"Ref": "Stage"}, {"Deeper": {"Ref": "Table"}}]},
            {"Nested": ["dev", {"Deeper": "orders"}]},
        ),
        # An IAM statement's Condition block is data, not a condition reference.
        (
            {"Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ),
    ],
)
def test_resolves_each_intrinsic(resolver: Resolver, snippet: Any, expected: Any) -> None:
    assert _resolve(resolver, snippet) == expected


def test_stack_id_is_a_cloudformation_stack_arn_that_stays_the_same(resolver: Resolver) -> None:
    stack_id = _resolve(resolver, {"Ref": "AWS::StackId"})

    assert stack_id.startswith(f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/")
    assert _resolve(resolver, {"Ref": "AWS::StackId"}) == stack_id


def test_no_value_removes_the_property_or_the_list_item(resolver: Resolver) -> None:
    snippet = {
        "Kept": "yes",
        "Dropped": {"Fn::If": ["IsProd", "prod-only", {"Ref": "AWS::NoValue"}]},
        "Items": ["a", {"Ref": "AWS::NoValue"}, "b"],
    }

    assert _resolve(resolver, snippet) == {"Kept": "yes", "Items": ["a", "b"]}


@pytest.mark.parametrize(
    ("condition", "holds"),
    [("IsProd", False), ("IsDev", True), ("DevInEurope", True), ("ProdOrEurope", True), ("KnownStage", True)],
)
def test_conditions_combine_equals_and_or_not_contains(
    resolver: Resolver, condition: str, holds: bool
) -> None:
    assert resolver.condition(condition, where="test") is holds


def test_an_entry_with_a_false_condition_is_disabled(resolver: Resolver) -> None:
    assert (
        resolver.is_enabled({"Type": "AWS::SQS::Queue", "Condition": "IsProd"}, where="resource ProdOnly")
        is False
    )
    assert resolver.is_enabled({"Type": "AWS::SQS::Queue"}, where="resource Always") is True


@pytest.mark.parametrize(
    ("snippet", "reason"),
    [
        ({"Ref": "Missing"}, "defines no resource or parameter Missing"),
        ({"Ref": "ProdOnly"}, "ProdOnly is not deployed"),
        ({"Ref": "NoDefault"}, "no Default"),
        ({"Ref": "AWS::Nonsense"}, "no such pseudo parameter"),
        (
            {"Fn::GetAtt": ["Table", "Bogus"]},
            "no attribute Bogus of AWS::DynamoDB::Table (it knows Arn, StreamArn)",
        ),
        ({"Fn::Sub": "${Missing.Arn}"}, "defines no resource or parameter Missing"),
        ({"Fn::ImportValue": "Nobody:Exports"}, "no stack deployed before this one exports that name"),
        ({"Fn::GetStackOutput": {"StackName": "Data", "OutputName": "Nope"}}, "has no output Nope"),
        ({"Fn::Select": [5, ["a"]]}, "no item 5"),
        ({"Fn::FindInMap": ["Sizes", "prod", "Memory"]}, "Mappings hold no such entry"),
        ({"Fn::If": ["Undefined", 1, 2]}, "defines no such condition"),
        ({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}, "does not implement Fn::Cidr"),
    ],
)
def test_an_unresolvable_reference_names_stack_resource_and_reference(
    resolver: Resolver, snippet: Any, reason: str
) -> None:
    with pytest.raises(UnresolvableReferenceError) as raised:
        _resolve(resolver, {"Property": snippet})

    message = str(raised.value)
    assert message.startswith(f"Stack {STACK}, resource Subject: cannot resolve ")
    assert reason in message


@pytest.mark.parametrize(
    "snippet",
    [
        {"Fn::Join": ["only-a-delimiter"]},
        {"Fn::Join": [",", "not-a-list"]},
        {"Fn::GetAtt": ["TooFew"]},
        {"Fn::If": ["IsProd", "missing-else"]},
        {"Fn::GetStackOutput": {"StackName": "Data"}},
        {"Fn::And": []},
        {"Ref": ["not", "a", "name"]},
    ],
)
def test_a_malformed_intrinsic_is_a_bad_template(resolver: Resolver, snippet: Any) -> None:
    with pytest.raises(
        BadTemplateError, match=rf"^Stack {STACK}, resource Subject: malformed .*fix the template"
    ):
        _resolve(resolver, snippet)


def test_referenced_names_are_what_ref_getatt_and_sub_point_at() -> None:
    properties = {
        "A": {"Ref": "Queue"},
        "B": [{"Fn::GetAtt": ["Table", "Arn"]}, {"Fn::GetAtt": "Bucket.Arn"}],
        "C": {"Fn::Sub": "${Role.Arn}/${Topic}/${!Literal}/${AWS::Region}"},
        "D": {"Fn::Sub": ["${Own}-${Function}", {"Own": {"Ref": "Key"}}]},
        "E": {"Fn::Join": ["", [{"Ref": "Nested"}]]},
    }

    assert referenced_names(properties) == {
        "Queue",
        "Table",
        "Bucket",
        "Role",
        "Topic",
        "AWS::Region",
        "Function",
        "Key",
        "Nested",
    }
