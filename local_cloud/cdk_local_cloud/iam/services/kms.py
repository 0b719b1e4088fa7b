"""KMS: AWS authorizes against the key, so a call by alias, or by ciphertext alone, names "some key here"."""

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest

__all__ = ["iam_requests"]


def iam_requests(call: ApiCall) -> list[IamRequest]:
    key_id = call.params.get("KeyId", "")
    if key_id.startswith("arn:") and ":key/" in key_id:
        return [IamRequest(call.action(), key_id)]
    if key_id and not key_id.startswith(("alias/", "arn:")):
        return [IamRequest(call.action(), call.arn("kms", f"key/{key_id}"))]
    return [IamRequest(call.action(), call.arn("kms", "key/*"), resource_is_pattern=True)]
