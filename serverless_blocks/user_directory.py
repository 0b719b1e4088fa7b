"""A Cognito user directory for a public (browser or mobile) client, with e-mail sign-in.

Example::

    users = UserDirectory(
        self,
        "Users",
        props=UserDirectoryProps(groups=("admins",), removal_policy=RemovalPolicy.DESTROY),
    )
    api = CognitoRestApi(self, "Api", props=CognitoRestApiProps(user_pool=users.user_pool))
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from serverless_blocks.compliance import acknowledge_rule, warn_weakened_default

__all__ = ["UserDirectory", "UserDirectoryProps"]

_STRONG_PASSWORD_LENGTH = 12


@dataclass(frozen=True, kw_only=True)
class UserDirectoryProps:
    """Sign-up, password, MFA, plan and lifecycle settings; each default is the safer choice."""

    user_pool_name: str | None = None
    self_sign_up_enabled: bool = False
    password_min_length: int = _STRONG_PASSWORD_LENGTH
    temp_password_validity: Duration = field(default_factory=lambda: Duration.days(3))
    mfa: cognito.Mfa = cognito.Mfa.OPTIONAL
    feature_plan: cognito.FeaturePlan = cognito.FeaturePlan.ESSENTIALS
    email: cognito.UserPoolEmail | None = None
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    deletion_protection: bool = True
    groups: Sequence[str] = ()
    # SRP keeps the password off the wire for end users; ADMIN_USER_PASSWORD_AUTH needs IAM credentials
    # and lets operators and local tooling fetch tokens for test users without a browser.
    auth_flows: cognito.AuthFlow = field(
        default_factory=lambda: cognito.AuthFlow(user_srp=True, admin_user_password=True)
    )
    id_token_validity: Duration = field(default_factory=lambda: Duration.hours(1))
    access_token_validity: Duration = field(default_factory=lambda: Duration.hours(1))
    refresh_token_validity: Duration = field(default_factory=lambda: Duration.days(30))
    o_auth: cognito.OAuthSettings | None = None


class UserDirectory(Construct):
    """User pool (e-mail sign-in, strong passwords, TOTP MFA), a secretless app client and groups."""

    def __init__(
        self, scope: Construct, construct_id: str, *, props: UserDirectoryProps | None = None
    ) -> None:
        super().__init__(scope, construct_id)
        props = props or UserDirectoryProps()
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=props.user_pool_name,
            self_sign_up_enabled=props.self_sign_up_enabled,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=props.password_min_length,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=props.temp_password_validity,
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=props.mfa,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            feature_plan=props.feature_plan,
            standard_threat_protection_mode=_threat_protection(props.feature_plan),
            email=props.email,
            deletion_protection=props.deletion_protection,
            removal_policy=props.removal_policy,
        )
        self.user_pool_client = self.user_pool.add_client(
            "Client",
            generate_secret=False,
            auth_flows=props.auth_flows,
            id_token_validity=props.id_token_validity,
            access_token_validity=props.access_token_validity,
            refresh_token_validity=props.refresh_token_validity,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            # CDK otherwise turns on the hosted-UI OAuth flows, implicit grant included, with a
            # placeholder callback URL; a client gets them only when the caller configures them.
            disable_o_auth=props.o_auth is None,
            o_auth=props.o_auth,
        )
        self.groups: Mapping[str, cognito.CfnUserPoolGroup] = {
            name: cognito.CfnUserPoolGroup(
                self, f"Group-{name}", user_pool_id=self.user_pool.user_pool_id, group_name=name
            )
            for name in props.groups
        }
        self._acknowledge_findings(props)
        self._warn_about_weakened_defaults(props)

    def _acknowledge_findings(self, props: UserDirectoryProps) -> None:
        if props.mfa != cognito.Mfa.REQUIRED:
            acknowledge_rule(
                self.user_pool,
                "AwsSolutions-COG2",
                "Every user can enrol a TOTP second factor, but it is optional by default because a "
                "required factor blocks the password-based token flow that automated tests and local "
                "tooling use; production deployments set mfa=Mfa.REQUIRED through the props.",
            )
        if props.feature_plan != cognito.FeaturePlan.PLUS:
            acknowledge_rule(
                self.user_pool,
                "AwsSolutions-COG8",
                "Threat protection needs the Plus feature plan, which is billed per monthly active "
                "user; the default Essentials plan keeps cost predictable, and a deployment that "
                "needs adaptive authentication sets feature_plan=FeaturePlan.PLUS, which also turns "
                "threat protection on in full-function mode.",
            )

    def _warn_about_weakened_defaults(self, props: UserDirectoryProps) -> None:
        if props.self_sign_up_enabled:
            warn_weakened_default(
                self, "self_sign_up_enabled", "anyone on the internet can create an account."
            )
        if props.password_min_length < _STRONG_PASSWORD_LENGTH:
            warn_weakened_default(
                self, "password_min_length", "shorter passwords are easier to guess or crack."
            )
        if props.mfa == cognito.Mfa.OFF:
            warn_weakened_default(self, "mfa", "users cannot protect their accounts with a second factor.")
        if not props.deletion_protection:
            warn_weakened_default(self, "deletion_protection", "a single API call can delete every user.")
        if props.removal_policy == RemovalPolicy.DESTROY:
            warn_weakened_default(
                self, "removal_policy", "removing the resource from the stack deletes every user account."
            )


def _threat_protection(feature_plan: cognito.FeaturePlan) -> cognito.StandardThreatProtectionMode | None:
    """Enforce threat protection whenever the plan pays for it; lower plans reject the setting."""
    if feature_plan == cognito.FeaturePlan.PLUS:
        return cognito.StandardThreatProtectionMode.FULL_FUNCTION
    return None
