"""SNS: topic calls name the topic ARN; a subscription ARN is its topic's ARN plus ``:{id}``."""

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest

__all__ = ["iam_requests"]

_ACTIONS = {"PublishBatch": "Publish"}
_ARN_PARAMETERS = ("TopicArn", "TargetArn", "ResourceArn")


def iam_requests(call: ApiCall) -> list[IamRequest]:
    action = call.action(_ACTIONS.get(call.operation, ""))
    params = call.params
    arn = next((params[name] for name in _ARN_PARAMETERS if name in params), None)
    if arn is not None:
        return [IamRequest(action, arn)]
    if "SubscriptionArn" in params:
        return [IamRequest(action, params["SubscriptionArn"].rpartition(":")[0])]
    if call.operation == "CreateTopic":
        return [IamRequest(action, call.arn("sns", params["Name"]))]
    return [IamRequest.on_any_resource(action)]
