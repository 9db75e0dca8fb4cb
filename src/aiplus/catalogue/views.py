"""Pages of the data and model platforms (数据平台及模型平台): the faceted search, an entry's
page with its card, versions, files, quality and links, file downloads, the access requests of
an organisation, and the links a demander or supplier makes from its own demand or solution.

Thin, like the other modules' views: read through `permissions` (the same rules as the API),
write through `services`, turn a ServiceError into a message and field errors. A file of an
entry that is not open is served only when `permissions.can_download` allows it; everyone else
gets a 403 page saying how to obtain access. The owner's and the office's actions on an entry
are in `views_manage`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, prefetch_related_objects
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aiplus.core import uploads
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.pages import fail  # noqa: F401  (re-exported to the module's views)
from aiplus.core.pagination import paginate, querystring_without_page
from aiplus.scenarios.choices import PUBLIC_STATUSES
from aiplus.scenarios.models import Demand, Solution
from aiplus.scenarios.permissions import demands_visible_to, solutions_visible_to

from . import derived, permissions, search, services
from .choices import LICENCE_URLS, QUALITY_DIMENSIONS, Access, Kind, Language, RequestStatus, Status
from .forms import QualityForm
from .models import AccessRequest, Download, Entry, File
from .views_forms import ExternalPageForm, NoteForm, RequestPageForm, UploadForm, VersionPageForm

FACET_LABELS = {
    "kind": gettext_lazy("类型"),
    "sector": gettext_lazy("领域"),
    "task": gettext_lazy("任务"),
    "licence": gettext_lazy("许可"),
    "access": gettext_lazy("开放级别"),
    "language": gettext_lazy("语言"),
}
SORTS = [
    ("", gettext_lazy("相关度")),
    ("newest", gettext_lazy("最新发布")),
    ("title", gettext_lazy("名称")),
    ("quality", gettext_lazy("质量等级")),
]
ACCESS_EXPLAINED = {
    Access.OPEN: gettext_lazy("开放：任何人均可直接下载文件。"),
    Access.ON_REQUEST: gettext_lazy(
        "申请使用：已通过审核的单位可提交使用申请，所属单位批准后方可下载文件。"
    ),
    Access.RESTRICTED: gettext_lazy(
        "受限：须提交使用申请并附已签署的数据使用协议，经所属单位批准后在有效期内"
        "（最长一年）方可下载文件。"
    ),
}
LINK_CANDIDATES = 30  # demands and solutions offered at a time when the owner sets links


# --- helpers the pages share ----------------------------------------------------------------


def forbidden(request, message: str, entry: Entry | None = None):
    return render(
        request, "catalogue/forbidden.html", {"message": message, "entry": entry}, status=403
    )


def entry_url(entry: Entry, anchor: str = "") -> str:
    url = reverse("catalogue:detail", args=[entry.pk])
    return f"{url}#{anchor}" if anchor else url


def visible_entry(request, pk: int) -> Entry:
    """The entry if the user may see it (published, or the user's own, or the office), else 404."""
    qs = permissions.entries_visible_to(request.user).select_related("owner", "sector", "filing")
    return get_object_or_404(qs, pk=pk)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- search ----------------------------------------------------------------------------------


def _params(request) -> dict[str, str]:
    """The search's parameters as given, empty ones left out."""
    params = {"q": (request.GET.get("q") or "").strip()[:200]}
    for name in search.FACETS:
        params[name] = (request.GET.get(name) or "").strip()[:64]
    sort = request.GET.get("sort") or ""
    params["sort"] = sort if sort in dict(SORTS) else ""
    return {k: v for k, v in params.items() if v}


def _href(params: dict[str, str], **changes) -> str:
    """A search link: the current parameters with `changes` (None removes a parameter)."""
    merged = {**params, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v})


def _newest_first(entries: list[Entry]) -> list[Entry]:
    def key(e: Entry):
        return (e.published_at.timestamp() if e.published_at else 0, e.updated_at, e.pk)

    return sorted(entries, key=key, reverse=True)


def index(request):
    """Search the catalogue: Chinese full text, facets with counts, sorting, pages; HTMX
    requests get the results part only."""
    params = _params(request)
    sort = params.get("sort", "")
    query = search.Query(
        q=params.get("q", ""),
        sort="" if sort == "newest" else sort,
        **{name: params.get(name, "") for name in search.FACETS},
    )
    result = search.search(request.user, query)
    entries = result.entries
    if sort == "newest" and isinstance(entries, list):
        entries = _newest_first(entries)
    page_obj = paginate(request, entries)
    page_obj.object_list = list(page_obj.object_list)
    prefetch_related_objects(page_obj.object_list, "tags")
    facets = [
        {
            "name": name,
            "label": FACET_LABELS[name],
            "values": [
                {
                    "value": fv.value,
                    "label": fv.label,
                    "count": fv.count,
                    "selected": fv.selected,
                    "href": _href(params, **{name: None if fv.selected else fv.value}),
                }
                for fv in result.facets.get(name, [])
            ],
        }
        for name in search.FACETS
    ]
    kind_counts = {fv.value: fv.count for fv in result.facets.get("kind", [])}
    kinds = [
        {
            "value": value,
            "label": label,
            "count": kind_counts.get(value, 0),
            "selected": params.get("kind") == value,
            "href": _href(params, kind=None if params.get("kind") == value else value),
        }
        for value, label in Kind.choices
    ]
    context = {
        "page_obj": page_obj,
        "qs": querystring_without_page(request),
        "hx_target": "#results",
        "params": params,
        "facets": facets,
        "kinds": kinds,
        "all_kinds": {
            "count": sum(kind_counts.values()),
            "selected": not params.get("kind"),
            "href": _href(params, kind=None),
        },
        "any_facet": any(params.get(name) for name in search.FACETS),
        "clear_href": _href({k: v for k, v in params.items() if k in ("q", "sort")}),
        "sorts": SORTS,
        "scores": result.scores,
        "can_publish": permissions.can_publish(request.user),
    }
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        return render(request, "catalogue/_results.html", context)
    return render(request, "catalogue/index.html", context)


# --- an entry's page -------------------------------------------------------------------------


def detail(request, pk: int):
    return render_detail(request, visible_entry(request, pk))


def _link_candidates(request, entry: Entry) -> dict:
    """Public demands and published solutions the owner may link: those linked now (still
    public) first, then the latest, or those matching ?lq=…"""
    lq = (request.GET.get("lq") or "").strip()[:100]
    demands = demands_visible_to(request.user).filter(status__in=PUBLIC_STATUSES)
    solutions = solutions_visible_to(request.user).filter(is_published=True)
    linked_d = set(entry.demands.values_list("pk", flat=True))
    linked_s = set(entry.solutions.values_list("pk", flat=True))
    more_d = demands.exclude(pk__in=linked_d)
    more_s = solutions.exclude(pk__in=linked_s)
    if lq:
        more_d = more_d.filter(Q(title__icontains=lq) | Q(code__icontains=lq))
        more_s = more_s.filter(Q(title__icontains=lq) | Q(supplier__name__icontains=lq))
    return {
        "lq": lq,
        "demands": list(demands.filter(pk__in=linked_d).order_by("-published_at", "-id"))
        + list(more_d.order_by("-published_at", "-id")[:LINK_CANDIDATES]),
        "solutions": list(solutions.filter(pk__in=linked_s).order_by("title"))
        + list(more_s.select_related("supplier").order_by("-updated_at", "-id")[:LINK_CANDIDATES]),
        "linked_demands": linked_d,
        "linked_solutions": linked_s,
    }


def _access_record(request, entry: Entry) -> dict:
    grants = (
        entry.access_requests.exclude(status__in=[RequestStatus.PENDING, RequestStatus.WITHDRAWN])
        .select_related("organisation", "decided_by")
        .order_by("-decided_at", "-id")
    )
    downloads = Download.objects.filter(file__version__entry=entry).select_related(
        "file", "organisation", "user"
    )
    return {
        "grants": {
            "page_obj": paginate(request, grants, 10, "gpage"),
            "param": "gpage",
            "qs": querystring_without_page(request, "gpage"),
        },
        "downloads": {
            "page_obj": paginate(request, downloads, 20, "dlpage"),
            "param": "dlpage",
            "qs": querystring_without_page(request, "dlpage"),
        },
    }


def render_detail(request, entry: Entry, *, status: int = 200, **bound):
    """The entry's page; `bound` replaces a form of the page by the one the user submitted
    (with its errors), by its context name."""
    user = request.user
    owner = permissions.can_edit(user, entry)
    office = permissions.is_office(user)
    allowed = permissions.can_download(user, entry)
    versions = list(entry.versions.prefetch_related("files"))
    languages = dict(Language.choices)
    org_id = getattr(user, "organisation_id", None) if user.is_authenticated else None
    my_requests = (
        list(entry.access_requests.filter(organisation_id=org_id).order_by("-created_at", "-id"))
        if org_id
        else []
    )
    my_request = my_requests[0] if my_requests else None
    can_request = (
        permissions.can_request(user, entry)
        and not any(r.status == RequestStatus.PENDING for r in my_requests)
        and permissions.approved_request(user, entry) is None
    )
    context = {
        "entry": entry,
        "is_owner": owner,
        "is_office": office,
        "can_download": allowed,
        "languages": [languages.get(code, code) for code in entry.languages],
        "licence_url": LICENCE_URLS.get(entry.licence, ""),
        "access_explained": ACCESS_EXPLAINED.get(entry.access, ""),
        "latest": versions[0] if versions else None,
        "versions": versions,
        "has_files": any(v.files.all() for v in versions),
        "tags": entry.tags.all(),
        "card": entry.card(),
        "quality": [
            (label, entry.quality_scores.get(code)) for code, label in QUALITY_DIMENSIONS.items()
        ],
        "demands": demands_visible_to(user).filter(catalogue_entries=entry).order_by("-id"),
        "solutions": solutions_visible_to(user)
        .filter(catalogue_entries=entry)
        .select_related("supplier")
        .order_by("-id"),
        "my_request": my_request,
        "can_request": can_request,
        "request_form": RequestPageForm(entry=entry, auto_id="req_%s"),
        "is_data": entry.kind in (Kind.DATASET, Kind.CORPUS),
        "indicators": derived.counted_by(entry),
    }
    if owner:
        context.update(
            problems=services.publication_problems(entry)
            if entry.status != Status.PUBLISHED
            else [],
            version_form=VersionPageForm(auto_id="ver_%s"),
            upload_form=UploadForm(entry=entry, auto_id="up_%s"),
            external_form=ExternalPageForm(entry=entry, auto_id="ext_%s"),
            links=_link_candidates(request, entry),
            max_upload_mb=services.max_upload_bytes() // (1024 * 1024),
        )
    if owner or office:
        context.update(
            pending=entry.access_requests.filter(status=RequestStatus.PENDING)
            .select_related("organisation", "requested_by")
            .order_by("created_at", "id"),
            record=_access_record(request, entry),
            withdraw_form=NoteForm(auto_id="wd_%s", reason_required=not owner),
            restricted=entry.access == Access.RESTRICTED,
            today=timezone.localdate(),
            longest=timezone.localdate() + timedelta(days=services.MAX_RESTRICTED_DAYS),
        )
    if office and entry.kind != Kind.DEMO:
        initial = {f"score_{k}": v for k, v in entry.quality_scores.items()}
        initial.update(
            assessed_by=entry.assessed_by,
            assessed_on=entry.assessed_on or timezone.localdate(),
            note=entry.quality_note,
        )
        context["quality_form"] = QualityForm(initial=initial, auto_id="q_%s")
    context.update(bound)
    return render(request, "catalogue/detail.html", context, status=status)


# --- files -----------------------------------------------------------------------------------


def file_download(request, pk: int):
    """A file of an entry the user may see, if `permissions.can_download` allows it (recorded);
    otherwise a 403 page saying how to obtain access."""
    item = get_object_or_404(File.objects.select_related("version__entry__owner"), pk=pk)
    entry = item.version.entry
    if not permissions.entries_visible_to(request.user).filter(pk=entry.pk).exists():
        raise Http404
    try:
        permissions.require_download(request.user, entry)
    except PermissionDenied as exc:
        return forbidden(request, exc.message, entry)
    response = uploads.serve(item.file, item.name) if item.file else HttpResponseRedirect(item.url)
    services.record_download(user=request.user, item=item, via="web")
    return response


@login_required
def request_agreement(request, pk: int):
    """The agreement attached to an access request: for the entry's owner and the office."""
    req = get_object_or_404(AccessRequest.objects.select_related("entry"), pk=pk)
    if not permissions.can_see_requests(request.user, req.entry):
        return forbidden(request, _("只有条目所属单位和专班办公室可以查看使用协议。"))
    if not req.agreement:
        raise Http404
    return uploads.serve(req.agreement, req.agreement_name or Path(req.agreement.name).name)


# --- machine-readable exports ----------------------------------------------------------------


def dcat(request):
    """The public catalogue as DCAT-AP 3 JSON-LD, for harvesters."""
    from . import exports

    return exports.catalogue_response(request)


def croissant(request, pk: int):
    """A published dataset or corpus as Croissant JSON-LD (404 for other kinds and drafts)."""
    from . import exports

    return exports.croissant_response(request, visible_entry(request, pk))


# --- access requests of the user's organisation ----------------------------------------------


@login_required
def request_list(request):
    """The organisation's access requests: sent (outgoing) and received (incoming); the office
    sees every request."""
    user = request.user
    qs = AccessRequest.objects.select_related(
        "entry", "entry__owner", "organisation", "requested_by"
    ).order_by("-created_at", "-id")
    status = request.GET.get("status") or ""
    if status in RequestStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""

    def section(queryset, param):
        return {
            "page_obj": paginate(request, queryset, None, param),
            "param": param,
            "qs": querystring_without_page(request, param),
        }

    office = permissions.is_office(user)
    org = user.organisation_id or 0
    context = {
        "is_office": office,
        "status": status,
        "statuses": RequestStatus.choices,
        "everything": section(qs, "apage") if office else None,
        "outgoing": None if office else section(qs.filter(organisation_id=org), "opage"),
        "incoming": None if office else section(qs.filter(entry__owner_id=org), "ipage"),
    }
    return render(request, "catalogue/requests.html", context)


# --- links made from a demand's or a solution's page -----------------------------------------


@require_POST
@login_required
def link_own(request):
    """A demander marks that its demand needs a published entry, a supplier that its solution
    uses one (or removes the mark); back to the demand's or solution's page."""
    user = request.user
    demand = solution = None
    if (demand_id := _int(request.POST.get("demand"))) is not None:
        demand = get_object_or_404(demands_visible_to(user), pk=demand_id)
        back = demand.get_absolute_url()
    elif (solution_id := _int(request.POST.get("solution"))) is not None:
        solution = get_object_or_404(solutions_visible_to(user), pk=solution_id)
        back = solution.get_absolute_url()
    else:
        raise Http404
    entry_id = _int(request.POST.get("entry"))
    if entry_id is None:
        messages.error(request, _("请选择要关联的数据集或模型。"))
        return redirect(back + "#catalogue")
    entry = get_object_or_404(Entry, pk=entry_id, status=Status.PUBLISHED)
    linked = request.POST.get("action") != "unlink"
    try:
        services.link_own(actor=user, entry=entry, demand=demand, solution=solution, linked=linked)
    except ServiceError as exc:
        fail(request, exc)
    else:
        messages.success(
            request,
            (_("已关联“%(title)s”。") if linked else _("已取消关联“%(title)s”。"))
            % {"title": entry.title},
        )
    return redirect(back + "#catalogue")


def linked_entries_context(user, obj: Demand | Solution) -> dict:
    """What the "相关数据集与模型" section of a demand's or solution's page shows: the published
    entries linked to it, and for its own organisation the entries it may link."""
    if isinstance(obj, Demand):
        field, owner_id = "demand", obj.demander_id
    else:
        field, owner_id = "solution", obj.supplier_id
    entries = list(
        obj.catalogue_entries.filter(status=Status.PUBLISHED)
        .select_related("owner")
        .order_by("kind", "title")
    )
    can_link = (
        permissions.can_publish(user) and user.organisation_id == owner_id and owner_id is not None
    )
    choices = []
    if can_link:
        choices = list(
            Entry.objects.filter(status=Status.PUBLISHED)
            .exclude(pk__in=[e.pk for e in entries])
            .select_related("owner")
            .order_by("kind", "title")
        )
    return {
        "entries": entries,
        "can_link": can_link,
        "choices": choices,
        "field": field,
        "obj": obj,
    }
