"""What the local cloud's tests share besides fixtures: the fake account, the region, a free port."""

from cdk_local_cloud.contracts.ports import claim_port
from cdk_local_cloud.embedded_aws.server import FAKE_ACCOUNT_ID

__all__ = ["FAKE_ACCOUNT_ID", "REGION", "free_port"]

REGION = "us-east-1"


def free_port() -> int:
    """A port that was free a moment ago on loopback; good enough for tests on one machine."""
    return claim_port(0, purpose="a test server", flag="free_port()")
