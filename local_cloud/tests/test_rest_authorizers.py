"""The REST gateway's authorizers: Cognito with real tokens from the session's moto server, Lambda
TOKEN/REQUEST authorizers with a recording function host, and AWS_IAM's signed-request check."""

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import jwt
import pytest
import requests
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from fakes import FAKE_ACCOUNT_ID, REGION
from moto.utilities.utils import load_resource
from rest_gateway_doubles import (
    CORS_ORIGIN,
    STACK,
    GatewayClient,
    RecordingInvoker,
    TemplateBuilder,
    deployment_of,
    invocation_uri,
    serve,
)

from cdk_local_cloud.contracts.deployment import Resource
from cdk_local_cloud.contracts.invocation import FunctionError, InvocationResult

API_ID = "authapi001"
SIGN_IN_SCOPE = "aws.cognito.signin.user.admin"
PASSWORD = "Correct-Horse-Battery-9"


@dataclass(frozen=True)
class SignedInUser:
    pool_arn: str
    client_id: str
    id_token: str
    access_token: str


def _sign_up(cognito: Any, username: str, groups: tuple[str, ...]) -> SignedInUser:
    pool = cognito.create_user_pool(PoolName=f"rest-{uuid.uuid4().hex[:8]}")["UserPool"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool["Id"], Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool["Id"], Username=username, Password=PASSWORD, Permanent=True
    )
    for group in groups:
        cognito.create_group(UserPoolId=pool["Id"], GroupName=group)
        cognito.admin_add_user_to_group(UserPoolId=pool["Id"], Username=username, GroupName=group)
    tokens = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return SignedInUser(pool["Arn"], client_id, tokens["IdToken"], tokens["AccessToken"])


def _pool_client(user: SignedInUser) -> Resource:
    pool_id = user.pool_arn.rsplit("/", 1)[-1]
    return Resource(
        STACK,
        f"Client{pool_id[-6:]}",
        "AWS::Cognito::UserPoolClient",
        {"UserPoolId": pool_id},
        user.client_id,
    )


def _allow_policy(effect: str, resource: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
    }


def _token_authorizer(event: dict[str, Any]) -> InvocationResult:
    """Answers by token: the test names the outcome it wants in the token itself."""
    token = event.get("authorizationToken") or event.get("headers", {}).get("X-Key")
    every_get = f"arn:aws:execute-api:{REGION}:{FAKE_ACCOUNT_ID}:{API_ID}/*/GET/*"
    answers = {
        "allow": {
            "principalId": "user-1",
            "policyDocument": _allow_policy("Allow", every_get),
            "context": {"tier": "gold", "n": 1, "flag": True},
        },
        "deny": {"principalId": "user-1", "policyDocument": _allow_policy("Deny", every_get)},
        "elsewhere": {
            "principalId": "user-1",
            "policyDocument": _allow_policy("Allow", f"{every_get}/other"),
        },
        "no-principal": {"policyDocument": _allow_policy("Allow", every_get)},
        "nested-context": {
            "principalId": "user-1",
            "policyDocument": _allow_policy("Allow", every_get),
            "context": {"nested": {"a": 1}},
        },
    }
    if token == "unauthorized":
        return InvocationResult(error=FunctionError("Error", "Unauthorized"))
    if token in answers:
        return InvocationResult(payload=answers[token])
    return InvocationResult(error=FunctionError("Exception", "the authorizer crashed"))


@dataclass(frozen=True)
class Setup:
    client: GatewayClient
    alice: SignedInUser
    bob: SignedInUser
    cognito: Any


@pytest.fixture(scope="module")
def setup(moto_endpoint: str) -> Iterator[Setup]:
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    alice = _sign_up(cognito, "alice", ("admins", "editors"))
    bob = _sign_up(cognito, "bob", ())
    api = TemplateBuilder(API_ID)
    api.add(
        "Authorizer",
        "cognito",
        Type="COGNITO_USER_POOLS",
        ProviderARNs=[alice.pool_arn],
        IdentitySource="method.request.header.Authorization",
    )
    api.add(
        "Authorizer",
        "token",
        Type="TOKEN",
        AuthorizerUri=invocation_uri("authorizer"),
        IdentitySource="method.request.header.Authorization",
    )
    api.add(
        "Authorizer",
        "request",
        Type="REQUEST",
        AuthorizerUri=invocation_uri("authorizer"),
        IdentitySource="method.request.header.X-Key, method.request.querystring.tenant",
    )
    api.method("GET", "/secure", AuthorizationType="COGNITO_USER_POOLS", AuthorizerId="cognito")
    api.method(
        "GET",
        "/scoped",
        AuthorizationType="COGNITO_USER_POOLS",
        AuthorizerId="cognito",
        AuthorizationScopes=[SIGN_IN_SCOPE],
    )
    api.method("GET", "/custom", AuthorizationType="CUSTOM", AuthorizerId="token")
    api.method("GET", "/request", AuthorizationType="CUSTOM", AuthorizerId="request")
    api.method("GET", "/iam", AuthorizationType="AWS_IAM")
    api.stage("v1")
    api.add(
        "GatewayResponse",
        "unauthorized",
        ResponseType="UNAUTHORIZED",
        StatusCode="401",
        ResponseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": f"'{CORS_ORIGIN}'"},
        ResponseTemplates={
            "application/json": '{"error": "unauthorized", "message": $context.error.messageString}'
        },
    )
    deployment = deployment_of(
        api, extra=(_pool_client(alice), _pool_client(bob)), aws_endpoint_url=moto_endpoint
    )
    with serve(deployment, RecordingInvoker(authorizer=_token_authorizer)) as client:
        yield Setup(client, alice, bob, cognito)


def call(setup: Setup, path: str, authorization: str | None = None, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return setup.client.request("GET", f"/{API_ID}/v1{path}", headers=headers, **kwargs)


def _with_motos_key(claims: dict[str, Any]) -> str:
    """A token signed with moto's own private key (it ships in moto), so only its claims can be wrong."""
    private_key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": "dummy"})


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def _tampered_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 0xFF
    return f"{header}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"


def _tampered_payload(token: str) -> str:
    header, _, signature = token.split(".")
    claims = {**_claims(token), "sub": "someone-else"}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{payload}.{signature}"


def test_a_valid_id_token_reaches_the_function_with_api_gateways_claims(setup: Setup) -> None:
    response = call(setup, "/secure", setup.alice.id_token)
    event = setup.client.invoker.last_event()
    claims = event["requestContext"]["authorizer"]["claims"]
    token_claims = _claims(setup.alice.id_token)

    assert response.status_code == 200
    assert claims["sub"] == token_claims["sub"]
    assert claims["cognito:username"] == "alice"
    assert set(claims["cognito:groups"].split(",")) == {"admins", "editors"}
    assert claims["token_use"] == "id"
    assert claims["aud"] == setup.alice.client_id
    assert claims["exp"] == time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(token_claims["exp"]))
    assert claims["auth_time"] == str(token_claims["auth_time"])
    assert all(isinstance(value, str) for value in claims.values())
    assert APIGatewayProxyEvent(event).request_context.authorizer.claims["sub"] == token_claims["sub"]


def test_a_bearer_prefix_is_accepted(setup: Setup) -> None:
    assert call(setup, "/secure", f"Bearer {setup.alice.id_token}").status_code == 200


@pytest.mark.parametrize(
    "token_of",
    [
        pytest.param(lambda setup: None, id="missing"),
        pytest.param(lambda setup: "", id="empty"),
        pytest.param(lambda setup: "not-a-jwt", id="garbage"),
        pytest.param(lambda setup: _tampered_signature(setup.alice.id_token), id="tampered-signature"),
        pytest.param(lambda setup: _tampered_payload(setup.alice.id_token), id="tampered-claims"),
        pytest.param(lambda setup: setup.alice.access_token, id="access-token-without-scopes"),
        pytest.param(lambda setup: setup.bob.id_token, id="another-pools-token"),
        pytest.param(
            lambda setup: _with_motos_key({**_claims(setup.alice.id_token), "aud": "some-other-client"}),
            id="unknown-client",
        ),
        pytest.param(
            lambda setup: _with_motos_key({**_claims(setup.alice.id_token), "token_use": "access"}),
            id="not-an-id-token",
        ),
    ],
)
def test_a_missing_or_bad_token_is_refused_with_401(setup: Setup, token_of: Any) -> None:
    calls_before = setup.client.invoker.count("echo")

    response = call(setup, "/secure", token_of(setup))

    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "message": "Unauthorized"}
    assert response.headers["Access-Control-Allow-Origin"] == CORS_ORIGIN
    assert setup.client.invoker.count("echo") == calls_before


def test_an_expired_token_is_refused_with_api_gateways_message(setup: Setup) -> None:
    now = int(time.time())
    expired = _with_motos_key({**_claims(setup.alice.id_token), "iat": now - 7200, "exp": now - 3600})

    response = call(setup, "/secure", expired)

    assert response.status_code == 401
    assert response.json()["message"] == "The incoming token has expired"


def test_a_method_with_scopes_takes_an_access_token_granting_one(setup: Setup) -> None:
    with_access_token = call(setup, "/scoped", setup.alice.access_token)
    claims = setup.client.invoker.last_event()["requestContext"]["authorizer"]["claims"]
    with_id_token = call(setup, "/scoped", setup.alice.id_token)

    assert with_access_token.status_code == 200
    assert (claims["token_use"], claims["scope"]) == ("access", SIGN_IN_SCOPE)
    assert with_id_token.status_code == 401


def test_a_token_authorizer_that_allows_passes_its_context_on(setup: Setup) -> None:
    response = call(setup, "/custom", "allow")
    authorizer_event = setup.client.invoker.last_event("authorizer")
    authorizer = setup.client.invoker.last_event()["requestContext"]["authorizer"]

    assert response.status_code == 200
    assert authorizer_event == {
        "type": "TOKEN",
        "methodArn": f"arn:aws:execute-api:{REGION}:{FAKE_ACCOUNT_ID}:{API_ID}/v1/GET/custom",
        "authorizationToken": "allow",
    }
    assert {key: value for key, value in authorizer.items() if key != "integrationLatency"} == {
        "principalId": "user-1",
        "tier": "gold",
        "n": "1",
        "flag": "true",
    }
    assert isinstance(authorizer["integrationLatency"], int)


@pytest.mark.parametrize(
    ("token", "status"),
    [
        (None, 401),
        ("unauthorized", 401),
        ("deny", 403),
        ("elsewhere", 403),
        ("crash", 500),
        ("no-principal", 500),
        ("nested-context", 500),
    ],
)
def test_a_token_authorizer_refuses_as_api_gateway_does(setup: Setup, token: str | None, status: int) -> None:
    calls_before = setup.client.invoker.count("echo")

    response = call(setup, "/custom", token)

    assert response.status_code == status
    assert setup.client.invoker.count("echo") == calls_before


def test_a_request_authorizer_runs_only_when_every_identity_source_is_present(setup: Setup) -> None:
    authorizer_calls = setup.client.invoker.count("authorizer")
    without_query = setup.client.request("GET", f"/{API_ID}/v1/request", headers={"X-Key": "allow"})
    skipped = setup.client.invoker.count("authorizer") == authorizer_calls

    allowed = setup.client.request("GET", f"/{API_ID}/v1/request?tenant=t1", headers={"X-Key": "allow"})
    event = setup.client.invoker.last_event("authorizer")

    assert (without_query.status_code, skipped) == (401, True)
    assert allowed.status_code == 200
    assert event["type"] == "REQUEST"
    assert event["methodArn"].endswith(f"{API_ID}/v1/GET/request")
    assert (event["headers"]["X-Key"], event["queryStringParameters"]) == ("allow", {"tenant": "t1"})
    assert event["requestContext"]["resourcePath"] == "/request"


def test_aws_iam_methods_refuse_unsigned_requests(setup: Setup) -> None:
    unsigned = call(setup, "/iam")
    signed = call(
        setup, "/iam", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/execute-api/aws4_request"
    )

    assert (unsigned.status_code, unsigned.json()) == (403, {"message": "Missing Authentication Token"})
    assert signed.status_code == 200
