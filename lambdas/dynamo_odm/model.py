"""The Model base class: a pydantic model that knows how it is keyed, versioned and expired in DynamoDB.

Declare the storage layout with class keywords, so the schema and the layout sit side by side::

    class Note(Model, keys={"pk": "NOTEBOOK#{notebook_id}", "sk": "NOTE#{note_id}"}, version_field="version"):
        notebook_id: str
        note_id: str
        text: str
        version: int = 0

        def before_save(self) -> None:
            if not self.text.strip():
                raise ValueError("A note needs some text.")

A class declared without ``keys`` is abstract: it can carry shared fields and hooks but cannot be stored.

``index_keys`` declare the key attributes of secondary indexes the same way. They are rendered on every
save like ``keys``, but the fields they use may change (an item moves between index partitions when they
do); the fields of ``keys`` may not, because they name the item::

    class Note(Model, keys={...}, index_keys={"gsi1pk": "OWNER#{owner}", "gsi1sk": "NOTE#{note_id}"}): ...
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict

from dynamo_odm.errors import InvalidChangeError
from dynamo_odm.keys import KeyTemplate

__all__ = ["ItemLayout", "Model"]

M = TypeVar("M", bound="Model")


@dataclass(frozen=True)
class ItemLayout:
    """Where a model's data goes in an item: key templates (primary and index keys alike), the
    optimistic-lock field and the TTL field."""

    model_name: str
    keys: Mapping[str, KeyTemplate]
    version_field: str | None
    ttl_field: str | None
    changeable_fields: frozenset[str]

    def render_keys(
        self, values: Mapping[str, Any], attributes: tuple[str, ...] | None = None
    ) -> dict[str, str]:
        """Render the key attributes named in ``attributes`` (by default all of the model's)."""
        names = self.keys if attributes is None else attributes
        missing = [name for name in names if name not in self.keys]
        if missing:
            raise TypeError(
                f"{self.model_name} declares no template for key attribute(s) {', '.join(missing)}."
            )
        return {name: self.keys[name].render(values) for name in names}

    def key_fields(self, attributes: tuple[str, ...]) -> tuple[str, ...]:
        """The model fields that the given key attributes are rendered from, in template order."""
        fields = (field for name in attributes for field in self.keys[name].fields)
        return tuple(dict.fromkeys(fields))

    def require_version_field(self) -> str:
        if self.version_field is None:
            raise TypeError(f"{self.model_name} has no version_field, so it cannot be updated by version.")
        return self.version_field

    def version_of(self, model: "Model") -> int | None:
        return None if self.version_field is None else int(getattr(model, self.version_field))

    def apply_changes(self, model: M, changes: Mapping[str, Any]) -> M:
        """A validated copy of ``model`` with ``changes``; keys, frozen fields and the version stay put."""
        refused = set(changes) - self.changeable_fields
        if refused:
            raise InvalidChangeError(self.model_name, refused, set(self.changeable_fields))
        return type(model).model_validate({**model.model_dump(), **changes})


class Model(BaseModel):
    """Base class for stored records: pydantic validation plus the hooks the table calls.

    ``before_save`` runs on a copy of the model just before every write (after the version is bumped), so
    it can stamp fields or refuse the write by raising. ``after_load`` runs after every read.
    """

    # Validators are built on first use: a cold start then builds only the models its request touches.
    model_config = ConfigDict(validate_assignment=True, defer_build=True)

    __item_layout__: ClassVar[ItemLayout | None] = None

    def __init_subclass__(
        cls,
        *,
        keys: Mapping[str, str] | None = None,
        index_keys: Mapping[str, str] | None = None,
        version_field: str | None = None,
        ttl_field: str | None = None,
        **kwargs: Any,
    ) -> None:
        # The layout keywords are consumed in __pydantic_init_subclass__, once pydantic knows the fields.
        super().__init_subclass__(**kwargs)

    @classmethod
    def __pydantic_init_subclass__(
        cls,
        *,
        keys: Mapping[str, str] | None = None,
        index_keys: Mapping[str, str] | None = None,
        version_field: str | None = None,
        ttl_field: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if keys is not None:
            cls.__item_layout__ = _build_layout(cls, keys, index_keys or {}, version_field, ttl_field)

    @classmethod
    def item_layout(cls) -> ItemLayout:
        """The storage layout; abstract models (declared without ``keys``) have none."""
        if cls.__item_layout__ is None:
            raise TypeError(f"{cls.__name__} declares no keys, so it cannot be stored. Pass keys={{...}}.")
        return cls.__item_layout__

    @classmethod
    def render_key(cls, attribute: str, values: Mapping[str, Any]) -> str:
        """One key attribute's value, e.g. the partition key to query: ``Note.render_key("pk", {...})``."""
        return cls.item_layout().render_keys(values, (attribute,))[attribute]

    @classmethod
    def key_prefix(cls, attribute: str) -> str:
        """The literal start of a key template (``"NOTE#"`` for ``"NOTE#{note_id}"``), for begins_with."""
        return cls.item_layout().keys[attribute].prefix

    def before_save(self) -> None:
        """Hook: called on the copy about to be written. Raise to refuse the write."""

    def after_load(self) -> None:
        """Hook: called on every model read from the table."""

    def with_version(self, version: int) -> Self:
        """A copy carrying ``version`` in the version field, for the table to write."""
        field = self.item_layout().require_version_field()
        return self.model_copy(update={field: version}, deep=True)


def _build_layout(
    cls: type[Model],
    keys: Mapping[str, str],
    index_keys: Mapping[str, str],
    version_field: str | None,
    ttl_field: str | None,
) -> ItemLayout:
    fields = set(cls.model_fields)
    both = set(keys) & set(index_keys)
    if both:
        raise TypeError(f"{cls.__name__} declares {', '.join(sorted(both))} in both keys and index_keys.")
    templates = {attribute: KeyTemplate(template) for attribute, template in {**keys, **index_keys}.items()}
    key_fields = {field for attribute in keys for field in templates[attribute].fields}
    index_fields = {field for attribute in index_keys for field in templates[attribute].fields}
    declared = key_fields | index_fields | {name for name in (version_field, ttl_field) if name is not None}
    unknown = declared - fields
    if unknown:
        raise TypeError(
            f"{cls.__name__}'s layout names fields it does not have: {', '.join(sorted(unknown))}."
        )
    clashing = fields & set(templates)
    if clashing:
        raise TypeError(
            f"{cls.__name__} fields clash with its key attributes: {', '.join(sorted(clashing))}."
        )
    frozen = {name for name, info in cls.model_fields.items() if info.frozen}
    return ItemLayout(
        model_name=cls.__name__,
        keys=templates,
        version_field=version_field,
        ttl_field=ttl_field,
        changeable_fields=frozenset(fields - key_fields - frozen - {version_field}),
    )
