"""How items are keyed: the table's key attributes, and the templates a model renders them from.

A model declares ``{"pk": "NOTEBOOK#{notebook_id}", "sk": "NOTE#{note_id}"}``; a table declares which
attribute names are its primary key and which belong to each index. Keeping both here lets the layer stay
generic: it never needs to know what the application stores.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from string import Formatter
from typing import Any

__all__ = ["IndexSchema", "KeyTemplate", "TableSchema"]


@dataclass(frozen=True)
class KeyTemplate:
    """A key attribute's value as a ``str.format`` template over model fields, e.g. ``"NOTE#{note_id}"``.

    Only bare field names are allowed as placeholders (no format specs or attribute access), so a template
    can be checked against the model's fields when the class is defined.
    """

    template: str
    fields: tuple[str, ...] = field(init=False)
    prefix: str = field(init=False)

    def __post_init__(self) -> None:
        parts = list(Formatter().parse(self.template))
        names = tuple(name for _, name, _, _ in parts if name is not None)
        if any(not name.isidentifier() or spec or conversion for _, name, spec, conversion in parts if name):
            raise TypeError(f"Key template {self.template!r} may only use plain {{field}} placeholders.")
        object.__setattr__(self, "fields", names)
        object.__setattr__(self, "prefix", parts[0][0] if parts else "")

    def render(self, values: Mapping[str, Any]) -> str:
        """Fill the template; ``values`` must hold every field the template names."""
        missing = [name for name in self.fields if name not in values]
        if missing:
            raise KeyError(f"Key template {self.template!r} needs {', '.join(missing)}.")
        return self.template.format(**{name: _key_text(values[name]) for name in self.fields})


def _key_text(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class IndexSchema:
    """Key attribute names of a global secondary index."""

    partition_key: str
    sort_key: str | None = None

    @property
    def attributes(self) -> tuple[str, ...]:
        return (self.partition_key,) if self.sort_key is None else (self.partition_key, self.sort_key)


@dataclass(frozen=True)
class TableSchema:
    """Key attribute names of a table, its indexes, and the attribute DynamoDB's TTL reads (if enabled)."""

    partition_key: str
    sort_key: str | None = None
    indexes: Mapping[str, IndexSchema] = field(default_factory=dict)
    ttl_attribute: str | None = None

    @property
    def primary_key(self) -> tuple[str, ...]:
        return (self.partition_key,) if self.sort_key is None else (self.partition_key, self.sort_key)

    def index(self, name: str) -> IndexSchema:
        """The named index; a KeyError names the known indexes, since a typo here is a programming error."""
        try:
            return self.indexes[name]
        except KeyError:
            raise KeyError(f"Unknown index {name!r}; this table has: {', '.join(self.indexes)}.") from None

    def resume_key_attributes(self, index: str | None) -> tuple[str, ...]:
        """The attributes of a LastEvaluatedKey for a Query on the table or on ``index``."""
        if index is None:
            return self.primary_key
        return self.index(index).attributes + self.primary_key
