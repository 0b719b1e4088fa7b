"""SQS: a queue is named by its URL (``.../{account}/{name}``) or its name; batches need the single action."""

from urllib.parse import urlsplit

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest

__all__ = ["iam_requests"]

_BATCH_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


def iam_requests(call: ApiCall) -> list[IamRequest]:
    action = call.action(_BATCH_ACTIONS.get(call.operation, ""))
    params = call.params
    if "QueueUrl" in params:
        *_, account_id, name = urlsplit(params["QueueUrl"]).path.split("/")
        return [IamRequest(action, call.arn("sqs", name, account_id=account_id))]
    if "QueueName" in params:
        account_id = params.get("QueueOwnerAWSAccountId", "")
        return [IamRequest(action, call.arn("sqs", params["QueueName"], account_id=account_id))]
    return [IamRequest.on_any_resource(action)]
