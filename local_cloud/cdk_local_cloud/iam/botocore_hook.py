"""Makes every boto3/botocore call in this process carry one role's permissions, as in a Lambda sandbox.

Two handlers on botocore's event system do it. ``before-parameter-build`` keeps the caller's parameters in
the request context (the serialized request no longer names them plainly). ``before-call`` maps the call to
its IAM requests, evaluates them, and on a denial returns AWS's error response instead of sending the
request: botocore's ``_make_api_call`` uses the first (http response, parsed) a ``before-call`` handler
returns, then raises it as the service's ClientError. Presigned URLs and posts never emit ``before-call``,
so, as in AWS, signing them needs no permission (using them is between the holder and the service).

Reach: botocore copies the session's handlers into each client when it creates it. So the handlers go
into botocore's built-in list (every session created afterwards: ``boto3.session.Session()``, Powertools)
and onto ``boto3.DEFAULT_SESSION`` if it exists (``boto3.client``/``boto3.resource``). Clients that were
created before the install keep working unchecked: install before importing the function's code.
"""

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore import handlers as botocore_handlers
from botocore.awsrequest import AWSResponse
from botocore.hooks import BaseEventHooks
from botocore.model import OperationModel

from cdk_local_cloud.iam.access_denied import access_denied_message, access_denied_response
from cdk_local_cloud.iam.api_call import ApiCall
from cdk_local_cloud.iam.operation_mapping import iam_requests
from cdk_local_cloud.iam.policy_evaluator import evaluate

__all__ = ["install_policy_check", "policy_check", "uninstall_policy_check"]

_logger = logging.getLogger(__name__)

_PARAMS_KEY = "emulator_iam_api_params"
_UNSIGNED = "none"


@dataclass(frozen=True)
class _PolicyCheck:
    statements: tuple[Mapping[str, Any], ...]
    principal_arn: str
    account_id: str
    region: str

    def denial(
        self, model: OperationModel, api_params: Mapping[str, Any], url: str, region: str | None
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        """AWS's AccessDenied response for the first IAM request of the call that is not allowed, if any."""
        service_model = model.service_model
        call = ApiCall(
            service=service_model.service_name,
            operation=model.name,
            params=api_params,
            region=region or self.region,
            account_id=self.account_id,
            endpoint_url=url,
            signing_name=service_model.signing_name,
        )
        for request in iam_requests(call):
            decision = evaluate(
                self.statements,
                request.action,
                request.resource,
                resource_is_pattern=request.resource_is_pattern,
            )
            if decision.allowed:
                continue
            message = access_denied_message(self.principal_arn, request, explicit_deny=decision.explicit_deny)
            _logger.warning("local cloud IAM: %s", message)
            return access_denied_response(call.service, service_model.protocol, url, message)
        return None


@dataclass
class _Installed:
    """The check in force; handlers left on older sessions read it, so uninstalling reaches them too."""

    check: _PolicyCheck | None = None


_installed = _Installed()


def _remember_params(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
    if _installed.check is not None:
        context[_PARAMS_KEY] = params


def _check_call(
    model: OperationModel, params: Mapping[str, Any], context: Mapping[str, Any], **_: Any
) -> tuple[AWSResponse, dict[str, Any]] | None:
    check = _installed.check
    if check is None or model.resolved_auth_type == _UNSIGNED:
        return None
    return check.denial(model, context.get(_PARAMS_KEY, {}), params["url"], context.get("client_region"))


_HANDLERS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("before-parameter-build", _remember_params),
    ("before-call", _check_call),
)


def install_policy_check(
    statements: Iterable[Mapping[str, Any]], *, principal_arn: str, account_id: str, region: str
) -> None:
    """Checks every later boto3 call of this process against ``statements`` (see ``role_statements``).

    ``principal_arn`` appears in the AccessDenied message (in Lambda, the assumed-role ARN of the function);
    ``region`` stands in for a client created without one. Installing again replaces the statements.
    """
    _installed.check = _PolicyCheck(tuple(statements), principal_arn, account_id, region)
    events = _default_session_events()
    for event_name, handler in _HANDLERS:
        if (event_name, handler) not in botocore_handlers.BUILTIN_HANDLERS:
            botocore_handlers.BUILTIN_HANDLERS.append((event_name, handler))
        if events is not None:
            # The default session may hold them already (created after an earlier install): never twice.
            events.unregister(event_name, handler)
            events.register(event_name, handler)


def uninstall_policy_check() -> None:
    """Stops checking: calls from every client, old or new, go through unchecked again."""
    _installed.check = None
    events = _default_session_events()
    for event_name, handler in _HANDLERS:
        if (event_name, handler) in botocore_handlers.BUILTIN_HANDLERS:
            botocore_handlers.BUILTIN_HANDLERS.remove((event_name, handler))
        if events is not None:
            events.unregister(event_name, handler)


@contextmanager
def policy_check(
    statements: Iterable[Mapping[str, Any]], *, principal_arn: str, account_id: str, region: str
) -> Iterator[None]:
    """``install_policy_check`` for the duration of a ``with`` block (tests, one-off scripts)."""
    install_policy_check(statements, principal_arn=principal_arn, account_id=account_id, region=region)
    try:
        yield
    finally:
        uninstall_policy_check()


def _default_session_events() -> BaseEventHooks | None:
    return boto3.DEFAULT_SESSION.events if boto3.DEFAULT_SESSION is not None else None
