"""Allocation runs: the office proposes, reviews, pins or excludes, re-solves and approves.

`propose` reads the open offers and the applications waiting for compute, turns dates into day
numbers from the run's start, and hands the solver (`allocation/`, pure Python) an instance.
Capacity already taken — by approved orders, and by items the office pinned in the previous
run — is taken out of the offers first: an offer becomes segments of constant free capacity
(an application is then placed within one segment, a little conservative around a pin, never
over capacity). The vouchers of a proposal come from the policy engine (`vouchers.quote`), in
ascending order so that the pool serves as many applications as it can; `approve` turns the
served items into orders and grants their vouchers through the ledger, after checking again,
day by day, that no offer is over-booked by orders approved meanwhile.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from aiplus.core import audit, faults
from aiplus.core.errors import Conflict, ServiceError

from . import ledger, permissions, vouchers
from .allocation.problem import Instance
from .models import (
    AllocationItem,
    AllocationRun,
    Application,
    ApplicationStatus,
    Offer,
    OfferStatus,
    Order,
    OrderStatus,
    RunStatus,
    VoucherProgramme,
)

HORIZON_DAYS = 90
MAX_HORIZON_DAYS = 366
METHODS = ("milp", "heuristic")
NO_PRICE_LIMIT = Decimal("1000000")


@dataclass(frozen=True)
class Busy:
    start: int  # day numbers from the run's start, [start, end)
    end: int
    cards: int


def segments(offer: Offer, first: int, last: int, busy: list[Busy]) -> list[tuple[int, int, int]]:
    """[(start, end, free cards)] of an offer between days `first` and `last`, with the busy
    intervals taken out; neighbouring days with the same free capacity are merged."""
    if last <= first:
        return []
    free = [offer.cards] * (last - first)
    for b in busy:
        for d in range(max(b.start, first), min(b.end, last)):
            free[d - first] -= b.cards
    out: list[tuple[int, int, int]] = []
    for i, cards in enumerate(free):
        day = first + i
        if out and out[-1][2] == cards and out[-1][1] == day:
            out[-1] = (out[-1][0], day + 1, cards)
        else:
            out.append((day, day + 1, cards))
    return [s for s in out if s[2] > 0]


def _day(start: dt.date, day: dt.date) -> int:
    return (day - start).days


def _busy_by_offer(start: dt.date, pinned: list[AllocationItem]) -> dict[int, list[Busy]]:
    busy: dict[int, list[Busy]] = defaultdict(list)
    orders = Order.objects.filter(status=OrderStatus.ACTIVE, end__gt=start).values(
        "offer_id", "start", "end", "cards"
    )
    for o in orders:
        busy[o["offer_id"]].append(Busy(_day(start, o["start"]), _day(start, o["end"]), o["cards"]))
    for item in pinned:
        busy[item.offer_id].append(
            Busy(_day(start, item.start), _day(start, item.end), item.application.cards)
        )
    return busy


def _programme_terms(programme: VoucherProgramme | None) -> dict | None:
    """The solver's view of the voucher programme: what the pool holds now, and the ratio and
    cap of its rules (the ledger applies the exact rules at approval)."""
    if programme is None:
        return None
    ratio, cap, face = Decimal(0), Decimal(0), Decimal(0)
    for rule in vouchers.programme_rules(programme):
        if rule.amount is None:
            continue
        params = rule.parameters
        day = max(programme.valid_from, timezone.localdate())
        if rule.amount.ratio:
            ratio = max(ratio, params[rule.amount.ratio].at(day) or 0)
            name = rule.amount.annual_cap or rule.amount.total_cap or rule.amount.cap
            if name:
                cap = max(cap, params[name].at(day) or 0)
        elif rule.amount.fixed:
            face = max(face, params[rule.amount.fixed].at(day) or 0)
    return {
        "pool_yuan": max(Decimal(0), ledger.balance(programme, "pool")),
        "ratio": ratio,
        "cap_per_enterprise_yuan": cap,
        "opc_ratio": Decimal(1) if face else Decimal(0),
        "opc_cap_per_enterprise_yuan": face,
    }


def _voucher_terms(programme, app: Application, rules: dict) -> tuple[bool, str]:
    """(eligible, kind) of an application in the solver's terms: eligible when the programme's
    rules would pay this enterprise something now; "opc" when the paying rule is a voucher of
    a face value (paid up to 100%), else a ratio of the cost."""
    if programme is None or app.programme_id != programme.pk:
        return False, "rd_company"
    quote = vouchers.quote(programme, app.enterprise, Decimal(1), app.earliest_start)
    rule = rules.get(quote.rule_id)
    face_value = rule is not None and rule.amount is not None and not rule.amount.ratio
    return quote.amount > 0, "opc" if face_value else "rd_company"


def build_instance(
    *,
    start: dt.date,
    horizon: int,
    programme: VoucherProgramme | None,
    applications: list[Application],
    pinned: list[AllocationItem],
) -> tuple[Instance, dict[str, Offer], dict[str, Application]]:
    offers_by_key: dict[str, Offer] = {}
    offer_rows = []
    busy = _busy_by_offer(start, pinned)
    end = start + dt.timedelta(days=horizon)
    offers = Offer.objects.filter(
        status=OfferStatus.OPEN, available_from__lt=end, available_to__gt=start
    ).select_related("centre__area", "centre__provider")
    for offer in offers:
        first = max(0, _day(start, offer.available_from))
        last = min(horizon, _day(start, offer.available_to))
        for n, (a, b, cards) in enumerate(segments(offer, first, last, busy.get(offer.pk, []))):
            key = f"{offer.pk}:{n}"
            offers_by_key[key] = offer
            offer_rows.append(
                {
                    "offer_id": key,
                    "provider": str(offer.centre.provider_id),
                    "area": offer.centre.area.code if offer.centre.area else "",
                    "gpu_model": offer.gpu_model,
                    "cards": cards,
                    "price_per_card_hour": offer.price,
                    "available_from_day": a,
                    "available_to_day": b,
                }
            )
    apps_by_key: dict[str, Application] = {}
    app_rows = []
    rules = {r.id: r for r in vouchers.programme_rules(programme)} if programme else {}
    for app in applications:
        first = max(0, _day(start, app.earliest_start))
        last = min(horizon, _day(start, app.latest_end))
        if last - first < app.days:
            continue  # cannot fit in this run's horizon
        eligible, kind = _voucher_terms(programme, app, rules)
        key = str(app.pk)
        apps_by_key[key] = app
        app_rows.append(
            {
                "app_id": key,
                "enterprise": str(app.enterprise_id),
                "area": app.enterprise.area.code if app.enterprise.area else "",
                "accepted_models": "|".join(app.accepted_models),
                "cards": app.cards,
                "hours": app.hours,
                "earliest_day": first,
                "latest_end_day": last,
                "max_price_per_card_hour": app.max_price or NO_PRICE_LIMIT,
                "voucher_eligible": int(eligible),
                "enterprise_kind": kind,
            }
        )
    instance = Instance.from_rows(
        offer_rows, app_rows, _programme_terms(programme), name=f"run from {start}"
    )
    return instance, offers_by_key, apps_by_key


def _vouchers_for(programme, items: list[AllocationItem]) -> None:
    """Quote each served item's voucher by the rules, smallest first, within the pool."""
    if programme is None:
        return
    pool = max(Decimal(0), ledger.balance(programme, "pool"))
    pending: dict[int, Decimal] = defaultdict(Decimal)
    served = [i for i in items if i.offer_id and i.application.programme_id == programme.pk]
    quotes = []
    for item in served:
        q = vouchers.quote(programme, item.application.enterprise, item.cost, item.start)
        quotes.append((q.amount, item))
    for _amount, item in sorted(quotes, key=lambda pair: (pair[0], pair[1].application_id)):
        enterprise = item.application.enterprise
        q = vouchers.quote(
            programme, enterprise, item.cost, item.start, pending=pending[enterprise.pk]
        )
        amount = min(q.amount, pool)
        item.voucher = amount
        pool -= amount
        pending[enterprise.pk] += amount


@transaction.atomic
def propose(
    *,
    actor,
    programme: VoucherProgramme | None,
    start: dt.date,
    horizon: int = HORIZON_DAYS,
    method: str = "milp",
    time_limit: float = 30.0,
    previous: AllocationRun | None = None,
) -> AllocationRun:
    """Solve the waiting applications against the open offers and save the proposal. With
    `previous`, its pinned items are kept as they were and its excluded ones left out."""
    from .allocation.solve import solve

    permissions.require_office(actor, "只有专班办公室可以生成分配方案。")
    if method not in METHODS:
        raise ServiceError(f"未知的求解方法“{method}”，可选：{'、'.join(METHODS)}。")
    if not 1 <= horizon <= MAX_HORIZON_DAYS:
        raise ServiceError(f"排期天数须在 1 至 {MAX_HORIZON_DAYS} 之间。")
    if not 1 <= time_limit <= 600:
        raise ServiceError("求解时间上限须在 1 至 600 秒之间。")
    pinned: list[AllocationItem] = []
    excluded: set[int] = set()
    if previous is not None:
        if previous.status != RunStatus.PROPOSED:
            raise Conflict("只能在待审定的方案基础上重新求解。")
        start = previous.start
        programme = previous.programme
        pinned = list(
            previous.items.filter(pinned=True, offer__isnull=False).select_related(
                "application", "offer"
            )
        )
        excluded = set(
            previous.items.filter(excluded=True).values_list("application_id", flat=True)
        )
    waiting = list(
        Application.objects.filter(status=ApplicationStatus.SUBMITTED)
        .exclude(pk__in=excluded | {i.application_id for i in pinned})
        .select_related("enterprise__area", "programme")
    )
    instance, offers, apps = build_instance(
        start=start, horizon=horizon, programme=programme, applications=waiting, pinned=pinned
    )
    t0 = time.perf_counter()
    result = solve(instance, method=method, time_limit=time_limit)
    seconds = time.perf_counter() - t0
    run = AllocationRun.objects.create(
        programme=programme,
        start=start,
        method=method,
        time_limit=time_limit,
        previous=previous,
        created_by=actor,
    )
    placed = {a.app_id: a for a in result.assignments}
    items = []
    for item in pinned:
        items.append(
            AllocationItem(
                run=run,
                application=item.application,
                offer=item.offer,
                start=item.start,
                end=item.end,
                cost=item.cost,
                pinned=True,
            )
        )
    for app in waiting:
        a = placed.get(str(app.pk))
        item = AllocationItem(run=run, application=app)
        if a is not None:
            offer = offers[a.offer_id]
            item.offer = offer
            item.start = start + dt.timedelta(days=a.start_day)
            item.end = item.start + dt.timedelta(days=app.days)
            item.cost = ledger.fen(Decimal(app.cards * app.hours) * offer.price)
        items.append(item)
    for app_id in excluded:
        items.append(AllocationItem(run=run, application_id=app_id, excluded=True))
    _vouchers_for(programme, items)
    AllocationItem.objects.bulk_create(items)
    served = [i for i in items if i.offer_id]
    run.figures = {
        "applications": len(waiting) + len(pinned),
        "served": len(served),
        "served_card_hours": sum(i.application.card_hours for i in served),
        "demand_card_hours": sum(a.card_hours for a in waiting)
        + sum(i.application.card_hours for i in pinned),
        "cost_yuan": str(sum((i.cost for i in served), Decimal(0))),
        "voucher_yuan": str(sum((i.voucher for i in served), Decimal(0))),
        "upper_bound_card_hours": result.upper_bound_card_hours,
        "gap": result.gap,
        "seconds": round(seconds, 2),
        "horizon": horizon,
        "offers": len({o.pk for o in offers.values()}),
        "pinned": len(pinned),
        "excluded": len(excluded),
    }
    run.save(update_fields=["figures"])
    audit.record(
        actor=actor,
        action="compute.run.propose",
        obj=run,
        summary=f"{len(served)}/{run.figures['applications']} 项获分配（{method}）",
    )
    return run


def set_flags(
    *, actor, item: AllocationItem, pinned: bool | None = None, excluded: bool | None = None
):
    """Pin an item (kept as it is on re-solve) or exclude it (left out of the next run)."""
    permissions.require_office(actor, "只有专班办公室可以调整分配方案。")
    if item.run.status != RunStatus.PROPOSED:
        raise Conflict("方案已审定，不能再调整。")
    if pinned and item.offer_id is None:
        raise ServiceError("未获分配的申请不能锁定。")
    with transaction.atomic():
        if pinned is not None:
            item.pinned = pinned
            if pinned:
                item.excluded = False
        if excluded is not None:
            item.excluded = excluded
            if excluded:
                item.pinned = False
        item.save(update_fields=["pinned", "excluded"])
        audit.record(
            actor=actor,
            action="compute.run.item",
            obj=item.run,
            summary=f"申请 #{item.application_id}：{'锁定' if item.pinned else ''}{'排除' if item.excluded else ''}",
        )
    return item


def _overbooked(offer: Offer, start: dt.date, end: dt.date, cards: int, exclude=()) -> bool:
    days = defaultdict(int)
    for o in Order.objects.filter(
        offer=offer, status=OrderStatus.ACTIVE, start__lt=end, end__gt=start
    ).exclude(pk__in=exclude):
        d = max(o.start, start)
        while d < min(o.end, end):
            days[d] += o.cards
            d += dt.timedelta(days=1)
    d = start
    while d < end:
        if days[d] + cards > offer.cards:
            return True
        d += dt.timedelta(days=1)
    return False


def approve(*, actor, run: AllocationRun) -> list[Order]:
    """Turn the served, not excluded items into orders and grant their vouchers. Every check
    runs first; if one item can no longer be placed (an application withdrawn, an offer closed
    or booked meanwhile) nothing is approved and the message names it."""
    permissions.require_office(actor, "只有专班办公室可以批准分配方案。")
    with transaction.atomic():
        run = AllocationRun.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.PROPOSED:
            raise Conflict(f"方案{run.get_status_display()}。")
        items = list(
            run.items.filter(offer__isnull=False, excluded=False).select_related(
                "application__enterprise", "offer"
            )
        )
        problems = {}
        for item in items:
            app = Application.objects.select_for_update().get(pk=item.application_id)
            offer = Offer.objects.select_for_update().get(pk=item.offer_id)
            if app.status != ApplicationStatus.SUBMITTED:
                problems[f"item{item.pk}"] = f"申请 #{app.pk} {app.get_status_display()}。"
            elif offer.status != OfferStatus.OPEN:
                problems[f"item{item.pk}"] = f"资源 #{offer.pk} 已下架。"
        if problems:
            raise Conflict("方案中有申请或资源已变化，请重新求解。", problems)
        orders = []
        for item in items:
            if _overbooked(item.offer, item.start, item.end, item.application.cards):
                raise Conflict(
                    f"资源 #{item.offer_id} 在 {item.start} 至 {item.end} 已被其他订单占用，请重新求解。"
                )
            app = item.application
            order = Order.objects.create(
                application=app,
                offer=item.offer,
                run=run,
                programme=run.programme if app.programme_id == run.programme_id else None,
                start=item.start,
                end=item.end,
                cards=app.cards,
                hours=app.hours,
                price=item.offer.price,
                estimated_cost=item.cost,
            )
            if order.programme is not None:
                q = vouchers.quote(
                    order.programme, app.enterprise, order.estimated_cost, order.start
                )
                order.voucher_share = q.share_of(order.estimated_cost)
                order.rule_id = q.rule_id
                order.trace = q.trace + q.needs
                order.save(update_fields=["voucher_share", "rule_id", "trace"])
                from .services import grant_for_order

                grant_for_order(actor=actor, order=order)
            app.status = ApplicationStatus.ALLOCATED
            app.save(update_fields=["status"])
            orders.append(order)
            faults.pause("allocation-approve")  # test hook (issue #8): no-op unless asked
        run.status = RunStatus.APPROVED
        run.approved_by = actor
        run.approved_at = timezone.now()
        run.save(update_fields=["status", "approved_by", "approved_at"])
        # other proposals of the same programme were made against capacity now taken
        AllocationRun.objects.filter(
            status=RunStatus.PROPOSED, programme_id=run.programme_id
        ).exclude(pk=run.pk).update(status=RunStatus.DISCARDED)
        audit.record(
            actor=actor, action="compute.run.approve", obj=run, summary=f"生成 {len(orders)} 个订单"
        )
    return orders


def discard(*, actor, run: AllocationRun) -> AllocationRun:
    permissions.require_office(actor, "只有专班办公室可以作废分配方案。")
    with transaction.atomic():
        if run.status != RunStatus.PROPOSED:
            raise Conflict(f"方案{run.get_status_display()}。")
        run.status = RunStatus.DISCARDED
        run.save(update_fields=["status"])
        audit.record(actor=actor, action="compute.run.discard", obj=run)
    return run
