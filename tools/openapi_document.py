"""The REST API's OpenAPI document, generated from the routes and schemas.

    PYTHONPATH=lambdas python -m tools.openapi_document [path]      # default path: docs/openapi.json

Powertools generates paths, parameters and schemas from the code. This module adds what only the API
knows: the Cognito security scheme, the errors each operation can answer (in place of Powertools'
generic 422, since this API answers bad input with 400), and no body on 204. The output is
deterministic (sorted keys, trailing newline) so a test can compare it byte for byte with the file.
"""

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

from api.app import build_app
from api.schemas import ErrorOut

__all__ = ["API_TITLE", "API_VERSION", "DEFAULT_OUTPUT", "generate", "main", "render"]

API_TITLE = "Corkboard API"
API_VERSION = "1.0.0"
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"

_SCHEME = "cognito"
_ERROR_SCHEMA = "Error"
_POWERTOOLS_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
_BODY_METHODS = frozenset({"post", "put", "patch"})
_ERROR_DESCRIPTIONS = {
    400: "Bad input: the body, a parameter or the cursor is invalid.",
    401: "No valid Cognito ID token.",
    403: "You can see the board, but your role does not allow this.",
    404: "No such board or item, or you are not a member of its board (same answer on purpose).",
    409: "Conflict with the current state: reload and retry.",
    413: "The body is larger than 64 KiB, or an attachment's declared size is over the limit.",
    415: "The body is not sent as application/json, or an attachment's type is not allowed.",
    422: "The Idempotency-Key was already used with a different request.",
    429: "Throttled by the stage or the route (API Gateway); retry with backoff.",
    500: "Unexpected error; the message names the request id to report.",
    503: "The database is busy; retry after Retry-After seconds.",
}


def generate() -> dict[str, Any]:
    """The document as a dict."""
    document = json.loads(
        build_app().get_openapi_json_schema(
            title=API_TITLE,
            version=API_VERSION,
            description=(
                "Corkboard's task boards. Errors are JSON {error, message}; see docs/api.md for the "
                "role matrix, the error codes, pagination and idempotency."
            ),
            security_schemes={
                _SCHEME: APIKey(
                    name="Authorization",
                    in_=APIKeyIn.header,
                    description="A Cognito user pool ID token, verified by API Gateway's authorizer.",
                    openapi_extensions={"x-amazon-apigateway-authtype": "cognito_user_pools"},
                )
            },
            security=[{_SCHEME: []}],
        )
    )
    schemas = document["components"]["schemas"]
    for name in _POWERTOOLS_ERROR_SCHEMAS:
        schemas.pop(name, None)
    schemas[_ERROR_SCHEMA] = ErrorOut.model_json_schema()
    for path, method, operation in _operations(document):
        _document_responses(path, method, operation)
    return document


def render() -> str:
    """The document as the exact text written to ``docs/openapi.json``."""
    return json.dumps(generate(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> None:
    """Write the document to ``argv[0]``, or to ``docs/openapi.json``."""
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    output.write_text(render(), encoding="utf-8")


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _document_responses(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for status in [status for status in responses if int(status) >= 400]:
        del responses[status]
    for status in responses:
        if status == "204":
            responses[status].pop("content", None)
    for status in sorted(_error_statuses(path, method, operation)):
        responses[str(status)] = _error_response(status)


def _error_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    # Every route sits behind the stage's throttle, whose answer uses the same error body (THROTTLED).
    if operation.get("security") == [{}]:
        return {429, 500}
    statuses = {401, 429, 500, 503}
    parameters = {parameter["name"] for parameter in operation.get("parameters", [])}
    if parameters or method in _BODY_METHODS:
        statuses.add(400)
    if method in _BODY_METHODS:
        statuses |= {413, 415}
    if "boardId" in path:
        statuses |= {403, 404}
    if method == "patch" or "/members/" in path:
        statuses.add(409)
    if "idempotency-key" in parameters:
        statuses |= {409, 422}
    return statuses


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{_ERROR_SCHEMA}"}}},
    }
    if status == 503:
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
        }
    return response


if __name__ == "__main__":
    main(sys.argv[1:])
