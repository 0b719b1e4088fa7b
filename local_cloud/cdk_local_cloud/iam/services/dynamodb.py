"""DynamoDB and DynamoDB Streams: table, index and stream ARNs, batch and transaction items one by one.

PartiQL (ExecuteStatement and friends) is not parsed: it falls back to the operation's name on ``*``.
"""

from collections.abc import Mapping
from typing import Any

from cdk_local_cloud.iam.api_call import ApiCall, IamRequest

__all__ = ["iam_requests", "stream_iam_requests"]

_BATCH_OPERATIONS = frozenset({"BatchGetItem", "BatchWriteItem"})
_TRANSACTION_OPERATIONS = frozenset({"TransactGetItems", "TransactWriteItems"})
# A transaction needs, for each item, the permission of the single-item call it stands for.
_TRANSACTION_ITEM_ACTIONS = {
    "Get": "GetItem",
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def iam_requests(call: ApiCall) -> list[IamRequest]:
    params = call.params
    if call.operation in _BATCH_OPERATIONS:
        return [
            IamRequest(call.action(), _table_arn(call, table)) for table in params.get("RequestItems", {})
        ]
    if call.operation in _TRANSACTION_OPERATIONS:
        return [_transaction_item_request(call, item) for item in params.get("TransactItems", [])]
    if "TableName" in params:
        return [IamRequest(call.action(), _table_or_index_arn(call, params))]
    if "ResourceArn" in params:
        return [IamRequest(call.action(), params["ResourceArn"])]
    return call.on_any_resource()


def stream_iam_requests(call: ApiCall) -> list[IamRequest]:
    """Stream calls name the stream ARN, or a shard iterator that starts with it (``{arn}|1|...``)."""
    stream_arn = call.params.get("StreamArn") or _stream_arn_of_iterator(call.params.get("ShardIterator", ""))
    if not stream_arn:
        return call.on_any_resource()
    return [IamRequest(call.action(), stream_arn)]


def _transaction_item_request(call: ApiCall, item: Mapping[str, Any]) -> IamRequest:
    kind, body = next(iter(item.items()))
    return IamRequest(call.action(_TRANSACTION_ITEM_ACTIONS[kind]), _table_arn(call, body["TableName"]))


def _table_or_index_arn(call: ApiCall, params: Mapping[str, Any]) -> str:
    table_arn = _table_arn(call, params["TableName"])
    index = params.get("IndexName")
    return f"{table_arn}/index/{index}" if index else table_arn


def _table_arn(call: ApiCall, table: str) -> str:
    """DynamoDB accepts a table's name or its ARN wherever it takes a table."""
    return table if table.startswith("arn:") else call.arn("dynamodb", f"table/{table}")


def _stream_arn_of_iterator(shard_iterator: str) -> str:
    prefix = shard_iterator.split("|", 1)[0]
    return prefix if prefix.startswith("arn:") else ""
