"""Input and output schemas of the governance API (`/api/governance/…`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from . import checklist


class FilingOut(Schema):
    id: int
    organisation_id: int
    organisation: str = Field(alias="organisation.name")
    area: str | None = Field(None, alias="organisation.area.code", description="备案主体所在板块")
    kind: str
    kind_label: str
    name: str
    model_name: str
    number: str
    filed_on: date | None
    status: str
    status_label: str
    is_demo: bool

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


class FilingStatusIn(Schema):
    status: Literal["filed", "revoked"] = Field(description="filed：确认已备案；revoked：注销")
    number: str = Field("", max_length=100, description="备案号（确认已备案时必填）")
    filed_on: date | None = Field(None, description="备案日期（确认已备案时必填）")
    note: str = Field("", max_length=300, description="说明，如注销原因")


class AnswerIn(Schema):
    involved: bool | None = Field(None, description="是否涉及；null 表示尚未回答")
    measures: str = Field("", max_length=checklist.MAX_MEASURES, description="防控措施")
    confirmed: bool = Field(False, description="该项的专项确认（如已完成 PIPIA）")


class ChecklistIn(Schema):
    answers: dict[str, AnswerIn] = Field(
        description="检查项代码 → 回答；未提交的检查项视为未回答。代码："
        + "、".join(item.code for item in checklist.ITEMS)
    )


class ChecklistItemOut(Schema):
    code: str
    title: str
    question: str
    basis: str = Field(description="法律依据")
    guidance: str = Field(description="防控措施应涵盖的内容")
    confirm: str = Field(description="涉及时须确认的事项（空：无）")
    involved: bool | None
    measures: str
    confirmed: bool
    complete: bool
    problem: str = Field(description="未完成的原因（空：已完成）")


class ChecklistOut(Schema):
    demand: int
    stage: str
    stage_label: str
    saved: bool = Field(description="false：尚未保存，回答按需求的合规标记预填")
    status: str
    status_label: str
    complete: bool
    incomplete: list[str] = Field(description="未完成的检查项")
    signed_by: str | None
    signed_at: datetime | None
    updated_at: datetime | None
    items: list[ChecklistItemOut]


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str | None
    actor_id: int | None
    organisation: str | None
    action: str
    object_type: str
    object_type_label: str
    object_id: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    @staticmethod
    def resolve_organisation(obj) -> str | None:
        return obj.organisation.name if obj.organisation_id else None

    @staticmethod
    def resolve_object_type_label(obj) -> str:
        from .auditlog import type_label

        return type_label(obj.object_type)
