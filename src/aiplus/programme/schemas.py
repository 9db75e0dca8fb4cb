"""Input and output schemas of the programme monitoring API.

Inputs name indicators, areas and sectors by code and periods by key (`2026-03`, `2026Q1`);
outputs nest `{id, code, name}` references. Targets and reported values are `Decimal` (a JSON
string on the way out, like money in the scenarios API); computed figures (series, forecasts,
completion ratios) are numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StrictFloat, StrictInt, StrictStr

from aiplus.core.schemas import PageParams, RefOut
from aiplus.scenarios.schemas import OrgRefOut

from . import permissions

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
# A reported value: a number, or text such as "3,200" or "3200家" (checked by the service).
# Strict, so that `true` is refused rather than read as 1.
RawValue = StrictStr | StrictInt | StrictFloat

SubmissionStatusCode = Literal["draft", "submitted", "returned", "approved", "superseded"]
ProgressStatus = Literal["achieved", "on_track", "at_risk", "behind", "no_data"]
ObligationState = Literal[
    "missing", "late", "due", "draft", "submitted", "returned", "approved", "outstanding"
]


def _plain(value: Decimal) -> Decimal:
    """A stored value without the database's trailing zeros (3200.0000 → 3200)."""
    return Decimal(format(value.normalize(), "f"))


# --- references ------------------------------------------------------------------------------


class IndicatorRefOut(Schema):
    code: str
    name: str
    unit: str


class PeriodOut(Schema):
    key: str = Field(description="如 2026-03、2026Q1")
    label: str
    frequency: str
    start: date
    end: date


# --- indicators ------------------------------------------------------------------------------


class IndicatorFilter(PageParams):
    aspect: str | None = Field(None, description="行动方面代码，见 GET /api/aspects")
    sector: str | None = Field(None, description="领域代码，见 GET /api/sectors")
    kind: Literal["reported", "derived"] | None = None
    status: ProgressStatus | None = Field(None, description="进度状态")


class BaselineOut(Schema):
    value: Decimal | None
    date: date | None
    source: str


class PointOut(Schema):
    key: str
    label: str
    end: date
    value: float
    reported: int = Field(description="本期有数值的板块/领域数")
    expected: int = Field(description="应报的板块/领域数")


class IndicatorOut(Schema):
    """An indicator with where it stands (city-wide)."""

    code: str
    name: str
    group: str
    aspect: RefOut | None
    unit: str
    direction: str
    direction_label: str
    strict: bool
    target_value: Decimal
    target_text: str
    deadline: date
    deadline_text: str
    baseline: BaselineOut | None
    kind: str
    kind_label: str
    source_key: str
    accumulation: str
    accumulation_label: str
    frequency: str
    frequency_label: str
    split: str
    split_label: str
    responsible: list[str] = Field(description="责任单位名称")
    responsible_text: str
    latest: PointOut | None
    completion: float | None = Field(description="最新值与目标之比（“不高于”目标为目标/最新值）")
    forecast: float | None = Field(description="按趋势外推到截止日期的预测值")
    status: str
    status_label: str


class ShareOut(Schema):
    """One area's or sector's part of the target and where it stands."""

    area: RefOut | None
    sector: RefOut | None
    target: Decimal | None
    latest: PointOut | None
    completion: float | None
    status: str
    status_label: str


class DerivedOut(Schema):
    source_key: str
    label: str
    description: str
    sql: str


class IndicatorDetailOut(IndicatorOut):
    focus: str
    sectors: list[RefOut]
    responsible_organisations: list[OrgRefOut]
    start_date: date
    jump_band: Decimal
    due_days: int
    source: str
    note: str
    series: list[PointOut]
    shares: list[ShareOut]
    derived: DerivedOut | None
    method: str


class ScopeOut(Schema):
    area: RefOut | None
    sector: RefOut | None
    label: str


class ProgressQuery(Schema):
    area: str | None = Field(None, description="板块代码（分板块指标）")
    sector: str | None = Field(None, description="领域代码（分领域指标）")


class ProgressOut(Schema):
    indicator: IndicatorRefOut
    scope: ScopeOut
    target: float | None = Field(description="全市目标，或该板块/领域的分解目标（未分解为空）")
    baseline: BaselineOut | None
    series: list[PointOut]
    latest: PointOut | None
    change: float | None = Field(description="最新值较上期的变动")
    completion: float | None
    forecast: float | None
    progress: float | None = Field(description="从起点到目标已完成的比例")
    expected_progress: float | None = Field(description="从起始日期到截止日期已过时间的比例")
    status: str
    status_label: str
    method: str


class IndicatorBriefOut(Schema):
    code: str
    name: str
    group: str
    unit: str
    target_value: Decimal
    deadline: date
    latest_value: float | None
    latest_period: str | None
    completion: float | None
    forecast: float | None
    status: str
    status_label: str


class StatusCountOut(Schema):
    status: str
    label: str
    count: int


class AspectProgressOut(Schema):
    aspect: RefOut | None
    group: str
    total: int
    counts: dict[str, int] = Field(description="进度状态 → 指标数")


class ProgrammeProgressOut(Schema):
    total: int
    summary: list[StatusCountOut]
    aspects: list[AspectProgressOut]
    items: list[IndicatorBriefOut]
    method: str


class ShareIn(Schema):
    area: str | None = Field(None, description="板块代码（分板块指标）")
    sector: str | None = Field(None, description="领域代码（分领域指标）")
    target: RawValue


class SharesIn(Schema):
    shares: list[ShareIn] = Field(max_length=200, description="替换原有的全部分解")


class ResponsibleIn(Schema):
    organisations: list[Id] = Field([], max_length=200, description="责任单位 id")
    text: str | None = Field(None, max_length=300, description="责任单位（原文）")


# --- periods and obligations -------------------------------------------------------------------


class PeriodQuery(PageParams):
    frequency: Literal["monthly", "quarterly"] | None = None


class ObligationQuery(PageParams):
    state: ObligationState | None = Field(None, description="outstanding：缺报、待报、草稿、已退回")
    indicator: str | None = Field(None, description="指标代码")
    area: str | None = Field(None, description="板块代码")
    period: str | None = Field(None, description="报告期，如 2026-03")


class ObligationOut(Schema):
    indicator: IndicatorRefOut
    period: PeriodOut
    due: date
    area: RefOut | None
    sector: RefOut | None
    scope_label: str
    owner_label: str
    state: str
    state_label: str
    submission_id: int | None
    submitted_at: datetime | None


# --- submissions -------------------------------------------------------------------------------


class SubmissionQuery(PageParams):
    indicator: str | None = Field(None, description="指标代码")
    status: SubmissionStatusCode | None = None
    period: str | None = Field(None, description="报告期，如 2026-03")
    area: str | None = Field(None, description="板块代码")
    sector: str | None = Field(None, description="领域代码")


class SubmissionIn(Schema):
    indicator: str = Field(description="指标代码")
    period: str = Field(description="报告期，如 2026-03、2026年3月、2026Q1")
    area: str | None = Field(None, description="板块代码（分板块指标）")
    sector: str | None = Field(None, description="领域代码（分领域指标）")
    value: RawValue = Field(description="数值：数字，或带本指标单位的文字如“3200家”")
    note: str = ""
    explanation: str = Field("", description="异常波动说明（变动超过阈值或累计值减少时必填）")
    submit: bool = Field(True, description="false：只保存草稿")


class SubmissionReviewIn(Schema):
    note: str = Field("", max_length=300)


class EvidenceOut(Schema):
    id: int
    name: str
    size: int
    uploaded_at: datetime


class SubmissionOut(Schema):
    id: int
    indicator: IndicatorRefOut
    period: PeriodOut
    area: RefOut | None
    sector: RefOut | None
    scope_label: str
    value: Decimal
    note: str
    explanation: str
    status: str
    status_label: str
    organisation: OrgRefOut | None
    created_by: str | None
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str
    replaces_id: int | None
    is_demo: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_value(obj) -> Decimal:
        return _plain(obj.value)

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return str(obj.created_by) if obj.created_by_id else None

    @staticmethod
    def resolve_reviewed_by(obj) -> str | None:
        return str(obj.reviewed_by) if obj.reviewed_by_id else None


class SubmissionHistoryOut(Schema):
    id: int
    value: Decimal
    status: str
    status_label: str
    organisation: OrgRefOut | None
    submitted_at: datetime | None
    reviewed_at: datetime | None
    review_note: str

    @staticmethod
    def resolve_value(obj) -> Decimal:
        return _plain(obj.value)

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


class SubmissionDetailOut(SubmissionOut):
    history: list[SubmissionHistoryOut] = Field(description="被本条替代的历次数值，由近及远")
    evidence: list[EvidenceOut]
    can_review: bool = Field(description="当前用户能否审定或退回")

    @staticmethod
    def resolve_history(obj) -> list:
        out, seen = [], {obj.pk}
        current = obj.replaces
        while current is not None and current.pk not in seen and len(out) < 100:
            out.append(current)
            seen.add(current.pk)
            current = current.replaces
        return out

    @staticmethod
    def resolve_evidence(obj) -> list:
        return list(obj.evidence.all())

    @staticmethod
    def resolve_can_review(obj, context) -> bool:
        request = (context or {}).get("request")
        user = getattr(request, "user", None)
        return obj.status == "submitted" and permissions.can_review(user, obj)


class ValuesImportOut(Schema):
    created: int
    submission_ids: list[int]
