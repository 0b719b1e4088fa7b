"""UserDirectory: every default in the template, every override honoured, nag- and lint-clean alone."""

import pytest
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Match

from serverless_blocks import UserDirectory, UserDirectoryProps
from serverless_blocks.testing import acknowledgments, assert_acknowledgments_justified, assert_nag_clean
from tests.infra.blocks.block_synthesis import SynthesizedBlock, synthesize, weakened_defaults
from tests.infra.cfn_lint_check import lint_template

USER_POOL = "AWS::Cognito::UserPool"
CLIENT = "AWS::Cognito::UserPoolClient"
GROUP = "AWS::Cognito::UserPoolGroup"
CALLBACK_URL = "https://app.example.com/callback"


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[UserDirectory]:
    def build(stack: Stack) -> UserDirectory:
        return UserDirectory(stack, "Users", props=UserDirectoryProps())

    return synthesize(build, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedBlock[UserDirectory]:
    def build(stack: Stack) -> UserDirectory:
        props = UserDirectoryProps(
            user_pool_name="people",
            self_sign_up_enabled=True,
            password_min_length=8,
            temp_password_validity=Duration.days(1),
            mfa=cognito.Mfa.REQUIRED,
            feature_plan=cognito.FeaturePlan.PLUS,
            removal_policy=RemovalPolicy.DESTROY,
            deletion_protection=False,
            groups=("admins", "editors"),
            auth_flows=cognito.AuthFlow(user_srp=True),
            id_token_validity=Duration.minutes(30),
            access_token_validity=Duration.minutes(15),
            refresh_token_validity=Duration.days(7),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                callback_urls=[CALLBACK_URL],
                scopes=[cognito.OAuthScope.OPENID],
            ),
        )
        return UserDirectory(stack, "Users", props=props)

    return synthesize(build, tmp_path_factory.mktemp("overridden"))


def test_default_pool_signs_in_by_email_and_is_invite_only(default: SynthesizedBlock[UserDirectory]) -> None:
    default.template.has_resource_properties(
        USER_POOL,
        {
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
            "UsernameAttributes": ["email"],
            "UsernameConfiguration": {"CaseSensitive": False},
            "AutoVerifiedAttributes": ["email"],
            "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
            "UserPoolName": Match.absent(),
        },
    )


def test_default_password_policy_is_strong(default: SynthesizedBlock[UserDirectory]) -> None:
    default.template.has_resource_properties(
        USER_POOL,
        {
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": 12,
                    "RequireLowercase": True,
                    "RequireUppercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                    "TemporaryPasswordValidityDays": 3,
                }
            }
        },
    )


def test_default_mfa_is_optional_totp_on_the_essentials_plan(
    default: SynthesizedBlock[UserDirectory],
) -> None:
    default.template.has_resource_properties(
        USER_POOL,
        {
            "MfaConfiguration": "OPTIONAL",
            "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
            "UserPoolTier": "ESSENTIALS",
            "UserPoolAddOns": Match.absent(),
        },
    )


def test_default_pool_is_protected_and_retained(default: SynthesizedBlock[UserDirectory]) -> None:
    default.template.has_resource(
        USER_POOL,
        {
            "Properties": Match.object_like({"DeletionProtection": "ACTIVE"}),
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_default_client_is_public_with_short_lived_tokens(default: SynthesizedBlock[UserDirectory]) -> None:
    default.template.has_resource_properties(
        CLIENT,
        {
            "GenerateSecret": False,
            "ExplicitAuthFlows": [
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
            "IdTokenValidity": 60,
            "AccessTokenValidity": 60,
            "RefreshTokenValidity": 30 * 24 * 60,
            "TokenValidityUnits": {"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "minutes"},
            "PreventUserExistenceErrors": "ENABLED",
            "EnableTokenRevocation": True,
            "AllowedOAuthFlowsUserPoolClient": False,
            "AllowedOAuthFlows": Match.absent(),
            "CallbackURLs": Match.absent(),
        },
    )


def test_default_creates_no_groups(default: SynthesizedBlock[UserDirectory]) -> None:
    default.template.resource_count_is(GROUP, 0)
    assert default.block.groups == {}


def test_default_exposes_pool_and_client(default: SynthesizedBlock[UserDirectory]) -> None:
    assert isinstance(default.block.user_pool, cognito.UserPool)
    assert isinstance(default.block.user_pool_client, cognito.UserPoolClient)


def test_default_is_nag_clean_with_justified_acknowledgments(
    default: SynthesizedBlock[UserDirectory],
) -> None:
    assert_nag_clean(default.nag_findings)
    assert_acknowledgments_justified(default.stack)
    assert {ack.rule_id for ack in acknowledgments(default.stack)} == {
        "AwsSolutions-COG2",
        "AwsSolutions-COG8",
    }


def test_default_template_is_cfn_lint_clean(default: SynthesizedBlock[UserDirectory]) -> None:
    assert lint_template(default.template.to_json()) == []


def test_default_warns_about_nothing(default: SynthesizedBlock[UserDirectory]) -> None:
    assert weakened_defaults(default.stack) == set()


def test_override_pool_settings(overridden: SynthesizedBlock[UserDirectory]) -> None:
    overridden.template.has_resource(
        USER_POOL,
        {
            "Properties": Match.object_like(
                {
                    "UserPoolName": "people",
                    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
                    "Policies": {
                        "PasswordPolicy": Match.object_like(
                            {"MinimumLength": 8, "TemporaryPasswordValidityDays": 1}
                        )
                    },
                    "MfaConfiguration": "ON",
                    "DeletionProtection": "INACTIVE",
                }
            ),
            "DeletionPolicy": "Delete",
        },
    )


def test_override_plus_plan_turns_threat_protection_on(overridden: SynthesizedBlock[UserDirectory]) -> None:
    overridden.template.has_resource_properties(
        USER_POOL,
        {"UserPoolTier": "PLUS", "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}},
    )


def test_override_client_flows_validity_and_oauth(overridden: SynthesizedBlock[UserDirectory]) -> None:
    overridden.template.has_resource_properties(
        CLIENT,
        {
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "IdTokenValidity": 30,
            "AccessTokenValidity": 15,
            "RefreshTokenValidity": 7 * 24 * 60,
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthFlows": ["code"],
            "CallbackURLs": [CALLBACK_URL],
        },
    )


def test_override_groups_are_created_by_name(overridden: SynthesizedBlock[UserDirectory]) -> None:
    overridden.template.resource_count_is(GROUP, 2)
    for name in ("admins", "editors"):
        overridden.template.has_resource_properties(GROUP, {"GroupName": name})
    assert set(overridden.block.groups) == {"admins", "editors"}


def test_override_drops_acknowledgments_that_no_longer_apply(
    overridden: SynthesizedBlock[UserDirectory],
) -> None:
    assert acknowledgments(overridden.stack) == []
    assert_nag_clean(overridden.nag_findings)


def test_override_warns_about_each_weakened_default(overridden: SynthesizedBlock[UserDirectory]) -> None:
    assert weakened_defaults(overridden.stack) == {
        "self_sign_up_enabled",
        "password_min_length",
        "deletion_protection",
        "removal_policy",
    }


def test_turning_mfa_off_warns() -> None:
    directory = UserDirectory(Stack(), "Users", props=UserDirectoryProps(mfa=cognito.Mfa.OFF))
    assert weakened_defaults(directory) == {"mfa"}
