"""Cognito user pools: admin calls name the pool; the public ones (sign-in, sign-up) are unsigned."""

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest

__all__ = ["iam_requests"]


def iam_requests(call: ApiCall) -> list[IamRequest]:
    pool_id = call.params.get("UserPoolId")
    if pool_id is None:
        return call.on_any_resource()
    return [IamRequest(call.action(), call.arn("cognito-idp", f"userpool/{pool_id}"))]
