"""Reads the main table's DynamoDB stream on moto and hands its records over as Lambda delivers them.

A tap starts at the stream's end (``LATEST``) when it is opened, so a test sees only the records of the
writes it makes afterwards. Records are reshaped as the Lambda event source mapping shapes them: the
``eventSourceARN`` is added and ``ApproximateCreationDateTime`` becomes epoch seconds. Imported by name
from the tests (pytest puts this directory on ``sys.path``).

    tap = StreamTap(table_name)
    repository.create_task(...)
    handler(tap.lambda_event(), context)   # {"Records": [...]}
"""

from typing import Any

import boto3
from botocore.config import Config

__all__ = ["StreamTap"]


class StreamTap:
    """The records written to one table's stream since the tap was opened."""

    def __init__(self, table_name: str) -> None:
        # botocore sends stream calls to account-based endpoints ({account}.streams-ddb...), which moto
        # 5.2.5 does not recognise; the classic regional endpoint reaches it.
        self._streams = boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
        self._arn = boto3.client("dynamodb").describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        [shard] = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        self._iterator = self._streams.get_shard_iterator(
            StreamArn=self._arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
        )["ShardIterator"]

    def records(self) -> list[dict[str, Any]]:
        """The records written since the last call, oldest first, in the shape Lambda delivers."""
        response = self._streams.get_records(ShardIterator=self._iterator)
        self._iterator = response["NextShardIterator"]
        return [self._as_delivered(record) for record in response["Records"]]

    def lambda_event(self) -> dict[str, Any]:
        """The records written since the last call, as one Lambda invocation's event."""
        return {"Records": self.records()}

    def _as_delivered(self, record: dict[str, Any]) -> dict[str, Any]:
        change = dict(record["dynamodb"])
        change["ApproximateCreationDateTime"] = int(change["ApproximateCreationDateTime"].timestamp())
        return {**record, "dynamodb": change, "eventSourceARN": self._arn}
