"""Pages of the public compute service platform (公共算力服务平台) and its vouchers (算力券).

Public: the overview (programmes, open offers by GPU model) and the list of offers. The rest is
split by who uses it: `views_provider` (centres, offers, orders on them, usage reports),
`views_enterprise` (applications, the voucher calculator, orders and vouchers) and
`views_office` (allocation runs, orders, the ledger, reports).

Thin, like the other modules' views: read through querysets limited to what the user may see,
write through `services`/`allocate`, turn a ServiceError into a message and field errors. A user
of the wrong role gets a 403 page saying who may use the page; an anonymous one the login page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Min, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aiplus.accounts.models import Organisation
from aiplus.core.errors import ServiceError
from aiplus.core.models import Area
from aiplus.core.pages import fail
from aiplus.core.pagination import paginate, querystring_without_page
from aiplus.policies.models import Measure

from . import exports, ledger, permissions, reports
from .models import AllocationRun, Offer, OfferStatus, RunStatus, VoucherProgramme

# --- who may see a page ---------------------------------------------------------------------


def is_enterprise(user) -> bool:
    """An approved organisation that may apply for compute: any but a compute provider."""
    role = permissions.role(user)
    return (
        role is not None and user.organisation_id is not None and not permissions.is_provider(user)
    )


def is_provider_or_office(user) -> bool:
    return permissions.is_provider(user) or permissions.is_office(user)


def forbidden(request, message: str):
    return render(request, "compute/forbidden.html", {"message": message}, status=403)


def only(check, message):
    """A view for signed-in users passing `check`: anonymous users go to the login page, others
    get a 403 page with `message`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                return forbidden(request, str(message))
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


office_only = only(permissions.is_office, gettext_lazy("此页面仅对专班办公室开放。"))
provider_only = only(is_provider_or_office, gettext_lazy("此页面仅对算力供给方和专班办公室开放。"))
enterprise_only = only(
    is_enterprise,
    gettext_lazy("此页面仅对已通过审核、非算力供给方的单位开放（算力供给方不能申请算力）。"),
)


# --- helpers the pages share ----------------------------------------------------------------


def submit(request, form, action, success, to):
    """Validate the page's form, run the service, redirect with a message (POST/redirect/GET);
    `success` and `to` may be functions of what the service returned. Returns None when the
    input was refused: the caller renders the page again with the form and its errors."""
    if not form.is_valid():
        messages.error(request, _("提交的内容有误，请按提示修改。"))
        return None
    try:
        result = action()
    except ServiceError as exc:
        fail(request, exc, form)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return redirect(to(result) if callable(to) else to)


with_vouchers = ledger.with_balances  # the order list pages show what each order holds


ACCOUNT_LABELS = {
    "budget": gettext_lazy("资金来源"),
    "pool": gettext_lazy("资金池"),
    "granted": gettext_lazy("已发放"),
    "payable": gettext_lazy("待结算"),
    "paid": gettext_lazy("已结算"),
}


def account_names(accounts) -> dict[str, str]:
    """Ledger accounts as words: "granted:12" → "已发放 · 某某公司"."""
    ids = {int(a.split(":", 1)[1]) for a in accounts if ":" in a and a.split(":", 1)[1].isdigit()}
    names = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
    out = {}
    for account in accounts:
        kind, _sep, rest = account.partition(":")
        label = str(ACCOUNT_LABELS.get(kind, kind))
        if rest:
            label += " · " + (names.get(int(rest), rest) if rest.isdigit() else rest)
        out[account] = label
    return out


def nav(request) -> dict:
    user = request.user
    return {
        "is_office": permissions.is_office(user),
        "is_provider": permissions.is_provider(user),
        "is_enterprise": is_enterprise(user),
    }


# --- public pages ---------------------------------------------------------------------------


def _rules(programmes) -> dict[str, str]:
    ids = {r for p in programmes for r in p.rule_ids}
    return dict(Measure.objects.filter(rule_id__in=ids).values_list("rule_id", "title"))


def overview(request):
    """The programmes with their rules and pools, the open offers by GPU model, and the way to
    the pages of the user's role."""
    programmes = list(VoucherProgramme.objects.all())
    titles = _rules(programmes)
    spend = {}
    if permissions.is_office(request.user):
        spend = {s.programme.pk: s for s in reports.programme_spend(programmes)}
    rows = [
        {
            "programme": p,
            "rules": [
                {"id": r, "title": titles.get(r, r), "link": r in titles} for r in p.rule_ids
            ],
            "spend": spend.get(p.pk),
        }
        for p in programmes
    ]
    by_model = (
        Offer.objects.filter(status=OfferStatus.OPEN)
        .values("gpu_model")
        .annotate(
            offers=Count("id"),
            cards=Sum("cards"),
            low=Min("price"),
            high=Max("price"),
            last=Max("available_to"),
        )
        .order_by("-cards", "gpu_model")
    )
    context = {"programmes": rows, "by_model": list(by_model), **nav(request)}
    return render(request, "compute/overview.html", context)


def offers(request):
    """Open offers, cheapest first, by GPU model and area."""
    qs = Offer.objects.filter(status=OfferStatus.OPEN).select_related(
        "centre__provider", "centre__area"
    )
    gpu_model = (request.GET.get("gpu_model") or "").strip()
    area = (request.GET.get("area") or "").strip()
    if gpu_model:
        qs = qs.filter(gpu_model__iexact=gpu_model)
    if area:
        qs = qs.filter(centre__area__code=area)
    context = {
        "page_obj": paginate(request, qs.order_by("price", "id")),
        "qs": querystring_without_page(request),
        "gpu_models": Offer.objects.filter(status=OfferStatus.OPEN)
        .order_by("gpu_model")
        .values_list("gpu_model", flat=True)
        .distinct(),
        "areas": Area.objects.all(),
        "params": {"gpu_model": gpu_model, "area": area},
        **nav(request),
    }
    return render(request, "compute/offers.html", context)


# --- exports of approved runs (the office; providers: their orders) -------------------------

EXPORTS = {
    "slurm": (exports.slurm_commands, "text/x-shellscript; charset=utf-8", "sh"),
    "kueue": (exports.kueue_manifests, "application/yaml; charset=utf-8", "yaml"),
}


@provider_only
def run_export(request, pk: int, fmt: str):
    """An approved run's orders as Slurm commands or Kueue manifests; a provider gets only the
    orders on its own offers."""
    if fmt not in EXPORTS:
        raise Http404
    run = get_object_or_404(AllocationRun, pk=pk, status=RunStatus.APPROVED)
    orders = run.orders.select_related("application__enterprise", "offer__centre").order_by("id")
    if not permissions.is_office(request.user):
        orders = orders.filter(offer__centre__provider_id=request.user.organisation_id)
        if not orders.exists():
            raise Http404
    build, content_type, ext = EXPORTS[fmt]
    response = HttpResponse(build(list(orders)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="aiplus-run-{run.pk}-{fmt}.{ext}"'
    return response
