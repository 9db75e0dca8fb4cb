"""Builders for tests: organisations and users per role, valid demand data, demands in any status
(with their risk checklists signed on the way to pilot and deployment)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation, User
from aiplus.core.models import Area, DemanderType, Sector
from aiplus.governance import checklist as risk_checklist
from aiplus.governance import services as governance_services
from aiplus.programme.models import Indicator, Kind, Split
from aiplus.scenarios import services
from aiplus.scenarios.choices import DemandStatus
from aiplus.scenarios.models import Demand

_seq = itertools.count(1)
PASSWORD = "Aiplus-test-2026!"


def make_org(
    kind: str = Role.DEMANDER,
    *,
    status: str = OrgStatus.APPROVED,
    area=None,
    name: str | None = None,
) -> Organisation:
    n = next(_seq)
    return Organisation.objects.create(
        name=name or f"测试单位{n}",
        kind=kind,
        status=status,
        area=area,
        demander_type=DemanderType.objects.first() if kind == Role.DEMANDER else None,
    )


def make_user(
    kind: str = Role.DEMANDER,
    *,
    org: Organisation | None = None,
    status: str = OrgStatus.APPROVED,
    area=None,
    username: str | None = None,
) -> User:
    org = org or make_org(kind, status=status, area=area)
    n = next(_seq)
    return User.objects.create_user(
        username=username or f"user{n}",
        password=PASSWORD,
        organisation=org,
        display_name=f"用户{n}",
    )


def demand_data(**overrides) -> dict:
    """Form data for a valid demand (ids for the reference fields)."""
    data = {
        "title": "注塑件表面缺陷视觉检测",
        "sector": Sector.objects.get(code="manufacturing").pk,
        "area": Area.objects.get(code="sip").pk,
        "demander_type": DemanderType.objects.get(code="manufacturer").pk,
        "pain_point": "人工目检漏检率高，夜班质量波动大，需要机器视觉替代人工。",
        "goals": "实现在线全检",
        "kpis": "漏检率低于0.5%",
        "data_available": "近两年缺陷图片3万张",
        "data_sensitivity": "internal",
        "site": "苏州工业园区某工厂",
        "budget_min": "500000",
        "budget_max": "1200000",
        "acceptance_criteria": "连续三个月达标",
        "contact_name": "王工",
        "contact_phone": "0512-00000000",
        "contact_email": "wang@example.com",
        "visibility": "public",
        "tag_names": "机器视觉、缺陷检测",
    }
    data.update(overrides)
    return data


def make_demand(
    owner: User, *, status: str = DemandStatus.DRAFT, office: User | None = None, **overrides
) -> Demand:
    """A demand created by `owner` and moved along the lifecycle to `status`."""
    demand = services.create_demand(actor=owner, data=demand_data(**overrides))
    path = [
        DemandStatus.SUBMITTED,
        DemandStatus.IN_REVIEW,
        DemandStatus.PUBLISHED,
        DemandStatus.IN_TALKS,
        DemandStatus.PILOT,
        DemandStatus.DEPLOYED,
        DemandStatus.PROMOTED,
    ]
    if status == DemandStatus.DRAFT:
        return demand
    office = office or make_user(Role.OFFICE)
    for step in path:
        actor = owner if step == DemandStatus.SUBMITTED else office
        if step in CHECKLIST_BEFORE:
            sign_checklist(demand, CHECKLIST_BEFORE[step], actor=owner)
        demand = services.transition_demand(actor=actor, demand=demand, to_status=step)
        if step == status:
            return demand
    raise ValueError(status)


# The risk checklist a demand needs signed before it moves to each status.
CHECKLIST_BEFORE = {DemandStatus.PILOT: "pilot", DemandStatus.DEPLOYED: "deployment"}


def checklist_data(demand: Demand, **answers) -> dict:
    """Form data of a complete checklist: the items the demand's flags mark are involved (with
    measures and the confirmation), the others not; `answers` overrides items by code, e.g.
    `minors={"involved": True, "measures": ""}`."""
    given = {}
    for item in risk_checklist.ITEMS:
        involved = bool(item.flag and getattr(demand, item.flag))
        given[item.code] = {
            "involved": involved,
            "measures": f"{item.title}：已制定防控措施。" if involved else "",
            "confirmed": involved,
        }
    given.update(answers)
    data = {}
    for code, answer in given.items():
        involved = answer.get("involved")
        data[f"{code}_involved"] = "" if involved is None else ("yes" if involved else "no")
        data[f"{code}_measures"] = answer.get("measures", "")
        if answer.get("confirmed"):
            data[f"{code}_confirmed"] = "on"
    return data


def demander_member(demand: Demand) -> User:
    return demand.demander.members.order_by("id").first() or make_user(org=demand.demander)


def sign_checklist(demand: Demand, stage: str, *, actor: User | None = None):
    """Fill in the demand's risk checklist for `stage` ("pilot" / "deployment") completely and
    sign it, as a member of the demander organisation."""
    actor = actor or demander_member(demand)
    saved = governance_services.save_checklist(
        actor=actor, demand=demand, stage=stage, data=checklist_data(demand)
    )
    if saved.is_signed:
        return saved
    return governance_services.sign_checklist(actor=actor, demand=demand, stage=stage)


def money(text: str) -> Decimal:
    return Decimal(text)


def sector_split_indicator(code: str = "sector-models") -> Indicator:
    """A reported indicator split by sector (the pack's sector-split one is derived)."""
    return Indicator.objects.create(
        code=code,
        name="测试·分领域报送的垂类模型",
        unit="个",
        target_value=Decimal("300"),
        target_text="300",
        start_date=date(2025, 1, 1),
        deadline=date(2026, 12, 31),
        kind=Kind.REPORTED,
        split=Split.SECTOR,
        position=99,
    )
