"""Scenarios API: demands, lifecycle, lists, solutions, proposals, roadshows, and suppliers'
certifications and algorithm filings.

Handlers stay thin: they look objects up through the `permissions` querysets (so what a caller
may not see is a 404), turn API input (codes, tag lists) into the form data the services
validate, call a service for every write and return a schema. Refusals are `ServiceError`s,
which the API root renders as JSON.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation
from aiplus.core.auth import OptionalAuth
from aiplus.core.errors import ServiceError
from aiplus.core.models import Area, DemanderType, Sector
from aiplus.core.schemas import ErrorOut, Page, PageParams, page
from aiplus.governance import services as governance_services
from aiplus.governance.models import AlgorithmFiling

from . import io, permissions, services
from .choices import ListStatus
from .downloads import demand_list_download
from .filters import clean as _clean
from .filters import filter_demands
from .forms import DemandForm
from .models import (
    Certification,
    Demand,
    DemandList,
    DemandListItem,
    Proposal,
    Roadshow,
    Solution,
)
from .schemas import (
    AlgorithmFilingIn,
    AlgorithmFilingOut,
    CaseStudyIn,
    CaseStudyOut,
    CertificationIn,
    CertificationOut,
    CredentialsOut,
    DemandDetailOut,
    DemandIn,
    DemandListDetailOut,
    DemandListIn,
    DemandListItemsIn,
    DemandListOut,
    DemandOut,
    DemandStatsOut,
    DemandUpdateIn,
    Id,
    ImportOut,
    ProposalIn,
    ProposalOut,
    RegistrationIn,
    RegistrationOut,
    RoadshowDetailOut,
    RoadshowIn,
    RoadshowOut,
    SolutionDetailOut,
    SolutionIn,
    SolutionOut,
    SolutionUpdateIn,
    SupplierOut,
    TransitionIn,
)
from .stats import public_demand_stats

router = Router(tags=["scenarios"])

INVALID = "提交的内容有误，请按提示修改。"


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ErrorOut for code in codes}


# --- input conversion ------------------------------------------------------------------------


def _tag_names(names: list[str] | None) -> str:
    return "、".join(_clean(n) for n in names or [])


def _ref_id(model, code: str | None, field: str) -> int | None:
    """The id of the reference row with this code, or a 400 naming the field."""
    if code is None or code == "":
        return None
    code = _clean(code)
    pk = model.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise ServiceError(INVALID, {field: f"未知的代码：{code}"})
    return pk


def _ref_ids(model, codes: list[str], field: str) -> list[int]:
    codes = [_clean(c) for c in codes]
    found = dict(model.objects.filter(code__in=codes).values_list("code", "pk"))
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ServiceError(INVALID, {field: "未知的代码：" + "、".join(unknown)})
    return [found[c] for c in dict.fromkeys(codes)]


def _demands_by_ids(user, ids: list[int], field: str) -> list[Demand]:
    """Demands the user may see, in the order given; a 400 naming the ids that are not."""
    found = {d.pk: d for d in permissions.demands_visible_to(user).filter(pk__in=ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ServiceError(INVALID, {field: "需求不存在或无权查看：" + "、".join(missing)})
    return [found[i] for i in dict.fromkeys(ids)]


REF_FIELDS = {"sector": Sector, "area": Area, "demander_type": DemanderType}


def _demand_form_data(changes: dict[str, Any], demand: Demand | None = None) -> dict[str, Any]:
    """DemandForm data: the demand's current values (for a PATCH) overlaid with the changes."""
    data: dict[str, Any] = {}
    if demand is not None:
        for name in DemandForm._meta.fields:
            data[name] = getattr(demand, f"{name}_id" if name in REF_FIELDS else name)
        data["tag_names"] = "、".join(t.name for t in demand.tags.all())
    for name, value in changes.items():
        if name in REF_FIELDS:
            data[name] = _ref_id(REF_FIELDS[name], value, name)
        elif name == "tags":
            data["tag_names"] = _tag_names(value)
        else:
            data[name] = value
    return data


def _solution_form_data(changes: dict[str, Any], solution: Solution | None = None) -> dict:
    data: dict[str, Any] = {}
    if solution is not None:
        data = {
            "title": solution.title,
            "summary": solution.summary,
            "description": solution.description,
            "maturity": solution.maturity,
            "price_from": solution.price_from,
            "is_published": solution.is_published,
            "sectors": [s.pk for s in solution.sectors.all()],
            "tag_names": "、".join(t.name for t in solution.tags.all()),
        }
    for name, value in changes.items():
        if name == "sectors":
            data["sectors"] = _ref_ids(Sector, value or [], "sectors")
        elif name == "tags":
            data["tag_names"] = _tag_names(value)
        else:
            data[name] = value
    return data


# --- querysets -------------------------------------------------------------------------------


def _with_refs(qs: QuerySet[Demand]) -> QuerySet[Demand]:
    return qs.select_related("sector", "area", "demander_type", "demander").prefetch_related("tags")


def _visible_demands(request) -> QuerySet[Demand]:
    return _with_refs(permissions.demands_visible_to(request.user))


def _demand_for_output(pk: int) -> Demand:
    return _with_refs(Demand.objects.all()).get(pk=pk)


def _lists_for(user) -> QuerySet[DemandList]:
    qs = DemandList.objects.annotate(item_count=Count("items"))
    if not permissions.can_manage_lists(user):
        qs = qs.filter(status=ListStatus.PUBLISHED)
    return qs


def _list_detail(request, pk: int) -> dict[str, Any]:
    demand_list = get_object_or_404(_lists_for(request.user), pk=pk)
    items = (
        DemandListItem.objects.filter(
            demand_list=demand_list,
            demand__in=permissions.demands_visible_to(request.user).values("pk"),
        )
        .select_related(
            "demand__sector", "demand__area", "demand__demander_type", "demand__demander"
        )
        .prefetch_related("demand__tags")
    )
    return {
        **{f: getattr(demand_list, f) for f in DemandListOut.model_fields},
        "items": list(items),
    }


def _visible_solutions(request) -> QuerySet[Solution]:
    return (
        permissions.solutions_visible_to(request.user)
        .select_related("supplier")
        .prefetch_related("sectors", "tags")
    )


def _roadshows() -> QuerySet[Roadshow]:
    return Roadshow.objects.select_related("area", "sector").annotate(
        registration_count=Count("registrations")
    )


# --- demands ---------------------------------------------------------------------------------


@router.get(
    "/demands",
    response={200: Page[DemandOut], **_errors(401, 422)},
    auth=OptionalAuth(),
    summary="场景需求列表（匿名用户只能看到公开需求）",
)
def list_demands(
    request,
    params: Query[PageParams],
    sector: str | None = None,
    area: str | None = None,
    demander_type: str | None = None,
    status: str | None = None,
    q: str | None = None,
    is_demo: bool | None = None,
):
    qs = filter_demands(
        _visible_demands(request),
        {"sector": sector, "area": area, "demander_type": demander_type, "status": status, "q": q},
    )
    if is_demo is not None:
        qs = qs.filter(is_demo=is_demo)
    return page(qs.order_by("-published_at", "-id"), params)


@router.get(
    "/demands/{demand_id}",
    response={200: DemandDetailOut, **_errors(401, 404)},
    auth=OptionalAuth(),
    summary="场景需求详情（联系方式仅对有权限者可见）",
)
def get_demand(request, demand_id: int):
    return get_object_or_404(_visible_demands(request), pk=demand_id)


@router.post(
    "/demands",
    response={201: DemandDetailOut, **_errors(400, 401, 403, 422)},
    summary="新建场景需求（草稿）",
)
def create_demand(request, payload: DemandIn):
    demand = services.create_demand(
        actor=request.user, data=_demand_form_data(payload.model_dump())
    )
    return Status(201, _demand_for_output(demand.pk))


@router.patch(
    "/demands/{demand_id}",
    response={200: DemandDetailOut, **_errors(400, 401, 403, 404, 422)},
    summary="修改场景需求（只改提交的字段）",
)
def update_demand(request, demand_id: int, payload: DemandUpdateIn):
    demand = get_object_or_404(_visible_demands(request), pk=demand_id)
    data = _demand_form_data(payload.model_dump(exclude_unset=True), demand)
    demand = services.update_demand(actor=request.user, demand=demand, data=data)
    return _demand_for_output(demand.pk)


@router.post(
    "/demands/{demand_id}/transition",
    response={200: DemandDetailOut, **_errors(400, 401, 403, 404, 409, 422)},
    summary="变更需求状态（提交、审核、发布、退回、关闭……）",
)
def transition_demand(request, demand_id: int, payload: TransitionIn):
    demand = get_object_or_404(_visible_demands(request), pk=demand_id)
    demand = services.transition_demand(
        actor=request.user, demand=demand, to_status=payload.to, note=payload.note
    )
    return _demand_for_output(demand.pk)


@router.get(
    "/stats/demands",
    response=DemandStatsOut,
    auth=None,
    summary="公开需求按领域、按状态的数量（首页图表）",
)
def demand_stats(request):
    return public_demand_stats()


# --- proposals -------------------------------------------------------------------------------


@router.get(
    "/demands/{demand_id}/proposals",
    response={200: Page[ProposalOut], **_errors(401, 404)},
    summary="需求收到的揭榜方案（供给方只能看到自己的）",
)
def list_demand_proposals(request, demand_id: int, params: Query[PageParams]):
    demand = get_object_or_404(permissions.demands_visible_to(request.user), pk=demand_id)
    return page(permissions.proposals_visible_to(request.user, demand), params)


@router.post(
    "/demands/{demand_id}/proposals",
    response={201: ProposalOut, **_errors(400, 401, 403, 404, 409, 422)},
    summary="供给方响应需求（揭榜）",
)
def submit_proposal(request, demand_id: int, payload: ProposalIn):
    demand = get_object_or_404(permissions.demands_visible_to(request.user), pk=demand_id)
    data = {
        "solution": payload.solution_id,
        "approach": payload.approach,
        "price": payload.price,
        "duration_days": payload.duration_days,
    }
    proposal = services.submit_proposal(actor=request.user, demand=demand, data=data)
    return Status(201, permissions.proposals_visible_to(request.user).get(pk=proposal.pk))


@router.get(
    "/proposals",
    response={200: Page[ProposalOut], **_errors(401)},
    summary="我能看到的揭榜方案（本单位提交的或本单位需求收到的）",
)
def list_proposals(
    request, params: Query[PageParams], status: str | None = None, demand: Id | None = None
):
    qs = permissions.proposals_visible_to(request.user)
    if status := _clean(status):
        qs = qs.filter(status=status)
    if demand:
        qs = qs.filter(demand_id=demand)
    return page(qs, params)


def _proposal_action(request, proposal_id: int, action) -> Proposal:
    proposal = get_object_or_404(permissions.proposals_visible_to(request.user), pk=proposal_id)
    proposal = action(actor=request.user, proposal=proposal)
    return permissions.proposals_visible_to(request.user).get(pk=proposal.pk)


PROPOSAL_ACTION_RESPONSES = {200: ProposalOut, **_errors(401, 403, 404, 409)}


@router.post(
    "/proposals/{proposal_id}/shortlist",
    response=PROPOSAL_ACTION_RESPONSES,
    summary="方案入围（需求转为对接中）",
)
def shortlist_proposal(request, proposal_id: int):
    return _proposal_action(request, proposal_id, services.shortlist_proposal)


@router.post(
    "/proposals/{proposal_id}/select",
    response=PROPOSAL_ACTION_RESPONSES,
    summary="选定方案（其余方案未入选；试点前风险检查清单已签署时需求转为试点，否则仍为对接中）",
)
def select_proposal(request, proposal_id: int):
    return _proposal_action(request, proposal_id, services.select_proposal)


@router.post(
    "/proposals/{proposal_id}/decline", response=PROPOSAL_ACTION_RESPONSES, summary="方案未入选"
)
def decline_proposal(request, proposal_id: int):
    return _proposal_action(request, proposal_id, services.decline_proposal)


@router.post(
    "/proposals/{proposal_id}/withdraw",
    response=PROPOSAL_ACTION_RESPONSES,
    summary="供给方撤回方案",
)
def withdraw_proposal(request, proposal_id: int):
    return _proposal_action(request, proposal_id, services.withdraw_proposal)


# --- demand lists ----------------------------------------------------------------------------


@router.get(
    "/demand-lists",
    response={200: Page[DemandListOut], **_errors(401, 422)},
    auth=OptionalAuth(),
    summary="需求清单（公众只能看到已发布的清单）",
)
def list_demand_lists(request, params: Query[PageParams]):
    return page(_lists_for(request.user), params)


@router.get(
    "/demand-lists/{list_id}",
    response={200: DemandListDetailOut, **_errors(401, 404)},
    auth=OptionalAuth(),
    summary="需求清单详情及其中的需求",
)
def get_demand_list(request, list_id: int):
    return _list_detail(request, list_id)


@router.post(
    "/demand-lists",
    response={201: DemandListDetailOut, **_errors(400, 401, 403, 422)},
    summary="专班新建需求清单",
)
def create_demand_list(request, payload: DemandListIn):
    demand_list = services.create_demand_list(actor=request.user, data=payload.model_dump())
    return Status(201, _list_detail(request, demand_list.pk))


@router.post(
    "/demand-lists/{list_id}/items",
    response={200: DemandListDetailOut, **_errors(400, 401, 403, 404, 422)},
    summary="向清单添加已发布的需求",
)
def add_list_items(request, list_id: int, payload: DemandListItemsIn):
    demand_list = get_object_or_404(_lists_for(request.user), pk=list_id)
    demands = _demands_by_ids(request.user, payload.demand_ids, "demand_ids")
    services.add_to_list(actor=request.user, demand_list=demand_list, demands=demands)
    return _list_detail(request, list_id)


@router.post(
    "/demand-lists/{list_id}/publish",
    response={200: DemandListDetailOut, **_errors(400, 401, 403, 404, 409)},
    summary="发布需求清单",
)
def publish_demand_list(request, list_id: int):
    demand_list = get_object_or_404(_lists_for(request.user), pk=list_id)
    services.publish_demand_list(actor=request.user, demand_list=demand_list)
    return _list_detail(request, list_id)


@router.get(
    "/demand-lists/{list_id}/export",
    response={200: None, **_errors(401, 404, 422)},
    auth=OptionalAuth(),
    summary="导出需求清单（xlsx 或印发版式 PDF）",
)
def export_demand_list(request, list_id: int, format: Literal["xlsx", "pdf"] = "xlsx"):
    demand_list = get_object_or_404(_lists_for(request.user), pk=list_id)
    return demand_list_download(
        demand_list, format, include_contact=permissions.can_manage_lists(request.user)
    )


@router.post(
    "/imports/demands",
    response={201: ImportOut, **_errors(400, 401, 403, 422)},
    summary="专班从 Excel 导入需求清单（任一行有误则全部不导入，返回逐行错误）",
)
def import_demands(
    request,
    file: File[UploadedFile],
    list_name: Form[str | None] = None,
    status: Form[Literal["published", "draft"]] = "published",
):
    try:
        result = io.import_demands_xlsx(
            actor=request.user,
            file=file,
            status=status,
            list_name=(list_name or "").strip() or None,
        )
    except io.ImportFailed as exc:
        return Status(400, {"message": exc.message, "errors": exc.as_dict()})
    return Status(
        201,
        {
            "created": result.created,
            "organisations_created": result.organisations_created,
            "demand_list_id": result.demand_list.pk if result.demand_list else None,
            "demand_ids": result.demand_ids,
        },
    )


# --- solutions and suppliers -----------------------------------------------------------------


@router.get(
    "/solutions",
    response={200: Page[SolutionOut], **_errors(401, 422)},
    auth=OptionalAuth(),
    summary="解决方案列表",
)
def list_solutions(
    request,
    params: Query[PageParams],
    sector: str | None = None,
    tag: str | None = None,
    supplier: Id | None = None,
    q: str | None = None,
):
    qs = _visible_solutions(request)
    if sector := _clean(sector):
        qs = qs.filter(sectors__code=sector)
    if tag := _clean(tag):
        qs = qs.filter(tags__name=tag)
    if supplier:
        qs = qs.filter(supplier_id=supplier)
    if q := _clean(q):
        qs = qs.filter(
            Q(title__icontains=q) | Q(summary__icontains=q) | Q(description__icontains=q)
        )
    return page(qs, params)


@router.get(
    "/solutions/{solution_id}",
    response={200: SolutionDetailOut, **_errors(401, 404)},
    auth=OptionalAuth(),
    summary="解决方案详情（案例、资质、算法备案）",
)
def get_solution(request, solution_id: int):
    return get_object_or_404(_visible_solutions(request), pk=solution_id)


@router.post(
    "/solutions",
    response={201: SolutionDetailOut, **_errors(400, 401, 403, 422)},
    summary="供给方发布解决方案",
)
def create_solution(request, payload: SolutionIn):
    solution = services.save_solution(
        actor=request.user, data=_solution_form_data(payload.model_dump())
    )
    return Status(201, _visible_solutions(request).get(pk=solution.pk))


@router.patch(
    "/solutions/{solution_id}",
    response={200: SolutionDetailOut, **_errors(400, 401, 403, 404, 422)},
    summary="修改解决方案（只改提交的字段）",
)
def update_solution(request, solution_id: int, payload: SolutionUpdateIn):
    solution = get_object_or_404(_visible_solutions(request), pk=solution_id)
    data = _solution_form_data(payload.model_dump(exclude_unset=True), solution)
    solution = services.save_solution(actor=request.user, data=data, solution=solution)
    return _visible_solutions(request).get(pk=solution.pk)


@router.post(
    "/solutions/{solution_id}/cases",
    response={201: CaseStudyOut, **_errors(400, 401, 403, 404, 422)},
    summary="为解决方案添加应用案例",
)
def add_case_study(request, solution_id: int, payload: CaseStudyIn):
    solution = get_object_or_404(_visible_solutions(request), pk=solution_id)
    data = {
        "customer": payload.customer,
        "year": payload.year,
        "outcome": payload.outcome,
        "customer_sector": _ref_id(Sector, payload.customer_sector, "customer_sector"),
    }
    case = services.add_case_study(
        actor=request.user,
        solution=solution,
        data=data,
        metrics=[m.model_dump() for m in payload.metrics],
    )
    return Status(201, case)


@router.get(
    "/suppliers",
    response={200: Page[SupplierOut], **_errors(422)},
    auth=None,
    summary="已通过审核的供给方及其公开方案数",
)
def list_suppliers(
    request, params: Query[PageParams], q: str | None = None, sector: str | None = None
):
    qs = (
        Organisation.objects.filter(kind=Role.SUPPLIER, status=OrgStatus.APPROVED)
        .select_related("area")
        .annotate(solution_count=Count("solutions", filter=Q(solutions__is_published=True)))
        .order_by("name")
    )
    if q := _clean(q):
        qs = qs.filter(name__icontains=q)
    if sector := _clean(sector):
        qs = qs.filter(
            pk__in=Solution.objects.filter(sectors__code=sector, is_published=True).values(
                "supplier_id"
            )
        )
    return page(qs, params)


# --- certifications and algorithm filings ----------------------------------------------------


def _credential_holders(user) -> QuerySet[Organisation]:
    """Organisations whose credentials the user may read: approved ones, plus the user's own
    (and every one for the office)."""
    qs = Organisation.objects.all()
    if permissions.can_review_organisations(user):
        return qs
    visible = Q(status=OrgStatus.APPROVED)
    if getattr(user, "is_authenticated", False) and user.organisation_id:
        visible |= Q(pk=user.organisation_id)
    return qs.filter(visible)


def _manageable(user, model):
    """Credentials the user may delete (others are a 404): the office any, else its own."""
    if permissions.can_review_organisations(user):
        return model.objects.all()
    if not permissions.can_manage_credentials(user, getattr(user, "organisation_id", None)):
        return model.objects.none()
    return model.objects.filter(organisation_id=user.organisation_id)


@router.get(
    "/organisations/{org_id}/credentials",
    response={200: CredentialsOut, **_errors(401, 404)},
    auth=OptionalAuth(),
    summary="单位的资质认证与算法备案（已通过审核的单位公开）",
)
def get_credentials(request, org_id: int):
    org = get_object_or_404(_credential_holders(request.user), pk=org_id)
    return {
        "certifications": list(Certification.objects.filter(organisation=org)),
        "filings": list(AlgorithmFiling.objects.filter(organisation=org)),
    }


@router.post(
    "/certifications",
    response={201: CertificationOut, **_errors(400, 401, 403, 422)},
    summary="为本单位添加资质认证",
)
def add_certification(request, payload: CertificationIn):
    certification = services.add_certification(actor=request.user, data=payload.model_dump())
    return Status(201, certification)


@router.delete(
    "/certifications/{certification_id}",
    response={204: None, **_errors(401, 403, 404)},
    summary="删除本单位的资质认证",
)
def delete_certification(request, certification_id: int):
    certification = get_object_or_404(_manageable(request.user, Certification), pk=certification_id)
    services.delete_certification(actor=request.user, certification=certification)
    return Status(204, None)


@router.post(
    "/filings",
    response={201: AlgorithmFilingOut, **_errors(400, 401, 403, 422)},
    summary="为本单位添加算法备案（已备案的生成式/深度合成须填写备案号）",
)
def add_filing(request, payload: AlgorithmFilingIn):
    filing = governance_services.add_filing(actor=request.user, data=payload.model_dump())
    return Status(201, filing)


@router.delete(
    "/filings/{filing_id}",
    response={204: None, **_errors(401, 403, 404)},
    summary="删除本单位的算法备案",
)
def delete_filing(request, filing_id: int):
    filing = get_object_or_404(_manageable(request.user, AlgorithmFiling), pk=filing_id)
    governance_services.delete_filing(actor=request.user, filing=filing)
    return Status(204, None)


# --- roadshows -------------------------------------------------------------------------------


@router.get(
    "/roadshows",
    response={200: Page[RoadshowOut], **_errors(401, 422)},
    auth=OptionalAuth(),
    summary="路演活动",
)
def list_roadshows(request, params: Query[PageParams], status: str | None = None):
    qs = _roadshows()
    if status := _clean(status):
        qs = qs.filter(status=status)
    return page(qs, params)


@router.get(
    "/roadshows/{roadshow_id}",
    response={200: RoadshowDetailOut, **_errors(401, 404)},
    auth=OptionalAuth(),
    summary="路演详情及路演需求",
)
def get_roadshow(request, roadshow_id: int):
    return get_object_or_404(_roadshows(), pk=roadshow_id)


@router.post(
    "/roadshows",
    response={201: RoadshowDetailOut, **_errors(400, 401, 403, 422)},
    summary="专班组织路演",
)
def create_roadshow(request, payload: RoadshowIn):
    data = payload.model_dump(exclude={"demand_ids"})
    data["area"] = _ref_id(Area, payload.area, "area")
    data["sector"] = _ref_id(Sector, payload.sector, "sector")
    demands = _demands_by_ids(request.user, payload.demand_ids, "demand_ids")
    roadshow = services.save_roadshow(actor=request.user, data=data, demands=demands)
    return Status(201, _roadshows().get(pk=roadshow.pk))


@router.post(
    "/roadshows/{roadshow_id}/register",
    response={201: RegistrationOut, **_errors(400, 401, 403, 404, 409, 422)},
    summary="供给方报名路演并申请一对一洽谈",
)
def register_for_roadshow(request, roadshow_id: int, payload: RegistrationIn):
    roadshow = get_object_or_404(Roadshow, pk=roadshow_id)
    demands = _demands_by_ids(request.user, payload.meeting_demand_ids, "meeting_demand_ids")
    registration = services.register_for_roadshow(
        actor=request.user, roadshow=roadshow, meeting_demands=demands, note=payload.note
    )
    return Status(201, registration)
