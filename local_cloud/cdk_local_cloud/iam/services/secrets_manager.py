"""Secrets Manager: a secret given by ARN is exact; by name, its ARN ends in ``-`` + 6 unknown characters."""

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest

__all__ = ["iam_requests"]


def iam_requests(call: ApiCall) -> list[IamRequest]:
    params = call.params
    if "SecretId" in params:
        return [_secret_request(call, call.action(), params["SecretId"])]
    if call.operation == "CreateSecret":
        return [_secret_request(call, call.action(), params["Name"])]
    if call.operation == "BatchGetSecretValue" and "SecretIdList" in params:
        # AWS checks the batch action and then GetSecretValue on each secret.
        get_value = call.action("GetSecretValue")
        return [
            IamRequest.on_any_resource(call.action()),
            *(_secret_request(call, get_value, secret) for secret in params["SecretIdList"]),
        ]
    return call.on_any_resource()


def _secret_request(call: ApiCall, action: str, secret_id: str) -> IamRequest:
    if secret_id.startswith("arn:"):
        return IamRequest(action, secret_id)
    return IamRequest(
        action, call.arn("secretsmanager", f"secret:{secret_id}-??????"), resource_is_pattern=True
    )
