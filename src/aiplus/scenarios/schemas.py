"""Input and output schemas of the scenarios API.

Inputs name reference data by code (`sector: "manufacturing"`) and tags by name; outputs nest
`{id, code, name}` references. Money is `Decimal` in and out (a JSON string on the way out).
Fields that depend on who is asking (contacts, a confidential budget, the allowed transitions)
are resolved from the request in the serialisation context, through `permissions`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from aiplus.core.schemas import DateTimeIn, RefOut
from aiplus.governance.models import AlgorithmFiling

from . import permissions, workflow
from .choices import Maturity, RoadshowStatus, Sensitivity, Visibility

Money = Decimal
# A database id: bounded so that an absurd number is a 422, not a database overflow.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _viewer(context: Any):
    request = (context or {}).get("request")
    return getattr(request, "user", None)


def _cached(obj, name: str, compute):
    """Compute a per-viewer flag once per object while one response is serialised."""
    cache = obj.__dict__.setdefault("_api_flags", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def _contact_ok(obj, context) -> bool:
    return _cached(obj, "contact", lambda: permissions.can_see_contact(_viewer(context), obj))


def _budget_ok(obj, context) -> bool:
    return _cached(obj, "budget", lambda: permissions.can_see_budget(_viewer(context), obj))


def _capacities(obj, context) -> set[str]:
    return _cached(obj, "caps", lambda: permissions.capacities(_viewer(context), obj))


# --- shared references -----------------------------------------------------------------------


class OrgRefOut(Schema):
    id: int
    name: str


class DemandRefOut(Schema):
    id: int
    code: str
    title: str
    status: str


class SolutionRefOut(Schema):
    id: int
    title: str


# --- demands ---------------------------------------------------------------------------------


class DemandIn(Schema):
    """A new demand (saved as a draft). Reference data by code, tags by name."""

    title: str
    sector: str = Field(description="领域代码，见 GET /api/sectors")
    area: str = Field(description="板块代码，见 GET /api/areas")
    demander_type: str = Field(description="需求方类型代码，见 GET /api/demander-types")
    pain_point: str
    goals: str = ""
    kpis: str = ""
    data_available: str = ""
    data_sensitivity: Sensitivity = Sensitivity.INTERNAL
    site: str = ""
    budget_min: Money | None = None
    budget_max: Money | None = None
    budget_confidential: bool = False
    start_date: date | None = None
    end_date: date | None = None
    acceptance_criteria: str = ""
    involves_personal_info: bool = False
    involves_medical_data: bool = False
    involves_minors: bool = False
    needs_algorithm_filing: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    visibility: Visibility = Visibility.PUBLIC
    tags: list[str] = []


class DemandUpdateIn(Schema):
    """A partial update: only the fields sent are changed."""

    title: str | None = None
    sector: str | None = None
    area: str | None = None
    demander_type: str | None = None
    pain_point: str | None = None
    goals: str | None = None
    kpis: str | None = None
    data_available: str | None = None
    data_sensitivity: Sensitivity | None = None
    site: str | None = None
    budget_min: Money | None = None
    budget_max: Money | None = None
    budget_confidential: bool | None = None
    start_date: date | None = None
    end_date: date | None = None
    acceptance_criteria: str | None = None
    involves_personal_info: bool | None = None
    involves_medical_data: bool | None = None
    involves_minors: bool | None = None
    needs_algorithm_filing: bool | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    visibility: Visibility | None = None
    tags: list[str] | None = None


class TransitionIn(Schema):
    to: str = Field(description="目标状态，如 submitted、in_review、published")
    note: str = ""


class DemandOut(Schema):
    """A demand as it shows in lists: no contacts; the budget only when the viewer may see it."""

    id: int
    code: str
    title: str
    status: str
    status_label: str
    sector: RefOut
    area: RefOut
    demander_type: RefOut
    demander: OrgRefOut
    pain_point: str
    site: str
    tags: list[str]
    visibility: str
    budget_min: Money | None
    budget_max: Money | None
    published_at: datetime | None
    is_demo: bool

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_budget_min(obj, context):
        return obj.budget_min if _budget_ok(obj, context) else None

    @staticmethod
    def resolve_budget_max(obj, context):
        return obj.budget_max if _budget_ok(obj, context) else None


class TransitionOut(Schema):
    from_status: str
    to_status: str
    at: datetime
    actor: str | None
    note: str

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class DemandDetailOut(DemandOut):
    goals: str
    kpis: str
    data_available: str
    data_sensitivity: str
    budget_confidential: bool
    start_date: date | None
    end_date: date | None
    acceptance_criteria: str
    involves_personal_info: bool
    involves_medical_data: bool
    involves_minors: bool
    needs_algorithm_filing: bool
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    review_note: str | None
    created_at: datetime
    updated_at: datetime
    transitions: list[TransitionOut]
    allowed_transitions: list[str]
    can_edit: bool

    @staticmethod
    def resolve_transitions(obj):
        return list(obj.transitions.select_related("actor").all())

    @staticmethod
    def resolve_contact_name(obj, context):
        return obj.contact_name if _contact_ok(obj, context) else None

    @staticmethod
    def resolve_contact_phone(obj, context):
        return obj.contact_phone if _contact_ok(obj, context) else None

    @staticmethod
    def resolve_contact_email(obj, context):
        return obj.contact_email if _contact_ok(obj, context) else None

    @staticmethod
    def resolve_review_note(obj, context):
        return obj.review_note if _capacities(obj, context) else None

    @staticmethod
    def resolve_allowed_transitions(obj, context) -> list[str]:
        return workflow.targets(obj.status, _capacities(obj, context))

    @staticmethod
    def resolve_can_edit(obj, context) -> bool:
        return permissions.can_edit_demand(_viewer(context), obj)


# --- demand lists ----------------------------------------------------------------------------


class DemandListIn(Schema):
    name: str
    year: int = Field(ge=2000, le=2100)
    issuer: str = ""
    description: str = ""


class DemandListItemsIn(Schema):
    demand_ids: list[Id] = Field(min_length=1, max_length=500)


class DemandListOut(Schema):
    id: int
    name: str
    year: int
    issuer: str
    description: str
    status: str
    published_at: datetime | None
    item_count: int
    is_demo: bool


class DemandListItemOut(Schema):
    position: int
    demand: DemandOut


class DemandListDetailOut(DemandListOut):
    items: list[DemandListItemOut]


class ImportOut(Schema):
    created: int
    organisations_created: int
    demand_list_id: int | None
    demand_ids: list[int]


# --- solutions -------------------------------------------------------------------------------


class MetricIn(Schema):
    name: str
    value: str


class MetricOut(Schema):
    name: str
    value: str


class SolutionIn(Schema):
    title: str
    summary: str
    description: str = ""
    sectors: list[str] = Field([], description="领域代码列表")
    maturity: Maturity = Maturity.PRODUCT
    price_from: Money | None = None
    is_published: bool = True
    tags: list[str] = []


class SolutionUpdateIn(Schema):
    title: str | None = None
    summary: str | None = None
    description: str | None = None
    sectors: list[str] | None = None
    maturity: Maturity | None = None
    price_from: Money | None = None
    is_published: bool | None = None
    tags: list[str] | None = None


class CaseStudyIn(Schema):
    customer: str
    customer_sector: str | None = Field(None, description="客户领域代码")
    year: int | None = Field(None, ge=1990, le=2100)
    outcome: str
    metrics: list[MetricIn] = []


class CaseStudyOut(Schema):
    id: int
    customer: str
    customer_sector: RefOut | None
    year: int | None
    outcome: str
    metrics: list[MetricOut]


class CertificationOut(Schema):
    id: int
    name: str
    issuer: str
    number: str
    valid_until: date | None


class AlgorithmFilingOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    model_name: str
    number: str
    filed_on: date | None
    status: str
    status_label: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


class CredentialsOut(Schema):
    """An organisation's certifications and algorithm filings."""

    certifications: list[CertificationOut]
    filings: list[AlgorithmFilingOut]


class CertificationIn(Schema):
    """A certification of the caller's own organisation."""

    name: str = Field(description="资质名称，如：高新技术企业")
    issuer: str = ""
    number: str = Field("", description="证书编号")
    valid_until: date | None = Field(None, description="有效期至")


class AlgorithmFilingIn(Schema):
    """An algorithm filing of the caller's own organisation. A filed generative or
    deep-synthesis filing needs its number (备案号)."""

    kind: AlgorithmFiling.Kind
    name: str = Field(description="算法/服务名称")
    model_name: str = ""
    number: str = Field("", description="备案号")
    filed_on: date | None = Field(None, description="备案日期，不晚于今天")
    status: AlgorithmFiling.Status = AlgorithmFiling.Status.FILED


class SolutionOut(Schema):
    id: int
    title: str
    summary: str
    supplier: OrgRefOut
    sectors: list[RefOut]
    tags: list[str]
    maturity: str
    maturity_label: str
    price_from: Money | None
    is_published: bool
    is_demo: bool
    updated_at: datetime

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_maturity_label(obj) -> str:
        return obj.get_maturity_display()


class SolutionDetailOut(SolutionOut):
    description: str
    cases: list[CaseStudyOut]
    certifications: list[CertificationOut]
    filings: list[AlgorithmFilingOut]

    @staticmethod
    def resolve_cases(obj):
        return list(obj.cases.select_related("customer_sector"))

    @staticmethod
    def resolve_certifications(obj):
        return list(obj.supplier.certifications.all())

    @staticmethod
    def resolve_filings(obj):
        return list(obj.supplier.filings.all())


class SupplierOut(Schema):
    id: int
    name: str
    description: str
    website: str
    area: RefOut | None
    solution_count: int
    is_demo: bool


# --- proposals -------------------------------------------------------------------------------


class ProposalIn(Schema):
    solution_id: Id | None = Field(None, description="本单位的一个解决方案")
    approach: str
    price: Money | None = None
    duration_days: int | None = Field(None, ge=0)


class ProposalOut(Schema):
    id: int
    demand: DemandRefOut
    supplier: OrgRefOut
    solution: SolutionRefOut | None
    approach: str
    price: Money | None
    duration_days: int | None
    status: str
    status_label: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


# --- roadshows -------------------------------------------------------------------------------


class RoadshowIn(Schema):
    title: str
    starts_at: DateTimeIn
    venue: str
    area: str | None = Field(None, description="板块代码")
    sector: str | None = Field(None, description="领域代码")
    description: str = ""
    capacity: int = Field(30, ge=1)
    status: RoadshowStatus = RoadshowStatus.OPEN
    demand_ids: list[Id] = Field([], max_length=500)


class RegistrationIn(Schema):
    meeting_demand_ids: list[Id] = Field([], max_length=500)
    note: str = Field("", max_length=300)


class RoadshowOut(Schema):
    id: int
    title: str
    starts_at: datetime
    venue: str
    area: RefOut | None
    sector: RefOut | None
    description: str
    capacity: int
    status: str
    status_label: str
    registration_count: int
    is_demo: bool

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


class RoadshowDetailOut(RoadshowOut):
    demands: list[DemandOut]

    @staticmethod
    def resolve_demands(obj, context):
        return list(
            permissions.demands_visible_to(_viewer(context))
            .filter(roadshows=obj)
            .select_related("sector", "area", "demander_type", "demander")
            .prefetch_related("tags")
        )


class RegistrationOut(Schema):
    id: int
    roadshow_id: int
    supplier: OrgRefOut
    meeting_demand_ids: list[int]
    note: str
    created_at: datetime

    @staticmethod
    def resolve_meeting_demand_ids(obj) -> list[int]:
        return [d.pk for d in obj.meetings.all()]


# --- statistics ------------------------------------------------------------------------------


class SectorCountOut(Schema):
    code: str
    name: str
    count: int


class StatusCountOut(Schema):
    status: str
    label: str
    count: int


class DemandStatsOut(Schema):
    by_sector: list[SectorCountOut]
    by_status: list[StatusCountOut]
    total: int
