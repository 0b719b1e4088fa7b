"""An object-document mapper for DynamoDB: what Dynamoose gives a Node developer, on pydantic and boto3.

Schemas are pydantic models (:class:`Model`) that declare their key templates, optimistic-lock version
field and TTL field; a :class:`Table` gives CRUD with conditions, version checks, queries paged by signed
cursors, batches and transactions. It holds no application names, so any service can reuse it.

    class Note(Model, keys={"pk": "NOTE#{note_id}", "sk": "META"}, version_field="version"):
        note_id: str
        text: str
        version: int = 0

    table = Table("notes", TableSchema(partition_key="pk", sort_key="sk"))
    note = table.save(Note(note_id="n1", text="hello"))                     # stored at version 1
    table.update(Note, {"note_id": "n1"}, {"text": "hi"}, expected_version=1)  # version 2
"""

from dynamo_odm.conditions import Attr, ConditionBase, Key, all_of
from dynamo_odm.cursor import CursorCodec
from dynamo_odm.errors import (
    ConditionFailedError,
    InvalidChangeError,
    InvalidCursorError,
    ItemNotFoundError,
    ModelError,
    ThrottledError,
    VersionConflictError,
)
from dynamo_odm.keys import IndexSchema, TableSchema
from dynamo_odm.model import Model
from dynamo_odm.pagination import Page
from dynamo_odm.table import Query, Table
from dynamo_odm.writes import WriteOp

__all__ = [
    "Attr",
    "ConditionBase",
    "ConditionFailedError",
    "CursorCodec",
    "IndexSchema",
    "InvalidChangeError",
    "InvalidCursorError",
    "ItemNotFoundError",
    "Key",
    "Model",
    "ModelError",
    "Page",
    "Query",
    "Table",
    "TableSchema",
    "ThrottledError",
    "VersionConflictError",
    "WriteOp",
    "all_of",
]
