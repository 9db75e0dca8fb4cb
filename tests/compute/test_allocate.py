"""Allocation runs on the platform: proposals from the solver, checked independently; pins and
exclusions kept on re-solve; approval into orders with vouchers; capacity already ordered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aiplus.compute import allocate, ledger
from aiplus.compute.models import (
    AllocationRun,
    Application,
    ApplicationStatus,
    Offer,
    Order,
    RunStatus,
)
from aiplus.core.errors import Conflict, PermissionDenied

from .conftest import DAY, profile

pytestmark = pytest.mark.django_db


def apply(
    enterprise,
    programme,
    *,
    models=("H800",),
    cards=32,
    hours=240,
    earliest=DAY,
    days=20,
    max_price=None,
):
    return Application.objects.create(
        enterprise=enterprise,
        programme=programme,
        accepted_models=list(models),
        cards=cards,
        hours=hours,
        earliest_start=earliest,
        latest_end=earliest + dt.timedelta(days=days),
        max_price=max_price,
        purpose="模型训练",
    )


def test_segments_take_busy_capacity_out(offer):
    busy = [allocate.Busy(5, 10, 60), allocate.Busy(8, 12, 4)]
    assert allocate.segments(offer, 0, 15, busy) == [
        (0, 5, 64),
        (5, 8, 4),
        (10, 12, 60),
        (12, 15, 64),
    ]
    assert allocate.segments(offer, 3, 3, []) == []


def test_a_proposal_is_feasible_and_approval_makes_orders_with_vouchers(
    programme, offer, demander, other_demander, office
):
    firm = profile(demander.organisation)
    other = profile(other_demander.organisation)
    apps = [apply(firm, programme), apply(other, programme), apply(other, programme, cards=8)]
    too_dear = apply(firm, programme, max_price=Decimal("5.00"))
    a800 = apply(firm, programme, models=("A800",))
    run = allocate.propose(actor=office, programme=programme, start=DAY, horizon=60, time_limit=5)
    served = {i.application_id: i for i in run.items.all() if i.offer_id}
    # 64 cards: two jobs of 32 side by side and the 8-card one, all inside their windows
    assert set(served) == {a.pk for a in apps}
    assert too_dear.pk not in served and a800.pk not in served
    assert run.figures["served_card_hours"] == 32 * 240 * 2 + 8 * 240
    assert run.figures["upper_bound_card_hours"] >= run.figures["served_card_hours"]
    assert feasible(run) == []
    item = served[apps[0].pk]
    assert item.cost == Decimal(32 * 240) * offer.price
    assert item.voucher == (item.cost * Decimal("0.3")).quantize(Decimal("0.01"))
    orders = allocate.approve(actor=office, run=run)
    assert len(orders) == 3 and run.orders.count() == 3
    held = sum(ledger.granted_to_order(o) for o in orders)
    assert held == sum(i.voucher for i in served.values())
    assert Application.objects.get(pk=apps[0].pk).status == ApplicationStatus.ALLOCATED
    assert Application.objects.get(pk=too_dear.pk).status == ApplicationStatus.SUBMITTED
    assert ledger.check(programme) == []
    with pytest.raises(Conflict):
        allocate.approve(actor=office, run=run)


def feasible(run) -> list[str]:
    """The run's served items checked in dates, apart from the solver: accepted model, price,
    both windows, whole days, and per day no offer over its cards (approved orders included)."""
    problems = []
    use: dict[tuple[int, dt.date], int] = {}
    for order in Order.objects.filter(status="active"):
        day = order.start
        while day < order.end:
            use[order.offer_id, day] = use.get((order.offer_id, day), 0) + order.cards
            day += dt.timedelta(days=1)
    for item in run.items.filter(offer__isnull=False).select_related("application", "offer"):
        app, offer = item.application, item.offer
        if offer.gpu_model not in app.accepted_models:
            problems.append(f"{item}: model")
        if app.max_price is not None and offer.price > app.max_price:
            problems.append(f"{item}: price")
        if (item.end - item.start).days != -(-app.hours // 24):
            problems.append(f"{item}: days")
        if item.start < max(app.earliest_start, offer.available_from):
            problems.append(f"{item}: starts early")
        if item.end > min(app.latest_end, offer.available_to):
            problems.append(f"{item}: ends late")
        day = item.start
        while day < item.end:
            use[offer.pk, day] = use.get((offer.pk, day), 0) + app.cards
            if use[offer.pk, day] > offer.cards:
                problems.append(f"offer {offer.pk} over capacity on {day}")
            day += dt.timedelta(days=1)
    return problems


def test_pins_are_kept_and_exclusions_left_out_on_re_solve(programme, offer, demander, office):
    firm = profile(demander.organisation)
    first = apply(firm, programme, cards=64, hours=240, days=30)
    second = apply(firm, programme, cards=64, hours=240, days=30)
    third = apply(firm, programme, cards=16, hours=24, days=30)
    run = allocate.propose(actor=office, programme=programme, start=DAY, horizon=60, time_limit=5)
    items = {i.application_id: i for i in run.items.all()}
    pinned = items[first.pk]
    allocate.set_flags(actor=office, item=pinned, pinned=True)
    allocate.set_flags(actor=office, item=items[third.pk], excluded=True)
    again = allocate.propose(
        actor=office, programme=programme, start=DAY, previous=run, time_limit=5
    )
    new = {i.application_id: i for i in again.items.all()}
    assert new[first.pk].pinned and new[first.pk].offer_id == pinned.offer_id
    assert new[first.pk].start == pinned.start
    assert new[third.pk].excluded and new[third.pk].offer_id is None
    if new[second.pk].offer_id:  # the other 64-card job cannot overlap the pinned one
        a, b = new[second.pk].start, new[second.pk].end
        assert b <= pinned.start or a >= pinned.end
    assert feasible(again) == []
    with pytest.raises(PermissionDenied):
        allocate.set_flags(actor=demander, item=new[second.pk], pinned=True)
    with pytest.raises(PermissionDenied):
        allocate.propose(actor=demander, programme=programme, start=DAY)


def test_approved_orders_take_capacity_from_later_runs(programme, offer, demander, office):
    firm = profile(demander.organisation)
    apply(firm, programme, cards=64, hours=240, days=10)
    run = allocate.propose(actor=office, programme=programme, start=DAY, horizon=30, time_limit=5)
    allocate.approve(actor=office, run=run)
    late = apply(firm, programme, cards=1, hours=24, days=10)  # the offer is full those days
    run2 = allocate.propose(actor=office, programme=programme, start=DAY, horizon=30, time_limit=5)
    item = run2.items.get(application=late)
    assert item.offer_id is None
    assert feasible(run2) == []
    assert AllocationRun.objects.filter(status=RunStatus.APPROVED).count() == 1


def test_approval_refuses_a_run_overtaken_by_events(programme, offer, demander, office):
    firm = profile(demander.organisation)
    apply(firm, programme, cards=64, hours=240, days=10)
    run = allocate.propose(actor=office, programme=programme, start=DAY, horizon=30, time_limit=5)
    Offer.objects.filter(pk=offer.pk).update(status="closed")
    with pytest.raises(Conflict, match="已变化"):
        allocate.approve(actor=office, run=run)
    assert not Order.objects.exists()
    assert AllocationRun.objects.get(pk=run.pk).status == RunStatus.PROPOSED
