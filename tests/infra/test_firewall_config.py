"""The WAF's rate limits in cdk.json: per caller and per IP address, checked against each other at synth."""

import pytest

from stacks.config import DEFAULT_WAF_CALLER_RATE_LIMIT_PER_5_MINUTES, ConfigError, load_environment
from tests.infra.conftest import cdk_context

ENVIRONMENTS = cdk_context()["environments"]
KEY = "wafCallerRateLimitPer5Minutes"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_shipped_environments_limit_a_caller_below_its_address(name: str) -> None:
    config = load_environment(ENVIRONMENTS, name)
    assert ENVIRONMENTS[name][KEY] == config.waf_caller_rate_limit_per_5_minutes
    assert config.waf_caller_rate_limit_per_5_minutes < config.waf_rate_limit_per_5_minutes


def test_the_caller_limit_is_optional_and_defaults_below_every_shipped_ip_limit() -> None:
    settings = {key: value for key, value in ENVIRONMENTS["dev"].items() if key != KEY}
    config = load_environment({"dev": settings}, "dev")
    assert config.waf_caller_rate_limit_per_5_minutes == DEFAULT_WAF_CALLER_RATE_LIMIT_PER_5_MINUTES == 500


@pytest.mark.parametrize("value", [9, 0, -1, 2_000_000_001, 100.0, 10.5, "100", True, None])
def test_a_bad_caller_limit_names_its_key(value: object) -> None:
    with pytest.raises(ConfigError, match=rf"environments\.dev\.{KEY}: (?!Extra inputs)"):
        load_environment({"dev": {**ENVIRONMENTS["dev"], KEY: value}}, "dev")


@pytest.mark.parametrize("caller_limit", [1000, 1001])
def test_a_caller_limit_not_below_the_ip_limit_is_refused(caller_limit: int) -> None:
    settings = {**ENVIRONMENTS["dev"], "wafRateLimitPer5Minutes": 1000, KEY: caller_limit}
    with pytest.raises(
        ConfigError,
        match=rf"environments\.dev\.{KEY}: {caller_limit} is not below wafRateLimitPer5Minutes \(1000\)",
    ):
        load_environment({"dev": settings}, "dev")
