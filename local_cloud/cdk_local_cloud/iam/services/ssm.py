"""SSM Parameter Store: ``parameter/{name}`` ARNs (the name's leading ``/`` dropped, a ``:version`` too)."""

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest

__all__ = ["iam_requests"]


def iam_requests(call: ApiCall) -> list[IamRequest]:
    params = call.params
    names = params.get("Names") or [params[key] for key in ("Name", "Path") if key in params]
    if not names:
        return call.on_any_resource()
    return [IamRequest(call.action(), _parameter_arn(call, name)) for name in names]


def _parameter_arn(call: ApiCall, name: str) -> str:
    if name.startswith("arn:"):
        return name
    parameter = name.partition(":")[0].lstrip("/")
    return call.arn("ssm", f"parameter/{parameter}")
