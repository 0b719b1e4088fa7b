"""What the local cloud's tests share besides fixtures: the fake account, the region, a free port."""

import logging

import pytest

from cdk_local_cloud.contracts.ports import claim_port
from cdk_local_cloud.embedded_aws.server import FAKE_ACCOUNT_ID

__all__ = ["FAKE_ACCOUNT_ID", "REGION", "free_port", "records_of"]

REGION = "us-east-1"


def free_port() -> int:
    """A port that was free a moment ago on loopback; good enough for tests on one machine."""
    return claim_port(0, purpose="a test server", flag="free_port()")


def records_of(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    """The captured records of ``logger`` and its children only.

    Under pytest-xdist a worker may also hold an earlier test's local cloud, whose embedded AWS logs errors
    of its own once a later test has reset moto's process-wide state; those are not the code under test.
    """
    return [
        record for record in caplog.records if record.name == logger or record.name.startswith(f"{logger}.")
    ]
