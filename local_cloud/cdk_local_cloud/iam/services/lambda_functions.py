"""Lambda: a function given by name, partial ARN or ARN, with its qualifier when the call names one."""

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest

__all__ = ["iam_requests"]

_ACTIONS = {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction"}


def iam_requests(call: ApiCall) -> list[IamRequest]:
    action = call.action(_ACTIONS.get(call.operation, ""))
    function = call.params.get("FunctionName")
    if function is None:
        return [IamRequest.on_any_resource(action)]
    arn = _function_arn(call, function)
    qualifier = call.params.get("Qualifier")
    return [IamRequest(action, f"{arn}:{qualifier}" if qualifier else arn)]


def _function_arn(call: ApiCall, function: str) -> str:
    if function.startswith("arn:"):
        return function
    if ":function:" in function:
        account_id, _, name = function.partition(":function:")
        return call.arn("lambda", f"function:{name}", account_id=account_id)
    return call.arn("lambda", f"function:{function}")
