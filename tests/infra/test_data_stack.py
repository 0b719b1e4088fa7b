"""DataStack: the table layout the repository relies on, and the settings that keep data safe."""

from aws_cdk.assertions import Match, Template

from lambdas.corkboard import table_design as design

TABLE = "AWS::DynamoDB::Table"


def test_main_table_keys_indexes_and_stream_match_the_shared_design(data_template: Template) -> None:
    data_template.has_resource_properties(
        TABLE,
        {
            "KeySchema": [
                {"AttributeName": design.PARTITION_KEY, "KeyType": "HASH"},
                {"AttributeName": design.SORT_KEY, "KeyType": "RANGE"},
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": name,
                    "KeySchema": [
                        {"AttributeName": partition_key, "KeyType": "HASH"},
                        {"AttributeName": sort_key, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for name, partition_key, sort_key in (
                    (design.GSI1_NAME, design.GSI1_PARTITION_KEY, design.GSI1_SORT_KEY),
                    (design.GSI2_NAME, design.GSI2_PARTITION_KEY, design.GSI2_SORT_KEY),
                )
            ],
            "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
            "TimeToLiveSpecification": {"AttributeName": design.TTL_ATTRIBUTE, "Enabled": True},
        },
    )


def test_every_table_is_on_demand_and_encrypted(data_template: Template) -> None:
    tables = data_template.find_resources(TABLE)
    assert len(tables) == 3, "main, idempotency and WebSocket connections"
    for table in tables.values():
        assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True


def test_main_table_has_point_in_time_recovery(data_template: Template) -> None:
    data_template.has_resource_properties(
        TABLE,
        {
            "KeySchema": Match.array_with([{"AttributeName": design.SORT_KEY, "KeyType": "RANGE"}]),
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )


def test_idempotency_table_uses_powertools_layout(data_template: Template) -> None:
    data_template.has_resource_properties(
        TABLE,
        {
            "KeySchema": [{"AttributeName": design.IDEMPOTENCY_PARTITION_KEY, "KeyType": "HASH"}],
            "TimeToLiveSpecification": {"AttributeName": design.IDEMPOTENCY_TTL_ATTRIBUTE, "Enabled": True},
        },
    )


def test_dev_data_is_disposable(data_template: Template) -> None:
    for table in data_template.find_resources(TABLE).values():
        assert table["DeletionPolicy"] == "Delete"
        assert table["Properties"]["DeletionProtectionEnabled"] is False


def test_user_pool_signs_in_by_email_with_a_strong_password(data_template: Template) -> None:
    data_template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "UsernameAttributes": ["email"],
            "Policies": {
                "PasswordPolicy": Match.object_like(
                    {
                        "MinimumLength": Match.any_value(),
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": True,
                    }
                )
            },
        },
    )
    policy = next(iter(data_template.find_resources("AWS::Cognito::UserPool").values()))
    assert policy["Properties"]["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12


def test_admins_group_exists(data_template: Template) -> None:
    data_template.has_resource_properties("AWS::Cognito::UserPoolGroup", {"GroupName": design.ADMIN_GROUP})


def test_app_client_has_no_secret(data_template: Template) -> None:
    data_template.has_resource_properties("AWS::Cognito::UserPoolClient", {"GenerateSecret": False})


def test_cursor_key_is_generated_not_written_in_the_template(data_template: Template) -> None:
    data_template.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"GenerateSecretString": Match.object_like({"PasswordLength": 64}), "SecretString": Match.absent()},
    )


def test_attachments_bucket_is_private_tls_only_and_unversioned_in_dev(data_template: Template) -> None:
    data_template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "LoggingConfiguration": Match.object_like({"DestinationBucketName": Match.any_value()}),
            "CorsConfiguration": Match.object_like(
                {"CorsRules": [Match.object_like({"AllowedOrigins": ["http://localhost:5173"]})]}
            ),
            "VersioningConfiguration": Match.absent(),
        },
    )
    data_template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            }
        },
    )


def test_connections_table_has_the_repositorys_keys_and_expires_by_ttl(data_template: Template) -> None:
    data_template.has_resource_properties(
        TABLE,
        {
            "KeySchema": [
                {"AttributeName": design.CONNECTIONS_PARTITION_KEY, "KeyType": "HASH"},
                {"AttributeName": design.CONNECTIONS_SORT_KEY, "KeyType": "RANGE"},
            ],
            "TimeToLiveSpecification": {"AttributeName": design.CONNECTIONS_TTL_ATTRIBUTE, "Enabled": True},
        },
    )
