"""The generic model layer on moto: CRUD, conditions, version locking, TTL, hooks, batches, transactions."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar

import pytest
from pydantic import AwareDatetime, PrivateAttr, ValidationError

from dynamo_odm import (
    Attr,
    ConditionFailedError,
    InvalidChangeError,
    ItemNotFoundError,
    Key,
    Model,
    Table,
    VersionConflictError,
)
from tests.odm.notes_table import SCHEMA, raw_item


class Note(Model, keys={"pk": "NOTE#{note_id}", "sk": "META"}, version_field="version"):
    note_id: str
    text: str
    score: float = 0.0
    tags: list[str] = []
    version: int = 0

    saved_texts: ClassVar[list[str]] = []
    _loaded: bool = PrivateAttr(default=False)

    def before_save(self) -> None:
        if "forbidden" in self.text:
            raise ValueError("Notes may not say that.")
        self.text = self.text.strip()
        Note.saved_texts.append(self.text)

    def after_load(self) -> None:
        self._loaded = True


class Session(Model, keys={"pk": "SESSION#{session_id}", "sk": "META"}, ttl_field="expires_at"):
    session_id: str
    expires_at: AwareDatetime | None = None


class Counter(Model, keys={"pk": "COUNTER#{name}", "sk": "META"}):
    name: str
    value: int = 0


NOTE_KEY = {"note_id": "n1"}
TTL = SCHEMA.ttl_attribute


@pytest.fixture(autouse=True)
def _fresh_hook_log() -> None:
    Note.saved_texts.clear()


def test_save_of_a_new_model_stores_version_1_and_returns_the_stored_copy(
    table: Table, dynamodb: Any
) -> None:
    draft = Note(note_id="n1", text="  hello ", score=1.5, tags=["a"])
    stored = table.save(draft)
    assert stored.version == 1
    assert draft.version == 0
    assert draft.text == "  hello "
    raw = raw_item(dynamodb, "NOTE#n1")
    assert raw is not None
    assert raw["version"] == {"N": "1"}
    assert raw["score"] == {"N": "1.5"}
    assert raw["text"] == {"S": "hello"}


def test_get_round_trips_every_field(table: Table) -> None:
    stored = table.save(Note(note_id="n1", text="hello", score=2.25, tags=["x", "y"]))
    assert table.get(Note, NOTE_KEY).model_dump() == stored.model_dump()


def test_get_of_a_missing_item_is_none(table: Table) -> None:
    assert table.get(Note, {"note_id": "absent"}) is None


def test_saving_a_new_model_over_an_existing_one_is_a_version_conflict(table: Table) -> None:
    table.save(Note(note_id="n1", text="first"))
    with pytest.raises(VersionConflictError) as raised:
        table.save(Note(note_id="n1", text="second"))
    assert raised.value.current_version == 1
    assert table.get(Note, NOTE_KEY).text == "first"


def test_save_of_a_loaded_model_bumps_its_version(table: Table) -> None:
    first = table.save(Note(note_id="n1", text="one"))
    second = table.save(first.model_copy(update={"text": "two"}))
    assert second.version == 2
    assert table.get(Note, NOTE_KEY).text == "two"


def test_save_with_a_stale_version_reports_the_current_version(table: Table) -> None:
    first = table.save(Note(note_id="n1", text="one"))
    table.save(first.model_copy(update={"text": "two"}))
    with pytest.raises(VersionConflictError) as raised:
        table.save(first.model_copy(update={"text": "stale"}))
    assert (raised.value.expected_version, raised.value.current_version) == (1, 2)
    assert "version 2 is current" in str(raised.value)
    assert table.get(Note, NOTE_KEY).text == "two"


def test_save_of_a_loaded_model_whose_item_was_deleted_is_not_found(table: Table) -> None:
    stored = table.save(Note(note_id="n1", text="one"))
    table.delete(Note, NOTE_KEY)
    with pytest.raises(ItemNotFoundError) as raised:
        table.save(stored)
    assert raised.value.key == NOTE_KEY


def test_update_applies_changes_and_bumps_the_version(table: Table) -> None:
    table.save(Note(note_id="n1", text="one"))
    updated = table.update(Note, NOTE_KEY, {"text": "two", "score": 3}, expected_version=1)
    assert (updated.text, updated.score, updated.version) == ("two", 3.0, 2)
    assert table.get(Note, NOTE_KEY).model_dump() == updated.model_dump()


def test_update_with_a_stale_version_is_refused_with_the_current_version(table: Table) -> None:
    table.save(Note(note_id="n1", text="one"))
    table.update(Note, NOTE_KEY, {"text": "two"}, expected_version=1)
    with pytest.raises(VersionConflictError) as raised:
        table.update(Note, NOTE_KEY, {"text": "three"}, expected_version=1)
    assert raised.value.current_version == 2


def test_update_of_a_missing_item_is_not_found(table: Table) -> None:
    with pytest.raises(ItemNotFoundError):
        table.update(Note, NOTE_KEY, {"text": "two"}, expected_version=1)


@pytest.mark.parametrize("field", ["note_id", "version", "no_such_field"])
def test_update_refuses_keys_the_version_and_unknown_fields(table: Table, field: str) -> None:
    table.save(Note(note_id="n1", text="one"))
    with pytest.raises(InvalidChangeError, match=field):
        table.update(Note, NOTE_KEY, {field: "x"}, expected_version=1)


def test_update_validates_the_new_values(table: Table) -> None:
    table.save(Note(note_id="n1", text="one"))
    with pytest.raises(ValidationError):
        table.update(Note, NOTE_KEY, {"score": "not a number"}, expected_version=1)
    assert table.get(Note, NOTE_KEY).version == 1


def test_update_needs_a_versioned_model(table: Table) -> None:
    with pytest.raises(TypeError, match="version_field"):
        table.update(Counter, {"name": "c"}, {"value": 1}, expected_version=1)


def test_a_failing_user_condition_is_a_condition_failure(table: Table) -> None:
    stored = table.save(Note(note_id="n1", text="one"))
    with pytest.raises(ConditionFailedError):
        table.save(stored.model_copy(update={"text": "two"}), condition=Attr("text").eq("other"))
    assert table.get(Note, NOTE_KEY).text == "one"


def test_a_holding_user_condition_lets_the_write_through(table: Table) -> None:
    stored = table.save(Note(note_id="n1", text="one", score=5))
    table.save(stored.model_copy(update={"text": "two"}), condition=Attr("score").gte(5))
    assert table.get(Note, NOTE_KEY).text == "two"


def test_unversioned_save_overwrites_and_honours_its_condition(table: Table) -> None:
    table.save(Counter(name="c", value=1))
    table.save(Counter(name="c", value=2))
    with pytest.raises(ConditionFailedError):
        table.save(Counter(name="c", value=3), condition=Attr("value").eq(1))
    assert table.get(Counter, {"name": "c"}).value == 2


def test_replace_rewrites_a_stored_model_with_update_item(table: Table) -> None:
    stored = table.save(Note(note_id="n1", text="one", tags=["a"]))
    sent: list[str] = []
    table.client.meta.events.register("before-call.dynamodb", lambda model, **_: sent.append(model.name))

    replaced = table.replace(stored.model_copy(update={"text": " two ", "score": 1.5, "tags": []}))

    assert sent == ["UpdateItem"]
    assert (replaced.text, replaced.score, replaced.tags, replaced.version) == ("two", 1.5, [], 2)
    assert table.get(Note, NOTE_KEY).model_dump() == replaced.model_dump()
    assert Note.saved_texts == ["one", "two"]


def test_replace_at_a_stale_version_reports_the_current_version(table: Table) -> None:
    first = table.save(Note(note_id="n1", text="one"))
    table.replace(first.model_copy(update={"text": "two"}))

    with pytest.raises(VersionConflictError) as raised:
        table.replace(first.model_copy(update={"text": "stale"}))

    assert raised.value.current_version == 2
    assert table.get(Note, NOTE_KEY).text == "two"


def test_replace_never_creates_an_item(table: Table) -> None:
    stored = table.save(Note(note_id="n1", text="one"))
    table.delete(Note, NOTE_KEY)

    with pytest.raises(ItemNotFoundError):
        table.replace(stored)
    with pytest.raises(TypeError, match="save"):
        table.replace(Note(note_id="n2", text="new"))
    assert table.get(Note, NOTE_KEY) is None


def test_replace_honours_its_condition(table: Table) -> None:
    stored = table.save(Note(note_id="n1", text="one"))

    with pytest.raises(ConditionFailedError):
        table.replace(stored.model_copy(update={"text": "two"}), condition=Attr("text").eq("other"))
    assert table.get(Note, NOTE_KEY).version == 1


def test_replace_removes_a_cleared_ttl(table: Table, dynamodb: Any) -> None:
    class Lease(
        Model,
        keys={"pk": "LEASE#{lease_id}", "sk": "META"},
        version_field="version",
        ttl_field="expires_at",
    ):
        lease_id: str
        expires_at: AwareDatetime | None = None
        version: int = 0

    stored = table.save(Lease(lease_id="l1", expires_at=datetime(2030, 1, 1, tzinfo=UTC)))

    table.replace(stored.model_copy(update={"expires_at": None}))

    raw = raw_item(dynamodb, "LEASE#l1")
    assert raw is not None
    assert TTL not in raw
    assert raw["version"] == {"N": "2"}


def test_delete_at_the_expected_version(table: Table) -> None:
    table.save(Note(note_id="n1", text="one"))
    table.delete(Note, NOTE_KEY, expected_version=1)
    assert table.get(Note, NOTE_KEY) is None


def test_delete_at_a_stale_version_is_refused(table: Table) -> None:
    table.save(Note(note_id="n1", text="one"))
    table.update(Note, NOTE_KEY, {"text": "two"}, expected_version=1)
    with pytest.raises(VersionConflictError) as raised:
        table.delete(Note, NOTE_KEY, expected_version=1)
    assert raised.value.current_version == 2
    assert table.get(Note, NOTE_KEY) is not None


def test_delete_of_a_missing_item_is_not_found(table: Table) -> None:
    with pytest.raises(ItemNotFoundError):
        table.delete(Note, NOTE_KEY)


def test_delete_with_a_failing_condition_keeps_the_item(table: Table) -> None:
    table.save(Note(note_id="n1", text="one"))
    with pytest.raises(ConditionFailedError):
        table.delete(Note, NOTE_KEY, condition=Attr("text").eq("other"))
    assert table.get(Note, NOTE_KEY) is not None


def test_ttl_field_is_stored_as_epoch_seconds_in_the_ttl_attribute(table: Table, dynamodb: Any) -> None:
    expires_at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    table.save(Session(session_id="s1", expires_at=expires_at))
    raw = raw_item(dynamodb, "SESSION#s1")
    assert raw is not None
    assert raw[TTL] == {"N": str(int(expires_at.timestamp()))}
    assert "expires_at" not in raw
    assert table.get(Session, {"session_id": "s1"}).expires_at == expires_at


def test_ttl_field_keeps_its_instant_whatever_the_time_zone(table: Table) -> None:
    expires_at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    table.save(Session(session_id="s1", expires_at=expires_at.astimezone(timezone(timedelta(hours=5)))))
    assert table.get(Session, {"session_id": "s1"}).expires_at == expires_at


def test_unset_ttl_field_writes_no_ttl_attribute(table: Table, dynamodb: Any) -> None:
    table.save(Session(session_id="s1"))
    raw = raw_item(dynamodb, "SESSION#s1")
    assert raw is not None
    assert TTL not in raw
    assert table.get(Session, {"session_id": "s1"}).expires_at is None


def test_model_without_ttl_field_writes_no_ttl_attribute(table: Table, dynamodb: Any) -> None:
    table.save(Note(note_id="n1", text="one"))
    raw = raw_item(dynamodb, "NOTE#n1")
    assert raw is not None
    assert TTL not in raw


def test_naive_ttl_is_refused(table: Table) -> None:
    class LooseSession(Model, keys={"pk": "LOOSE#{session_id}", "sk": "META"}, ttl_field="expires_at"):
        session_id: str
        expires_at: datetime | None = None

    with pytest.raises(ValueError, match="timezone-aware"):
        table.save(LooseSession(session_id="s1", expires_at=datetime(2030, 1, 1)))


def test_before_save_runs_on_every_save(table: Table) -> None:
    stored = table.save(Note(note_id="n1", text=" one "))
    table.update(Note, NOTE_KEY, {"text": " two "}, expected_version=stored.version)
    assert Note.saved_texts == ["one", "two"]
    assert table.get(Note, NOTE_KEY).text == "two"


def test_before_save_can_refuse_a_write(table: Table) -> None:
    with pytest.raises(ValueError, match="may not say that"):
        table.save(Note(note_id="n1", text="forbidden words"))
    assert table.get(Note, NOTE_KEY) is None


def test_before_save_refusal_also_blocks_updates(table: Table) -> None:
    table.save(Note(note_id="n1", text="fine"))
    with pytest.raises(ValueError, match="may not say that"):
        table.update(Note, NOTE_KEY, {"text": "forbidden"}, expected_version=1)
    assert table.get(Note, NOTE_KEY).text == "fine"


def test_after_load_runs_on_every_read(table: Table) -> None:
    stored = table.save(Note(note_id="n1", text="one"))
    assert stored._loaded is False
    assert table.get(Note, NOTE_KEY)._loaded is True
    assert all(note._loaded for note in table.batch_get(Note, [NOTE_KEY]))


def test_batch_save_and_batch_get_in_chunks_keep_the_requested_order(table: Table) -> None:
    counters = [Counter(name=f"c{index:03}", value=index) for index in range(130)]
    table.batch_save(counters)
    keys = [{"name": f"c{index:03}"} for index in reversed(range(130))]
    keys.insert(5, {"name": "absent"})
    loaded = table.batch_get(Counter, keys)
    assert [counter.value for counter in loaded] == list(reversed(range(130)))


def test_batch_get_tolerates_duplicate_keys(table: Table) -> None:
    table.save(Counter(name="c", value=1))
    assert len(table.batch_get(Counter, [{"name": "c"}, {"name": "c"}])) == 1


def test_batch_save_refuses_versioned_models(table: Table) -> None:
    with pytest.raises(TypeError, match="versioned"):
        table.batch_save([Note(note_id="n1", text="one")])


def test_batch_delete_removes_items(table: Table) -> None:
    table.batch_save([Counter(name=f"c{index}") for index in range(30)])
    table.batch_delete(Counter, [{"name": f"c{index}"} for index in range(30)])
    assert table.batch_get(Counter, [{"name": f"c{index}"} for index in range(30)]) == []


def test_batch_delete_each_deletes_items_of_several_models_in_one_request(table: Table) -> None:
    table.save(Counter(name="c", value=1))
    expires_at = datetime.now(UTC) + timedelta(hours=1)
    table.save(Session(session_id="s", expires_at=expires_at))
    requests: list[str] = []
    table.client.meta.events.register(
        "before-call.dynamodb.BatchWriteItem", lambda **_: requests.append("BatchWriteItem")
    )

    table.batch_delete_each([(Counter, {"name": "c"}), (Session, {"session_id": "s"})])

    assert requests == ["BatchWriteItem"]
    assert table.get(Counter, {"name": "c"}) is None
    assert table.get(Session, {"session_id": "s"}) is None


def test_transaction_is_all_or_nothing(table: Table) -> None:
    note_write = table.save_op(Note(note_id="n1", text="one"))
    with pytest.raises(ItemNotFoundError) as raised:
        table.transact_write([note_write, table.check_op(Counter, {"name": "absent"})])
    assert raised.value.model_name == "Counter"
    assert table.get(Note, NOTE_KEY) is None


def test_transaction_reports_a_version_conflict_with_the_current_version(table: Table) -> None:
    table.save(Counter(name="c"))
    table.save(Note(note_id="n1", text="one"))
    stale = Note(note_id="n1", text="again")
    with pytest.raises(VersionConflictError) as raised:
        table.transact_write([table.check_op(Counter, {"name": "c"}), table.save_op(stale)])
    assert raised.value.current_version == 1


def test_key_template_must_name_model_fields() -> None:
    with pytest.raises(TypeError, match="missing_field"):

        class Broken(Model, keys={"pk": "X#{missing_field}"}):
            name: str


def test_key_template_allows_only_plain_placeholders() -> None:
    with pytest.raises(TypeError, match="plain"):

        class Broken(Model, keys={"pk": "X#{name!r}"}):
            name: str


def test_fields_must_not_shadow_key_attributes() -> None:
    with pytest.raises(TypeError, match="clash"):

        class Broken(Model, keys={"pk": "X#{name}", "sk": "META"}):
            name: str
            pk: str


def test_models_without_keys_are_abstract(table: Table) -> None:
    class Abstract(Model):
        name: str

    with pytest.raises(TypeError, match="declares no keys"):
        table.save(Abstract(name="a"))


class Ticket(
    Model,
    keys={"pk": "TICKET#{ticket_id}", "sk": "META"},
    index_keys={"gsi2pk": "QUEUE#{queue}", "gsi2sk": "{ticket_id}"},
    version_field="version",
):
    ticket_id: str
    queue: str
    version: int = 0


def test_index_key_fields_may_change_and_the_index_keys_follow(table: Table, dynamodb: Any) -> None:
    table.save(Ticket(ticket_id="t1", queue="triage"))

    moved = table.update(Ticket, {"ticket_id": "t1"}, {"queue": "done"}, expected_version=1)

    stored = raw_item(dynamodb, "TICKET#t1")
    assert moved.queue == "done"
    assert stored is not None
    assert (stored["gsi2pk"], stored["gsi2sk"]) == ({"S": "QUEUE#done"}, {"S": "t1"})


def test_primary_key_fields_may_not_change(table: Table) -> None:
    table.save(Ticket(ticket_id="t1", queue="triage"))

    with pytest.raises(InvalidChangeError, match="ticket_id"):
        table.update(Ticket, {"ticket_id": "t1"}, {"ticket_id": "t2"}, expected_version=1)


def test_an_attribute_is_either_a_key_or_an_index_key() -> None:
    with pytest.raises(TypeError, match="both keys and index_keys"):

        class Broken(Model, keys={"pk": "X#{name}", "sk": "META"}, index_keys={"sk": "Y"}):
            name: str


class OrderLine(Model, keys={"pk": "ORDER#{order_id}", "sk": "LINE#{line}"}):
    order_id: str
    line: int
    state: str


def test_delete_all_works_in_bounded_pages_and_spares_what_the_filter_excludes(table: Table) -> None:
    table.batch_save([OrderLine(order_id="o1", line=n, state="held" if n == 3 else "open") for n in range(7)])
    limits: list[int] = []
    table.client.meta.events.register(
        "before-parameter-build.dynamodb.Query", lambda params, **_: limits.append(params.get("Limit"))
    )

    deleted = table.delete_all(Key("pk").eq("ORDER#o1"), filter=Attr("state").ne("held"), page_size=3)

    assert deleted == 6
    assert set(limits) == {3}
    assert len(limits) >= 3, "seven lines in pages of three"
    assert [n for n in range(7) if table.get(OrderLine, {"order_id": "o1", "line": n})] == [3]
