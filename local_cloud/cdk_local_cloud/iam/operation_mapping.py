"""From a botocore call to the (IAM action, resource ARN) pairs that AWS would authorize it against.

It covers what serverless functions call (DynamoDB and its streams, S3, SQS, SNS, Secrets Manager, SSM,
KMS, Lambda, Cognito user pools, ``@connections``). Everything else is a best effort:
``{signing name}:{Operation}`` on any resource, so only the action is checked, and an operation whose IAM
action has another name is denied unless the role grants a wildcard that covers both.
"""

from collections.abc import Callable, Mapping

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest
from cdk_local_cloud.iam.services import (
    cognito_user_pools,
    dynamodb,
    execute_api,
    kms,
    lambda_functions,
    s3,
    secrets_manager,
    sns,
    sqs,
    ssm,
)

__all__ = ["iam_requests"]

_SERVICE_MAPPINGS: Mapping[str, Callable[[ApiCall], list[IamRequest]]] = {
    "dynamodb": dynamodb.iam_requests,
    "dynamodbstreams": dynamodb.stream_iam_requests,
    "s3": s3.iam_requests,
    "sqs": sqs.iam_requests,
    "sns": sns.iam_requests,
    "secretsmanager": secrets_manager.iam_requests,
    "ssm": ssm.iam_requests,
    "kms": kms.iam_requests,
    "lambda": lambda_functions.iam_requests,
    "cognito-idp": cognito_user_pools.iam_requests,
    "apigatewaymanagementapi": execute_api.iam_requests,
}
# AWS answers these for any signed caller, whatever its policies say.
_NO_PERMISSION_NEEDED = frozenset({("sts", "GetCallerIdentity")})


def iam_requests(call: ApiCall) -> list[IamRequest]:
    """Every (action, resource) that must be allowed for ``call``; empty when it needs no permission."""
    if (call.service, call.operation) in _NO_PERMISSION_NEEDED:
        return []
    mapping = _SERVICE_MAPPINGS.get(call.service)
    if mapping is None:
        return call.on_any_resource()
    return mapping(call)
