"""Pages of query results that are full and resume exactly after their last item.

DynamoDB's ``Limit`` caps items *evaluated*, not items returned, so a filtered query can return short or
even empty pages with more to come. :func:`collect_page` keeps reading until it holds one item more than
the page needs (proof that more exist) or the query ends, and resumes after the last item it returns,
never after items it read but dropped: no duplicates, no gaps, and ``next_cursor`` is None only at the end.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["MAX_EVALUATED_PER_READ", "Page", "collect_page"]

T = TypeVar("T")
Item = dict[str, Any]
ResumeKey = dict[str, Any]
Fetch = Callable[[ResumeKey | None, int], tuple[Sequence[Item], ResumeKey | None]]

# Sparse filters double the read size each round trip, up to this cap, to bound both calls and waste.
MAX_EVALUATED_PER_READ = 1000


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the opaque cursor of the next page (None when this is the last)."""

    items: list[T]
    next_cursor: str | None


def collect_page(
    fetch: Fetch,
    *,
    limit: int,
    start_key: ResumeKey | None,
    resume_key_of: Callable[[Mapping[str, Any]], ResumeKey],
) -> tuple[list[Item], ResumeKey | None]:
    """Read through ``fetch(start_key, evaluate_limit)`` until ``limit`` items are collected or none remain.

    Returns the items and the key to resume after the last of them, or None when the query is exhausted.
    """
    if limit < 1:
        raise ValueError(f"A page limit must be at least 1, got {limit}.")
    items: list[Item] = []
    evaluate = limit + 1
    while True:
        batch, last_evaluated = fetch(start_key, evaluate)
        items.extend(batch)
        if len(items) > limit:
            kept = items[:limit]
            return kept, resume_key_of(kept[-1])
        if last_evaluated is None:
            return items, None
        start_key = last_evaluated
        evaluate = min(evaluate * 2, MAX_EVALUATED_PER_READ)
