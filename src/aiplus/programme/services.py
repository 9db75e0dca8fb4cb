"""Every write to programme monitoring: reported values, review, target splits, imports.

Like the other modules: check who acts, validate, write in one transaction, record the audit
entry. Views, the API and the commands call these and nothing else to write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from aiplus.core import audit
from aiplus.core.actions import require_approved, snapshot, validated
from aiplus.core.errors import Conflict, PermissionDenied, ServiceError
from aiplus.core.models import Area, Sector
from aiplus.core.uploads import checked_upload, removed_unless_saved, store

from . import permissions, series
from .models import (
    OPEN_STATUSES,
    Accumulation,
    Evidence,
    Indicator,
    IndicatorShare,
    Period,
    Revision,
    Split,
    Submission,
)
from .models import SubmissionStatus as S
from .periods import Span, span_containing
from .series import REVISION
from .validation import ValueProblem, change_warnings, parse_value

AUDIT_FIELDS = ["value", "status", "note", "explanation", "review_note", "replaces_id"]


# --- periods -------------------------------------------------------------------------------


def period_for(span: Span) -> Period:
    period, _ = Period.objects.get_or_create(
        frequency=span.frequency,
        start=span.start,
        defaults={"end": span.end, "label": span.label, "key": span.key},
    )
    return period


def check_period(indicator: Indicator, period: Period, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if period.frequency != indicator.frequency:
        raise ServiceError(
            f"“{indicator.name}”{indicator.get_frequency_display()}报送，"
            f"报告期“{period.label}”不适用。",
            {"period": "报告期与指标的报送频率不符。"},
        )
    if period.end < indicator.start_date or period.start > indicator.deadline:
        raise ServiceError(
            f"报告期“{period.label}”不在指标的监测期内"
            f"（{indicator.start_date:%Y-%m-%d} 至 {indicator.deadline:%Y-%m-%d}）。",
            {"period": "报告期不在监测期内。"},
        )
    if period.start > today:
        raise ServiceError(
            f"报告期“{period.label}”尚未开始，不能报送。", {"period": "报告期未开始。"}
        )


def due_date(indicator: Indicator, period: Period) -> date:
    return period.end + timedelta(days=indicator.due_days)


def current_span(indicator: Indicator, today: date | None = None) -> Span:
    return span_containing(indicator.frequency, today or timezone.localdate())


# --- scopes --------------------------------------------------------------------------------


def resolve_scope(indicator: Indicator, area: Area | None, sector: Sector | None):
    """(area, sector) a value of this indicator belongs to; refuses a scope that does not fit."""
    if indicator.split == Split.AREA:
        if area is None:
            raise ServiceError(
                f"“{indicator.name}”按板块报送，请选择板块。", {"area": "请选择板块。"}
            )
        return area, None
    if indicator.split == Split.SECTOR:
        if sector is None:
            raise ServiceError(
                f"“{indicator.name}”按领域报送，请选择领域。", {"sector": "请选择领域。"}
            )
        return None, sector
    if area is not None or sector is not None:
        raise ServiceError(f"“{indicator.name}”为全市指标，不按板块或领域报送。")
    return None, None


def _scope_filter(area, sector) -> dict:
    return {"area": area, "sector": sector}


def previous_value(indicator: Indicator, period: Period, area=None, sector=None) -> Decimal | None:
    """The latest approved value of the same scope before this period."""
    row = (
        Submission.objects.filter(
            indicator=indicator,
            status=S.APPROVED,
            period__end__lt=period.end,
            **_scope_filter(area, sector),
        )
        .order_by("-period__end")
        .values_list("value", flat=True)
        .first()
    )
    return row


def current_approved(indicator: Indicator, period: Period, area=None, sector=None):
    return Submission.objects.filter(
        indicator=indicator, period=period, status=S.APPROVED, **_scope_filter(area, sector)
    ).first()


# --- reporting -----------------------------------------------------------------------------


@dataclass
class Checked:
    value: Decimal
    warnings: list[str]


def check_value(
    indicator: Indicator, period: Period, raw, *, area=None, sector=None, explanation: str = ""
) -> Checked:
    """Validate one value; ServiceError with field messages if it cannot be accepted."""
    try:
        value = parse_value(raw, indicator.unit)
    except ValueProblem as exc:
        raise ServiceError(str(exc), {"value": str(exc)}) from exc
    if indicator.accumulation == Accumulation.CUMULATIVE and value < 0:
        raise ServiceError("累计值不能为负数。", {"value": "累计值不能为负数。"})
    warnings = change_warnings(
        value,
        previous_value(indicator, period, area, sector),
        band=indicator.jump_band,
        cumulative=indicator.accumulation == Accumulation.CUMULATIVE,
        unit=indicator.unit,
    )
    if warnings and not explanation.strip():
        message = "；".join(warnings)
        raise ServiceError(message, {"explanation": message})
    return Checked(value, warnings)


def _lock(indicator: Indicator) -> None:
    """Serialise writes to one indicator's values (one open submission per scope and period)."""
    Indicator.objects.select_for_update().filter(pk=indicator.pk).first()


def save_value(
    *,
    actor,
    indicator: Indicator,
    period: Period,
    value,
    area: Area | None = None,
    sector: Sector | None = None,
    note: str = "",
    explanation: str = "",
    submit: bool = True,
    is_demo: bool = False,
    today: date | None = None,
) -> Submission:
    """Save (and by default submit) the value of one scope for one period.

    An open submission of the same scope and period (draft, pending or returned) is updated; an
    approved one is kept and the new value, once approved, replaces it."""
    require_approved(actor)
    if indicator.is_derived:
        raise ServiceError(f"“{indicator.name}”由平台自动统计，无需填报。")
    area, sector = resolve_scope(indicator, area, sector)
    if not permissions.can_report(
        actor, indicator, area_id=area.pk if area else None, sector_id=sector.pk if sector else None
    ):
        raise PermissionDenied(f"您不负责报送“{indicator.name}”（{area or sector or '全市'}）。")
    check_period(indicator, period, today)
    if len(note) > 2000 or len(explanation) > 2000:
        raise ServiceError("说明不能超过 2000 字。")
    checked = check_value(
        indicator, period, value, area=area, sector=sector, explanation=explanation
    )
    now = timezone.now()
    with transaction.atomic():
        _lock(indicator)
        scope = _scope_filter(area, sector)
        sub = Submission.objects.filter(
            indicator=indicator, period=period, status__in=OPEN_STATUSES, **scope
        ).first()
        before = snapshot(sub, AUDIT_FIELDS) if sub else None
        if sub is None:
            sub = Submission(indicator=indicator, period=period, is_demo=is_demo, **scope)
            sub.replaces = current_approved(indicator, period, area, sector)
        elif (
            sub.organisation_id
            and sub.organisation_id != actor.organisation_id
            and not (permissions.is_office(actor))
        ):
            raise PermissionDenied("该期数值由其他单位填报中，不能修改。")
        sub.value = checked.value
        sub.note = note.strip()
        sub.explanation = explanation.strip()
        sub.organisation = actor.organisation
        sub.created_by = actor
        sub.status = S.SUBMITTED if submit else S.DRAFT
        sub.submitted_at = now if submit else None
        sub.is_late = submit and (today or timezone.localdate()) > due_date(indicator, period)
        sub.review_note = ""
        sub.save()
        audit.record(
            actor=actor,
            action="programme.submit" if submit else "programme.save_draft",
            obj=sub,
            summary=f"{indicator.name} {period.label} {sub.scope_label}：{checked.value.normalize():f}{indicator.unit}",
            before=before,
            after=snapshot(sub, AUDIT_FIELDS),
        )
    return sub


def submit_draft(*, actor, submission: Submission, today: date | None = None) -> Submission:
    require_approved(actor)
    if submission.status not in (S.DRAFT, S.RETURNED):
        raise Conflict("只有草稿或已退回的数值可以提交。")
    if submission.organisation_id != actor.organisation_id and not permissions.is_office(actor):
        raise PermissionDenied("只能提交本单位填报的数值。")
    return save_value(
        actor=actor,
        indicator=submission.indicator,
        period=submission.period,
        value=submission.value,
        area=submission.area,
        sector=submission.sector,
        note=submission.note,
        explanation=submission.explanation,
        submit=True,
        is_demo=submission.is_demo,
        today=today,
    )


def _review(*, actor, submission: Submission, status: str, note: str, verb: str) -> Submission:
    """Approve or return a pending value: office only, under the indicator's lock, audited.
    Approving supersedes the value it replaces."""
    require_approved(actor)
    if not permissions.is_office(actor):
        raise PermissionDenied(f"只有专班办公室可以{verb}报送数值。")
    with transaction.atomic():
        _lock(submission.indicator)
        submission.refresh_from_db()
        if submission.status != S.SUBMITTED:
            raise Conflict(f"该数值当前为“{submission.get_status_display()}”，不能{verb}。")
        before = snapshot(submission, AUDIT_FIELDS)
        if status == S.APPROVED:
            old = current_approved(
                submission.indicator, submission.period, submission.area, submission.sector
            )
            if old is not None and old.pk != submission.pk:
                old.status = S.SUPERSEDED
                old.save(update_fields=["status", "updated_at"])
                submission.replaces = old
        submission.status = status
        submission.reviewed_by = actor
        submission.reviewed_at = timezone.now()
        submission.review_note = note.strip()[:300]
        submission.save()
        audit.record(
            actor=actor,
            action="programme.approve" if status == S.APPROVED else "programme.return",
            obj=submission,
            summary=f"{verb} {submission}" + (f"：{note.strip()[:100]}" if note.strip() else ""),
            before=before,
            after=snapshot(submission, AUDIT_FIELDS),
        )
    return submission


def approve(*, actor, submission: Submission, note: str = "") -> Submission:
    """The office approves a pending value; the value it replaces becomes superseded."""
    require_approved(actor)
    if permissions.is_office(actor) and not permissions.can_review(actor, submission):
        raise PermissionDenied("不能审定本人报送的数值，请由其他人员审核。")
    return _review(actor=actor, submission=submission, status=S.APPROVED, note=note, verb="审定")


def return_submission(*, actor, submission: Submission, note: str) -> Submission:
    """The office sends a pending value back with the reason."""
    require_approved(actor)
    if permissions.is_office(actor) and not note.strip():
        raise ServiceError("请填写退回原因。", {"note": "请填写退回原因。"})
    return _review(actor=actor, submission=submission, status=S.RETURNED, note=note, verb="退回")


def add_evidence(*, actor, submission: Submission, upload) -> Evidence:
    """Attach a file to a value the actor's organisation reported (type and size checked)."""
    require_approved(actor)
    if submission.organisation_id != actor.organisation_id and not permissions.is_office(actor):
        raise PermissionDenied("只能为本单位报送的数值上传佐证材料。")
    if submission.status in (S.APPROVED, S.SUPERSEDED):
        raise Conflict("已审定的数值不能再追加材料，请重新报送。")
    name, size = checked_upload(upload)
    with transaction.atomic():
        evidence = Evidence(submission=submission, name=name, size=size, uploaded_by=actor)
        with removed_unless_saved():
            store(evidence.file, name, upload)
            evidence.save()
            audit.record(actor=actor, action="programme.evidence", obj=submission, summary=name)
    return evidence


# --- configuration by the office -----------------------------------------------------------


def set_shares(*, actor, indicator: Indicator, shares: dict, is_demo: bool = False) -> list:
    """Split a city target across areas or sectors: {Area or Sector: target}. Replaces the
    previous split. The shares need not add up to the city target (a district may aim higher),
    but each must be a non-negative number."""
    require_approved(actor)
    if not permissions.is_office(actor):
        raise PermissionDenied("只有专班办公室可以分解目标。")
    if indicator.split not in (Split.AREA, Split.SECTOR):
        raise ServiceError(f"“{indicator.name}”为全市指标，不分解。")
    errors = {}
    rows = []
    for scope, raw in shares.items():
        expected = Area if indicator.split == Split.AREA else Sector
        if not isinstance(scope, expected):
            raise ServiceError("分解对象与指标的分解方式不符。")
        try:
            value = Decimal(str(raw).replace(",", "").strip())
        except InvalidOperation:
            errors[scope.name] = f"“{raw}”不是数字。"
            continue
        if not value.is_finite() or value < 0:
            errors[scope.name] = "分解目标须为非负数。"
            continue
        rows.append((scope, value))
    if errors:
        raise ServiceError("目标分解有误，请按提示修改。", errors)
    with transaction.atomic():
        before = {str(s): str(s.target_value) for s in indicator.shares.all()}
        indicator.shares.all().delete()
        created = [
            IndicatorShare.objects.create(
                indicator=indicator,
                target_value=value,
                is_demo=is_demo,
                **({"area": scope} if isinstance(scope, Area) else {"sector": scope}),
            )
            for scope, value in rows
        ]
        audit.record(
            actor=actor,
            action="programme.shares",
            obj=indicator,
            summary=f"分解目标：{indicator.name}",
            before=before,
            after={str(s): str(s.target_value) for s in created},
        )
    return created


def set_responsible(*, actor, indicator: Indicator, organisations, text: str | None = None):
    require_approved(actor)
    if not permissions.is_office(actor):
        raise PermissionDenied("只有专班办公室可以指定责任单位。")
    with transaction.atomic():
        before = sorted(o.name for o in indicator.responsible.all())
        indicator.responsible.set(organisations)
        Revision.bump(REVISION)  # obligations are cached per revision; .set() saves no Indicator
        if text is not None:
            indicator.responsible_text = text[:300]
            indicator.save(update_fields=["responsible_text"])
        audit.record(
            actor=actor,
            action="programme.responsible",
            obj=indicator,
            summary=f"责任单位：{indicator.name}",
            before={"responsible": before},
            after={"responsible": sorted(o.name for o in organisations)},
        )
    return indicator


def set_reporting(*, actor, indicator: Indicator, data: dict) -> Indicator:
    """The office changes how an indicator is reported (frequency only while it has no values)."""
    from .forms import ReportingForm

    require_approved(actor)
    if not permissions.is_office(actor):
        raise PermissionDenied("只有专班办公室可以修改报送设置。")
    locked = indicator.submissions.exists()
    before = snapshot(indicator, ["frequency", "due_days", "jump_band"])
    form = validated(ReportingForm, data, instance=indicator, locked=locked)
    with transaction.atomic():
        indicator = form.save()
        audit.record(
            actor=actor,
            action="programme.reporting",
            obj=indicator,
            summary=f"报送设置：{indicator.name}",
            before=before,
            after=snapshot(indicator, ["frequency", "due_days", "jump_band"]),
        )
    series.refresh([indicator.pk])
    return indicator
