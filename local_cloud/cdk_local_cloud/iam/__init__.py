"""IAM in the local cloud: each function's AWS calls are checked against its template role's policies.

moto 5.2.5's own IAM access control matches DynamoDB grants only on ``Resource: "*"``, so it would deny
CDK's least-privilege grants on table ARNs. The check therefore runs in each function's worker process,
in botocore, before the request leaves it: ``role_statements`` collects the role's statements from the
deployment, ``install_policy_check`` makes every boto3 call evaluate them (``evaluate``) and fail with the
service's AccessDenied error as AWS would.
"""

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest
from cdk_local_cloud.iam.botocore_hook import install_policy_check, policy_check, uninstall_policy_check
from cdk_local_cloud.iam.operation_mapping import iam_requests
from cdk_local_cloud.iam.policy_evaluator import Decision, evaluate
from cdk_local_cloud.iam.role_statements import RoleNotFoundError, role_statements

__all__ = [
    "ApiCall",
    "Decision",
    "IamRequest",
    "RoleNotFoundError",
    "evaluate",
    "iam_requests",
    "install_policy_check",
    "policy_check",
    "role_statements",
    "uninstall_policy_check",
]
