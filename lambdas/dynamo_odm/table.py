"""CRUD, queries, batches and transactions for models stored in one DynamoDB table.

Every read is a GetItem, a Query or a BatchGetItem; the layer has no Scan, so no request path can fall
into one. Writes of versioned models are optimistic: a save carries ``version = :expected`` (or "must not
exist" for version 0) in its condition and stores ``expected + 1``, so a stale write fails atomically in
DynamoDB rather than in a racy read-then-compare.

    table = Table("notes", TableSchema(partition_key="pk", sort_key="sk"), cursors=CursorCodec(key))
    note = table.save(Note(notebook_id="N1", note_id="n1", text="Write docs"))        # version 1
    note = table.update(Note, {"notebook_id": "N1", "note_id": "n1"}, {"text": "Ship"}, expected_version=1)
    note = table.replace(note.model_copy(update={"text": "Shipped"}))                 # version 3, UpdateItem
    page = table.page(Note, Query(Key("pk").eq("NOTEBOOK#N1"), scope="notes:N1"), limit=20, cursor=None)
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer

from dynamo_odm.batch import batch_get, batch_write
from dynamo_odm.client import dynamodb_client
from dynamo_odm.conditions import Attr, ConditionBase, ExpressionSet, all_of
from dynamo_odm.cursor import CursorCodec
from dynamo_odm.errors import (
    InvalidCursorError,
    ItemNotFoundError,
    VersionConflictError,
    translate_throttling,
)
from dynamo_odm.keys import TableSchema
from dynamo_odm.model import ItemLayout, Model
from dynamo_odm.pagination import Page, collect_page
from dynamo_odm.serialization import RawItem, dump_item, load_item
from dynamo_odm.writes import Expectation, WriteKind, WriteOp, translate_write_errors

__all__ = ["DELETE_PAGE_SIZE", "Query", "Table"]

M = TypeVar("M", bound=Model)
KeyValues = Mapping[str, Any]

# Keys read per Query of a bulk delete (about 100 KB of keys, then 40 BatchWriteItem requests): each step
# takes a second or two, and an interrupted delete keeps every step it completed.
DELETE_PAGE_SIZE = 1000
_key_deserializer = TypeDeserializer()


@dataclass(frozen=True)
class Query:
    """A Query on the table or one index. ``scope`` names the list for its cursors (see cursor.py)."""

    key_condition: ConditionBase
    scope: str
    index: str | None = None
    filter: ConditionBase | None = None
    descending: bool = False
    consistent: bool = False


class Table:
    """One DynamoDB table seen through models. ``client`` defaults to the shared lazily-built client."""

    def __init__(
        self, name: str, schema: TableSchema, *, client: Any = None, cursors: CursorCodec | None = None
    ) -> None:
        self.name = name
        self.schema = schema
        self._client = client
        self._cursors = cursors

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = dynamodb_client()
        return self._client

    def get(self, model_cls: type[M], key: KeyValues, *, consistent: bool = False) -> M | None:
        """The model stored under ``key`` (field values, e.g. ``{"note_id": ...}``), or None."""
        with translate_throttling("GetItem"):
            response = self.client.get_item(
                TableName=self.name, Key=self._primary_key(model_cls, key), ConsistentRead=consistent
            )
        item = response.get("Item")
        return None if item is None else load_item(model_cls, item, self.schema)

    def batch_get(
        self, model_cls: type[M], keys: Sequence[KeyValues], *, consistent: bool = False
    ) -> list[M]:
        """The models found for ``keys``, in the order of ``keys``; missing ones are left out."""
        wanted = {self._identity(raw): raw for raw in (self._primary_key(model_cls, key) for key in keys)}
        raw_items = batch_get(self.client, self.name, list(wanted.values()), consistent=consistent)
        found = {self._identity(item): item for item in raw_items}
        return [load_item(model_cls, found[key], self.schema) for key in wanted if key in found]

    def page(self, model_cls: type[M], query: Query, *, limit: int, cursor: str | None) -> Page[M]:
        """Up to ``limit`` models (exactly ``limit`` unless the query ends) and the next page's cursor."""
        codec = self._cursor_codec()
        resume_attributes = self.schema.resume_key_attributes(query.index)
        start_key = None if cursor is None else codec.decode(cursor, scope=query.scope)
        if start_key is not None and set(start_key) != set(resume_attributes):
            raise InvalidCursorError
        request = self._query_request(query)

        def fetch(start: RawItem | None, evaluate: int) -> tuple[list[RawItem], RawItem | None]:
            parameters = {**request, "Limit": evaluate}
            if start is not None:
                parameters["ExclusiveStartKey"] = start
            with translate_throttling("Query"):
                response = self.client.query(**parameters)
            return response["Items"], response.get("LastEvaluatedKey")

        items, resume_key = collect_page(
            fetch,
            limit=limit,
            start_key=start_key,
            resume_key_of=lambda item: {name: item[name] for name in resume_attributes},
        )
        next_cursor = None if resume_key is None else codec.encode(resume_key, scope=query.scope)
        return Page([load_item(model_cls, item, self.schema) for item in items], next_cursor)

    def query_all(
        self,
        model_cls: type[M],
        key_condition: ConditionBase,
        *,
        filter: ConditionBase | None = None,
        consistent: bool = False,
    ) -> Iterator[M]:
        """Every model a key condition (and filter) selects, read a page at a time as the caller iterates.

        For code that must see a whole partition, such as fan-out and cleanup. Lists shown to clients use
        :meth:`page`, whose signed cursors let a client resume.
        """
        expressions = ExpressionSet()
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": expressions.condition(key_condition, is_key_condition=True),
        }
        if filter is not None:
            request["FilterExpression"] = expressions.condition(filter)
        if consistent:
            request["ConsistentRead"] = True
        request.update(expressions.parameters())
        for items in self._all_pages(request):
            yield from (load_item(model_cls, item, self.schema) for item in items)

    def query_keys(
        self, key_condition: ConditionBase, *, consistent: bool = False, page_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """The primary key of every item a key condition selects (``{"pk": ..., "sk": ...}``), as read.

        Only the key attributes travel (a keys-only projection, in DynamoDB's 1 MB pages), so learning
        *which* items a large partition holds costs a fraction of reading them: what a fan-out needs to
        split a long list of recipients into batches that others then read and act on. ``page_size`` caps
        the keys of each Query (its ``Limit``): a caller that stops after that many keys has sent one Query
        however large the partition (two, if DynamoDB's 1 MB limit ended the first page sooner).
        """
        pages = self._key_pages(key_condition, filter=None, page_size=page_size, consistent=consistent)
        for keys in pages:
            yield from (
                {name: _key_deserializer.deserialize(value) for name, value in key.items()} for key in keys
            )

    def save(self, model: M, *, condition: ConditionBase | None = None) -> M:
        """Write ``model`` and return what was stored (version bumped, ``before_save`` applied)."""
        op = self.save_op(model, condition=condition)
        self._write(op)
        return op.model

    def replace(self, model: M, *, condition: ConditionBase | None = None) -> M:
        """Store a changed copy of a stored, versioned model with UpdateItem; return what was stored.

        The effect and the version check are those of :meth:`save` on a loaded model, but the request is an
        UpdateItem, which never creates an item: for functions whose role may change items (UpdateItem)
        and not create them (PutItem).
        """
        op = self.replace_op(model, condition=condition)
        self._write(op)
        return op.model

    def update(
        self, model_cls: type[M], key: KeyValues, changes: Mapping[str, Any], *, expected_version: int
    ) -> M:
        """Apply ``changes`` to the stored model if it is still at ``expected_version``.

        A consistent read gives ``before_save`` and validation the whole new model; the conditional put
        that follows is what makes the version check atomic.
        """
        layout = model_cls.item_layout()
        layout.require_version_field()
        current = self.get(model_cls, key, consistent=True)
        if current is None:
            raise ItemNotFoundError(layout.model_name, key)
        current_version = layout.version_of(current)
        if current_version != expected_version:
            raise VersionConflictError(
                layout.model_name, key, expected_version=expected_version, current_version=current_version
            )
        return self.save(layout.apply_changes(current, changes))

    def delete(
        self,
        model_cls: type[Model],
        key: KeyValues,
        *,
        expected_version: int | None = None,
        condition: ConditionBase | None = None,
    ) -> None:
        """Delete an existing item, optionally only at ``expected_version``; ItemNotFoundError if absent."""
        self._write(self.delete_op(model_cls, key, expected_version=expected_version, condition=condition))

    def delete_all(
        self,
        key_condition: ConditionBase,
        *,
        filter: ConditionBase | None = None,
        page_size: int = DELETE_PAGE_SIZE,
    ) -> int:
        """Delete every item a key condition (and filter) selects; return how many were deleted.

        Bounded batches: a Query reads at most ``page_size`` keys, those are deleted, then the next page is
        read. Work done before an interruption stays done, so calling again deletes what is left.
        """
        deleted = 0
        for keys in self._key_pages(key_condition, filter=filter, page_size=page_size):
            batch_write(self.client, self.name, [{"DeleteRequest": {"Key": key}} for key in keys])
            deleted += len(keys)
        return deleted

    def batch_save(self, models: Sequence[M]) -> list[M]:
        """Unconditional puts of unversioned models, 25 per request; returns what was stored.

        Versioned models are refused: BatchWriteItem cannot carry the version condition.
        """
        prepared = [self._prepared(model, None) for model in models]
        versioned = [model for model in prepared if type(model).item_layout().version_field is not None]
        if versioned:
            raise TypeError(
                f"{type(versioned[0]).__name__} is versioned; save it with save() or transact_write()."
            )
        batch_write(
            self.client, self.name, [{"PutRequest": {"Item": dump_item(m, self.schema)}} for m in prepared]
        )
        return prepared

    def batch_delete(self, model_cls: type[Model], keys: Sequence[KeyValues]) -> None:
        """Unconditional deletes, 25 per request; absent items are ignored, as DynamoDB does."""
        self.batch_delete_each((model_cls, key) for key in keys)

    def batch_delete_each(self, deletes: Iterable[tuple[type[Model], KeyValues]]) -> None:
        """:meth:`batch_delete` for items of several models: each (model, key) pair, 25 per request, so
        items that go together (a record and its mirror) cost one request instead of one per model."""
        requests = [
            {"DeleteRequest": {"Key": self._primary_key(model_cls, key)}} for model_cls, key in deletes
        ]
        batch_write(self.client, self.name, requests)

    def transact_write(self, ops: Sequence[WriteOp[Any]]) -> None:
        """Apply all ``ops`` or none; the first failed condition is raised as its model-layer error."""
        ops = list(ops)
        with translate_write_errors("TransactWriteItems", ops):
            self.client.transact_write_items(TransactItems=[op.transact_item() for op in ops])

    def save_op(self, model: M, *, condition: ConditionBase | None = None) -> WriteOp[M]:
        """A Put of ``model``; for versioned models it expects the version the model carries (0 = new)."""
        layout = type(model).item_layout()
        expected = layout.version_of(model)
        prepared = self._prepared(model, expected)
        expectation = Expectation(
            layout.model_name,
            self._key_values(layout, dict(model)),
            must_exist=bool(expected),
            version_field=layout.version_field,
            expected_version=expected,
        )
        guard = all_of(self._version_guard(layout, expected), condition)
        return self._op("Put", {"Item": dump_item(prepared, self.schema)}, guard, expectation, prepared)

    def replace_op(self, model: M, *, condition: ConditionBase | None = None) -> WriteOp[M]:
        """An Update that rewrites every attribute of an item stored at the version ``model`` carries."""
        layout = type(model).item_layout()
        expected = layout.version_of(model)
        if not expected:
            raise TypeError(
                f"replace() rewrites a stored {layout.model_name} at its version; save() a new one instead."
            )
        prepared = self._prepared(model, expected)
        item = dump_item(prepared, self.schema)
        key = {name: item.pop(name) for name in self.schema.primary_key}
        unset_ttl = layout.ttl_field is not None and self.schema.ttl_attribute not in item
        removed = [str(self.schema.ttl_attribute)] if unset_ttl else []
        expressions = ExpressionSet()
        target = {"Key": key, "UpdateExpression": expressions.assignments(item, removed)}
        expectation = Expectation(
            layout.model_name,
            self._key_values(layout, dict(model)),
            must_exist=True,
            version_field=layout.version_field,
            expected_version=expected,
        )
        guard = all_of(self._version_guard(layout, expected), condition)
        return self._op("Update", target, guard, expectation, prepared, expressions=expressions)

    def delete_op(
        self,
        model_cls: type[Model],
        key: KeyValues,
        *,
        expected_version: int | None = None,
        condition: ConditionBase | None = None,
        must_exist: bool = True,
    ) -> WriteOp[None]:
        """A Delete of an existing item, optionally only at ``expected_version``.

        With ``must_exist=False`` an absent item is no failure, for transactions that clean up whatever
        is still there.
        """
        layout = model_cls.item_layout()
        version_guard = (
            None if expected_version is None else Attr(layout.require_version_field()).eq(expected_version)
        )
        expectation = Expectation(
            layout.model_name,
            self._key_values(layout, key),
            must_exist=must_exist,
            version_field=layout.version_field,
            expected_version=expected_version,
        )
        guard = all_of(self._exists() if must_exist else None, version_guard, condition)
        return self._op("Delete", {"Key": self._primary_key(model_cls, key)}, guard, expectation, None)

    def check_op(
        self, model_cls: type[Model], key: KeyValues, condition: ConditionBase | None = None
    ) -> WriteOp[None]:
        """A ConditionCheck that the item exists (and meets ``condition``), for use in a transaction."""
        layout = model_cls.item_layout()
        expectation = Expectation(layout.model_name, self._key_values(layout, key), must_exist=True)
        guard = all_of(self._exists(), condition)
        return self._op(
            "ConditionCheck", {"Key": self._primary_key(model_cls, key)}, guard, expectation, None
        )

    def _op(
        self,
        kind: WriteKind,
        target: dict[str, Any],
        condition: ConditionBase | None,
        expectation: Expectation,
        model: Any,
        *,
        expressions: ExpressionSet | None = None,
    ) -> WriteOp[Any]:
        # An Update's target already holds placeholders of its own; the condition must share their maps.
        expressions = ExpressionSet() if expressions is None else expressions
        parameters: dict[str, Any] = {"TableName": self.name, **target}
        if condition is not None:
            parameters["ConditionExpression"] = expressions.condition(condition)
        parameters.update(expressions.parameters())
        return WriteOp(kind, parameters, expectation, model)

    def _write(self, op: WriteOp[Any]) -> None:
        send = {
            "Put": self.client.put_item,
            "Update": self.client.update_item,
            "Delete": self.client.delete_item,
        }[op.kind]
        with translate_write_errors(f"{op.kind}Item", [op]):
            send(**op.parameters, ReturnValuesOnConditionCheckFailure="ALL_OLD")

    @staticmethod
    def _prepared(model: M, expected_version: int | None) -> M:
        # The hook runs on a copy so a refused or failed write leaves the caller's model untouched.
        prepared = (
            model.model_copy(deep=True)
            if expected_version is None
            else model.with_version(expected_version + 1)
        )
        prepared.before_save()
        return prepared

    def _version_guard(self, layout: ItemLayout, expected: int | None) -> ConditionBase | None:
        if expected is None:
            return None
        if expected == 0:
            return Attr(self.schema.partition_key).not_exists()
        return Attr(layout.require_version_field()).eq(expected)

    def _exists(self) -> ConditionBase:
        return Attr(self.schema.partition_key).exists()

    def _primary_key(self, model_cls: type[Model], key: KeyValues) -> RawItem:
        rendered = model_cls.item_layout().render_keys(key, self.schema.primary_key)
        return {name: {"S": value} for name, value in rendered.items()}

    def _key_values(self, layout: ItemLayout, values: KeyValues) -> dict[str, Any]:
        return {field: values[field] for field in layout.key_fields(self.schema.primary_key)}

    def _identity(self, item: RawItem) -> tuple[str, ...]:
        return tuple(str(item[name]) for name in self.schema.primary_key)

    def _cursor_codec(self) -> CursorCodec:
        if self._cursors is None:
            raise TypeError("This Table was built without a CursorCodec, so it cannot page. Pass cursors=...")
        return self._cursors

    def _query_request(self, query: Query) -> dict[str, Any]:
        expressions = ExpressionSet()
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": expressions.condition(query.key_condition, is_key_condition=True),
            "ScanIndexForward": not query.descending,
        }
        if query.index is not None:
            request["IndexName"] = query.index
        if query.filter is not None:
            request["FilterExpression"] = expressions.condition(query.filter)
        if query.consistent:
            request["ConsistentRead"] = True
        return {**request, **expressions.parameters()}

    def _key_pages(
        self,
        key_condition: ConditionBase,
        *,
        filter: ConditionBase | None,
        page_size: int | None,
        consistent: bool = True,
    ) -> Iterator[list[RawItem]]:
        expressions = ExpressionSet()
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": expressions.condition(key_condition, is_key_condition=True),
            "ProjectionExpression": expressions.projection(self.schema.primary_key),
            "ConsistentRead": consistent,
        }
        if page_size is not None:
            request["Limit"] = page_size
        if filter is not None:
            request["FilterExpression"] = expressions.condition(filter)
        request.update(expressions.parameters())
        return self._all_pages(request)

    def _all_pages(self, request: dict[str, Any]) -> Iterator[list[RawItem]]:
        while True:
            with translate_throttling("Query"):
                response = self.client.query(**request)
            yield response["Items"]
            if "LastEvaluatedKey" not in response:
                return
            request = {**request, "ExclusiveStartKey": response["LastEvaluatedKey"]}
