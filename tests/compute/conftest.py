"""Fixtures of the compute tests: a provider with a centre and an offer, the city pack's
voucher programme with money in its pool, enterprises whose profiles qualify, and orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aiplus.compute import ledger
from aiplus.compute.models import (
    AllocationRun,
    Application,
    DataCentre,
    Offer,
    Order,
    RunStatus,
    VoucherProgramme,
)
from aiplus.core.models import Area
from aiplus.policies.models import EnterpriseProfile

RD_FACTS = {"registered_city": "苏州", "roles": ["科技研发企业"]}
OPC_FACTS = {"registered_city": "苏州", "roles": ["OPC创业者"], "opc_member": True}
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def centre(provider):
    return DataCentre.objects.create(
        provider=provider.organisation,
        name="相城智算中心",
        area=Area.objects.get(code="xiangcheng"),
    )


@pytest.fixture
def offer(centre):
    return Offer.objects.create(
        centre=centre,
        gpu_model="H800",
        cards=64,
        price=Decimal("12.50"),
        available_from=dt.date(2026, 2, 1),
        available_to=dt.date(2026, 12, 31),
    )


@pytest.fixture
def programme(citypack):
    programme = VoucherProgramme.objects.get(code="sz-compute-2026")
    ledger.fund(programme=programme, amount=Decimal(5_000_000), key="fund:test", year=2026)
    return programme


def profile(org, facts=RD_FACTS):
    EnterpriseProfile.objects.update_or_create(organisation=org, defaults={"facts": dict(facts)})
    return org


def make_order(offer, enterprise, programme, *, cards=8, hours=240, start=DAY, share=None):
    """An order as an approved allocation would make it (the approval path is tested in
    test_allocation_*); its voucher share from the programme's quote."""
    from aiplus.compute import services, vouchers

    application = Application.objects.create(
        enterprise=enterprise,
        programme=programme,
        accepted_models=[offer.gpu_model],
        cards=cards,
        hours=hours,
        earliest_start=start,
        latest_end=start + dt.timedelta(days=60),
        purpose="大模型微调",
        status="allocated",
    )
    run = AllocationRun.objects.create(
        programme=programme, start=start, method="manual", status=RunStatus.APPROVED
    )
    cost = ledger.fen(Decimal(cards * hours) * offer.price)
    order = Order.objects.create(
        application=application,
        offer=offer,
        run=run,
        programme=programme,
        start=start,
        end=start + dt.timedelta(days=-(-hours // 24)),
        cards=cards,
        hours=hours,
        price=offer.price,
        estimated_cost=cost,
    )
    if programme is not None:
        quote = vouchers.quote(programme, enterprise, cost, start)
        order.voucher_share = share if share is not None else quote.share_of(cost)
        order.rule_id = quote.rule_id
        order.trace = quote.trace
        order.save()
        services.grant_for_order(actor=None, order=order)
    return order
