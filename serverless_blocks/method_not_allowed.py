"""405 Method Not Allowed for a REST API: a method no route of a resource declares gets 405 and ``Allow``.

API Gateway answers such a request with its "Missing Authentication Token" response (403, or whatever
the API made of it), the same answer as for a path that does not exist, so a client cannot tell a typo
in the method from one in the path, and HTTP's contract (RFC 9110: 405 with an ``Allow`` header listing
the methods the resource supports) is broken. Each resource that has routes therefore gets an ``ANY``
method, which API Gateway picks only when no method of the request's verb exists: a ``MOCK`` integration
that answers 405, ``Allow`` and a JSON error, and reaches no backend. It sits behind the same authorizer
as the resource's routes (public only where the route that created it is), so a caller without a token
still gets 401 first and learns nothing about the resource.

Example::

    answers = MethodNotAllowed(authorizer=api_authorizer, always_allowed=("OPTIONS",))
    route = resource.add_method("GET", integration)
    answers.declare(resource, "GET", public=False)   # PUT /resource -> 405, Allow: GET, OPTIONS
"""

import json
from collections.abc import Sequence
from typing import Final

import jsii
from aws_cdk import IStableStringProducer, Lazy
from aws_cdk import aws_apigateway as apigw

from serverless_blocks.compliance import acknowledge_rule, skip_check

__all__ = ["ERROR_CODE", "MethodNotAllowed"]

ERROR_CODE: Final = "method_not_allowed"
_STATUS: Final = "405"
_ALLOW: Final = "method.response.header.Allow"
_JSON: Final = "application/json"
_ANY: Final = "ANY"
_PUBLIC_REASON: Final = (
    "A MOCK integration that answers 405 Method Not Allowed on a public resource and reaches no backend; "
    "an authorizer here would answer 401 where the resource's public route needs none."
)


@jsii.implements(IStableStringProducer)
class _AllowedMethods:
    """The ``Allow`` value of one resource, read when the template is synthesized: after every route."""

    def __init__(self, declared: set[str], always_allowed: Sequence[str], *, quoted: bool) -> None:
        self._declared = declared
        self._always_allowed = always_allowed
        self._quoted = quoted

    def produce(self) -> str:
        allowed = ", ".join(sorted(self._declared | set(self._always_allowed)))
        return f"'{allowed}'" if self._quoted else allowed


class MethodNotAllowed:
    """The ``ANY`` methods of one API, one per resource that has routes, each listing that resource's."""

    def __init__(self, *, authorizer: apigw.IAuthorizer, always_allowed: Sequence[str] = ()) -> None:
        self._authorizer = authorizer
        self._always_allowed = tuple(always_allowed)
        self._declared: dict[str, set[str]] = {}
        self.methods: dict[str, apigw.Method] = {}

    def declare(self, resource: apigw.IResource, method: str, *, public: bool) -> None:
        """Record that ``resource`` serves ``method``; its first route also creates its ``ANY`` method."""
        declared = self._declared.setdefault(resource.path, set())
        declared.add(method.upper())
        if resource.path not in self.methods:
            self.methods[resource.path] = self._answer_the_rest(resource, declared, public=public)

    def _answer_the_rest(
        self, resource: apigw.IResource, declared: set[str], *, public: bool
    ) -> apigw.Method:
        allow_header = Lazy.string(_AllowedMethods(declared, self._always_allowed, quoted=True))
        allowed = Lazy.string(_AllowedMethods(declared, self._always_allowed, quoted=False))
        body = json.dumps(
            {
                "error": ERROR_CODE,
                "message": f"This path takes {allowed}, not $context.httpMethod. See the Allow header.",
            }
        )
        integration = apigw.MockIntegration(
            request_templates={_JSON: json.dumps({"statusCode": int(_STATUS)})},
            # The only response, so it answers whatever status the request template yields.
            integration_responses=[
                apigw.IntegrationResponse(
                    status_code=_STATUS,
                    response_parameters={_ALLOW: allow_header},
                    response_templates={_JSON: body},
                )
            ],
        )
        method = resource.add_method(
            _ANY,
            integration,
            authorization_type=apigw.AuthorizationType.NONE if public else apigw.AuthorizationType.COGNITO,
            authorizer=None if public else self._authorizer,
            method_responses=[apigw.MethodResponse(status_code=_STATUS, response_parameters={_ALLOW: True})],
        )
        if public:
            acknowledge_rule(method, "AwsSolutions-APIG4", _PUBLIC_REASON)
            acknowledge_rule(method, "AwsSolutions-COG4", _PUBLIC_REASON)
            skip_check(method, "CKV_AWS_59", _PUBLIC_REASON)
        return method
