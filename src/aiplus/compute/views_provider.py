"""Pages of a compute provider (算力供给方): its data centres, its offers, the orders on them with
their usage reports (one by one or from a CSV), and the exports of approved runs for its
schedulers. The office sees every provider's and may act for any (the services allow it)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aiplus.core.errors import ServiceError
from aiplus.core.pages import fail, posted
from aiplus.core.pagination import paginate, querystring_without_page

from . import permissions, services
from .models import (
    AllocationRun,
    DataCentre,
    Offer,
    OfferStatus,
    Order,
    OrderStatus,
    RunStatus,
    UsageReport,
)
from .views import nav, provider_only, submit, with_vouchers
from .views_forms import CentrePageForm, OfferPageForm, UsageImportForm, UsagePageForm

CSV_COLUMNS = ["order", "report_id", "period_start", "period_end", "card_hours"]


def _own(request, qs, provider_field: str):
    """The rows of the user's organisation (the office: all)."""
    if permissions.is_office(request.user):
        return qs
    return qs.filter(**{provider_field: request.user.organisation_id})


def _centres(request):
    return _own(request, DataCentre.objects.select_related("provider", "area"), "provider_id")


def _offers(request):
    return _own(
        request,
        Offer.objects.select_related("centre__provider", "centre__area"),
        "centre__provider_id",
    )


def _orders(request):
    return _own(
        request,
        Order.objects.select_related(
            "application__enterprise", "offer__centre__provider", "programme", "run"
        ),
        "offer__centre__provider_id",
    )


# --- centres --------------------------------------------------------------------------------


@provider_only
def centres(request):
    can_create = permissions.is_provider(request.user)
    form = CentrePageForm(posted(request)) if can_create else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("只有算力供给方可以登记算力中心。"))
            return redirect("compute:centres")
        done = submit(
            request,
            form,
            lambda: services.create_centre(actor=request.user, data=request.POST),
            lambda c: _("算力中心“%(name)s”已登记。") % {"name": c.name},
            "compute:centres",
        )
        if done:
            return done
    qs = _centres(request).annotate(
        n_offers=Count("offers", filter=Q(offers__status=OfferStatus.OPEN))
    )
    qs = qs.order_by("provider__name", "name")
    context = {"page_obj": paginate(request, qs), "form": form, **nav(request)}
    return render(request, "compute/centres.html", context)


# --- offers ---------------------------------------------------------------------------------


@provider_only
def my_offers(request):
    centres_qs = _centres(request)
    form = OfferPageForm(posted(request), centres=centres_qs)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda: services.save_offer(
                actor=request.user, centre=form.cleaned_data["centre"], data=request.POST
            ),
            lambda o: _("已发布算力资源：%(offer)s。") % {"offer": o},
            "compute:my_offers",
        )
        if done:
            return done
    status = request.GET.get("status", "")
    qs = _offers(request).annotate(
        n_orders=Count("orders", filter=~Q(orders__status=OrderStatus.CANCELLED))
    )
    qs = qs.order_by("-created_at", "-id")
    if status in OfferStatus.values:
        qs = qs.filter(status=status)
    context = {
        "page_obj": paginate(request, qs),
        "qs": querystring_without_page(request),
        "form": form,
        "has_centres": centres_qs.exists(),
        "status": status,
        "statuses": OfferStatus.choices,
        **nav(request),
    }
    return render(request, "compute/my_offers.html", context)


@provider_only
def offer_edit(request, pk: int):
    offer = get_object_or_404(_offers(request), pk=pk)
    # the page's form works on a copy: validating a model form changes its instance
    form = OfferPageForm(posted(request), instance=Offer.objects.get(pk=offer.pk))
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda: services.save_offer(
                actor=request.user, centre=offer.centre, offer=offer, data=request.POST
            ),
            _("算力资源已更新。"),
            "compute:my_offers",
        )
        if done:
            return done
    context = {"offer": offer, "form": form, "has_orders": offer.orders.exists(), **nav(request)}
    return render(request, "compute/offer_edit.html", context)


@require_POST
@provider_only
def offer_close(request, pk: int):
    offer = get_object_or_404(_offers(request), pk=pk)
    try:
        services.close_offer(actor=request.user, offer=offer)
    except ServiceError as exc:
        fail(request, exc)
    else:
        messages.success(request, _("算力资源已下架：%(offer)s。") % {"offer": offer})
    return redirect("compute:my_offers")


# --- orders and usage -----------------------------------------------------------------------


@provider_only
def provider_orders(request):
    """The orders on the provider's offers, each with a usage form; the CSV upload; the
    exports of approved runs holding its orders."""
    status = request.GET.get("status", "")
    qs = _orders(request).annotate(n_usage=Count("usage")).order_by("-created_at", "-id")
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    page_obj = paginate(request, qs)
    rows = [
        {"order": o, "form": UsagePageForm(order=o, auto_id=f"o{o.pk}_%s")}
        for o in with_vouchers(page_obj.object_list)
    ]
    runs = AllocationRun.objects.filter(status=RunStatus.APPROVED)
    if not permissions.is_office(request.user):
        runs = runs.filter(orders__offer__centre__provider_id=request.user.organisation_id)
    runs = runs.annotate(n_orders=Count("orders", distinct=True)).order_by("-approved_at", "-id")
    context = {
        "page_obj": page_obj,
        "rows": rows,
        "qs": querystring_without_page(request),
        "status": status,
        "statuses": OrderStatus.choices,
        "runs": paginate(request, runs.distinct(), per_page=10, param="runs"),
        "import_form": UsageImportForm(),
        **nav(request),
    }
    return render(request, "compute/provider_orders.html", context)


@provider_only
def order_usage(request, pk: int):
    """One order: its usage reports (corrected ones too) and the form to report or correct."""
    order = get_object_or_404(_orders(request), pk=pk)
    form = UsagePageForm(posted(request), order=order)
    if request.method == "POST":

        def report():
            return services.report_usage(
                actor=request.user,
                order=order,
                data=request.POST,
                corrects=form.cleaned_data.get("corrects"),
                source="web",
            )

        def done_message(result):
            usage, created = result
            if not created:
                return _("报告“%(id)s”此前已报送，未重复记账。") % {"id": usage.report_id}
            return _("用量已报送：%(h)s 卡时，费用 %(cost)s 元，算力券支付 %(v)s 元。") % {
                "h": usage.card_hours,
                "cost": usage.cost,
                "v": usage.voucher,
            }

        done = submit(
            request, form, report, done_message, reverse("compute:order_usage", args=[pk])
        )
        if done:
            return done
    usage = UsageReport.objects.filter(order=order).select_related("corrects", "created_by")
    context = {
        "order": with_vouchers([order])[0],
        "usage": usage,
        "form": form,
        "used": sum((u.card_hours for u in usage if u.is_current), 0),
        **nav(request),
    }
    return render(request, "compute/order_usage.html", context)


@provider_only
def usage_import(request):
    """Usage reports from a CSV: all rows pass or nothing is booked; the rows' errors listed."""
    form = UsageImportForm(*posted(request, files=True))
    row_errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.import_usage_csv(
                    actor=request.user, content=form.cleaned_data["file"].read()
                )
            except ServiceError as exc:
                messages.error(request, exc.message)
                row_errors = list(exc.errors.values())
            else:
                messages.success(
                    request,
                    _("已导入 %(rows)s 行：新增 %(created)s 份用量报告，%(same)s 份此前已报送。")
                    % {
                        "rows": result["rows"],
                        "created": result["created"],
                        "same": result["unchanged"],
                    },
                )
                return redirect("compute:provider_orders")
        else:
            messages.error(request, _("提交的内容有误，请按提示修改。"))
    context = {"form": form, "row_errors": row_errors, "columns": CSV_COLUMNS, **nav(request)}
    return render(request, "compute/usage_import.html", context)


@provider_only
def usage_template(request):
    """A CSV to fill in: the columns, and a row for each active order (first 200)."""
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 with a BOM as UTF-8
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    active = _orders(request).filter(status=OrderStatus.ACTIVE).order_by("id")[:200]
    for order in active:
        writer.writerow([order.pk, f"{order.pk}-1", order.start, order.start, ""])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="aiplus-usage-template.csv"'
    return response
