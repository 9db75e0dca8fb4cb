"""Governance API (`/api/governance/…`): the algorithm filing registry (public: filed ones;
the office: all, and their status), a demand's risk checklists (read by the demander, the
office, the area's officer and the selected supplier; saved and signed by the demander) and
the audit log (the office).

Lists are `{items, count}` with `limit`/`offset`; refusals are `ServiceError`s rendered as JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Query, Router

from aiplus.core.auth import OptionalAuth
from aiplus.core.errors import NotFound, PermissionDenied, ServiceError
from aiplus.core.schemas import ErrorOut, Page, PageParams, page
from aiplus.scenarios import permissions as scenario_permissions

from . import auditlog, checklist, checklists, permissions, services
from .filters import filter_filings
from .forms import ChecklistForm
from .models import AlgorithmFiling, RiskChecklist
from .schemas import AuditOut, ChecklistIn, ChecklistOut, FilingOut, FilingStatusIn

router = Router(tags=["governance"])


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ErrorOut for code in codes}


# --- algorithm filings ----------------------------------------------------------------------


def _filings(request):
    return permissions.filings_visible_to(request.user).select_related("organisation__area")


@router.get(
    "/governance/filings",
    response={200: Page[FilingOut], **_errors(401, 422)},
    auth=OptionalAuth(),
    summary="算法备案名录（公开：已备案；专班：全部）",
)
def list_filings(
    request,
    params: Query[PageParams],
    q: str = "",
    kind: str = "",
    status: str = "",
    area: str = "",
):
    qs = filter_filings(_filings(request), q=q, kind=kind, status=status, area=area)
    return page(qs.order_by("-filed_on", "-id"), params)


@router.get(
    "/governance/filings/{filing_id}",
    response={200: FilingOut, **_errors(401, 404)},
    auth=OptionalAuth(),
    summary="算法备案详情",
)
def get_filing(request, filing_id: int):
    return get_object_or_404(_filings(request), pk=filing_id)


@router.post(
    "/governance/filings/{filing_id}/status",
    response={200: FilingOut, **_errors(400, 401, 403, 404, 409, 422)},
    summary="变更算法备案状态（专班：备案中→已备案，须填备案号和日期；已备案→已注销）",
)
def set_filing_status(request, filing_id: int, payload: FilingStatusIn):
    if not permissions.can_change_filing_status(request.user):
        raise PermissionDenied("只有专班办公室可以变更算法备案的状态。")
    filing = get_object_or_404(AlgorithmFiling, pk=filing_id)
    data = payload.model_dump()
    data["filed_on"] = data["filed_on"].isoformat() if data["filed_on"] else ""
    services.set_filing_status(actor=request.user, filing=filing, data=data)
    return _filings(request).get(pk=filing_id)


# --- risk checklists ------------------------------------------------------------------------


def _demand_for_checklist(request, demand_id: int):
    """The demand, if the caller may read its checklists (else 404: it may not know of it)."""
    demand = get_object_or_404(scenario_permissions.demands_visible_to(request.user), pk=demand_id)
    if not permissions.can_view_checklist(request.user, demand):
        raise NotFound("对象不存在或无权查看。")
    return demand


def _stage(stage: str) -> str:
    if stage not in RiskChecklist.Stage.values:
        raise NotFound(f"没有“{stage}”阶段的风险检查清单（可选：pilot、deployment）。")
    return stage


def checklist_out(found: RiskChecklist) -> dict:
    answers = checklist.normalise(found.answers)
    problems = dict(checklist.incomplete(answers))
    items = []
    for item in checklist.ITEMS:
        answer = answers[item.code]
        why = problems.get(item, "")
        items.append(
            {
                "code": item.code,
                "title": str(item.title),
                "question": str(item.question),
                "basis": str(item.basis),
                "guidance": str(item.guidance),
                "confirm": str(item.confirm),
                **answer,
                "complete": not why,
                "problem": why,
            }
        )
    return {
        "demand": found.demand_id,
        "stage": found.stage,
        "stage_label": str(found.get_stage_display()),
        "saved": found.pk is not None,
        "status": found.status,
        "status_label": str(found.get_status_display()),
        "complete": not problems,
        "incomplete": [str(item.title) for item in problems],
        "signed_by": str(found.signed_by) if found.signed_by_id else None,
        "signed_at": found.signed_at,
        "updated_at": found.updated_at,
        "items": items,
    }


CHECKLIST_PATH = "/governance/demands/{demand_id}/checklists/{stage}"


@router.get(
    CHECKLIST_PATH,
    response={200: ChecklistOut, **_errors(401, 404)},
    summary="需求的风险检查清单（stage：pilot 试点前 / deployment 落地前；未保存时按需求标记预填）",
)
def get_checklist(request, demand_id: int, stage: str):
    demand = _demand_for_checklist(request, demand_id)
    return checklist_out(checklists.current(demand, _stage(stage)))


@router.put(
    CHECKLIST_PATH,
    response={200: ChecklistOut, **_errors(400, 401, 403, 404, 409, 422)},
    summary="保存风险检查清单（需求单位成员；修改已签署的清单会使其回到草稿）",
)
def save_checklist(request, demand_id: int, stage: str, payload: ChecklistIn):
    demand = _demand_for_checklist(request, demand_id)
    answers = {code: answer.model_dump() for code, answer in payload.answers.items()}
    unknown = sorted(set(answers) - set(checklist.BY_CODE))
    if unknown:
        raise ServiceError(
            f"未知的检查项：{'、'.join(unknown)}。",
            {code: "没有这个检查项。" for code in unknown},
        )
    found = services.save_checklist(
        actor=request.user,
        demand=demand,
        stage=_stage(stage),
        data=ChecklistForm.data_for(answers),
    )
    return checklist_out(found)


@router.post(
    CHECKLIST_PATH + "/sign",
    response={200: ChecklistOut, **_errors(400, 401, 403, 404, 409)},
    summary="签署风险检查清单（需求单位成员；须全部检查项已完成）",
)
def sign_checklist(request, demand_id: int, stage: str):
    demand = _demand_for_checklist(request, demand_id)
    found = services.sign_checklist(actor=request.user, demand=demand, stage=_stage(stage))
    return checklist_out(found)


# --- the audit log --------------------------------------------------------------------------


@router.get(
    "/governance/audit",
    response={200: Page[AuditOut], **_errors(401, 403, 422)},
    summary="操作审计日志（专班），最新的在前",
)
def list_audit(
    request,
    params: Query[PageParams],
    actor: str = "",
    action: str = "",
    object_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
):
    if not permissions.can_see_audit(request.user):
        raise PermissionDenied("只有专班办公室可以查看操作审计日志。")
    qs = auditlog.filter_entries(
        auditlog.entries(),
        actor=actor,
        action=action,
        object_type=object_type,
        date_from=date_from,
        date_to=date_to,
        q=q,
    )
    return page(qs, params)
