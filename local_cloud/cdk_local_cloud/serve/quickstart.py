"""The banner `cdk-local serve` prints: where everything listens and commands that work as pasted."""

from collections.abc import Iterable
from pathlib import Path

from cdk_local_cloud.contracts.api_endpoints import LocalApi
from cdk_local_cloud.contracts.deployment import Deployment

__all__ = ["quickstart_text"]

_QUERY_STRING_SOURCE = "route.request.querystring."


def quickstart_text(
    deployment: Deployment, apis: Iterable[LocalApi], *, outputs_file: Path, token_command: str
) -> str:
    apis = list(apis)
    lines = ["", "Local cloud is up. Ctrl-C stops every process it started.", ""]
    lines += [f"  {api.protocol + ' API':<15} {api.url}   ({api.name})" for api in apis]
    lines += [
        f"  {'Embedded AWS':<15} {deployment.aws_endpoint_url}   (moto server; fake credentials, "
        f"region {deployment.region})",
        f"  {'Outputs':<15} {outputs_file}",
        "",
        "Quickstart:",
        f"  TOKEN=$({token_command})",
    ]
    for api in apis:
        if api.protocol == "REST":
            lines.append(f'  curl -H "Authorization: $TOKEN" {api.url}{_sample_rest_path(deployment, api)}')
        else:
            lines.append(f'  npx wscat -c "{api.url}{_token_query(deployment, api)}"')
    lines.append(
        f"  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url "
        f"{deployment.aws_endpoint_url} --region {deployment.region} dynamodb list-tables"
    )
    return "\n".join([*lines, ""])


def _sample_rest_path(deployment: Deployment, api: LocalApi) -> str:
    """A GET without path parameters that needs a token, to show the token at work (else the root)."""
    paths = {
        resource.physical_id: resource.properties.get("PathPart", "")
        for resource in deployment.of_type("AWS::ApiGateway::Resource")
        if resource.properties.get("RestApiId") == api.api.physical_id
        and resource.properties.get("ParentId") == api.api.attributes.get("RootResourceId")
    }
    for method in deployment.of_type("AWS::ApiGateway::Method"):
        properties = method.properties
        path_part = paths.get(properties.get("ResourceId", ""))
        if (
            path_part
            and "{" not in path_part
            and properties.get("HttpMethod") == "GET"
            and properties.get("AuthorizationType", "NONE") != "NONE"
        ):
            return path_part
    return ""


def _token_query(deployment: Deployment, api: LocalApi) -> str:
    for authorizer in deployment.of_type("AWS::ApiGatewayV2::Authorizer"):
        if authorizer.properties.get("ApiId") != api.api.physical_id:
            continue
        for source in authorizer.properties.get("IdentitySource", []):
            if source.startswith(_QUERY_STRING_SOURCE):
                return f"?{source.removeprefix(_QUERY_STRING_SOURCE)}=$TOKEN"
    return ""
