"""Schemas shared by every module's API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from ninja import Schema
from pydantic import AfterValidator, Field

T = TypeVar("T")


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] = {}


class Page(Schema, Generic[T]):
    items: list[T]
    count: int


# A database id: bounded so that an absurd number is a 422, not a database overflow (a 500 when
# a list of ids meets SQLite or PostgreSQL integers).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _in_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("时间超出范围。") from None


# A date and time from a client, kept in UTC: ISO 8601 allows offsets (+17:26) that PostgreSQL
# refuses to store (a 500).
DateTimeIn = Annotated[datetime, AfterValidator(_in_utc)]

# The largest offset a list takes: beyond a 64-bit integer the database refuses the query (a
# 500), and no list comes near it.
MAX_OFFSET = 2**31 - 1


class PageParams(Schema):
    limit: int = Field(20, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class RefOut(Schema):
    id: int
    code: str
    name: str


class AreaOut(RefOut):
    kind: str
    specialisations: list[str]


def page(queryset, params: PageParams) -> dict:
    """`{items, count}` for one window of a queryset."""
    return {
        "items": list(queryset[params.offset : params.offset + params.limit]),
        "count": queryset.count(),
    }
