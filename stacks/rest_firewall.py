"""The WAF in front of Corkboard's REST stage, aligned with what the API itself accepts.

The API validates bodies as JSON data and refuses one over ``MAX_BODY_BYTES`` with 413, so the web ACL
blocks only what the API would refuse anyway (with the same 413), counts rather than blocks the core
rule set's body patterns, and limits each caller on its own before it limits the caller's IP address.
"""

from collections.abc import Sequence

from constructs import Construct

from lambdas.corkboard.request_limits import MAX_BODY_BYTES
from serverless_blocks import RegionalWebAcl, RegionalWebAclProps
from stacks.config import EnvironmentConfig

__all__ = ["CALLER_HEADER", "rest_web_acl"]

# The Cognito ID token the REST authorizer reads: one caller, for as long as that token lives.
CALLER_HEADER = "authorization"


def rest_web_acl(scope: Construct, config: EnvironmentConfig) -> RegionalWebAcl:
    """The environment's web ACL for the REST stage, with its limits from cdk.json."""
    return RegionalWebAcl(
        scope,
        "Firewall",
        props=RegionalWebAclProps(
            name=f"corkboard-{config.name}-rest",
            max_body_bytes=MAX_BODY_BYTES,
            caller_header=CALLER_HEADER,
            caller_rate_limit_per_5_minutes=config.waf_caller_rate_limit_per_5_minutes,
            rate_limit_per_5_minutes=config.waf_rate_limit_per_5_minutes,
            response_headers=_cors_headers(config.cors_allow_origins),
        ),
    )


def _cors_headers(allow_origins: Sequence[str]) -> dict[str, str]:
    """CORS headers for WAF's own answers, so a page on the allowed origin can read why it was refused.

    WAF's headers are fixed strings that cannot echo the request's Origin, so they are set only when one
    origin is allowed; with several, a browser sees WAF's 413 and 429 as network errors.
    """
    if len(allow_origins) != 1:
        return {}
    return {"Access-Control-Allow-Origin": allow_origins[0], "Vary": "Origin"}
