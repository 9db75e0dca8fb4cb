"""Pages of an organisation that rents compute: its applications (and the form to apply), the
voucher calculator (what a programme would pay, with the rules' trace), and its orders with the
vouchers held and redeemed. The office sees every organisation's applications."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aiplus.core.errors import ServiceError
from aiplus.core.pages import fail, posted
from aiplus.core.pagination import paginate, querystring_without_page
from aiplus.policies import engine

from . import permissions, reports, services, vouchers
from .models import Application, ApplicationStatus, Order
from .views import enterprise_only, is_enterprise, nav, only, submit, with_vouchers
from .views_forms import ApplicationPageForm, CalculatorForm, current_programme

QUOTE_LABELS = {
    engine.ELIGIBLE: gettext_lazy("符合条件"),
    engine.NOT_ELIGIBLE: gettext_lazy("不符合条件"),
    engine.NEEDS_INFO: gettext_lazy("需补充信息"),
    "none": gettext_lazy("未配置算力券规则"),
}

applications_page = only(
    lambda user: is_enterprise(user) or permissions.is_office(user),
    gettext_lazy("此页面仅对已通过审核、非算力供给方的单位和专班办公室开放。"),
)


def _applications(request):
    qs = Application.objects.select_related("enterprise", "programme", "scenario")
    if permissions.is_office(request.user):
        return qs
    return qs.filter(enterprise_id=request.user.organisation_id)


@applications_page
def applications(request):
    """The organisation's applications and the form to apply; the office: all applications
    (to see what a run will take), without the form."""
    user = request.user
    office_view = permissions.is_office(user)
    form = None
    if not office_view:
        form = ApplicationPageForm(posted(request), organisation=user.organisation)
    if request.method == "POST":
        if form is None:
            messages.error(request, _("专班办公室在此查看全部申请，不能提交申请。"))
            return redirect("compute:applications")
        done = submit(
            request,
            form,
            lambda: services.submit_application(actor=user, data=request.POST),
            lambda a: _("申请已提交（编号 #%(n)s），等待专班办公室分配。") % {"n": a.pk},
            "compute:applications",
        )
        if done:
            return done
    qs = _applications(request)
    status = request.GET.get("status", "")
    if status in ApplicationStatus.values:
        qs = qs.filter(status=status)
    context = {
        "page_obj": paginate(request, qs),
        "qs": querystring_without_page(request),
        "form": form,
        "office_view": office_view,
        "status": status,
        "statuses": ApplicationStatus.choices,
        **nav(request),
    }
    return render(request, "compute/applications.html", context)


@require_POST
@applications_page
def application_withdraw(request, pk: int):
    application = get_object_or_404(_applications(request), pk=pk)
    try:
        services.withdraw_application(actor=request.user, application=application)
    except ServiceError as exc:
        fail(request, exc)
    else:
        messages.success(request, _("申请 #%(n)s 已撤回。") % {"n": application.pk})
    return redirect("compute:applications")


@enterprise_only
def calculator(request):
    """What a programme would pay towards a cost of compute from a date, for the user's
    organisation, with the rules' trace and the questions that would settle them. A GET form:
    it changes nothing, and a result can be linked to."""
    bound = "programme" in request.GET
    initial = {"day": timezone.localdate(), "programme": current_programme()}
    form = CalculatorForm(request.GET if bound else None, initial=initial)
    quote = None
    if bound and form.is_valid():
        data = form.cleaned_data
        quote = vouchers.quote(
            data["programme"], request.user.organisation, data["cost"], data["day"]
        )
    context = {
        "form": form,
        "quote": quote,
        "status_label": QUOTE_LABELS.get(quote.status, quote.status) if quote else "",
        "share": quote.share_of(form.cleaned_data["cost"]) if quote else None,
        **nav(request),
    }
    return render(request, "compute/calculator.html", context)


@enterprise_only
def my_orders(request):
    """The organisation's orders with the vouchers held and redeemed and how each was worked
    out, and its vouchers per programme."""
    qs = Order.objects.filter(application__enterprise_id=request.user.organisation_id)
    qs = qs.select_related("offer__centre__provider", "offer__centre__area", "programme")
    page_obj = paginate(request, qs)
    context = {
        "page_obj": page_obj,
        "orders": with_vouchers(page_obj.object_list),
        "qs": querystring_without_page(request),
        "vouchers": reports.enterprise_vouchers(request.user.organisation_id),
        **nav(request),
    }
    return render(request, "compute/my_orders.html", context)
