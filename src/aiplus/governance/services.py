"""Every write to governance: an organisation's algorithm filings (算法备案) and their status
(the office), and the risk checklists (风险检查清单) a demander saves and signs.

Like the scenarios services: check access, validate with the form, save in one transaction,
record the audit entry. Views and API handlers call these and nothing else to write.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from aiplus.core import audit
from aiplus.core.actions import require_approved, snapshot, validated
from aiplus.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from aiplus.scenarios import permissions
from aiplus.scenarios.choices import DemandStatus
from aiplus.scenarios.models import Demand
from aiplus.scenarios.services import require_own_organisation

from . import checklist
from . import permissions as governance_permissions
from .forms import AlgorithmFilingForm, ChecklistForm, FilingStatusForm
from .models import AlgorithmFiling, RiskChecklist

FILING_AUDIT_FIELDS = [
    "kind",
    "name",
    "model_name",
    "number",
    "filed_on",
    "status",
    "organisation_id",
]


@transaction.atomic
def add_filing(*, actor, data: dict) -> AlgorithmFiling:
    """Add an algorithm filing to the actor's own organisation."""
    require_own_organisation(actor)
    form = validated(AlgorithmFilingForm, data)
    filing = form.save(commit=False)
    filing.organisation = actor.organisation
    filing.save()
    audit.record(
        actor=actor,
        action="filing.create",
        obj=filing,
        summary=filing.name,
        after=snapshot(filing, FILING_AUDIT_FIELDS),
    )
    return filing


@transaction.atomic
def delete_filing(*, actor, filing: AlgorithmFiling) -> None:
    """Remove a filing: a member of the owning organisation, or the office."""
    require_approved(actor)
    filing = AlgorithmFiling.objects.select_for_update().filter(pk=filing.pk).first()
    if filing is None:
        raise NotFound("该算法备案不存在或已删除。")
    if not permissions.can_manage_credentials(actor, filing.organisation_id):
        raise PermissionDenied("只能删除本单位的算法备案。")
    audit.record(
        actor=actor,
        action="filing.delete",
        obj=filing,
        summary=filing.name,
        before=snapshot(filing, FILING_AUDIT_FIELDS),
    )
    filing.delete()


# The status changes the office records: a pending filing is filed (with its number and date),
# a filed one revoked.
FILING_MOVES = {
    (AlgorithmFiling.Status.PENDING, AlgorithmFiling.Status.FILED),
    (AlgorithmFiling.Status.FILED, AlgorithmFiling.Status.REVOKED),
}


@transaction.atomic
def set_filing_status(*, actor, filing: AlgorithmFiling, data: dict) -> AlgorithmFiling:
    """The office records a filing's outcome: 备案中 → 已备案 (number and date), 已备案 → 已注销."""
    require_approved(actor)
    if not governance_permissions.can_change_filing_status(actor):
        raise PermissionDenied("只有专班办公室可以变更算法备案的状态。")
    form = validated(FilingStatusForm, data)
    filing = AlgorithmFiling.objects.select_for_update().filter(pk=filing.pk).first()
    if filing is None:
        raise NotFound("该算法备案不存在或已删除。")
    current = AlgorithmFiling.Status(filing.status)
    target = AlgorithmFiling.Status(form.cleaned_data["status"])
    if (current, target) not in FILING_MOVES:
        raise Conflict(
            f"备案当前为“{current.label}”，不能变更为“{target.label}”："
            "只有备案中的可确认为已备案，已备案的可注销。",
            {"status": "不能这样变更。"},
        )
    before = snapshot(filing, FILING_AUDIT_FIELDS)
    filing.status = target
    if target == AlgorithmFiling.Status.FILED:
        filing.number = form.cleaned_data["number"].strip()
        filing.filed_on = form.cleaned_data["filed_on"]
    filing.save(update_fields=["status", "number", "filed_on"])
    note = form.cleaned_data["note"].strip()
    audit.record(
        actor=actor,
        action="filing.status",
        obj=filing,
        summary=f"{filing.name}：{current.label} → {target.label}"
        + (f"（{note}）" if note else ""),
        before=before,
        after={**snapshot(filing, FILING_AUDIT_FIELDS), "note": note},
    )
    return filing


# --- risk checklists --------------------------------------------------------------------------


def _checklist_snapshot(found: RiskChecklist | None) -> dict | None:
    if found is None:
        return None
    return {
        "status": found.status,
        "signed_by": str(found.signed_by) if found.signed_by_id else None,
        "signed_at": found.signed_at.isoformat() if found.signed_at else None,
        **checklist.flat(found.answers),
    }


def _stage(stage: str) -> RiskChecklist.Stage:
    if stage not in RiskChecklist.Stage.values:
        raise NotFound(
            f"没有“{stage}”阶段的风险检查清单（可选：试点前 pilot、落地前 deployment）。"
        )
    return RiskChecklist.Stage(stage)


def _locked_demand(demand: Demand) -> Demand:
    """The demand, locked: saving, signing and the lifecycle gate see one state at a time."""
    return Demand.objects.select_for_update().get(pk=demand.pk)


@transaction.atomic
def save_checklist(*, actor, demand: Demand, stage: str, data: dict) -> RiskChecklist:
    """A member of the demander organisation saves the stage's checklist (unfinished answers
    are kept as a draft); changing a signed checklist reopens it, to be signed again."""
    require_approved(actor)
    stage = _stage(stage)
    demand = _locked_demand(demand)
    if not governance_permissions.can_edit_checklist(actor, demand):
        raise PermissionDenied("只有需求单位的成员可以填写风险检查清单。")
    if demand.status == DemandStatus.CLOSED:
        raise Conflict("需求已关闭，不能再修改风险检查清单。")
    answers = validated(ChecklistForm, data).answers()
    found = RiskChecklist.objects.select_for_update().filter(demand=demand, stage=stage).first()
    if found is not None and checklist.normalise(found.answers) == answers:
        return found  # nothing changed: a signed checklist stays signed
    before = _checklist_snapshot(found)
    reopened = found is not None and found.is_signed
    if found is None:
        found = RiskChecklist(demand=demand, stage=stage)
    found.answers = answers
    found.status = RiskChecklist.Status.DRAFT
    found.signed_by = None
    found.signed_at = None
    found.save()
    summary = f"{demand.title}：{stage.label}风险检查清单"
    if reopened:
        summary += "（已签署的清单被修改，改为草稿，须重新签署）"
    audit.record(
        actor=actor,
        action="checklist.save",
        obj=found,
        summary=summary,
        before=before,
        after=_checklist_snapshot(found),
    )
    return found


@transaction.atomic
def sign_checklist(*, actor, demand: Demand, stage: str) -> RiskChecklist:
    """A member of the demander organisation signs the stage's checklist, once every item is
    answered, with measures (and the item's confirmation) for each risk the scenario involves."""
    require_approved(actor)
    stage = _stage(stage)
    demand = _locked_demand(demand)
    if not governance_permissions.can_edit_checklist(actor, demand):
        raise PermissionDenied("只有需求单位的成员可以签署风险检查清单。")
    if demand.status == DemandStatus.CLOSED:
        raise Conflict("需求已关闭，不能再签署风险检查清单。")
    found = RiskChecklist.objects.select_for_update().filter(demand=demand, stage=stage).first()
    if found is not None and found.is_signed:
        raise Conflict(f"{stage.label}风险检查清单已经签署。")
    missing = checklist.incomplete(found.answers if found else None)
    if missing:
        listed = "；".join(f"{item.title}（{why}）" for item, why in missing)
        raise ServiceError(
            f"{stage.label}风险检查清单尚未完成，不能签署。请补全：{listed}。",
            {item.code: why for item, why in missing},
        )
    before = _checklist_snapshot(found)
    found.status = RiskChecklist.Status.SIGNED
    found.signed_by = actor
    found.signed_at = timezone.now()
    found.save(update_fields=["status", "signed_by", "signed_at", "updated_at"])
    audit.record(
        actor=actor,
        action="checklist.sign",
        obj=found,
        summary=f"{demand.title}：签署{stage.label}风险检查清单",
        before=before,
        after=_checklist_snapshot(found),
    )
    return found
