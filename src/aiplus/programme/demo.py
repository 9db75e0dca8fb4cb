"""Demo data of programme monitoring (示例), from the `programme` section of the pack's demo.json.

Creates responsible units (city bureaus, marked 示例) and one officer per area, assigns
indicators to them, splits area targets by the weights in the file, and writes 2025–2026
values along a trajectory per indicator (`pace`: the share of the target the trend reaches by
the deadline, so some indicators are on track, some at risk, some behind). The last ended
period is partly pending review; some areas are late or missing; one value is returned.
Everything is marked is_demo.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation, User
from aiplus.core.models import Area, Sector

from . import series, services
from .models import Accumulation, Indicator, Kind, Split, Submission
from .models import SubmissionStatus as S
from .periods import spans

PREFIX = "示例·"
INTEGER_UNITS = {"家", "个", "项", "人"}


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _round(value: float, unit: str) -> Decimal:
    if unit in INTEGER_UNITS:
        return Decimal(max(0, round(value)))
    return Decimal(str(round(value, 1)))


def _unit_user(org: Organisation, username: str, password: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, password=password, organisation=org, display_name=org.name
        )
    return user


def area_officers(areas: dict[str, Area], existing: User, password: str, fmt) -> dict[int, User]:
    """One officer per area (the demo's district login covers its own area)."""
    officers = {existing.organisation.area_id: existing}
    for code, area in areas.items():
        if area.pk in officers:
            continue
        org, _ = Organisation.objects.get_or_create(
            name=PREFIX + fmt(area.name),
            defaults={
                "kind": Role.DISTRICT,
                "status": OrgStatus.APPROVED,
                "area": area,
                "is_demo": True,
                "description": "示例：板块“人工智能+”工作专班。",
            },
        )
        officers[area.pk] = _unit_user(org, f"demo-district-{code}", password)
    return officers


def _trajectory(ind: Indicator, pace: float, start_share: float, day: date) -> float:
    target = float(ind.target_value)
    if ind.baseline_value is not None:
        v0, t0 = float(ind.baseline_value), ind.baseline_date or ind.start_date
    else:
        v0, t0 = target * start_share, ind.start_date
    if ind.accumulation == Accumulation.LEVEL and ind.baseline_value is None:
        return target * pace
    frac = (day - t0).days / max(1, (ind.deadline - t0).days)
    return v0 + (target * pace - v0) * frac


@transaction.atomic
def build(
    spec: dict,
    *,
    office: User,
    district: User,
    password: str,
    seed: int = 7,
    today: date | None = None,
) -> int:
    """Create the demo programme data; returns the number of values written."""
    if not spec or Submission.objects.filter(is_demo=True).exists():
        return 0
    rng = random.Random(seed)
    today = today or timezone.localdate()
    areas = {a.code: a for a in Area.objects.all()}
    indicators = {i.code: i for i in Indicator.objects.prefetch_related("sectors")}
    # responsible units
    for n, (name, codes) in enumerate(spec.get("units", {}).items(), start=1):
        org, _ = Organisation.objects.get_or_create(
            name=name,
            defaults={
                "kind": Role.OFFICE,
                "status": OrgStatus.APPROVED,
                "is_demo": True,
                "description": "示例责任单位（虚构分工）。",
            },
        )
        _unit_user(org, f"demo-unit-{n}", password)
        for code in codes:
            if code in indicators:
                services.set_responsible(
                    actor=office, indicator=indicators[code], organisations=[org]
                )
    officers = area_officers(areas, district, password, lambda a: f"{a}“人工智能+”工作专班")
    unit_user = {
        ind.pk: User.objects.filter(organisation__in=ind.responsible.all()).first()
        for ind in indicators.values()
    }
    # target splits
    weights = {areas[c]: w for c, w in spec.get("area_weights", {}).items() if c in areas}
    sectors = list(Sector.objects.all())
    for ind in indicators.values():
        if ind.split == Split.AREA and weights:
            shares = {a: _round(float(ind.target_value) * w, ind.unit) for a, w in weights.items()}
            services.set_shares(actor=office, indicator=ind, shares=shares, is_demo=True)
        elif ind.split == Split.SECTOR:
            scoped = list(ind.sectors.all()) or sectors
            each = _round(float(ind.target_value) / len(scoped), ind.unit)
            services.set_shares(
                actor=office, indicator=ind, shares={s: each for s in scoped}, is_demo=True
            )
    # values
    pace = spec.get("pace", {})
    start_share = float(spec.get("start_share", 0.3))
    late_areas = {areas[c].pk for c in spec.get("late_areas", []) if c in areas}
    returned = spec.get("returned") or {}
    rows: list[Submission] = []
    for ind in indicators.values():
        if ind.kind != Kind.REPORTED:
            continue
        ended = [s for s in spans(ind.frequency, ind.start_date, ind.deadline) if s.end < today]
        if not ended:
            continue
        p = float(pace.get(ind.code, pace.get("default", 1.0)))
        if ind.split == Split.AREA:
            scopes = [(a.pk, None, w) for a, w in weights.items()]
        elif ind.split == Split.SECTOR:
            scoped = list(ind.sectors.all()) or sectors
            scopes = [(None, s.pk, 1 / len(scoped)) for s in scoped]
        else:
            scopes = [(None, None, 1.0)]
        for area_id, sector_id, weight in scopes:
            last = -math.inf
            reporter = officers.get(area_id) if area_id else unit_user.get(ind.pk) or office
            for k, span in enumerate(ended):
                period = services.period_for(span)
                is_last = k == len(ended) - 1
                due = span.end + timedelta(days=ind.due_days)
                if is_last and area_id in late_areas:
                    continue  # 缺报
                noise = 1 + rng.uniform(-0.015, 0.015)
                value = _trajectory(ind, p, start_share, span.end) * weight * noise
                if ind.accumulation == Accumulation.CUMULATIVE:
                    value = max(value, last)
                last = value
                submitted = due - timedelta(days=rng.randint(1, 8))
                if area_id in late_areas and k == len(ended) - 2:
                    submitted = due + timedelta(days=rng.randint(3, 12))  # 迟报
                status = S.APPROVED
                pending = (
                    is_last
                    and spec.get("pending_last_period")
                    and due >= today - timedelta(days=20)
                )
                if pending and rng.random() < 0.6:
                    status = S.SUBMITTED
                if (
                    is_last
                    and returned.get("indicator") == ind.code
                    and area_id == getattr(areas.get(returned.get("area")), "pk", None)
                ):
                    status = S.RETURNED
                reviewed = min(submitted + timedelta(days=rng.randint(1, 5)), today)
                rows.append(
                    Submission(
                        indicator=ind,
                        period=period,
                        area_id=area_id,
                        sector_id=sector_id,
                        value=_round(value, ind.unit),
                        note="示例数据",
                        status=status,
                        organisation=reporter.organisation if reporter else None,
                        created_by=reporter,
                        submitted_at=_aware(min(submitted, today)),
                        reviewed_by=office if status in (S.APPROVED, S.RETURNED) else None,
                        reviewed_at=_aware(reviewed) if status != S.SUBMITTED else None,
                        review_note=returned.get("note", "") if status == S.RETURNED else "",
                        is_late=submitted > due,
                        is_demo=True,
                    )
                )
    Submission.objects.bulk_create(rows, batch_size=500)
    series.refresh_all()
    return len(rows)


def backdate_transitions(demands, *, seed: int = 7, today: date | None = None) -> None:
    """Spread the demo demands' history over 2025–2026 (they are all created 'now'), so the
    derived 'deployed scenarios' series has a shape."""
    from aiplus.scenarios.models import DemandTransition

    rng = random.Random(seed)
    today = today or timezone.localdate()
    first = date(2025, 1, 6)
    span = max(1, (today - first).days - 150)
    changed = []
    for demand in demands:
        day = first + timedelta(days=rng.randrange(span))
        for t in DemandTransition.objects.filter(demand=demand).order_by("id"):
            t.at = _aware(min(day, today), hour=9 + rng.randrange(8))
            changed.append(t)
            day += timedelta(days=rng.randint(4, 45))
    DemandTransition.objects.bulk_update(changed, ["at"], batch_size=500)
