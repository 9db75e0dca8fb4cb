"""Every write to scenarios: demands and their lifecycle, lists, solutions, proposals, roadshows,
supplier certifications.

Each function checks access, validates, saves in one transaction, records the audit entry and
returns the saved object. Views and API handlers call these and nothing else to write.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from aiplus.accounts.choices import Role
from aiplus.accounts.models import Organisation
from aiplus.core import audit
from aiplus.core.actions import require_approved, snapshot, validated
from aiplus.core.errors import Conflict, NotFound, PermissionDenied, ServiceError

from . import gates, matching, permissions, workflow
from .choices import DemandStatus, ListStatus, ProposalStatus, RoadshowStatus
from .forms import (
    CaseStudyForm,
    CertificationForm,
    DemandForm,
    DemandListForm,
    ProposalForm,
    RoadshowForm,
    SolutionForm,
    tags_from_names,
)
from .models import (
    CaseStudy,
    Certification,
    Demand,
    DemandList,
    DemandListItem,
    DemandTransition,
    Invitation,
    Proposal,
    Roadshow,
    RoadshowRegistration,
    Solution,
)

DEMAND_AUDIT_FIELDS = [
    "title",
    "status",
    "sector_id",
    "area_id",
    "budget_min",
    "budget_max",
    "visibility",
]


def _demand_code(demand: Demand) -> str:
    return f"XQ{demand.created_at:%Y}{demand.pk:06d}"


# --- demands ---------------------------------------------------------------------------------


@transaction.atomic
def create_demand(*, actor, data: dict, demander=None, is_demo: bool = False) -> Demand:
    """Create a draft demand for the actor's organisation (the office may name the demander)."""
    require_approved(actor)
    if not permissions.can_create_demand(actor):
        raise PermissionDenied("只有需求方或专班办公室可以发布场景需求。")
    if demander is None or not actor.is_office:
        demander = actor.organisation
    form = validated(DemandForm, data)
    demand = form.save(commit=False)
    demand.demander = demander
    demand.created_by = actor
    demand.is_demo = is_demo
    demand.save()
    demand.code = _demand_code(demand)
    demand.save(update_fields=["code"])
    demand.tags.set(tags_from_names(form.cleaned_data["tag_names"]))
    DemandTransition.objects.create(
        demand=demand,
        to_status=demand.status,
        actor=actor,
        organisation=actor.organisation,
        note="创建",
    )
    audit.record(
        actor=actor,
        action="demand.create",
        obj=demand,
        summary=demand.title,
        after=snapshot(demand, DEMAND_AUDIT_FIELDS),
    )
    matching.changed(matching.DEMANDS, demand.pk)
    return demand


@transaction.atomic
def update_demand(*, actor, demand: Demand, data: dict) -> Demand:
    """Edit a demand while its owner (draft, returned) or the office (in review) may."""
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if not permissions.can_edit_demand(actor, demand):
        raise PermissionDenied("当前状态下您不能修改该需求。")
    before = snapshot(demand, DEMAND_AUDIT_FIELDS)
    form = validated(DemandForm, data, instance=demand)
    demand = form.save()
    demand.tags.set(tags_from_names(form.cleaned_data["tag_names"]))
    audit.record(
        actor=actor,
        action="demand.update",
        obj=demand,
        summary=demand.title,
        before=before,
        after=snapshot(demand, DEMAND_AUDIT_FIELDS),
    )
    matching.changed(matching.DEMANDS, demand.pk)
    return demand


@transaction.atomic
def transition_demand(*, actor, demand: Demand, to_status: str, note: str = "") -> Demand:
    """Move a demand one step in its lifecycle, if the move exists and the actor may make it."""
    require_approved(actor)
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    current = demand.status
    if to_status not in DemandStatus.values:
        raise ServiceError(f"未知的状态：{to_status}")
    if not workflow.exists(current, to_status):
        raise Conflict(
            f"需求当前为“{DemandStatus(current).label}”，不能变更为“{DemandStatus(to_status).label}”。"
        )
    if not workflow.allowed(current, to_status, permissions.capacities(actor, demand)):
        raise PermissionDenied("您无权执行该状态变更。")
    gates.check(demand, to_status)
    note = (note or "").strip()
    if (current, to_status) in workflow.NOTE_REQUIRED and not note:
        raise ServiceError("请填写原因。", {"note": "退回或关闭需要说明原因。"})
    demand.status = to_status
    fields = ["status", "updated_at"]
    if to_status == DemandStatus.PUBLISHED and demand.published_at is None:
        demand.published_at = timezone.now()
        fields.append("published_at")
    if to_status == DemandStatus.RETURNED:
        demand.review_note = note
        fields.append("review_note")
    demand.save(update_fields=fields)
    DemandTransition.objects.create(
        demand=demand,
        from_status=current,
        to_status=to_status,
        actor=actor,
        organisation=actor.organisation,
        note=note,
    )
    audit.record(
        actor=actor,
        action="demand.transition",
        obj=demand,
        summary=demand.title,
        before={"status": current},
        after={"status": to_status, "note": note},
    )
    matching.changed(matching.DEMANDS, demand.pk)
    return demand


# --- demand lists ----------------------------------------------------------------------------


def _require_office(actor, message: str = "只有专班办公室可以执行此操作。") -> None:
    require_approved(actor)
    if not actor.is_office:
        raise PermissionDenied(message)


@transaction.atomic
def create_demand_list(*, actor, data: dict, is_demo: bool = False) -> DemandList:
    """The office opens a new demand list (batch), in draft."""
    _require_office(actor, "只有专班办公室可以编制需求清单。")
    form = validated(DemandListForm, data)
    demand_list = form.save(commit=False)
    demand_list.is_demo = is_demo
    demand_list.save()
    audit.record(actor=actor, action="demandlist.create", obj=demand_list, summary=demand_list.name)
    return demand_list


@transaction.atomic
def add_to_list(*, actor, demand_list: DemandList, demands: list[Demand]) -> int:
    """Append published demands to a list; returns how many were added."""
    _require_office(actor, "只有专班办公室可以编制需求清单。")
    if demand_list.status == ListStatus.PUBLISHED:
        raise Conflict("清单已发布，不能再添加需求；请编制新的清单。")
    not_public = [d.code or str(d.pk) for d in demands if not d.is_public]
    if not_public:
        raise ServiceError("只能把已发布且公开可见的需求加入清单：" + "、".join(not_public))
    existing = set(demand_list.items.values_list("demand_id", flat=True))
    position = demand_list.items.aggregate(m=Max("position"))["m"] or 0
    added = 0
    for demand in demands:
        if demand.pk in existing:
            continue
        position += 1
        added += 1
        existing.add(demand.pk)
        DemandListItem.objects.create(demand_list=demand_list, demand=demand, position=position)
    audit.record(
        actor=actor,
        action="demandlist.add",
        obj=demand_list,
        summary=demand_list.name,
        after={"added": [d.pk for d in demands]},
    )
    return added


@transaction.atomic
def remove_from_list(*, actor, demand_list: DemandList, demand: Demand) -> None:
    """Take a demand off a list that is still being compiled, renumbering the rest."""
    _require_office(actor)
    demand_list = DemandList.objects.select_for_update().get(pk=demand_list.pk)
    if demand_list.status == ListStatus.PUBLISHED:
        raise Conflict("清单已发布，不能再移除需求。")
    demand_list.items.filter(demand=demand).delete()
    for position, item in enumerate(demand_list.items.order_by("position", "id"), start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    audit.record(
        actor=actor,
        action="demandlist.remove",
        obj=demand_list,
        summary=demand_list.name,
        before={"demand": demand.pk},
    )


@transaction.atomic
def publish_demand_list(*, actor, demand_list: DemandList) -> DemandList:
    """Publish a list: it gets a public page and its exports."""
    _require_office(actor, "只有专班办公室可以发布需求清单。")
    demand_list = DemandList.objects.select_for_update().get(pk=demand_list.pk)
    if demand_list.status == ListStatus.PUBLISHED:
        raise Conflict("该清单已经发布。")
    if not demand_list.items.exists():
        raise ServiceError("清单中还没有需求，不能发布。")
    demand_list.status = ListStatus.PUBLISHED
    demand_list.published_at = timezone.now()
    demand_list.save(update_fields=["status", "published_at"])
    audit.record(
        actor=actor,
        action="demandlist.publish",
        obj=demand_list,
        summary=demand_list.name,
        after={"status": demand_list.status},
    )
    return demand_list


# --- solutions -------------------------------------------------------------------------------


@transaction.atomic
def save_solution(
    *, actor, data: dict, solution: Solution | None = None, is_demo: bool = False
) -> Solution:
    """Create or edit a supplier's solution."""
    require_approved(actor)
    if solution is None and actor.role != Role.SUPPLIER:
        raise PermissionDenied("只有供给方可以发布解决方案。")
    if solution is not None and not permissions.can_edit_solution(actor, solution):
        raise PermissionDenied("您无权修改该解决方案。")
    form = validated(SolutionForm, data, instance=solution)
    obj = form.save(commit=False)
    if solution is None:
        obj.supplier = actor.organisation
        obj.is_demo = is_demo
    obj.save()
    form.save_m2m()
    obj.tags.set(tags_from_names(form.cleaned_data["tag_names"]))
    audit.record(
        actor=actor,
        action="solution.create" if solution is None else "solution.update",
        obj=obj,
        summary=obj.title,
    )
    matching.changed(matching.SOLUTIONS, obj.pk)
    return obj


@transaction.atomic
def add_case_study(
    *, actor, solution: Solution, data: dict, metrics: list[dict] | None = None
) -> CaseStudy:
    """Add a case study (customer, sector, outcome figures) to a solution."""
    require_approved(actor)
    if not permissions.can_edit_solution(actor, solution):
        raise PermissionDenied("您无权修改该解决方案。")
    form = validated(CaseStudyForm, data)
    case = form.save(commit=False)
    case.solution = solution
    case.metrics = [
        {"name": str(m.get("name", ""))[:50], "value": str(m.get("value", ""))[:50]}
        for m in (metrics or [])
        if m.get("name")
    ]
    case.save()
    audit.record(actor=actor, action="casestudy.create", obj=case, summary=case.customer)
    matching.changed(matching.SOLUTIONS, solution.pk)
    return case


# --- certifications --------------------------------------------------------------------------

CERTIFICATION_AUDIT_FIELDS = ["name", "issuer", "number", "valid_until", "organisation_id"]


def require_own_organisation(actor) -> None:
    """Credentials belong to the actor's organisation: an approved member must be acting."""
    require_approved(actor)
    if actor.organisation_id is None or not permissions.can_manage_credentials(
        actor, actor.organisation_id
    ):
        raise PermissionDenied("只有已通过审核的单位成员可以维护本单位的资质与备案。")


@transaction.atomic
def add_certification(*, actor, data: dict) -> Certification:
    """Add a certification (资质认证) to the actor's own organisation."""
    require_own_organisation(actor)
    form = validated(CertificationForm, data)
    certification = form.save(commit=False)
    certification.organisation = actor.organisation
    certification.save()
    audit.record(
        actor=actor,
        action="certification.create",
        obj=certification,
        summary=certification.name,
        after=snapshot(certification, CERTIFICATION_AUDIT_FIELDS),
    )
    return certification


@transaction.atomic
def delete_certification(*, actor, certification: Certification) -> None:
    """Remove a certification: a member of the owning organisation, or the office."""
    require_approved(actor)
    certification = Certification.objects.select_for_update().filter(pk=certification.pk).first()
    if certification is None:
        raise NotFound("该资质认证不存在或已删除。")
    if not permissions.can_manage_credentials(actor, certification.organisation_id):
        raise PermissionDenied("只能删除本单位的资质认证。")
    audit.record(
        actor=actor,
        action="certification.delete",
        obj=certification,
        summary=certification.name,
        before=snapshot(certification, CERTIFICATION_AUDIT_FIELDS),
    )
    certification.delete()


# --- proposals -------------------------------------------------------------------------------


@transaction.atomic
def submit_proposal(*, actor, demand: Demand, data: dict, is_demo: bool = False) -> Proposal:
    """A supplier answers a published demand (揭榜)."""
    require_approved(actor)
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if not permissions.can_propose(actor, demand):
        raise PermissionDenied("只有供给方可以响应已发布或对接中的需求。")
    if Proposal.objects.filter(demand=demand, supplier=actor.organisation).exists():
        raise Conflict("贵单位已经响应过该需求，可在“我的方案”中查看。")
    form = validated(ProposalForm, data, supplier=actor.organisation)
    proposal = form.save(commit=False)
    proposal.demand = demand
    proposal.supplier = actor.organisation
    proposal.submitted_by = actor
    proposal.is_demo = is_demo
    proposal.save()
    audit.record(
        actor=actor,
        action="proposal.submit",
        obj=proposal,
        summary=f"{actor.organisation} → {demand.title}",
    )
    return proposal


def _decide_proposal(actor, proposal: Proposal, allowed_from: set[str], to: str) -> Proposal:
    proposal = Proposal.objects.select_for_update().select_related("demand").get(pk=proposal.pk)
    caps = permissions.capacities(actor, proposal.demand)
    if not caps & {workflow.OWNER, workflow.OFFICE}:
        raise PermissionDenied("只有需求方或专班办公室可以处理揭榜方案。")
    if proposal.status not in allowed_from:
        raise Conflict(f"该方案当前为“{ProposalStatus(proposal.status).label}”，不能执行此操作。")
    if to in {
        ProposalStatus.SHORTLISTED,
        ProposalStatus.SELECTED,
    } and proposal.demand.status not in {
        DemandStatus.PUBLISHED,
        DemandStatus.IN_TALKS,
    }:
        raise Conflict("需求已不在对接阶段，不能再入围或选定方案。")
    before = proposal.status
    proposal.status = to
    proposal.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action=f"proposal.{to}",
        obj=proposal,
        summary=str(proposal),
        before={"status": before},
        after={"status": to},
    )
    return proposal


@transaction.atomic
def shortlist_proposal(*, actor, proposal: Proposal) -> Proposal:
    """The demander shortlists a proposal; the demand moves to 对接中 if it was published."""
    require_approved(actor)
    proposal = _decide_proposal(
        actor, proposal, {ProposalStatus.SUBMITTED}, ProposalStatus.SHORTLISTED
    )
    if proposal.demand.status == DemandStatus.PUBLISHED:
        transition_demand(
            actor=actor,
            demand=proposal.demand,
            to_status=DemandStatus.IN_TALKS,
            note=f"入围方案：{proposal.supplier}",
        )
    return proposal


@transaction.atomic
def decline_proposal(*, actor, proposal: Proposal) -> Proposal:
    require_approved(actor)
    return _decide_proposal(
        actor,
        proposal,
        {ProposalStatus.SUBMITTED, ProposalStatus.SHORTLISTED},
        ProposalStatus.DECLINED,
    )


@transaction.atomic
def select_proposal(*, actor, proposal: Proposal) -> Proposal:
    """The demander picks one shortlisted proposal; the others are declined. The demand moves
    to pilot when its gates let it (a signed pilot risk checklist); otherwise it stays in talks
    until the demander completes them and moves it."""
    require_approved(actor)
    proposal = _decide_proposal(
        actor, proposal, {ProposalStatus.SHORTLISTED}, ProposalStatus.SELECTED
    )
    demand = proposal.demand
    if (
        Proposal.objects.filter(demand=demand, status=ProposalStatus.SELECTED)
        .exclude(pk=proposal.pk)
        .exists()
    ):
        raise Conflict("该需求已经选定了方案。")
    for other in Proposal.objects.filter(
        demand=demand, status__in=[ProposalStatus.SUBMITTED, ProposalStatus.SHORTLISTED]
    ).exclude(pk=proposal.pk):
        _decide_proposal(actor, other, {other.status}, ProposalStatus.DECLINED)
    if demand.status == DemandStatus.PUBLISHED:
        demand = transition_demand(actor=actor, demand=demand, to_status=DemandStatus.IN_TALKS)
    if demand.status == DemandStatus.IN_TALKS and not gates.blocked(demand, DemandStatus.PILOT):
        transition_demand(
            actor=actor,
            demand=demand,
            to_status=DemandStatus.PILOT,
            note=f"选定方案：{proposal.supplier}",
        )
    return proposal


@transaction.atomic
def withdraw_proposal(*, actor, proposal: Proposal) -> Proposal:
    require_approved(actor)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.supplier_id != actor.organisation_id:
        raise PermissionDenied("只能撤回本单位的方案。")
    if proposal.status not in {ProposalStatus.SUBMITTED, ProposalStatus.SHORTLISTED}:
        raise Conflict("该方案已有结果，不能撤回。")
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="proposal.withdraw", obj=proposal, summary=str(proposal))
    return proposal


# --- roadshows -------------------------------------------------------------------------------


@transaction.atomic
def save_roadshow(
    *,
    actor,
    data: dict,
    demands: list[Demand] = (),
    roadshow: Roadshow | None = None,
    is_demo: bool = False,
) -> Roadshow:
    """The office creates or edits a roadshow and sets the demands on its agenda."""
    _require_office(actor, "只有专班办公室可以组织路演。")
    form = validated(RoadshowForm, data, instance=roadshow)
    obj = form.save(commit=False)
    if roadshow is None:
        obj.is_demo = is_demo
    obj.save()
    not_public = [d for d in demands if not d.is_public]
    if not_public:
        raise ServiceError("路演只能安排已公开发布的需求。")
    obj.demands.set(demands)
    audit.record(actor=actor, action="roadshow.save", obj=obj, summary=obj.title)
    return obj


@transaction.atomic
def register_for_roadshow(
    *, actor, roadshow: Roadshow, meeting_demands: list[Demand] = (), note: str = ""
) -> RoadshowRegistration:
    """A supplier registers for a roadshow and asks for one-to-one meetings on agenda demands."""
    require_approved(actor)
    if actor.role != Role.SUPPLIER:
        raise PermissionDenied("只有供给方可以报名路演。")
    roadshow = Roadshow.objects.select_for_update().get(pk=roadshow.pk)
    if roadshow.status != RoadshowStatus.OPEN:
        raise Conflict("该路演当前不接受报名。")
    if roadshow.registrations.filter(supplier=actor.organisation).exists():
        raise Conflict("贵单位已报名该路演。")
    if roadshow.registrations.count() >= roadshow.capacity:
        raise Conflict("报名名额已满。")
    agenda = set(roadshow.demands.values_list("pk", flat=True))
    if any(d.pk not in agenda for d in meeting_demands):
        raise ServiceError("只能申请与本场路演中的需求洽谈。")
    reg = RoadshowRegistration.objects.create(
        roadshow=roadshow, supplier=actor.organisation, note=note[:300]
    )
    reg.meetings.set(meeting_demands)
    audit.record(actor=actor, action="roadshow.register", obj=reg, summary=str(reg))
    return reg


# --- invitations -----------------------------------------------------------------------------


@transaction.atomic
def invite_suppliers(
    *, actor, demand: Demand, invitations: list[tuple[Organisation, float | None, str]]
) -> int:
    """The office invites suppliers (with their match score and reason) to answer a demand;
    returns how many were newly invited."""
    require_approved(actor)
    if not actor.is_office:
        raise PermissionDenied("只有专班办公室可以邀请供给方揭榜。")
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if demand.status not in {DemandStatus.PUBLISHED, DemandStatus.IN_TALKS}:
        raise Conflict("只能为已发布或对接中的需求邀请供给方。")
    not_suppliers = [
        o.name for o, _, _ in invitations if o.kind != Role.SUPPLIER or o.status != "approved"
    ]
    if not_suppliers:
        raise ServiceError("只能邀请已通过审核的供给方：" + "、".join(not_suppliers))
    existing = set(demand.invitations.values_list("supplier_id", flat=True))
    created = [
        Invitation(demand=demand, supplier=org, invited_by=actor, score=score, reason=reason[:500])
        for org, score, reason in invitations
        if org.pk not in existing
    ]
    Invitation.objects.bulk_create(created)
    audit.record(
        actor=actor,
        action="demand.invite",
        obj=demand,
        summary=demand.title,
        after={"suppliers": [i.supplier_id for i in created]},
    )
    return len(created)
