"""Timestamps as every stored item keeps them: aware, in UTC.

A module of its own so that the connections table's items share them without importing the main table's
models (the fan-out sender reads connections only).
"""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

__all__ = ["UtcDatetime", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(lambda moment: moment.astimezone(UTC))]
