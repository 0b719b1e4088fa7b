"""Reusable AWS CDK v2 constructs for serverless services: secure defaults, every default overridable.

Each construct takes a frozen, keyword-only props dataclass, exposes every resource it creates as a
public attribute, acknowledges the cdk-nag findings it accepts with a reason, and warns at synth time
when an override weakens one of its defaults.
"""

from serverless_blocks.api_monitoring import (
    ApiMonitoring,
    ApiMonitoringProps,
    NothingToMonitorError,
    WebSocketStageWithoutApiError,
)
from serverless_blocks.canary_release import DEFAULT_ALIAS_NAME, CanaryRelease, CanaryReleaseProps
from serverless_blocks.cognito_rest_api import (
    CognitoRestApi,
    CognitoRestApiProps,
    InvalidCacheClusterSizeError,
    InvalidRoutePathError,
)
from serverless_blocks.compliance import (
    MissingReasonError,
    NotAResourceError,
    acknowledge_rule,
    acknowledge_weakened_default,
    skip_check,
    warn_weakened_default,
)
from serverless_blocks.gateway_error_responses import GATEWAY_ERROR_RESPONSES, GatewayErrorResponse
from serverless_blocks.github_deploy_access import (
    GITHUB_OIDC_AUDIENCE,
    GITHUB_OIDC_URL,
    GitHubDeployAccess,
    GitHubDeployAccessProps,
    InvalidRepositoryError,
)
from serverless_blocks.method_not_allowed import MethodNotAllowed
from serverless_blocks.python_dependencies_layer import (
    DependencyInstallError,
    PythonDependenciesLayer,
    PythonDependenciesLayerProps,
    RequirementsFileNotFoundError,
    UnsupportedLayerRuntimeError,
)
from serverless_blocks.python_function import (
    DEFAULT_ASSET_EXCLUDES,
    POWERTOOLS_VERSION,
    CodePathNotFoundError,
    InvalidPowertoolsVersionError,
    PythonFunction,
    PythonFunctionProps,
    UnsupportedLogLevelError,
    UnsupportedRuntimeError,
)
from serverless_blocks.regional_web_acl import (
    COMMON_RULE_SET_BODY_RULES,
    DEFAULT_MANAGED_RULE_GROUPS,
    MAX_INSPECTABLE_BODY_BYTES,
    BodySizeLimitError,
    ManagedRuleGroup,
    RegionalWebAcl,
    RegionalWebAclProps,
)
from serverless_blocks.secure_bucket import (
    DEFAULT_CORS_ALLOWED_HEADERS,
    DEFAULT_CORS_ALLOWED_METHODS,
    AutoDeleteWithoutDestroyError,
    ConflictingAccessLogsError,
    FunctionAlreadyNotifiedError,
    SecureBucket,
    SecureBucketProps,
)
from serverless_blocks.sharded_fanout import (
    MAX_FIFO_BATCH_SIZE,
    InvalidFanoutBatchSizeError,
    ShardedFanout,
    ShardedFanoutProps,
    VisibilityTimeoutTooShortError,
)
from serverless_blocks.stream_broadcaster import (
    MissingTableStreamError,
    StreamBroadcaster,
    StreamBroadcasterProps,
)
from serverless_blocks.table import Table, TableProps
from serverless_blocks.user_directory import UserDirectory, UserDirectoryProps
from serverless_blocks.websocket_api import (
    ConflictingConnectionsTableError,
    ManagementMethod,
    MissingIdentitySourceError,
    ReservedRouteKeyError,
    UnknownManagementMethodError,
    WebSocketApi,
    WebSocketApiProps,
)

__all__ = [
    "COMMON_RULE_SET_BODY_RULES",
    "DEFAULT_ALIAS_NAME",
    "DEFAULT_ASSET_EXCLUDES",
    "DEFAULT_CORS_ALLOWED_HEADERS",
    "DEFAULT_CORS_ALLOWED_METHODS",
    "DEFAULT_MANAGED_RULE_GROUPS",
    "GATEWAY_ERROR_RESPONSES",
    "GITHUB_OIDC_AUDIENCE",
    "GITHUB_OIDC_URL",
    "MAX_FIFO_BATCH_SIZE",
    "MAX_INSPECTABLE_BODY_BYTES",
    "POWERTOOLS_VERSION",
    "ApiMonitoring",
    "ApiMonitoringProps",
    "AutoDeleteWithoutDestroyError",
    "BodySizeLimitError",
    "CanaryRelease",
    "CanaryReleaseProps",
    "CodePathNotFoundError",
    "CognitoRestApi",
    "CognitoRestApiProps",
    "ConflictingAccessLogsError",
    "ConflictingConnectionsTableError",
    "DependencyInstallError",
    "FunctionAlreadyNotifiedError",
    "GatewayErrorResponse",
    "GitHubDeployAccess",
    "GitHubDeployAccessProps",
    "InvalidCacheClusterSizeError",
    "InvalidFanoutBatchSizeError",
    "InvalidPowertoolsVersionError",
    "InvalidRepositoryError",
    "InvalidRoutePathError",
    "ManagedRuleGroup",
    "ManagementMethod",
    "MethodNotAllowed",
    "MissingIdentitySourceError",
    "MissingReasonError",
    "MissingTableStreamError",
    "NotAResourceError",
    "NothingToMonitorError",
    "PythonDependenciesLayer",
    "PythonDependenciesLayerProps",
    "PythonFunction",
    "PythonFunctionProps",
    "RegionalWebAcl",
    "RegionalWebAclProps",
    "RequirementsFileNotFoundError",
    "ReservedRouteKeyError",
    "SecureBucket",
    "SecureBucketProps",
    "ShardedFanout",
    "ShardedFanoutProps",
    "StreamBroadcaster",
    "StreamBroadcasterProps",
    "Table",
    "TableProps",
    "UnknownManagementMethodError",
    "UnsupportedLayerRuntimeError",
    "UnsupportedLogLevelError",
    "UnsupportedRuntimeError",
    "UserDirectory",
    "UserDirectoryProps",
    "VisibilityTimeoutTooShortError",
    "WebSocketApi",
    "WebSocketApiProps",
    "WebSocketStageWithoutApiError",
    "acknowledge_rule",
    "acknowledge_weakened_default",
    "skip_check",
    "warn_weakened_default",
]
