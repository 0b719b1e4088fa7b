"""Environment settings: a typo in cdk.json stops synth with a message that names the key."""

import pytest

from stacks.config import DEFAULT_ATTACHMENT_MAX_BYTES, ConfigError, load_environment
from tests.infra.conftest import cdk_context

ENVIRONMENTS = cdk_context()["environments"]


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_shipped_environments_are_valid(name: str) -> None:
    assert load_environment(ENVIRONMENTS, name).name == name


def test_prod_retains_and_protects_data() -> None:
    prod = load_environment(ENVIRONMENTS, "prod")
    assert prod.removal_policy == "retain"
    assert prod.deletion_protection
    assert prod.point_in_time_recovery


def test_unknown_environment_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"Unknown environment 'qa'.*dev, prod"):
        load_environment(ENVIRONMENTS, "qa")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("throttlingRateLimit", "fast", r"environments\.dev\.throttlingRateLimit"),
        ("throttlingBurstLimit", -1, r"environments\.dev\.throttlingBurstLimit"),
        ("removalPolicy", "keep", r"environments\.dev\.removalPolicy"),
        ("logRetention", "FOREVERISH", r"environments\.dev\.logRetention.*not a CloudWatch retention"),
        ("surprise", 1, r"environments\.dev\.surprise"),
    ],
)
def test_a_bad_value_names_its_key(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_environment({"dev": {**ENVIRONMENTS["dev"], key: value}}, "dev")


def test_a_missing_key_names_it() -> None:
    settings = {key: value for key, value in ENVIRONMENTS["dev"].items() if key != "corsAllowOrigins"}
    with pytest.raises(ConfigError, match=r"environments\.dev\.corsAllowOrigins"):
        load_environment({"dev": settings}, "dev")


def test_a_missing_key_names_only_the_key_and_the_environment() -> None:
    settings = {key: value for key, value in ENVIRONMENTS["dev"].items() if key != "corsAllowOrigins"}
    with pytest.raises(ConfigError) as refused:
        load_environment({"dev": settings}, "dev")
    message = str(refused.value)
    assert "environments.dev.corsAllowOrigins is missing" in message
    shown = [key for key in settings if key in message]
    assert not shown, f"the message dumps the environment: {message}"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("throttlingRateLimit", "20"),
        ("throttlingBurstLimit", "40"),
        ("throttlingBurstLimit", 40.5),
        ("cacheTtlSeconds", "0"),
        ("wafRateLimitPer5Minutes", "1000"),
        ("pointInTimeRecovery", "true"),
        ("deletionProtection", 0),
        ("webAcl", "false"),
        ("bucketVersioning", 1),
        ("methodThrottling", {"POST /boards": ["2", 5]}),
        ("methodThrottling", {"POST /boards": [2, "5"]}),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_not_converted(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=rf"environments\.dev\.{key}"):
        load_environment({"dev": {**ENVIRONMENTS["dev"], key: value}}, "dev")


def test_a_whole_number_is_a_valid_rate() -> None:
    settings = {
        **ENVIRONMENTS["dev"],
        "throttlingRateLimit": 20,
        "methodThrottling": {"POST /boards": [2.5, 5]},
    }
    config = load_environment({"dev": settings}, "dev")
    assert config.throttling_rate_limit == 20
    assert config.method_throttling == {"POST /boards": (2.5, 5)}


def test_throttling_for_an_unknown_route_names_it() -> None:
    settings = {**ENVIRONMENTS["dev"], "methodThrottling": {"GET /nowhere": [1, 2]}}
    with pytest.raises(ConfigError, match=r"methodThrottling\.'GET /nowhere' names no route"):
        load_environment({"dev": settings}, "dev")


def test_a_cache_without_a_ttl_is_refused() -> None:
    settings = {**ENVIRONMENTS["dev"], "cacheClusterSize": "0.5", "cacheTtlSeconds": 0}
    with pytest.raises(ConfigError, match=r"environments\.dev\.cacheTtlSeconds"):
        load_environment({"dev": settings}, "dev")


@pytest.mark.parametrize(
    ("key", "value"),
    [("cacheClusterSize", "2"), ("alarmEmail", "not-an-address"), ("wafRateLimitPer5Minutes", 1)],
)
def test_bad_operations_settings_name_their_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=rf"environments\.dev\.{key}"):
        load_environment({"dev": {**ENVIRONMENTS["dev"], key: value}}, "dev")


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_environments_hold_no_nulls_because_the_cdk_cli_drops_them(name: str) -> None:
    assert None not in ENVIRONMENTS[name].values(), "leave an optional key out instead of setting it to null"


def test_optional_operations_settings_default_to_off() -> None:
    settings = {
        key: value
        for key, value in ENVIRONMENTS["prod"].items()
        if key not in {"cacheClusterSize", "alarmEmail"}
    }
    config = load_environment({"prod": settings}, "prod")
    assert config.cache_cluster_size is None
    assert config.alarm_email is None


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_shipped_environments_accept_attachments_of_10_mib(name: str) -> None:
    assert load_environment(ENVIRONMENTS, name).attachment_max_bytes == 10 * 1024 * 1024


def test_attachment_limit_defaults_to_10_mib() -> None:
    settings = {key: value for key, value in ENVIRONMENTS["dev"].items() if key != "attachmentMaxBytes"}
    assert load_environment({"dev": settings}, "dev").attachment_max_bytes == DEFAULT_ATTACHMENT_MAX_BYTES
    assert DEFAULT_ATTACHMENT_MAX_BYTES == 10_485_760


@pytest.mark.parametrize("value", [1, 5 * 1024**3])
def test_attachment_limit_takes_any_size_one_s3_request_can_upload(value: int) -> None:
    config = load_environment({"dev": {**ENVIRONMENTS["dev"], "attachmentMaxBytes": value}}, "dev")
    assert config.attachment_max_bytes == value


@pytest.mark.parametrize("value", [0, -1, 5 * 1024**3 + 1, 10.5, 1048576.0, "10MB", "1048576", True, None])
def test_a_bad_attachment_limit_names_its_key(value: object) -> None:
    with pytest.raises(ConfigError, match=r"environments\.dev\.attachmentMaxBytes"):
        load_environment({"dev": {**ENVIRONMENTS["dev"], "attachmentMaxBytes": value}}, "dev")


def test_prod_releases_by_canary_and_dev_all_at_once() -> None:
    assert load_environment(ENVIRONMENTS, "prod").deployment_preference == "Canary10Percent5Minutes"
    assert load_environment(ENVIRONMENTS, "dev").deployment_preference == "AllAtOnce"


@pytest.mark.parametrize("value", ["Canary50Percent1Minute", "canary10percent5minutes", "", 10])
def test_an_unknown_deployment_preference_lists_codedeploys_names(value: object) -> None:
    with pytest.raises(ConfigError, match=r"environments\.dev\.deploymentPreference") as refused:
        load_environment({"dev": {**ENVIRONMENTS["dev"], "deploymentPreference": value}}, "dev")
    if isinstance(value, str):
        assert "Canary10Percent5Minutes" in str(refused.value)


def test_a_missing_deployment_preference_names_it() -> None:
    settings = {key: value for key, value in ENVIRONMENTS["dev"].items() if key != "deploymentPreference"}
    with pytest.raises(ConfigError, match=r"environments\.dev\.deploymentPreference is missing"):
        load_environment({"dev": settings}, "dev")


def test_prod_encrypts_with_its_own_key_and_dev_with_aws_managed_keys() -> None:
    assert load_environment(ENVIRONMENTS, "prod").encryption == "customer-managed"
    assert load_environment(ENVIRONMENTS, "dev").encryption == "aws-managed"


@pytest.mark.parametrize("value", ["customer", "AWS-MANAGED", "kms", "", True])
def test_an_unknown_encryption_names_the_key_and_the_values(value: object) -> None:
    with pytest.raises(ConfigError, match=r"environments\.dev\.encryption") as refused:
        load_environment({"dev": {**ENVIRONMENTS["dev"], "encryption": value}}, "dev")
    assert "'aws-managed' or 'customer-managed'" in str(refused.value)


def test_a_missing_encryption_names_it() -> None:
    settings = {key: value for key, value in ENVIRONMENTS["dev"].items() if key != "encryption"}
    with pytest.raises(ConfigError, match=r"environments\.dev\.encryption is missing"):
        load_environment({"dev": settings}, "dev")
