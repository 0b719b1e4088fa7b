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

The names below are resolved on first use (PEP 562), each from its own module, so importing the package, or
``dynamo_odm.errors`` for the error types, loads only what the names used need: the errors need botocore's
exceptions alone, while tables and models bring pydantic and boto3's expression builder (about 100 ms of a
Lambda cold start, measured with ``bench/cold_import.py``).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_MODULE_OF = {
    "Attr": "conditions",
    "ConditionBase": "conditions",
    "Key": "conditions",
    "all_of": "conditions",
    "CursorCodec": "cursor",
    "ConditionFailedError": "errors",
    "InvalidChangeError": "errors",
    "InvalidCursorError": "errors",
    "ItemNotFoundError": "errors",
    "ModelError": "errors",
    "ThrottledError": "errors",
    "VersionConflictError": "errors",
    "IndexSchema": "keys",
    "TableSchema": "keys",
    "Model": "model",
    "Page": "pagination",
    "Query": "table",
    "Table": "table",
    "WriteOp": "writes",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'dynamo_odm' has no attribute {name!r}")
    value = getattr(import_module(f"dynamo_odm.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
