"""Schemas shared by every module's API."""

from __future__ import annotations

from typing import Generic, TypeVar

from ninja import Schema
from pydantic import Field

T = TypeVar("T")


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] = {}


class Page(Schema, Generic[T]):
    items: list[T]
    count: int


class PageParams(Schema):
    limit: int = Field(20, ge=1, le=200)
    offset: int = Field(0, ge=0)


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
