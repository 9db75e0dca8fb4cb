"""Pages of the programme office: allocation runs (propose, review with pins and exclusions,
re-solve, approve, discard), orders (complete), the voucher ledger (fund pools, settle with
providers) and the reports with their charts."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib import messages
from django.db.models import Case, IntegerField, Sum, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aiplus.accounts.models import Organisation
from aiplus.core.errors import ServiceError
from aiplus.core.pages import fail, posted
from aiplus.core.pagination import paginate, querystring_without_page

from . import allocate, reports, services
from .models import (
    AllocationItem,
    AllocationRun,
    Application,
    ApplicationStatus,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderStatus,
    TxKind,
    VoucherProgramme,
)
from .views import account_names, nav, office_only, submit, with_vouchers
from .views_forms import FundPageForm, RunForm

# --- allocation runs ------------------------------------------------------------------------


@office_only
def runs(request):
    form = RunForm(posted(request))
    if request.method == "POST":

        def propose():
            data = form.cleaned_data
            return allocate.propose(
                actor=request.user,
                programme=data["programme"],
                start=data["start"],
                horizon=data["horizon"],
                method=data["method"],
                time_limit=data["time_limit"],
            )

        done = submit(request, form, propose, _run_message, _run_url)
        if done:
            return done
    qs = AllocationRun.objects.select_related("programme", "created_by")
    context = {
        "page_obj": paginate(request, qs),
        "qs": querystring_without_page(request),
        "form": form,
        "waiting": Application.objects.filter(status=ApplicationStatus.SUBMITTED).count(),
        **nav(request),
    }
    return render(request, "compute/runs.html", context)


def _run_message(run: AllocationRun) -> str:
    f = run.figures
    return _("已生成分配方案 #%(n)s：%(served)s / %(apps)s 项申请获分配。") % {
        "n": run.pk,
        "served": f.get("served", 0),
        "apps": f.get("applications", 0),
    }


def _run_url(run: AllocationRun) -> str:
    return reverse("compute:run", args=[run.pk])


def _items(run: AllocationRun):
    """A run's items, served first."""
    return (
        run.items.select_related("application__enterprise", "offer__centre")
        .annotate(
            unserved=Case(
                When(offer__isnull=True, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("unserved", "id")
    )


@office_only
def run_detail(request, pk: int):
    """A run's figures and items; POST `action`: resolve (with the form's settings), approve,
    discard."""
    run = get_object_or_404(AllocationRun.objects.select_related("programme", "previous"), pk=pk)
    initial = {
        "horizon": run.figures.get("horizon", allocate.HORIZON_DAYS),
        "method": run.method,
        "time_limit": run.time_limit,
    }
    form = RunForm(initial=initial, resolve=True)
    if request.method == "POST":
        action = request.POST.get("action")
        here = reverse("compute:run", args=[run.pk])
        if action == "resolve":
            form = RunForm(request.POST, resolve=True)

            def resolve():
                data = form.cleaned_data
                return allocate.propose(
                    actor=request.user,
                    programme=run.programme,
                    start=run.start,
                    horizon=data["horizon"],
                    method=data["method"],
                    time_limit=data["time_limit"],
                    previous=run,
                )

            done = submit(request, form, resolve, _run_message, _run_url)
            if done:
                return done
        elif action in ("approve", "discard"):
            try:
                if action == "approve":
                    orders = allocate.approve(actor=request.user, run=run)
                    messages.success(
                        request,
                        _("方案已批准，生成 %(n)s 个订单，算力券已从资金池发放。")
                        % {"n": len(orders)},
                    )
                else:
                    allocate.discard(actor=request.user, run=run)
                    messages.success(request, _("方案已作废。"))
            except ServiceError as exc:
                fail(request, exc)
            return redirect(here)
        else:
            messages.error(request, _("未知的操作。"))
            return redirect(here)
    figures = run.figures
    served, demand = figures.get("served_card_hours", 0), figures.get("demand_card_hours", 0)
    context = {
        "run": run,
        "f": figures,
        "served_ratio": served / demand if demand else None,
        "page_obj": paginate(request, _items(run)),
        "qs": querystring_without_page(request),
        "form": form,
        "n_orders": run.orders.count(),
        **nav(request),
    }
    return render(request, "compute/run_detail.html", context)


@require_POST
@office_only
def item_flag(request, pk: int, item_pk: int):
    """Pin or exclude one item (HTMX: returns the row; without it, back to the run)."""
    item = get_object_or_404(
        AllocationItem.objects.select_related("run", "application__enterprise", "offer__centre"),
        pk=item_pk,
        run_id=pk,
    )
    flag, on = request.POST.get("flag"), request.POST.get("value") == "1"
    error = ""
    try:
        if flag == "pin":
            allocate.set_flags(actor=request.user, item=item, pinned=on)
        elif flag == "exclude":
            allocate.set_flags(actor=request.user, item=item, excluded=on)
        else:
            raise ServiceError(_("未知的操作。"))
    except ServiceError as exc:
        error = exc.message
    if request.headers.get("HX-Request"):
        context = {"item": item, "run": item.run, "error": error}
        return render(request, "compute/_item_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("已更新申请 #%(n)s。") % {"n": item.application_id})
    return redirect("compute:run", pk=pk)


# --- orders ---------------------------------------------------------------------------------


@office_only
def orders(request):
    qs = Order.objects.select_related(
        "application__enterprise", "offer__centre__provider", "programme", "run"
    )
    status = request.GET.get("status", "")
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    page_obj = paginate(request, qs)
    context = {
        "page_obj": page_obj,
        "orders": with_vouchers(page_obj.object_list),
        "qs": querystring_without_page(request),
        "status": status,
        "statuses": OrderStatus.choices,
        **nav(request),
    }
    return render(request, "compute/orders.html", context)


@require_POST
@office_only
def order_complete(request, pk: int):
    order = get_object_or_404(Order, pk=pk)
    try:
        services.complete_order(actor=request.user, order=order)
    except ServiceError as exc:
        fail(request, exc)
    else:
        messages.success(
            request, _("订单 #%(n)s 已完成，未使用的算力券已退回资金池。") % {"n": order.pk}
        )
    return redirect("compute:orders")


# --- ledger ---------------------------------------------------------------------------------


def _payables() -> list[dict]:
    """What each programme owes each provider (redeemed, not yet settled)."""
    rows = (
        LedgerEntry.objects.filter(account__startswith="payable:")
        .values("programme_id", "account")
        .annotate(s=Sum("amount"))
        .exclude(s=0)
        .order_by("programme_id", "account")
    )
    rows = list(rows)
    ids = {int(r["account"].split(":", 1)[1]) for r in rows}
    providers = Organisation.objects.in_bulk(ids)
    programmes = VoucherProgramme.objects.in_bulk({r["programme_id"] for r in rows})
    return [
        {
            "programme": programmes[r["programme_id"]],
            "provider": providers[int(r["account"].split(":", 1)[1])],
            "amount": r["s"],
        }
        for r in rows
    ]


@office_only
def ledger(request):
    """The transactions with their entries, each programme's balances, the fund form and the
    settle buttons."""
    form = FundPageForm(initial={"request_id": uuid.uuid4().hex})  # a double click funds once
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "fund":
            form = FundPageForm(request.POST)
            done = submit(
                request,
                form,
                lambda: services.fund_programme(
                    actor=request.user,
                    programme=form.cleaned_data["programme"],
                    data=request.POST,
                ),
                lambda tx: (
                    _("已向“%(p)s”资金池注入 %(a)s 元。")
                    % {"p": tx.programme.name, "a": form.cleaned_data["amount"]}
                ),
                "compute:ledger",
            )
            if done:
                return done
        elif action == "settle":
            programme = get_object_or_404(VoucherProgramme, pk=request.POST.get("programme") or 0)
            provider = get_object_or_404(Organisation, pk=request.POST.get("provider") or 0)
            try:
                tx = services.settle_provider(
                    actor=request.user, programme=programme, provider=provider
                )
            except ServiceError as exc:
                fail(request, exc)
            else:
                amount = sum((e.amount for e in tx.entries.all() if e.amount > 0), Decimal(0))
                messages.success(
                    request,
                    _("已与%(p)s结算 %(a)s 元。") % {"p": provider.name, "a": amount},
                )
            return redirect("compute:ledger")
        else:
            messages.error(request, _("未知的操作。"))
            return redirect("compute:ledger")
    qs = LedgerTransaction.objects.select_related(
        "programme", "enterprise", "order", "usage", "created_by"
    ).prefetch_related("entries")
    programme = request.GET.get("programme", "")
    kind = request.GET.get("kind", "")
    if programme.isdigit():
        qs = qs.filter(programme_id=int(programme))
    if kind in TxKind.values:
        qs = qs.filter(kind=kind)
    page_obj = paginate(request, qs)
    txs = list(page_obj.object_list)
    names = account_names({e.account for tx in txs for e in tx.entries.all()})
    for tx in txs:
        tx.lines = [(names[e.account], e.amount) for e in tx.entries.all()]
    context = {
        "page_obj": page_obj,
        "transactions": txs,
        "qs": querystring_without_page(request),
        "spend": reports.programme_spend(),
        "payables": _payables(),
        "form": form,
        "programmes": VoucherProgramme.objects.all(),
        "kinds": TxKind.choices,
        "params": {"programme": programme, "kind": kind},
        **nav(request),
    }
    return render(request, "compute/ledger.html", context)


# --- reports --------------------------------------------------------------------------------


def _f(value) -> float:
    return float(value or 0)


@office_only
def report(request):
    """Voucher spend by programme, area, month and enterprise; utilisation of the offers by
    GPU model and area. Charts (ECharts) and a table."""
    code = request.GET.get("programme", "")
    chosen = VoucherProgramme.objects.filter(code=code).first() if code else None
    spends = reports.programme_spend([chosen] if chosen else None)
    by_area = reports.spend_by_area(chosen)
    by_month = reports.spend_by_month(chosen)
    by_model = reports.utilisation("gpu_model")
    by_area_use = reports.utilisation("area")
    labels = {
        "funded": _("已注入"),
        "held": _("已发放未核销"),
        "redeemed": _("已核销"),
        "paid": _("已结算"),
        "offered": _("可供卡时"),
        "ordered": _("订单卡时"),
        "used": _("已用卡时"),
        "amount": _("核销金额（元）"),
        "yuan": _("元"),
        "card_hours": _("卡时"),
    }
    charts = {
        "labels": labels,
        "programmes": {
            "names": [s.programme.name for s in spends],
            "funded": [_f(s.funded) for s in spends],
            "held": [_f(s.held) for s in spends],
            "redeemed": [_f(s.redeemed) for s in spends],
            "paid": [_f(s.paid) for s in spends],
        },
        "areas": {
            "names": [r["area"] for r in by_area],
            "amounts": [_f(r["amount"]) for r in by_area],
        },
        "months": {
            "names": [r["month"] for r in by_month],
            "amounts": [_f(r["amount"]) for r in by_month],
        },
        "models": _utilisation_chart(by_model),
        "area_use": _utilisation_chart(by_area_use),
    }
    page_obj = paginate(request, reports.spend_by_enterprise(chosen))
    context = {
        "programmes": VoucherProgramme.objects.all(),
        "chosen": chosen,
        "spends": spends,
        "by_area": by_area,
        "by_month": by_month,
        "by_model": by_model,
        "by_area_use": by_area_use,
        "charts": charts,
        "page_obj": page_obj,
        "qs": querystring_without_page(request),
        "supplier_subsidies": reports.supplier_subsidies(),
        **nav(request),
    }
    return render(request, "compute/reports.html", context)


def _utilisation_chart(rows) -> dict:
    return {
        "names": [u.key for u in rows],
        "offered": [_f(u.offered) for u in rows],
        "ordered": [_f(u.ordered) for u in rows],
        "used": [_f(u.used) for u in rows],
    }
