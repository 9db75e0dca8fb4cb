"""Every write of the compute platform: centres and offers, applications, programmes' pools,
allocation runs and their approval into orders, usage reports, completion and settlement.

Like the other modules: keyword-only arguments, who acts is checked first, input validated
with the same forms the pages use, one transaction, one audit entry. Voucher money moves only
through `ledger` (which locks the programme's row), and how much a voucher pays only comes from
`vouchers.quote` (the policy engine's rules).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from aiplus.accounts.choices import OrgStatus
from aiplus.core import audit
from aiplus.core.actions import require_approved, snapshot, validated
from aiplus.core.errors import Conflict, NotFound, PermissionDenied, ServiceError

from . import ledger, permissions, vouchers
from .forms import ApplicationForm, CentreForm, FundForm, OfferForm, UsageForm
from .models import (
    Application,
    ApplicationStatus,
    DataCentre,
    LedgerTransaction,
    Offer,
    OfferStatus,
    Order,
    OrderStatus,
    TxKind,
    UsageReport,
    VoucherProgramme,
)

OFFER_FIELDS = ["gpu_model", "cards", "price", "available_from", "available_to", "status"]
APPLICATION_FIELDS = ["accepted_models", "cards", "hours", "earliest_start", "latest_end"]
MAX_USAGE_ROWS = 20_000


def _require_approved_org(actor) -> None:
    require_approved(actor)
    if actor.organisation_id is None:
        raise PermissionDenied("请以所属单位的身份操作。")


# --- centres and offers --------------------------------------------------------------------


def create_centre(*, actor, data: dict) -> DataCentre:
    _require_approved_org(actor)
    if not permissions.is_provider(actor):
        raise PermissionDenied("只有算力供给方可以登记算力中心。")
    form = validated(CentreForm, data)
    with transaction.atomic():
        if DataCentre.objects.filter(
            provider_id=actor.organisation_id, name=form.cleaned_data["name"]
        ).exists():
            raise ServiceError("已有同名的算力中心。", {"name": "名称已被使用。"})
        centre = form.save(commit=False)
        centre.provider_id = actor.organisation_id
        centre.save()
        audit.record(actor=actor, action="compute.centre.create", obj=centre, summary=centre.name)
    return centre


def save_offer(*, actor, centre: DataCentre, data: dict, offer: Offer | None = None) -> Offer:
    """Publish an offer on a centre of the actor's, or change one; an offer with orders keeps
    its GPU model and price (orders refer to them) and cannot shrink below what they use."""
    permissions.require_provider_of(actor, centre.provider_id, "只能管理本单位的算力资源。")
    if offer is not None and offer.centre_id != centre.pk:
        raise ServiceError("该资源不属于此算力中心。")
    # validating a model form writes the new values into its instance: read the old ones first
    before = snapshot(offer, OFFER_FIELDS) if offer else None
    fixed = {"gpu_model": offer.gpu_model, "price": offer.price} if offer else {}
    form = validated(OfferForm, data, instance=offer)
    with transaction.atomic():
        if offer is not None and offer.orders.exclude(status=OrderStatus.CANCELLED).exists():
            changed = [k for k, v in fixed.items() if form.cleaned_data[k] != v]
            if changed:
                raise Conflict(
                    "该资源已有订单，不能修改型号或单价；请下架后发布新的资源。",
                    {k: "已有订单，不能修改。" for k in changed},
                )
            _check_orders_still_fit(offer, form.cleaned_data)
        saved = form.save(commit=False)
        saved.centre = centre
        saved.save()
        audit.record(
            actor=actor,
            action="compute.offer.update" if offer else "compute.offer.create",
            obj=saved,
            summary=str(saved),
            before=before,
            after=snapshot(saved, OFFER_FIELDS),
        )
    return saved


def _check_orders_still_fit(offer: Offer, data: dict) -> None:
    """An offer with active orders may not shrink below them: neither fewer cards than its
    busiest day uses nor dates that leave an order outside."""
    orders = list(offer.orders.filter(status=OrderStatus.ACTIVE))
    if not orders:
        return
    first, last = min(o.start for o in orders), max(o.end for o in orders)
    if data["available_from"] > first or data["available_to"] < last:
        raise Conflict(
            f"该资源在 {first} 至 {last} 有执行中的订单，可用日期须覆盖这段时间。",
            {"available_from": "不能晚于已有订单。", "available_to": "不能早于已有订单。"},
        )
    busiest = 0
    day = first
    while day < last:
        busiest = max(busiest, sum(o.cards for o in orders if o.start <= day < o.end))
        day += dt.timedelta(days=1)
    if data["cards"] < busiest:
        raise Conflict(
            f"执行中的订单同时使用 {busiest} 张卡，卡数不能少于此数。",
            {"cards": f"不能少于 {busiest}。"},
        )


def close_offer(*, actor, offer: Offer) -> Offer:
    permissions.require_provider_of(actor, offer.centre.provider_id, "只能管理本单位的算力资源。")
    with transaction.atomic():
        offer.status = OfferStatus.CLOSED
        offer.save(update_fields=["status"])
        audit.record(actor=actor, action="compute.offer.close", obj=offer, summary=str(offer))
    return offer


# --- applications ---------------------------------------------------------------------------


def submit_application(*, actor, data: dict) -> Application:
    """An approved organisation asks for compute for itself (and, naming a programme, for a
    voucher)."""
    _require_approved_org(actor)
    if permissions.is_provider(actor):
        raise PermissionDenied("算力供给方不能以本单位名义申请算力。")
    form = validated(ApplicationForm, data)
    scenario = form.cleaned_data.get("scenario")
    if scenario is not None and scenario.demander_id != actor.organisation_id:
        raise ServiceError("只能关联本单位的场景需求。", {"scenario": "该场景需求不属于本单位。"})
    with transaction.atomic():
        application = form.save(commit=False)
        application.enterprise_id = actor.organisation_id
        application.created_by = actor
        application.save()
        audit.record(
            actor=actor,
            action="compute.application.submit",
            obj=application,
            summary=str(application),
            after=snapshot(application, APPLICATION_FIELDS),
        )
    return application


def withdraw_application(*, actor, application: Application) -> Application:
    if not permissions.can_see_enterprise(actor, application.enterprise_id):
        raise PermissionDenied("只能撤回本单位的申请。")
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != ApplicationStatus.SUBMITTED:
            raise Conflict(f"申请{application.get_status_display()}，不能撤回。")
        application.status = ApplicationStatus.WITHDRAWN
        application.save(update_fields=["status"])
        audit.record(actor=actor, action="compute.application.withdraw", obj=application)
    return application


# --- programmes -----------------------------------------------------------------------------


def fund_programme(*, actor, programme: VoucherProgramme, data: dict) -> LedgerTransaction:
    """The office puts money into a programme's pool (a ledger transaction; the pool figure
    shown is the sum of these)."""
    permissions.require_office(actor, "只有专班办公室可以注入资金池。")
    form = validated(FundForm, data)
    amount = form.cleaned_data["amount"]
    with transaction.atomic():
        request_id = form.cleaned_data.get("request_id") or timezone.now().timestamp()
        key = f"fund:{programme.pk}:{request_id}"
        if (done := ledger.existing(key)) is not None:
            return done  # the same request again (a double click): funded once
        tx = ledger.fund(
            programme=programme,
            amount=amount,
            key=key,
            year=timezone.localdate().year,
            actor=actor,
            memo=form.cleaned_data["memo"] or "注入资金池",
        )
        audit.record(
            actor=actor,
            action="compute.programme.fund",
            obj=programme,
            summary=f"注入 {amount} 元",
        )
    return tx


# --- orders and usage -----------------------------------------------------------------------


def _quote_for_order(order: Order) -> vouchers.Quote:
    return vouchers.quote(
        order.programme,
        order.application.enterprise,
        order.estimated_cost,
        order.start,
        end=order.end,
        ref=f"order-{order.pk}",
    )


def grant_for_order(*, actor, order: Order) -> LedgerTransaction | None:
    """Hold the order's voucher from the pool: the quote is taken again under the programme's
    lock, so two orders of one enterprise approved at once cannot pass its annual cap."""
    if order.programme is None:
        return None

    def cap_left() -> Decimal:
        return _quote_for_order(order).amount

    return ledger.grant(
        programme=order.programme,
        enterprise=order.application.enterprise,
        amount=cap_left(),
        key=f"grant:order:{order.pk}",
        year=order.start.year,
        order=order,
        actor=actor,
        memo=f"订单 #{order.pk} 算力券",
        cap_left=cap_left,
    )


def _cost(order: Order, card_hours: Decimal) -> Decimal:
    return ledger.fen(card_hours * order.price)


def report_usage(
    *, actor, order: Order, data: dict, corrects: UsageReport | None = None, source: str = "api"
) -> tuple[UsageReport, bool]:
    """Book a provider's usage report for an order: the cost at the order's price and the
    voucher's part of it (the order's share, within what is held for the order). Returns
    (report, created). The same report sent again (same provider and `report_id`, same
    figures) changes nothing; the same id with other figures is refused. A correction names
    the report it corrects: the old redemption is reversed and the new one booked."""
    provider_id = order.offer.centre.provider_id
    permissions.require_provider_of(actor, provider_id, "只能为本单位资源上的订单报送用量。")
    form = validated(UsageForm, data)
    values = form.cleaned_data
    with transaction.atomic():
        previous = UsageReport.objects.filter(
            provider_id=provider_id, report_id=values["report_id"]
        ).first()
        if previous is not None:
            same = (
                previous.order_id == order.pk
                and previous.period_start == values["period_start"]
                and previous.period_end == values["period_end"]
                and previous.card_hours == values["card_hours"]
            )
            if same:
                return previous, False
            raise Conflict(
                f"报告编号“{values['report_id']}”已用于另一份用量报告；如需更正，请提交更正报告。",
                {"report_id": "报告编号已使用。"},
            )
        if order.status == OrderStatus.CANCELLED:
            raise Conflict("订单已取消，不能报送用量。")
        if values["period_start"] < order.start or values["period_end"] > order.end:
            raise ServiceError(
                f"计量期须在订单期限 {order.start} 至 {order.end} 内。",
                {"period_start": "计量期超出订单期限。"},
            )
        if corrects is not None:
            if corrects.order_id != order.pk:
                raise ServiceError("更正的报告须属于同一订单。")
            if hasattr(corrects, "corrected_by"):
                raise Conflict("该报告已被更正过，请更正最新的报告。")
        used = sum(
            (
                u.card_hours
                for u in order.usage.all()
                if u.is_current and u.pk != getattr(corrects, "pk", None)
            ),
            Decimal(0),
        )
        if used + values["card_hours"] > order.cards * order.hours * Decimal("1.10"):
            raise ServiceError(
                f"累计用量 {used + values['card_hours']} 卡时超过订单的 "
                f"{order.cards * order.hours} 卡时（允许 10% 误差）。",
                {"card_hours": "用量超出订单。"},
            )
        cost = _cost(order, values["card_hours"])
        if corrects is not None:
            for tx in corrects.transactions.filter(kind=TxKind.REDEEM):
                ledger.reverse(tx=tx, actor=actor, memo=f"更正用量报告 {corrects.report_id}")
        report = UsageReport.objects.create(
            order=order,
            provider_id=provider_id,
            report_id=values["report_id"],
            period_start=values["period_start"],
            period_end=values["period_end"],
            card_hours=values["card_hours"],
            cost=cost,
            voucher=Decimal(0),
            corrects=corrects,
            source=source,
            created_by=actor,
        )
        if order.programme is not None and order.voucher_share > 0:
            tx = ledger.redeem(
                programme=order.programme,
                order=order,
                provider=order.offer.centre.provider,
                amount=cost * order.voucher_share,
                key=f"redeem:usage:{report.pk}",
                year=values["period_start"].year,
                usage=report,
                actor=actor,
            )
            if tx is not None:
                report.voucher = sum(
                    (e.amount for e in tx.entries.all() if e.amount > 0), Decimal(0)
                )
                report.save(update_fields=["voucher"])
        audit.record(
            actor=actor,
            action="compute.usage.correct" if corrects else "compute.usage.report",
            obj=report,
            summary=f"订单 #{order.pk} {report.card_hours} 卡时，费用 {cost} 元，算力券 {report.voucher} 元",
        )
    return report, True


def import_usage_csv(*, actor, content: bytes) -> dict:
    """Usage reports from a CSV (order, report_id, period_start, period_end, card_hours): every
    row is checked first; nothing is booked unless all rows pass. Rows already booked (same
    report id and figures) are counted as unchanged."""
    if not permissions.is_provider(actor) and not permissions.is_office(actor):
        raise PermissionDenied("只有算力供给方可以导入用量。")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ServiceError("文件须为 UTF-8 编码的 CSV。") from exc
    reader = csv.DictReader(io.StringIO(text))
    needed = {"order", "report_id", "period_start", "period_end", "card_hours"}
    missing = needed - set(reader.fieldnames or ())
    if missing:
        raise ServiceError(f"CSV 缺少列：{'、'.join(sorted(missing))}。")
    rows = list(reader)
    if not rows:
        raise ServiceError("CSV 没有数据行。")
    if len(rows) > MAX_USAGE_ROWS:
        raise ServiceError(f"一次最多导入 {MAX_USAGE_ROWS} 行。")
    errors: dict[str, str] = {}
    created = unchanged = 0
    with transaction.atomic():
        for n, row in enumerate(rows, start=2):
            order_id = str(row.get("order") or "").strip().lstrip("#")
            order = (
                Order.objects.select_related("offer__centre", "programme", "application")
                .filter(pk=int(order_id))
                .first()
                if order_id.isdigit()
                else None
            )
            if order is None:
                errors[f"row{n}"] = f"第 {n} 行：订单“{order_id}”不存在。"
                continue
            try:
                _report, done = report_usage(actor=actor, order=order, data=row, source="csv")
            except ServiceError as exc:
                detail = "；".join(exc.errors.values())
                errors[f"row{n}"] = f"第 {n} 行：{exc.message}" + (
                    f"（{detail}）" if detail else ""
                )
                continue
            created += done
            unchanged += not done
        if errors:
            raise ServiceError("用量文件有误，未导入任何数据。", errors)
    return {"created": created, "unchanged": unchanged, "rows": len(rows)}


def complete_order(*, actor, order: Order) -> Order:
    """The office closes an order: what it holds and did not use goes back to the pool."""
    permissions.require_office(actor, "只有专班办公室可以结束订单。")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != OrderStatus.ACTIVE:
            raise Conflict(f"订单{order.get_status_display()}。")
        order.status = OrderStatus.COMPLETED
        order.save(update_fields=["status"])
        if order.programme is not None:
            ledger.release(
                programme=order.programme,
                order=order,
                key=f"release:order:{order.pk}",
                year=order.start.year,
                actor=actor,
            )
        audit.record(actor=actor, action="compute.order.complete", obj=order)
    return order


def settle_provider(*, actor, programme: VoucherProgramme, provider) -> LedgerTransaction | None:
    """The office pays a provider what vouchers redeemed on its offers (payable → paid)."""
    permissions.require_office(actor, "只有专班办公室可以结算。")
    with transaction.atomic():
        locked = ledger.lock(programme)
        owed = ledger.balance(locked, ledger.payable_account(provider.pk))
        if owed <= 0:
            raise Conflict(f"{provider.name}没有待结算的算力券金额。")
        n = locked.transactions.filter(kind=TxKind.SETTLE).count() + 1
        tx = ledger.post(
            programme=locked,
            kind=TxKind.SETTLE,
            key=f"settle:{programme.pk}:{provider.pk}:{n}",
            year=timezone.localdate().year,
            actor=actor,
            memo=f"与{provider.name}结算",
            lines=[
                ledger.Line(ledger.payable_account(provider.pk), -owed),
                ledger.Line(ledger.paid_account(provider.pk), owed),
            ],
        )
        audit.record(
            actor=actor,
            action="compute.ledger.settle",
            obj=programme,
            summary=f"{provider.name} {owed} 元",
        )
    return tx


def order_or_404(pk: int) -> Order:
    order = (
        Order.objects.select_related("offer__centre", "programme", "application")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise NotFound("订单不存在。")
    return order


def today() -> dt.date:
    return timezone.localdate()


def approved_orgs():
    from aiplus.accounts.models import Organisation

    return Organisation.objects.filter(status=OrgStatus.APPROVED)
