"""ApiStack: the REST API and the function behind it; stateless, so it can be replaced without data loss."""

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from constructs import Construct

from lambdas.corkboard import table_design as design
from serverless_blocks import CognitoRestApi, CognitoRestApiProps, PythonFunction, skip_check
from stacks.attachment_access import allow_attachment_listing, allow_attachment_objects
from stacks.config import EnvironmentConfig
from stacks.data_stack import DataStack
from stacks.functions import corkboard_function
from stacks.rest_firewall import rest_web_acl
from stacks.rest_routes import REST_ROUTES

__all__ = ["ApiStack"]

# What the code calls: Powertools' get_secret (corkboard/settings.py) reads the value and nothing else, so
# not Secret.grant_read's DescribeSecret too (nor its key-policy statement: _rest_function says why).
_CURSOR_SECRET_ACTIONS = ("secretsmanager:GetSecretValue",)
# The narrowest set of item actions the repository uses; no Scan, no table-level administration.
_MAIN_TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
)
# Removing a member or deleting a board ends WebSocket subscriptions: a consistent Query of the board's
# subscribers, then deletes and Farewell puts, in the membership's transaction or in batches.
_CONNECTIONS_TABLE_ACTIONS = (
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)
# What Powertools' DynamoDBPersistenceLayer calls.
_IDEMPOTENCY_TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)
# A presigned request acts with the permissions of the role that signed it: PutObject for the upload form,
# which names an incoming key, GetObject for download URLs, which name served keys. The deletes are the
# cleanup of a deleted task or board, every version under both prefixes.
_CLEANUP_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion")
_INCOMING_OBJECT_ACTIONS = ("s3:PutObject", *_CLEANUP_ACTIONS)
_SERVED_OBJECT_ACTIONS = ("s3:GetObject", *_CLEANUP_ACTIONS)
# The cleanup lists the objects, and their versions, under the deleted task's or board's prefixes.
_ATTACHMENT_LISTING_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions")


class ApiStack(Stack):
    """REST API with a Cognito authorizer in front of one Powertools-routed function."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        data: DataStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.rest_function = self._rest_function(config, data)
        self.rest_api = CognitoRestApi(
            self,
            "RestApi",
            props=CognitoRestApiProps(
                user_pool=data.user_directory.user_pool,
                api_name=f"corkboard-{config.name}",
                throttling_rate_limit=config.throttling_rate_limit,
                throttling_burst_limit=config.throttling_burst_limit,
                cors_allow_origins=config.cors_allow_origins,
                cors_allow_headers=(*apigw.Cors.DEFAULT_HEADERS, "Idempotency-Key"),
                access_log_retention=config.log_retention,
                encryption_key=data.encryption_key,
                cache_cluster_size=config.cache_cluster_size,
                cache_ttl=Duration.seconds(config.cache_ttl_seconds),
                web_acl_arn=self._web_acl_arn(config),
            ),
        )
        for route in REST_ROUTES:
            self.rest_api.add_route(
                route.method,
                route.path,
                self.rest_function.invocable,
                public=route.public,
                query_parameters=route.query_parameters,
                throttling=config.method_throttling.get(route.key),
                cacheable=route.cacheable,
            )
        if config.cache_cluster_size is None:
            skip_check(
                self.rest_api.stage,
                "CKV_AWS_120",
                f"cdk.json gives {config.name} no cache cluster: its traffic is a few developers and tests, "
                "whose every response must show their latest write, and a cache cluster is billed by the "
                "hour; environments with cacheClusterSize cache the GET routes marked cacheable.",
            )
        self._outputs(data)

    def _web_acl_arn(self, config: EnvironmentConfig) -> str | None:
        if not config.web_acl:
            return None
        return rest_web_acl(self, config).arn

    def _rest_function(self, config: EnvironmentConfig, data: DataStack) -> PythonFunction:
        rest = corkboard_function(
            self,
            "RestHandler",
            config=config,
            encryption_key=data.encryption_key,
            handler="api.app.handler",
            service="corkboard-api",
            description="Corkboard REST API: boards, members, tasks, attachments.",
            environment={
                design.ENV_TABLE_NAME: data.main_table.table_name,
                design.ENV_IDEMPOTENCY_TABLE_NAME: data.idempotency_table.table_name,
                design.ENV_CONNECTIONS_TABLE_NAME: data.connections_table.table_name,
                design.ENV_CURSOR_SECRET_ARN: data.cursor_secret.secret_arn,
                design.ENV_ADMIN_GROUP: design.ADMIN_GROUP,
                design.ENV_ATTACHMENTS_BUCKET_NAME: data.attachments.bucket.bucket_name,
                design.ENV_ATTACHMENT_MAX_BYTES: str(config.attachment_max_bytes),
                # API Gateway adds CORS headers to preflights and its own errors only; the function's
                # responses carry them only if it sets them itself.
                design.ENV_CORS_ALLOW_ORIGINS: ",".join(config.cors_allow_origins),
                "POWERTOOLS_METRICS_NAMESPACE": "Corkboard",
            },
        )
        rest.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(_MAIN_TABLE_ACTIONS),
                resources=[
                    data.main_table.table_arn,
                    f"{data.main_table.table_arn}/index/{design.GSI1_NAME}",
                    f"{data.main_table.table_arn}/index/{design.GSI2_NAME}",
                ],
            )
        )
        rest.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(_IDEMPOTENCY_TABLE_ACTIONS), resources=[data.idempotency_table.table_arn]
            )
        )
        rest.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(_CONNECTIONS_TABLE_ACTIONS), resources=[data.connections_table.table_arn]
            )
        )
        # Not cursor_secret.grant_read: with a customer-managed key it would write this role into the key's
        # policy in the DataStack, a reference back from Data to Api that CloudFormation cannot order. The
        # key use comes from corkboard_function's kms:ViaService grant instead.
        rest.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(_CURSOR_SECRET_ACTIONS), resources=[data.cursor_secret.secret_arn]
            )
        )
        bucket = data.attachments.bucket
        allow_attachment_objects(rest.role, bucket, design.INCOMING_KEY_PREFIX, _INCOMING_OBJECT_ACTIONS)
        allow_attachment_objects(rest.role, bucket, design.ATTACHMENTS_KEY_PREFIX, _SERVED_OBJECT_ACTIONS)
        allow_attachment_listing(rest.role, bucket, _ATTACHMENT_LISTING_ACTIONS)
        return rest

    def _outputs(self, data: DataStack) -> None:
        CfnOutput(self, "RestApiUrl", value=self.rest_api.api.url, description="Base URL of the REST API")
        CfnOutput(self, "UserPoolId", value=data.user_directory.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=data.user_directory.user_pool_client.user_pool_client_id)
        CfnOutput(self, "Region", value=self.region)
        CfnOutput(
            self,
            "SmokeTestGroup",
            value=design.SMOKE_TEST_GROUP,
            description="Cognito group of `make smoke`'s temporary users",
        )
