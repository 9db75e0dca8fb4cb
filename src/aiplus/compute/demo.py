"""Demo data of the compute platform (示例), from the `compute` section of the pack's demo.json.

The demo compute provider gets its centres and offers; the voucher programme's pool is funded
with the file's figure (marked 示例: no source gives Suzhou's pool); demo organisations get
enterprise profiles (R&D firms, one OPC founder) and compute applications; the office proposes
an allocation with the heuristic and approves it; the provider reports usage on the orders that
have started, and the office settles. Everything goes through the services, as real use would.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation
from aiplus.core.models import Area
from aiplus.policies.models import EnterpriseProfile

from . import allocate, ledger, services
from .models import (
    AllocationRun,
    Application,
    DataCentre,
    LedgerEntry,
    LedgerTransaction,
    Offer,
    Order,
    UsageReport,
    VoucherProgramme,
)

DEMO_KEY = "demo:"


def build(content: dict, *, office, provider, seed: int = 7) -> None:
    """Create the demo compute data once (skipped when the demo provider has centres)."""
    if not content or DataCentre.objects.filter(is_demo=True).exists():
        return
    rng = random.Random(seed)
    programme = VoucherProgramme.objects.order_by("-valid_from").first()
    today = timezone.localdate()
    if programme is not None:
        start = max(programme.valid_from, today - dt.timedelta(days=45))
    else:
        start = today - dt.timedelta(days=45)
    offers = _offers(content, provider, start)
    supplier_facts = (content.get("profiles") or {}).get("provider")
    if supplier_facts:
        EnterpriseProfile.objects.get_or_create(
            organisation=provider.organisation, defaults={"facts": dict(supplier_facts)}
        )
    if programme is not None and content.get("pool_yuan"):
        ledger.fund(
            programme=programme,
            amount=Decimal(str(content["pool_yuan"])),
            key=f"{DEMO_KEY}fund:{programme.pk}",
            year=start.year,
            actor=office,
            memo="示例：注入资金池",
        )
        VoucherProgramme.objects.filter(pk=programme.pk).update(
            pool=Decimal(str(content["pool_yuan"])), pool_is_demo=True
        )
    firms = _profiles(content, rng)
    _applications(content, firms, programme, start, rng, offers, content.get("applications", 0))
    run = allocate.propose(
        actor=office,
        programme=programme,
        start=start,
        horizon=90,
        method="heuristic",
        time_limit=20,
    )
    orders = allocate.approve(actor=office, run=run)
    _usage(orders, provider, today, rng)
    done = [o for o in orders if o.end < today][:3]
    for order in done:
        services.complete_order(actor=office, order=order)
    # a second batch waits for the office's next run
    later = max(start, today) + dt.timedelta(days=3)
    _applications(content, firms, programme, later, rng, offers, content.get("waiting", 0))
    if programme is not None:
        owed = ledger.balance(programme, ledger.payable_account(provider.organisation_id))
        if owed > 0:
            services.settle_provider(
                actor=office, programme=programme, provider=provider.organisation
            )


def _offers(content: dict, provider, start: dt.date) -> list[Offer]:
    out = []
    for spec in content.get("centres", []):
        centre = DataCentre.objects.create(
            provider=provider.organisation,
            name=spec["name"],
            area=Area.objects.filter(code=spec.get("area")).first(),
            description="示例算力中心",
            is_demo=True,
        )
        for o in spec.get("offers", []):
            out.append(
                Offer.objects.create(
                    centre=centre,
                    gpu_model=o["gpu_model"],
                    cards=o["cards"],
                    price=Decimal(o["price"]),
                    available_from=start,
                    available_to=start + dt.timedelta(days=180),
                    note="示例",
                    is_demo=True,
                )
            )
    return out


def _profiles(content: dict, rng: random.Random) -> list[Organisation]:
    firms = list(
        Organisation.objects.filter(
            is_demo=True,
            status=OrgStatus.APPROVED,
            kind__in=[Role.DEMANDER, Role.SUPPLIER],
        ).order_by("id")
    )
    profiles = content.get("profiles", {})
    for n, firm in enumerate(firms):
        kind = "opc" if n % 7 == 3 else "rd"
        if kind in profiles and not EnterpriseProfile.objects.filter(organisation=firm).exists():
            EnterpriseProfile.objects.create(organisation=firm, facts=dict(profiles[kind]))
    return firms


def _applications(content, firms, programme, start, rng, offers, count) -> None:
    groups = content.get("model_groups") or [[o.gpu_model] for o in offers]
    purposes = content.get("purposes") or ["模型训练"]
    prices = {o.gpu_model: o.price for o in offers}
    for _ in range(int(count)):
        firm = rng.choice(firms)
        models = rng.choice(groups)
        hours = rng.choice(content.get("hours") or [24, 72, 168, 336, 720])
        earliest = start + dt.timedelta(days=rng.randint(0, 40))
        top = max((prices.get(m, Decimal(10)) for m in models), default=Decimal(10))
        Application.objects.create(
            enterprise=firm,
            programme=programme,
            accepted_models=models,
            cards=rng.choice(content.get("cards") or [1, 2, 4, 8, 16, 32]),
            hours=hours,
            earliest_start=earliest,
            latest_end=earliest + dt.timedelta(days=-(-hours // 24) + rng.randint(5, 40)),
            max_price=(top * Decimal(str(rng.uniform(1.0, 1.3)))).quantize(Decimal("0.01")),
            purpose=f"示例：{rng.choice(purposes)}",
            is_demo=True,
        )


def _usage(orders: list[Order], provider, today: dt.date, rng: random.Random) -> None:
    for order in orders:
        if order.start >= today:
            continue
        end = min(order.end, today) - dt.timedelta(days=1)
        if end < order.start:
            continue
        share = Decimal(str(rng.uniform(0.6, 1.0)))
        days = (end - order.start).days + 1
        hours = min(Decimal(order.cards * order.hours), Decimal(order.cards * 24 * days))
        services.report_usage(
            actor=provider,
            order=order,
            data={
                "report_id": f"示例-{order.pk}-1",
                "period_start": order.start,
                "period_end": end,
                "card_hours": (hours * share).quantize(Decimal("0.01")),
            },
        )


def reset() -> None:
    """Delete the demo compute data: what demo organisations did, and the demo funding."""
    demo_orgs = Organisation.objects.filter(is_demo=True)
    apps = Application.objects.filter(Q(is_demo=True) | Q(enterprise__in=demo_orgs))
    orders = Order.objects.filter(Q(application__in=apps) | Q(offer__is_demo=True))
    txs = LedgerTransaction.objects.filter(
        Q(key__startswith=DEMO_KEY) | Q(enterprise__in=demo_orgs) | Q(order__in=orders)
    )
    LedgerEntry.objects.filter(transaction__in=txs).delete()
    LedgerTransaction.objects.filter(reverses__in=txs).update(reverses=None)
    txs.update(reverses=None)
    txs.delete()
    UsageReport.objects.filter(order__in=orders).update(corrects=None)
    UsageReport.objects.filter(order__in=orders).delete()
    runs = AllocationRun.objects.filter(orders__in=orders).distinct()
    orders.delete()
    AllocationRun.objects.filter(
        Q(pk__in=runs) | Q(items__application__in=apps) | Q(created_by__organisation__in=demo_orgs)
    ).distinct().delete()
    apps.delete()
    Offer.objects.filter(is_demo=True).delete()
    DataCentre.objects.filter(is_demo=True).delete()
    VoucherProgramme.objects.filter(pool_is_demo=True).update(pool=Decimal(0), pool_is_demo=False)
