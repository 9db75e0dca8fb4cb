"""Pages of the scenario marketplace. Thin: read through the permission querysets, write through
services, turn ServiceError into a message on the page."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation
from aiplus.core.errors import ServiceError
from aiplus.core.models import Area, AuditEntry, DemanderType, Sector, Tag
from aiplus.core.pages import fail, posted
from aiplus.core.pagination import RankedRows, paginate, querystring_without_page
from aiplus.governance import checklists as governance_checklists
from aiplus.governance import permissions as governance_permissions
from aiplus.governance import services as governance_services
from aiplus.governance.forms import AlgorithmFilingForm
from aiplus.governance.models import AlgorithmFiling

from . import gates, matching, permissions, services, workflow
from .choices import (
    PIPELINE,
    PUBLIC_STATUSES,
    DemandStatus,
    ListStatus,
    ProposalStatus,
    Visibility,
)
from .downloads import demand_list_download
from .filters import clean, filter_demands
from .forms import (
    CaseStudyForm,
    CertificationForm,
    DemandForm,
    DemandListForm,
    ProposalForm,
    RoadshowForm,
    SolutionForm,
)
from .models import (
    Certification,
    Demand,
    DemandList,
    DemandTransition,
    Invitation,
    Proposal,
    Roadshow,
    Solution,
)

log = logging.getLogger(__name__)
DEMAND_LIST_RELATED = ("sector", "area", "demander_type", "demander")
# What a row of the demand list shows: loading only these keeps long texts out of list queries.
DEMAND_LIST_COLUMNS = (
    "code",
    "title",
    "status",
    "published_at",
    "is_demo",
    "visibility",
    "sector__name",
    "area__name",
    "demander__name",
    "demander_type__name",
)


def _role(request) -> str | None:
    user = request.user
    if not user.is_authenticated:
        return None
    return Role.OFFICE if user.is_superuser else user.role


# --- demands ---------------------------------------------------------------------------------


def demand_list(request):
    qs = permissions.demands_visible_to(request.user)
    if _role(request) is None or request.GET.get("scope") != "all":
        qs = qs.filter(status__in=PUBLIC_STATUSES)
    params = request.GET.copy()
    q = clean(params.pop("q", [""])[-1])
    qs = (
        filter_demands(qs, params)
        .select_related(*DEMAND_LIST_RELATED)
        .only(*DEMAND_LIST_COLUMNS)
        .prefetch_related("tags")
        .order_by("-published_at", "-id")
    )
    if q:
        qs = ranked_search(qs, matching.DEMANDS, q, fallback=lambda: filter_demands(qs, {"q": q}))
    page_obj = paginate(request, qs)
    context = {
        "page_obj": page_obj,
        "qs": querystring_without_page(request),
        "hx_target": "#results",
        "sectors": Sector.objects.all(),
        "areas": Area.objects.all(),
        "demander_types": DemanderType.objects.all(),
        "statuses": [(s.value, s.label) for s in PUBLIC_STATUSES],
        "params": request.GET,
    }
    if request.headers.get("HX-Request"):
        return render(request, "scenarios/_demand_results.html", context)
    return render(request, "scenarios/demand_list.html", context)


def _visible_demand(request, pk: int) -> Demand:
    qs = permissions.demands_visible_to(request.user).select_related(*DEMAND_LIST_RELATED)
    # its tags are shown and matched on (matching.solutions_for_demand reuses them)
    return get_object_or_404(qs.prefetch_related("tags"), pk=pk)


def demand_detail(request, pk: int):
    demand = _visible_demand(request, pk)
    user = request.user
    caps = permissions.capacities(user, demand)
    proposals = permissions.proposals_visible_to(user, demand) if user.is_authenticated else []
    own_proposal = None
    if _role(request) == Role.SUPPLIER:
        own_proposal = demand.proposals.filter(supplier_id=user.organisation_id).first()
    labels = dict(DemandStatus.choices)
    context = {
        "demand": demand,
        "tags": demand.tags.all(),
        "show_contact": permissions.can_see_contact(user, demand),
        "show_budget": permissions.can_see_budget(user, demand),
        "can_edit": permissions.can_edit_demand(user, demand),
        "can_propose": permissions.can_propose(user, demand) and own_proposal is None,
        "own_proposal": own_proposal,
        # each move the user may make, with why a gate still refuses it (e.g. no signed risk
        # checklist before pilot): such a move shows disabled, with the reason
        "targets": [
            (
                t,
                labels[t],
                (demand.status, t) in workflow.NOTE_REQUIRED,
                gates.blocked(demand, t),
            )
            for t in workflow.targets(demand.status, caps)
        ],
        "transitions": demand.transitions.select_related("actor", "organisation"),
        "proposals": proposals,
        "can_decide": bool(caps & {workflow.OWNER, workflow.OFFICE}),
        "lists": demand.lists.filter(status=ListStatus.PUBLISHED),
        "recommended": _recommended_solutions(demand) if demand.is_public or caps else None,
        "can_invite": workflow.OFFICE in caps
        and demand.status in {DemandStatus.PUBLISHED, DemandStatus.IN_TALKS},
        "invited": set(demand.invitations.values_list("supplier_id", flat=True)),
        **_checklist_context(user, demand, caps),
    }
    return render(request, "scenarios/demand_detail.html", context)


def _checklist_context(user, demand: Demand, caps: set[str]) -> dict:
    """The risk checklists (试点前 / 落地前) for those who may read them, and whether a selected
    proposal waits for the pilot checklist before the demand can go to pilot."""
    if not governance_permissions.can_view_checklist(user, demand):
        return {"checklists": None}
    stages = governance_checklists.stages(demand)
    waiting = (
        demand.status == DemandStatus.IN_TALKS
        and demand.proposals.filter(status=ProposalStatus.SELECTED).exists()
    )
    return {
        "checklists": stages,
        "checklist_editor": workflow.OWNER in caps,
        "pilot_waits": waiting and not stages[0].signed,
        "pilot_ready": waiting and stages[0].signed,
    }


def ranked_search(qs, kind: str, q: str, *, fallback):
    """Order `qs` by the engine's relevance for `q` (jieba + BM25, plus vectors when an
    encoder is configured); the substring `fallback` when the engine has nothing."""
    try:
        ids = matching.search_ids(kind, q)
    except Exception:
        log.exception("search failed for %r", q)
        ids = []
    if not ids:
        return fallback()
    return RankedRows(qs, ids)


def _recommended_solutions(demand: Demand, k: int = 8):
    """Ranked solutions for the demand page; the page still works if the engine fails."""
    try:
        return matching.solutions_for_demand(demand, k=k)
    except Exception:  # an index problem must not take the demand page down
        log.exception("matching failed for demand %s", demand.pk)
        return None


@require_POST
@login_required
def demand_invite(request, pk: int):
    """The office invites the suppliers of the top recommended solutions to answer."""
    demand = _visible_demand(request, pk)
    top = int(request.POST.get("top") or 5)
    chosen = {int(i) for i in request.POST.getlist("supplier") if i.isdigit()}
    picks: dict[int, tuple] = {}
    for ranked in matching.solutions_for_demand(demand, k=30):
        supplier = ranked.obj.supplier
        if supplier.pk in picks or (chosen and supplier.pk not in chosen):
            continue
        picks[supplier.pk] = (supplier, ranked.score, "；".join(ranked.lines))
        if not chosen and len(picks) >= top:
            break
    try:
        n = services.invite_suppliers(
            actor=request.user, demand=demand, invitations=list(picks.values())
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已邀请 {n} 家供给方揭榜。")
    return redirect(demand)


def _sector_codes() -> dict[str, str]:
    """Sector id → code, so the page can apply a suggested sector to the select box."""
    return {str(pk): code for pk, code in Sector.objects.values_list("pk", "code")}


@login_required
def demand_create(request):
    if not permissions.can_create_demand(request.user):
        messages.error(request, "只有已通过审核的需求方可以发布场景需求。")
        return redirect("scenarios:demand_list")
    initial = {}
    org = request.user.organisation
    if org is not None:
        initial = {
            "area": org.area_id,
            "demander_type": org.demander_type_id,
            "contact_name": request.user.display_name,
            "contact_phone": request.user.phone,
            "contact_email": request.user.email,
        }
    form = DemandForm(posted(request), initial=initial)
    if request.method == "POST":
        try:
            demand = services.create_demand(actor=request.user, data=request.POST)
        except ServiceError as exc:
            fail(request, exc, form)
        else:
            if request.POST.get("submit_now"):
                try:
                    services.transition_demand(
                        actor=request.user, demand=demand, to_status=DemandStatus.SUBMITTED
                    )
                    messages.success(request, "需求已提交，等待专班审核。")
                except ServiceError as exc:
                    messages.error(request, exc.message)
            else:
                messages.success(request, "需求草稿已保存。")
            return redirect(demand)
    return render(
        request,
        "scenarios/demand_form.html",
        {"form": form, "creating": True, "sector_codes": _sector_codes()},
    )


@login_required
def demand_edit(request, pk: int):
    demand = _visible_demand(request, pk)
    if not permissions.can_edit_demand(request.user, demand):
        messages.error(request, "当前状态下您不能修改该需求。")
        return redirect(demand)
    form = DemandForm(posted(request), instance=demand)
    if request.method == "POST":
        try:
            services.update_demand(actor=request.user, demand=demand, data=request.POST)
        except ServiceError as exc:
            fail(request, exc, form)
        else:
            messages.success(request, "需求已更新。")
            return redirect(demand)
    return render(
        request,
        "scenarios/demand_form.html",
        {"form": form, "demand": demand, "sector_codes": _sector_codes()},
    )


@require_POST
@login_required
def demand_transition(request, pk: int):
    demand = _visible_demand(request, pk)
    to = request.POST.get("to", "")
    try:
        services.transition_demand(
            actor=request.user, demand=demand, to_status=to, note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message + "".join(exc.errors.values()))
    else:
        messages.success(request, f"状态已变更为“{DemandStatus(to).label}”。")
    return redirect(demand)


def similar_demands(request):
    """HTMX: existing demands that look like the one being written (duplicate check)."""
    title = (request.GET.get("title") or "").strip()
    text = (request.GET.get("pain_point") or "").strip()
    items = []
    if len(title) >= 2 or len(text) >= 6:
        try:
            items = matching.similar_demands(title, text, user=request.user)
        except Exception:
            log.exception("similar demands failed")
    return render(request, "scenarios/_similar.html", {"items": items})


def suggest_tags(request):
    """HTMX: proposed sector and technology tags for the text being written."""
    text = "\n".join(
        (request.GET.get(f) or "") for f in ("title", "pain_point", "summary", "description")
    )
    suggestions = matching.suggest_tags(text) if len(text.strip()) >= 4 else None
    return render(request, "scenarios/_suggest_tags.html", {"s": suggestions})


# --- proposals -------------------------------------------------------------------------------


@login_required
def proposal_create(request, pk: int):
    demand = _visible_demand(request, pk)
    if not permissions.can_propose(request.user, demand):
        messages.error(request, "只有已通过审核的供给方可以响应已发布的需求。")
        return redirect(demand)
    org = request.user.organisation
    form = ProposalForm(posted(request), supplier=org)
    if request.method == "POST":
        try:
            services.submit_proposal(actor=request.user, demand=demand, data=request.POST)
        except ServiceError as exc:
            fail(request, exc, form)
        else:
            messages.success(request, "方案已提交，需求方将收到您的响应。")
            return redirect(demand)
    return render(request, "scenarios/proposal_form.html", {"form": form, "demand": demand})


PROPOSAL_ACTIONS = {
    "shortlist": (services.shortlist_proposal, "方案已入围，需求进入对接阶段。"),
    "select": (services.select_proposal, "已选定方案。"),
    "decline": (services.decline_proposal, "已标记为未入选。"),
    "withdraw": (services.withdraw_proposal, "方案已撤回。"),
}


@require_POST
@login_required
def proposal_action(request, pk: int, action: str):
    proposal = get_object_or_404(permissions.proposals_visible_to(request.user), pk=pk)
    if action not in PROPOSAL_ACTIONS:
        raise Http404
    func, ok = PROPOSAL_ACTIONS[action]
    try:
        func(actor=request.user, proposal=proposal)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
        if action == "select":
            _after_selection(request, proposal.demand)
    return redirect(proposal.demand)


def _after_selection(request, demand: Demand) -> None:
    """Say whether the demand went to pilot, or waits for the signed pilot risk checklist."""
    demand.refresh_from_db(fields=["status"])
    if demand.status == DemandStatus.PILOT:
        messages.success(request, "需求进入试点阶段。")
    elif demand.status == DemandStatus.IN_TALKS:
        messages.warning(
            request,
            "需求仍为“对接中”：需求方填写并签署试点前风险检查清单后，方可将需求变更为“试点”。",
        )


# --- demand lists ----------------------------------------------------------------------------


def _lists_visible(request):
    qs = DemandList.objects.annotate(n=Count("items"))
    if not permissions.can_manage_lists(request.user):
        qs = qs.filter(status=ListStatus.PUBLISHED)
    return qs


def list_index(request):
    page_obj = paginate(request, _lists_visible(request).order_by("-year", "-id"))
    return render(
        request,
        "scenarios/list_index.html",
        {"page_obj": page_obj, "can_manage": permissions.can_manage_lists(request.user)},
    )


def list_detail(request, pk: int):
    demand_list = get_object_or_404(_lists_visible(request), pk=pk)
    items = demand_list.items.select_related(
        *(f"demand__{r}" for r in DEMAND_LIST_RELATED)
    ).order_by("position")
    page_obj = paginate(request, items, per_page=50)
    can_manage = permissions.can_manage_lists(request.user)
    candidates = []
    if can_manage and demand_list.status == ListStatus.DRAFT:
        candidates = filter_demands(
            Demand.objects.filter(status__in=PUBLIC_STATUSES, visibility=Visibility.PUBLIC).exclude(
                list_items__demand_list=demand_list
            ),
            {"q": request.GET.get("cq"), "sector": request.GET.get("csector")},
        ).select_related("sector", "area", "demander")[:200]
    return render(
        request,
        "scenarios/list_detail.html",
        {
            "demand_list": demand_list,
            "page_obj": page_obj,
            "can_manage": can_manage,
            "candidates": candidates,
        },
    )


@login_required
def list_create(request):
    if not permissions.can_manage_lists(request.user):
        messages.error(request, "只有专班办公室可以编制需求清单。")
        return redirect("scenarios:list_index")
    form = DemandListForm(posted(request), initial={"year": timezone.now().year})
    if request.method == "POST":
        try:
            demand_list = services.create_demand_list(actor=request.user, data=request.POST)
        except ServiceError as exc:
            fail(request, exc, form)
        else:
            messages.success(request, "清单已创建，请添加需求。")
            return redirect(demand_list)
    return render(request, "scenarios/list_form.html", {"form": form})


@require_POST
@login_required
def list_add(request, pk: int):
    demand_list = get_object_or_404(DemandList, pk=pk)
    ids = [int(i) for i in request.POST.getlist("demand") if i.isdigit()]
    demands = list(Demand.objects.filter(pk__in=ids))
    try:
        added = services.add_to_list(actor=request.user, demand_list=demand_list, demands=demands)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已加入 {added} 项需求。")
    return redirect(demand_list)


@require_POST
@login_required
def list_remove(request, pk: int, demand_pk: int):
    demand_list = get_object_or_404(DemandList, pk=pk)
    try:
        services.remove_from_list(
            actor=request.user,
            demand_list=demand_list,
            demand=get_object_or_404(Demand, pk=demand_pk),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(demand_list)


@require_POST
@login_required
def list_publish(request, pk: int):
    demand_list = get_object_or_404(DemandList, pk=pk)
    try:
        services.publish_demand_list(actor=request.user, demand_list=demand_list)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "清单已发布。")
    return redirect(demand_list)


def list_export(request, pk: int, fmt: str):
    if fmt not in {"xlsx", "pdf"}:
        raise Http404
    demand_list = get_object_or_404(_lists_visible(request), pk=pk)
    return demand_list_download(
        demand_list, fmt, include_contact=permissions.can_manage_lists(request.user)
    )


# --- solutions and suppliers -----------------------------------------------------------------


def solution_list(request):
    qs = (
        permissions.solutions_visible_to(request.user)
        .select_related("supplier")
        .prefetch_related("sectors", "tags")
    )
    if sector := request.GET.get("sector"):
        qs = qs.filter(sectors__code=sector)
    if tag := request.GET.get("tag"):
        qs = qs.filter(tags__name=tag)
    qs = qs.distinct().order_by("-updated_at", "-id")
    if q := clean(request.GET.get("q")):
        qs = ranked_search(
            qs,
            matching.SOLUTIONS,
            q,
            fallback=lambda: qs.filter(
                Q(title__icontains=q) | Q(summary__icontains=q) | Q(supplier__name__icontains=q)
            ),
        )
    page_obj = paginate(request, qs)
    context = {
        "page_obj": page_obj,
        "qs": querystring_without_page(request),
        "sectors": Sector.objects.all(),
        "params": request.GET,
        "can_create": _role(request) == Role.SUPPLIER,
        "popular_tags": Tag.objects.annotate(n=Count("solutions"))
        .filter(n__gt=0)
        .order_by("-n")[:15],
    }
    return render(request, "scenarios/solution_list.html", context)


def solution_detail(request, pk: int):
    solution = get_object_or_404(
        permissions.solutions_visible_to(request.user).select_related("supplier"), pk=pk
    )
    return render(
        request,
        "scenarios/solution_detail.html",
        {
            "solution": solution,
            "cases": solution.cases.select_related("customer_sector"),
            "certifications": solution.supplier.certifications.all(),
            "filings": AlgorithmFiling.objects.filter(organisation=solution.supplier),
            "can_edit": permissions.can_edit_solution(request.user, solution),
        },
    )


@login_required
def solution_edit(request, pk: int | None = None):
    solution = None
    if pk is not None:
        solution = get_object_or_404(Solution, pk=pk)
        if not permissions.can_edit_solution(request.user, solution):
            raise Http404
    elif _role(request) != Role.SUPPLIER:
        messages.error(request, "只有已通过审核的供给方可以发布解决方案。")
        return redirect("scenarios:solution_list")
    form = SolutionForm(posted(request), instance=solution)
    if request.method == "POST":
        try:
            saved = services.save_solution(actor=request.user, data=request.POST, solution=solution)
        except ServiceError as exc:
            fail(request, exc, form)
        else:
            messages.success(request, "解决方案已保存。")
            return redirect(saved)
    return render(
        request,
        "scenarios/solution_form.html",
        {"form": form, "solution": solution, "sector_codes": _sector_codes()},
    )


@login_required
def case_create(request, pk: int):
    solution = get_object_or_404(Solution, pk=pk)
    if not permissions.can_edit_solution(request.user, solution):
        raise Http404
    form = CaseStudyForm(posted(request))
    if request.method == "POST":
        metrics = [
            {"name": n, "value": v}
            for n, v in zip(
                request.POST.getlist("metric_name"),
                request.POST.getlist("metric_value"),
                strict=False,
            )
            if n.strip()
        ]
        try:
            services.add_case_study(
                actor=request.user, solution=solution, data=request.POST, metrics=metrics
            )
        except ServiceError as exc:
            fail(request, exc, form)
        else:
            messages.success(request, "案例已添加。")
            return redirect(solution)
    return render(request, "scenarios/case_form.html", {"form": form, "solution": solution})


def _suppliers():
    return Organisation.objects.filter(kind=Role.SUPPLIER, status=OrgStatus.APPROVED)


def _suppliers_by_relevance(qs, q: str):
    """Suppliers whose name matches first, then by the rank of their best solution for `q`."""
    ranked: list[int] = list(qs.filter(name__icontains=q).values_list("pk", flat=True))
    try:
        solution_ids = matching.search_ids(matching.SOLUTIONS, q)
    except Exception:
        log.exception("supplier search failed for %r", q)
        solution_ids = []
    owners = dict(Solution.objects.filter(pk__in=solution_ids).values_list("pk", "supplier_id"))
    for pk in solution_ids:
        if owners.get(pk) and owners[pk] not in ranked:
            ranked.append(owners[pk])
    if not ranked:
        return qs.filter(description__icontains=q)
    return RankedRows(qs, ranked)


def supplier_list(request):
    qs = (
        _suppliers()
        .select_related("area")
        .annotate(
            n_solutions=Count("solutions", filter=Q(solutions__is_published=True), distinct=True),
            n_filings=Count("filings", distinct=True),
        )
    )
    if area := request.GET.get("area"):
        qs = qs.filter(area__code=area)
    qs = qs.order_by("name")
    if q := clean(request.GET.get("q")):
        qs = _suppliers_by_relevance(qs, q)
    page_obj = paginate(request, qs)
    return render(
        request,
        "scenarios/supplier_list.html",
        {
            "page_obj": page_obj,
            "qs": querystring_without_page(request),
            "params": request.GET,
            "areas": Area.objects.all(),
        },
    )


def supplier_detail(request, pk: int):
    supplier = get_object_or_404(_suppliers().select_related("area"), pk=pk)
    solutions = (
        permissions.solutions_visible_to(request.user)
        .filter(supplier=supplier)
        .prefetch_related("sectors", "tags")
    )
    return render(
        request,
        "scenarios/supplier_detail.html",
        {
            "supplier": supplier,
            "solutions": solutions,
            "certifications": supplier.certifications.all(),
            "filings": AlgorithmFiling.objects.filter(organisation=supplier),
        },
    )


# --- roadshows -------------------------------------------------------------------------------


def roadshow_list(request):
    qs = Roadshow.objects.select_related("area", "sector").annotate(
        n_demands=Count("demands", distinct=True), n_regs=Count("registrations", distinct=True)
    )
    return render(
        request,
        "scenarios/roadshow_list.html",
        {
            "page_obj": paginate(request, qs.order_by("-starts_at", "-id")),
            "can_manage": permissions.can_manage_lists(request.user),
        },
    )


def roadshow_detail(request, pk: int):
    roadshow = get_object_or_404(Roadshow.objects.select_related("area", "sector"), pk=pk)
    agenda = [
        d
        for d in roadshow.demands.select_related("demander", "sector", "area")
        if d.is_public or permissions.can_manage_lists(request.user)
    ]
    registration = None
    if _role(request) == Role.SUPPLIER:
        registration = roadshow.registrations.filter(
            supplier_id=request.user.organisation_id
        ).first()
    registrations = []
    if permissions.can_manage_lists(request.user):
        registrations = roadshow.registrations.select_related("supplier").prefetch_related(
            "meetings"
        )
    return render(
        request,
        "scenarios/roadshow_detail.html",
        {
            "roadshow": roadshow,
            "agenda": agenda,
            "registration": registration,
            "registrations": registrations,
            "can_register": _role(request) == Role.SUPPLIER and registration is None,
        },
    )


@login_required
def roadshow_create(request):
    if not permissions.can_manage_lists(request.user):
        messages.error(request, "只有专班办公室可以组织路演。")
        return redirect("scenarios:roadshow_list")
    form = RoadshowForm(posted(request))
    candidates = Demand.objects.filter(status__in=PUBLIC_STATUSES).select_related("sector")[:200]
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("demand") if i.isdigit()]
        try:
            roadshow = services.save_roadshow(
                actor=request.user,
                data=request.POST,
                demands=list(Demand.objects.filter(pk__in=ids)),
            )
        except ServiceError as exc:
            fail(request, exc, form)
        else:
            messages.success(request, "路演活动已创建。")
            return redirect(roadshow)
    return render(request, "scenarios/roadshow_form.html", {"form": form, "candidates": candidates})


@require_POST
@login_required
def roadshow_register(request, pk: int):
    roadshow = get_object_or_404(Roadshow, pk=pk)
    ids = [int(i) for i in request.POST.getlist("meeting") if i.isdigit()]
    try:
        services.register_for_roadshow(
            actor=request.user,
            roadshow=roadshow,
            meeting_demands=list(Demand.objects.filter(pk__in=ids)),
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "报名成功。")
    return redirect(roadshow)


# --- workbench and "my" pages ----------------------------------------------------------------


@login_required
def workbench(request):
    role = _role(request)
    if role not in {Role.OFFICE, Role.DISTRICT}:
        messages.error(request, "工作台仅对专班办公室和板块主管开放。")
        return redirect("core:home")
    visible = permissions.demands_visible_to(request.user)
    if role == Role.DISTRICT:
        visible = visible.filter(area_id=request.user.organisation.area_id)
    counts = dict(visible.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    pipeline = [(s.value, s.label, counts.get(s.value, 0)) for s in PIPELINE]
    queue = (
        visible.filter(status__in=[DemandStatus.SUBMITTED, DemandStatus.IN_REVIEW])
        .select_related(*DEMAND_LIST_RELATED)
        .order_by("updated_at")
    )
    page_obj = paginate(request, queue)
    activity = AuditEntry.objects.select_related("actor", "organisation")[:15]
    if role == Role.DISTRICT:
        activity = AuditEntry.objects.none()
        recent = (
            DemandTransition.objects.filter(demand__area_id=request.user.organisation.area_id)
            .select_related("demand", "actor")
            .order_by("-at")[:15]
        )
    else:
        recent = DemandTransition.objects.select_related("demand", "actor").order_by("-at")[:15]
    pending_orgs = Organisation.objects.none()
    if role == Role.OFFICE:
        pending_orgs = Organisation.objects.filter(status=OrgStatus.PENDING)[:10]
    return render(
        request,
        "scenarios/workbench.html",
        {
            "pipeline": pipeline,
            "page_obj": page_obj,
            "activity": activity,
            "recent": recent,
            "pending_orgs": pending_orgs,
            "is_office": role == Role.OFFICE,
            "closed": counts.get(DemandStatus.CLOSED, 0),
            "returned": counts.get(DemandStatus.RETURNED, 0),
        },
    )


@login_required
def import_demands(request):
    from . import io

    if not permissions.can_manage_lists(request.user):
        messages.error(request, "只有专班办公室可以导入需求清单。")
        return redirect("core:home")
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要导入的 Excel（.xlsx）文件。")
        elif upload.size > 20 * 1024 * 1024:
            messages.error(request, "文件超过 20MB，请拆分后导入。")
        else:
            try:
                result = io.import_demands_xlsx(
                    actor=request.user,
                    file=upload,
                    list_name=(request.POST.get("list_name") or "").strip() or None,
                )
            except io.ImportFailed as exc:
                messages.error(request, exc.message)
                errors = exc.errors
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    f"已导入 {result.created} 项需求，新建需求单位 "
                    f"{result.organisations_created} 家。",
                )
                if result.demand_list is not None:
                    return redirect(result.demand_list)
                return redirect("scenarios:workbench")
    return render(request, "scenarios/import.html", {"errors": errors})


@login_required
def my(request):
    org_id = request.user.organisation_id or 0
    per_page = 10

    def section(queryset, param):
        return {
            "page_obj": paginate(request, queryset, per_page, param),
            "param": param,
            "qs": querystring_without_page(request, param),
        }

    return render(
        request,
        "scenarios/my.html",
        {
            "demands": section(
                Demand.objects.filter(demander_id=org_id)
                .select_related("sector", "area")
                .order_by("-updated_at", "-id"),
                "dpage",
            ),
            "proposals": section(
                Proposal.objects.filter(supplier_id=org_id)
                .select_related("demand")
                .order_by("-created_at", "-id"),
                "ppage",
            ),
            "solutions": section(
                Solution.objects.filter(supplier_id=org_id).order_by("-updated_at", "-id"),
                "spage",
            ),
            "incoming": section(
                Proposal.objects.filter(demand__demander_id=org_id)
                .exclude(status=ProposalStatus.WITHDRAWN)
                .select_related("demand", "supplier")
                .order_by("-created_at", "-id"),
                "ipage",
            ),
            "invitations": section(
                Invitation.objects.filter(supplier_id=org_id)
                .select_related("demand")
                .order_by("-created_at", "-id"),
                "vpage",
            ),
            "recommended": _recommended_demands(request)
            if _role(request) == Role.SUPPLIER
            else None,
            "role": _role(request),
        },
    )


def _recommended_demands(request, k: int = 10):
    try:
        return matching.demands_for_supplier(request.user.organisation, request.user, k=k)
    except Exception:
        log.exception("matching failed for supplier %s", request.user.organisation_id)
        return None


# --- certifications and algorithm filings ----------------------------------------------------


def _credentials_org(request):
    """The organisation whose credentials the user manages, or None (with a message)."""
    user = request.user
    if _role(request) is None or user.organisation_id is None:
        messages.error(request, "只有已通过审核的单位成员可以维护资质与备案。")
        return None
    return user.organisation


def _fail_on_bound(request, exc: ServiceError, form) -> None:
    """Like `fail` for a form bound to the same data the service validated: the form shows
    its own field errors, so only the service's other errors are added (no duplicates)."""
    messages.error(request, exc.message)
    for field, msg in exc.errors.items():
        name = field if field in form.fields else None
        if name is None or name not in form.errors:
            form.add_error(name, msg)


def _manageable(request, model):
    """Credentials the user may delete: the office any, others their organisation's (else 404)."""
    if _role(request) == Role.OFFICE:
        return model.objects.all()
    if _role(request) is None or request.user.organisation_id is None:
        return model.objects.none()
    return model.objects.filter(organisation_id=request.user.organisation_id)


@login_required
def credentials(request):
    """The organisation's certifications and algorithm filings: add, list, delete."""
    org = _credentials_org(request)
    if org is None:
        return redirect("scenarios:my")
    cert_form = CertificationForm(auto_id="cert_%s")
    filing_form = AlgorithmFilingForm(auto_id="filing_%s")
    if request.method == "POST":
        which = request.POST.get("form")
        if which == "certification":
            cert_form = CertificationForm(request.POST, auto_id="cert_%s")
            try:
                services.add_certification(actor=request.user, data=request.POST)
            except ServiceError as exc:
                _fail_on_bound(request, exc, cert_form)
            else:
                messages.success(request, "资质认证已添加。")
                return redirect("scenarios:credentials")
        elif which == "filing":
            filing_form = AlgorithmFilingForm(request.POST, auto_id="filing_%s")
            try:
                governance_services.add_filing(actor=request.user, data=request.POST)
            except ServiceError as exc:
                _fail_on_bound(request, exc, filing_form)
            else:
                messages.success(request, "算法备案已添加。")
                return redirect("scenarios:credentials")
        else:
            messages.error(request, "未知的表单。")
    return render(
        request,
        "scenarios/credentials.html",
        {
            "organisation": org,
            "certifications": Certification.objects.filter(organisation=org),
            "filings": AlgorithmFiling.objects.filter(organisation=org),
            "cert_form": cert_form,
            "filing_form": filing_form,
        },
    )


@require_POST
@login_required
def certification_delete(request, pk: int):
    certification = get_object_or_404(_manageable(request, Certification), pk=pk)
    try:
        services.delete_certification(actor=request.user, certification=certification)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "资质认证已删除。")
    return redirect("scenarios:credentials")


@require_POST
@login_required
def filing_delete(request, pk: int):
    filing = get_object_or_404(_manageable(request, AlgorithmFiling), pk=pk)
    try:
        governance_services.delete_filing(actor=request.user, filing=filing)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "算法备案已删除。")
    return redirect("scenarios:credentials")
