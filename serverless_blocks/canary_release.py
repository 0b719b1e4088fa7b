"""Releases a Lambda function's new code through CodeDeploy: traffic moves in steps, rolls back on alarms.

Every deployment publishes a version. Callers invoke the ``live`` alias, and CodeDeploy shifts that alias
from the old version to the new one as the deployment config says (all at once, canary, linear). If the
alias's error or throttle alarm fires during the shift, CodeDeploy moves all traffic back to the old version,
and the CloudFormation deployment fails.

Example::

    release = CanaryRelease(
        self,
        "Release",
        function=fn.function,
        props=CanaryReleaseProps(deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES),
    )
    api.add_route("GET", "/orders", release.alias)
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from serverless_blocks.compliance import acknowledge_rule

__all__ = ["DEFAULT_ALIAS_NAME", "CanaryRelease", "CanaryReleaseProps"]

DEFAULT_ALIAS_NAME = "live"


@dataclass(frozen=True, kw_only=True)
class CanaryReleaseProps:
    """How new code reaches traffic; by default all at once, still rolled back when its alarms fire."""

    alias_name: str = DEFAULT_ALIAS_NAME
    deployment_config: codedeploy.ILambdaDeploymentConfig = field(
        default_factory=lambda: codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE
    )
    # One application can hold the deployment groups of many functions; by default each gets its own.
    application: codedeploy.ILambdaApplication | None = None
    # Function errors or throttles per minute that count as a failed release. One is enough: a release
    # that adds any unhandled error is one to undo while it has 10% of the traffic, not after.
    error_threshold: int = 1
    throttle_threshold: int = 1
    extra_rollback_alarms: Sequence[cloudwatch.IAlarm] = ()


class CanaryRelease(Construct):
    """The ``live`` alias of ``function``'s current version, two rollback alarms, the deployment group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.Function,
        props: CanaryReleaseProps | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        props = props or CanaryReleaseProps()
        self.alias = lambda_.Alias(
            self, "Alias", alias_name=props.alias_name, version=function.current_version
        )
        self.errors_alarm = self._alarm(
            "ErrorsAlarm",
            self.alias.metric_errors(period=Duration.minutes(1)),
            props.error_threshold,
            "errors",
        )
        self.throttles_alarm = self._alarm(
            "ThrottlesAlarm",
            self.alias.metric_throttles(period=Duration.minutes(1)),
            props.throttle_threshold,
            "throttles",
        )
        self.deployment_group = codedeploy.LambdaDeploymentGroup(
            self,
            "DeploymentGroup",
            alias=self.alias,
            application=props.application,
            deployment_config=props.deployment_config,
            alarms=[self.errors_alarm, self.throttles_alarm, *props.extra_rollback_alarms],
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
        )
        acknowledge_rule(
            self.deployment_group,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]",
            "CodeDeploy's own service role policy for Lambda, maintained by AWS: it may only shift "
            "aliases and invoke hook functions named CodeDeployHook_*, and follows the service's needs.",
        )

    def _alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, threshold: int, what: str
    ) -> cloudwatch.Alarm:
        return cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{what} of the {self.alias.alias_name} alias: rolls back a running release",
        )
