"""Reports of the compute platform, all derived from the ledger and the orders: voucher spend by
programme, by area and by enterprise, and the utilisation of offers (card-hours offered, ordered,
used) by GPU model and area. Each is a few grouped queries, whatever the number of orders."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from . import ledger
from .models import (
    LedgerEntry,
    Offer,
    OfferStatus,
    Order,
    OrderStatus,
    UsageReport,
    VoucherProgramme,
)

ZERO = Decimal(0)


def NO_AREA() -> str:  # noqa: N802 - reads as the label it returns
    return gettext("未填写板块")


CENT = Decimal("0.01")


def money(value) -> Decimal:
    """A summed amount to the fen (see `ledger.money`)."""
    return ledger.money(value)


@dataclass
class ProgrammeSpend:
    programme: VoucherProgramme
    funded: Decimal
    pool: Decimal  # not yet granted
    held: Decimal  # granted, not yet redeemed
    redeemed: Decimal  # redeemed against usage (owed or paid)
    paid: Decimal  # settled with providers

    @property
    def planned(self) -> Decimal:
        return self.programme.pool

    @property
    def used_ratio(self) -> float:
        return float(self.redeemed / self.funded) if self.funded else 0.0


def programme_spend(programmes=None) -> list[ProgrammeSpend]:
    programmes = list(programmes if programmes is not None else VoucherProgramme.objects.all())
    rows = (
        LedgerEntry.objects.filter(programme__in=programmes)
        .values("programme_id", "account")
        .annotate(s=Sum("amount"))
    )
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in rows:
        kind = r["account"].split(":", 1)[0]
        sums[r["programme_id"]][kind] += ledger.money(r["s"])
    out = []
    for p in programmes:
        s = sums[p.pk]
        redeemed = s["payable"] + s["paid"]
        out.append(
            ProgrammeSpend(
                p,
                money(-s["budget"]),
                money(s["pool"]),
                money(s["granted"]),
                money(redeemed),
                money(s["paid"]),
            )
        )
    return out


def _redeemed_entries(programme: VoucherProgramme | None):
    """Entries that record redeemed vouchers (payable side of redemptions and their reversals)."""
    qs = LedgerEntry.objects.filter(
        account__startswith="payable:", transaction__kind__in=["redeem", "reverse"]
    )
    if programme is not None:
        qs = qs.filter(programme=programme)
    return qs


def spend_by_area(programme: VoucherProgramme | None = None) -> list[dict]:
    """Redeemed vouchers by the enterprise's area, highest first."""
    rows = (
        _redeemed_entries(programme)
        .values(area=F("transaction__enterprise__area__name"))
        .annotate(amount=Sum("amount"))
        .order_by("-amount")
    )
    return [
        {"area": r["area"] or NO_AREA(), "amount": money(r["amount"])} for r in rows if r["amount"]
    ]


def spend_by_enterprise(programme: VoucherProgramme | None = None):
    """A queryset of enterprises' redeemed vouchers, highest first (paginate it)."""
    return (
        _redeemed_entries(programme)
        .values(
            enterprise_id=F("transaction__enterprise_id"),
            name=F("transaction__enterprise__name"),
            area=F("transaction__enterprise__area__name"),
        )
        .annotate(amount=Sum("amount"))
        .exclude(amount=0)
        .order_by("-amount", "name")
    )


def spend_by_month(programme: VoucherProgramme | None = None) -> list[dict]:
    """Redeemed vouchers by the month the usage began (for the trend chart)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    rows = (
        _redeemed_entries(programme)
        .values("transaction__usage__period_start")
        .annotate(amount=Sum("amount"))
    )
    for r in rows:
        day = r["transaction__usage__period_start"]
        if day is not None:
            totals[day.strftime("%Y-%m")] += r["amount"]
    return [{"month": m, "amount": money(totals[m])} for m in sorted(totals)]


@dataclass
class Utilisation:
    key: str
    offered: Decimal  # card-hours offered in the window
    ordered: Decimal  # card-hours of orders
    used: Decimal  # card-hours reported

    @property
    def ordered_ratio(self) -> float:
        return float(self.ordered / self.offered) if self.offered else 0.0

    @property
    def used_ratio(self) -> float:
        return float(self.used / self.offered) if self.offered else 0.0


def utilisation(
    by: str = "gpu_model", start: dt.date | None = None, end: dt.date | None = None
) -> list[Utilisation]:
    """Card-hours offered, ordered and used, grouped by GPU model (`gpu_model`) or area
    (`area`), over the offers' windows (clipped to [start, end] when given)."""
    field = {"gpu_model": "gpu_model", "area": "centre__area__name"}[by]
    offered: dict[str, Decimal] = defaultdict(Decimal)
    offers = Offer.objects.filter(
        ~Q(status=OfferStatus.CLOSED) | Q(orders__isnull=False)
    ).distinct()
    for o in offers.values(field, "cards", "available_from", "available_to"):
        a = max(o["available_from"], start) if start else o["available_from"]
        b = min(o["available_to"], end) if end else o["available_to"]
        days = max(0, (b - a).days)
        offered[o[field] or NO_AREA()] += Decimal(o["cards"] * days * 24)
    orders = Order.objects.exclude(status=OrderStatus.CANCELLED)
    if start:
        orders = orders.filter(end__gt=start)
    if end:
        orders = orders.filter(start__lt=end)
    ordered = {
        (r["key"] or NO_AREA()): Decimal(r["s"] or 0)
        for r in orders.values(key=F(f"offer__{field}")).annotate(s=Sum(F("cards") * F("hours")))
    }
    usage = UsageReport.objects.filter(corrected_by__isnull=True)
    if start:
        usage = usage.filter(period_end__gte=start)
    if end:
        usage = usage.filter(period_start__lte=end)
    used = {
        (r["key"] or NO_AREA()): r["s"] or ZERO
        for r in usage.values(key=F(f"order__offer__{field}")).annotate(s=Sum("card_hours"))
    }
    keys = sorted(set(offered) | set(ordered) | set(used))
    return [
        Utilisation(k, offered.get(k, ZERO), ordered.get(k, ZERO), used.get(k, ZERO)) for k in keys
    ]


def enterprise_vouchers(enterprise_id: int) -> list[dict]:
    """For an enterprise, per programme: held, redeemed, and used of this year's cap."""
    out = []
    year = timezone.localdate().year
    for p in VoucherProgramme.objects.all():
        held = ledger.balance(p, ledger.granted_account(enterprise_id))
        redeemed = money(
            _redeemed_entries(p)
            .filter(transaction__enterprise_id=enterprise_id)
            .aggregate(s=Sum("amount"))["s"]
        )
        used = ledger.used_by(p, enterprise_id, year)
        if held or redeemed or used:
            out.append({"programme": p, "held": held, "redeemed": redeemed, "used_this_year": used})
    return out


@dataclass
class SupplierSubsidy:
    provider: object  # Organisation
    sales: Decimal  # contract amounts of its orders
    result: object  # engine.Result of the best supply-side rule, or None

    @property
    def amount(self) -> Decimal:
        return self.result.amount if self.result is not None else ZERO


def supplier_rules():
    """The measures that pay a compute provider on its sales: rules whose claims are contracts
    of kind `compute_sale` (Suzhou: 10% of contracts, ≤2,000,000 a year)."""
    from aiplus.policies import services as policy_services

    return [
        r
        for r in policy_services.rules()
        if r.claims is not None
        and r.claims.source == "contracts"
        and dict(r.claims.where).get("kind") in ("compute_sale", ["compute_sale"])
    ]


def supplier_subsidies(on: dt.date | None = None) -> list[SupplierSubsidy]:
    """What each provider with orders could claim under the supply-side measures, estimated by
    the policy engine from its profile facts and its orders on the platform as sales contracts
    (the engine's trace says how; missing profile facts become its questions)."""
    from aiplus.policies import engine
    from aiplus.policies.models import EnterpriseProfile

    on = on or timezone.localdate()
    rules = supplier_rules()
    orders = (
        Order.objects.exclude(status=OrderStatus.CANCELLED)
        .select_related("offer__centre__provider")
        .order_by("offer__centre__provider_id", "start")
    )
    by_provider: dict[int, list[Order]] = defaultdict(list)
    providers = {}
    for order in orders:
        provider = order.offer.centre.provider
        providers[provider.pk] = provider
        by_provider[provider.pk].append(order)
    profiles = {
        p.organisation_id: p.facts
        for p in EnterpriseProfile.objects.filter(organisation_id__in=list(providers))
    }
    out = []
    for pk, items in by_provider.items():
        facts = dict(profiles.get(pk, {}))
        facts["contracts"] = [
            {
                "kind": "compute_sale",
                "amount": o.estimated_cost,
                "date": o.start.isoformat(),
                "related_party": False,
                "id": f"order-{o.pk}",
            }
            for o in items
        ]
        results = engine.evaluate_all(rules, facts, on=on) if rules else []
        best = max(results, key=lambda r: (r.status == engine.ELIGIBLE, r.amount), default=None)
        sales = sum((o.estimated_cost for o in items), ZERO)
        out.append(SupplierSubsidy(providers[pk], money(sales), best))
    out.sort(key=lambda s: (-s.amount, s.provider.name))
    return out
