"""Usage reports: the voucher's part of each, idempotent reports and CSV imports, corrections as
reversing entries, and refusals that change nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aiplus.compute import ledger, services
from aiplus.compute.models import LedgerTransaction, TxKind, UsageReport
from aiplus.core.errors import Conflict, PermissionDenied, ServiceError

from .conftest import DAY, make_order, profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(programme, offer, demander):
    return make_order(offer, profile(demander.organisation), programme, cards=8, hours=240)


def usage(report_id="u1", hours="100", start=DAY, end=DAY):
    return {"report_id": report_id, "period_start": start, "period_end": end, "card_hours": hours}


def test_the_same_report_twice_changes_nothing(order, provider):
    first, created = services.report_usage(actor=provider, order=order, data=usage())
    assert created and first.cost == Decimal("1250.00") and first.voucher == Decimal("375.00")
    count = LedgerTransaction.objects.count()
    again, created = services.report_usage(actor=provider, order=order, data=usage())
    assert not created and again.pk == first.pk
    assert LedgerTransaction.objects.count() == count
    assert UsageReport.objects.count() == 1


def test_the_same_report_id_with_other_figures_is_refused(order, provider):
    services.report_usage(actor=provider, order=order, data=usage())
    with pytest.raises(Conflict, match="更正报告"):
        services.report_usage(actor=provider, order=order, data=usage(hours="120"))
    assert UsageReport.objects.count() == 1


def test_a_correction_reverses_the_old_redemption_and_books_the_new(order, provider, programme):
    first, _ = services.report_usage(actor=provider, order=order, data=usage(hours="100"))
    held_before = ledger.granted_to_order(order)
    fixed, _ = services.report_usage(
        actor=provider, order=order, data=usage("u1-fix", hours="80"), corrects=first
    )
    assert fixed.voucher == Decimal("300.00")
    reversal = LedgerTransaction.objects.get(kind=TxKind.REVERSE)
    assert reversal.reverses.usage == first
    assert ledger.granted_to_order(order) == held_before + first.voucher - fixed.voucher
    payable = ledger.balance(programme, ledger.payable_account(provider.organisation_id))
    assert payable == fixed.voucher
    with pytest.raises(Conflict, match="已被更正"):
        services.report_usage(
            actor=provider, order=order, data=usage("u1-fix2", hours="70"), corrects=first
        )
    assert ledger.check(programme) == []


def test_usage_is_checked_against_the_order(order, provider, other_demander):
    with pytest.raises(ServiceError, match="订单期限"):
        services.report_usage(
            actor=provider, order=order, data=usage(start=DAY - dt.timedelta(days=1))
        )
    with pytest.raises(ServiceError, match="超过订单"):
        services.report_usage(actor=provider, order=order, data=usage(hours="5000"))
    with pytest.raises(ServiceError) as bad:
        services.report_usage(actor=provider, order=order, data=usage(hours="-1"))
    assert "用量须大于零" in bad.value.errors["card_hours"]
    with pytest.raises(PermissionDenied):
        services.report_usage(actor=other_demander, order=order, data=usage())
    assert not UsageReport.objects.exists()


def test_the_voucher_never_pays_more_than_the_order_holds(order, provider):
    held = ledger.granted_to_order(order)  # 30% of 8 × 240 × 12.50 = 7,200
    assert held == Decimal("7200.00")
    services.report_usage(actor=provider, order=order, data=usage("a", hours="1900"))
    last, _ = services.report_usage(actor=provider, order=order, data=usage("b", hours="200"))
    assert last.voucher == held - Decimal("7125.00")
    assert ledger.granted_to_order(order) == 0


def csv_bytes(order, rows):
    head = "order,report_id,period_start,period_end,card_hours\n"
    return (head + "".join(f"{order.pk},{r},{DAY},{DAY},{h}\n" for r, h in rows)).encode()


def test_csv_import_is_idempotent(order, provider):
    content = csv_bytes(order, [("c1", "10"), ("c2", "20.5")])
    assert services.import_usage_csv(actor=provider, content=content) == {
        "created": 2,
        "unchanged": 0,
        "rows": 2,
    }
    count = LedgerTransaction.objects.count()
    again = services.import_usage_csv(actor=provider, content=content)
    assert again == {"created": 0, "unchanged": 2, "rows": 2}
    assert LedgerTransaction.objects.count() == count


def test_a_bad_csv_row_imports_nothing(order, provider):
    content = (
        csv_bytes(order, [("c1", "10"), ("c2", "abc")]) + b"999999,c3,2026-03-02,2026-03-02,1\n"
    )
    with pytest.raises(ServiceError) as bad:
        services.import_usage_csv(actor=provider, content=content)
    assert "第 3 行" in bad.value.errors["row3"] and "第 4 行" in bad.value.errors["row4"]
    assert not UsageReport.objects.exists()
    with pytest.raises(ServiceError, match="缺少列"):
        services.import_usage_csv(actor=provider, content=b"order,report_id\n1,x\n")
    with pytest.raises(ServiceError, match="UTF-8"):
        services.import_usage_csv(actor=provider, content="订单".encode("gbk"))


def test_an_offer_with_orders_cannot_shrink_below_them(order, provider):
    from aiplus.compute.models import Offer

    offer = order.offer
    data = {
        "gpu_model": offer.gpu_model,
        "cards": 4,  # the order uses 8
        "price": offer.price,
        "available_from": offer.available_from,
        "available_to": offer.available_to,
    }
    with pytest.raises(Conflict) as too_few:
        services.save_offer(actor=provider, centre=offer.centre, offer=offer, data=data)
    assert "不能少于 8" in too_few.value.errors["cards"]
    late = {**data, "cards": 64, "available_from": order.start + dt.timedelta(days=1)}
    with pytest.raises(Conflict, match="覆盖"):
        services.save_offer(actor=provider, centre=offer.centre, offer=offer, data=late)
    assert Offer.objects.get(pk=offer.pk).cards == 64


def test_an_application_links_only_its_own_scenario(demander, other_demander, programme):
    from ..factories import make_demand

    theirs = make_demand(other_demander)
    data = {
        "accepted_models": "H800",
        "cards": 1,
        "hours": 24,
        "earliest_start": DAY,
        "latest_end": DAY + dt.timedelta(days=5),
        "purpose": "推理",
        "scenario": theirs.pk,
    }
    with pytest.raises(ServiceError) as bad:
        services.submit_application(actor=demander, data=data)
    assert "不属于本单位" in bad.value.errors["scenario"]
    mine = make_demand(demander)
    assert services.submit_application(actor=demander, data={**data, "scenario": mine.pk})


def test_funding_twice_with_one_request_id_funds_once(programme, office):
    data = {"amount": "1000", "request_id": "abc"}
    first = services.fund_programme(actor=office, programme=programme, data=data)
    again = services.fund_programme(actor=office, programme=programme, data=data)
    assert first.pk == again.pk
    assert ledger.balance(programme, "pool") == Decimal(5_001_000)
