"""The error a denied call gets: each service's own code, status and AWS's message, as botocore parses them.

botocore turns it into the ClientError (or the service's modeled exception) that code already handles.
"""

import uuid
from typing import Any

from botocore.awsrequest import AWSResponse

from cdk_local_cloud.iam.api_call import IamRequest

__all__ = ["access_denied_message", "access_denied_response"]

# JSON services answer AccessDeniedException; query and XML ones (S3, STS) AccessDenied.
_PROTOCOL_ERRORS = {"json": ("AccessDeniedException", 400), "rest-json": ("AccessDeniedException", 403)}
_XML_ERROR = ("AccessDenied", 403)
_SERVICE_ERRORS = {"sqs": ("AccessDenied", 403), "sns": ("AuthorizationError", 403)}


def access_denied_message(principal_arn: str, request: IamRequest, *, explicit_deny: bool) -> str:
    because = (
        "with an explicit deny in an identity-based policy"
        if explicit_deny
        else f"because no identity-based policy allows the {request.action} action"
    )
    return (
        f"User: {principal_arn} is not authorized to perform: {request.action} "
        f"on resource: {request.resource} {because}"
    )


def access_denied_response(
    service: str, protocol: str, url: str, message: str
) -> tuple[AWSResponse, dict[str, Any]]:
    """The (http response, parsed body) pair that a ``before-call`` handler returns to end the call."""
    code, status = _SERVICE_ERRORS.get(service) or _PROTOCOL_ERRORS.get(protocol, _XML_ERROR)
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-requestid": request_id}
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {
            "RequestId": request_id,
            "HTTPStatusCode": status,
            "HTTPHeaders": headers,
            "RetryAttempts": 0,
        },
    }
    return AWSResponse(url, status, headers, None), parsed
