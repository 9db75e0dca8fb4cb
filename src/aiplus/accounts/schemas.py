from __future__ import annotations

from ninja import Schema
from pydantic import Field


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=200)
    name: str = "api"


class TokenOut(Schema):
    token: str
    username: str
    role: str | None


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    area_id: int | None
    demander_type_id: int | None
    description: str
    is_demo: bool


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str | None
    organisation: OrganisationOut | None


class RegisterIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    kind: str
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=200)
    display_name: str = ""
    email: str = ""
    credit_code: str = Field("", max_length=18)
    area_id: int | None = None
    demander_type_id: int | None = None
    description: str = ""
    contact_phone: str = ""


class ReviewIn(Schema):
    approve: bool
    note: str = ""
