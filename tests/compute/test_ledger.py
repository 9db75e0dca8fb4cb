"""The voucher ledger: balanced transactions, balances derived from entries, no overspending
(also under concurrent redemptions on PostgreSQL), idempotent movements, reversals."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from aiplus.compute import ledger, services, vouchers
from aiplus.compute.models import LedgerEntry, LedgerTransaction, TxKind, VoucherProgramme
from aiplus.core.errors import ServiceError

from ..factories import make_org
from .conftest import DAY, OPC_FACTS, make_order, profile

pytestmark = pytest.mark.django_db


def test_funding_puts_money_in_the_pool_once_per_key(programme):
    assert ledger.balance(programme, "pool") == Decimal(5_000_000)
    again = ledger.fund(programme=programme, amount=Decimal(5_000_000), key="fund:test", year=2026)
    assert again.key == "fund:test"
    assert ledger.balance(programme, "pool") == Decimal(5_000_000)
    assert ledger.balance(programme, "budget") == Decimal(-5_000_000)
    with pytest.raises(ServiceError):
        ledger.fund(programme=programme, amount=Decimal(0), key="fund:zero", year=2026)


def test_an_unbalanced_transaction_is_refused(programme):
    with pytest.raises(ServiceError, match="不平衡"):
        ledger.post(
            programme=programme,
            kind=TxKind.FUND,
            key="bad",
            year=2026,
            lines=[ledger.Line("pool", Decimal(1))],
        )
    assert not LedgerTransaction.objects.filter(key="bad").exists()


def test_grant_never_takes_more_than_the_pool(citypack):
    programme = VoucherProgramme.objects.get(code="sz-compute-2026")
    ledger.fund(programme=programme, amount=Decimal("100.00"), key="f", year=2026)
    firm = make_org()
    tx = ledger.grant(programme=programme, enterprise=firm, amount=Decimal(70), key="g1", year=2026)
    assert tx is not None
    partial = ledger.grant(
        programme=programme, enterprise=firm, amount=Decimal(70), key="g2", year=2026
    )
    assert sum(e.amount for e in partial.entries.all() if e.amount > 0) == Decimal(30)
    assert (
        ledger.grant(programme=programme, enterprise=firm, amount=Decimal(1), key="g3", year=2026)
        is None
    )
    assert ledger.balance(programme, "pool") == 0
    assert ledger.check(programme) == []


def test_order_grant_redeem_release_and_settle_balance_to_the_fen(programme, offer, demander):
    firm = profile(demander.organisation)
    order = make_order(offer, firm, programme, cards=3, hours=7)  # 21 card-hours × 12.50
    assert order.estimated_cost == Decimal("262.50")
    held = ledger.granted_to_order(order)
    assert held == Decimal("78.75")  # 30%
    usage, created = services.report_usage(
        actor=offer.centre.provider.members.first(),
        order=order,
        data={"report_id": "r1", "period_start": DAY, "period_end": DAY, "card_hours": "10.33"},
    )
    assert created and usage.cost == Decimal("129.12")  # 10.33 × 12.50 = 129.125 → fen down
    assert usage.voucher == Decimal("38.73")  # 30% of 129.12 = 38.736 → down
    assert ledger.granted_to_order(order) == held - usage.voucher
    services.complete_order(actor=_office(), order=order)
    assert ledger.granted_to_order(order) == 0
    provider = offer.centre.provider
    assert ledger.balance(programme, ledger.payable_account(provider.pk)) == usage.voucher
    services.settle_provider(actor=_office(), programme=programme, provider=provider)
    assert ledger.balance(programme, ledger.paid_account(provider.pk)) == usage.voucher
    assert ledger.balance(programme, "pool") == Decimal(5_000_000) - usage.voucher
    assert ledger.check(programme) == []


def _office():
    from aiplus.accounts.choices import Role

    from ..factories import make_user

    return make_user(Role.OFFICE)


def test_a_reversal_books_the_opposite_once(programme):
    firm = make_org()
    tx = ledger.grant(programme=programme, enterprise=firm, amount=Decimal(500), key="g", year=2026)
    back = ledger.reverse(tx=tx)
    assert ledger.reverse(tx=tx) == back
    assert ledger.balance(programme, ledger.granted_account(firm.pk)) == 0
    assert ledger.used_by(programme, firm.pk, 2026) == 0
    assert ledger.check(programme) == []


def test_the_annual_cap_comes_from_the_rule_and_the_ledger(programme, offer, demander):
    """30% of what is paid, at most 2,000,000 a year: the second order only gets what is left,
    and the quote says so."""
    firm = profile(demander.organisation)
    big = make_order(offer, firm, programme, cards=64, hours=2000)  # 1,600,000 × 30% = 480,000
    assert ledger.granted_to_order(big) == Decimal(480_000)
    for _ in range(3):
        make_order(offer, firm, programme, cards=64, hours=2000)
    assert ledger.used_by(programme, firm.pk, 2026) == Decimal(1_920_000)
    quote = vouchers.quote(programme, firm, Decimal(1_600_000), DAY)
    assert quote.amount == Decimal(80_000)
    assert any("剩余额度 80,000" in t for t in quote.trace), quote.trace
    assert any("30% × 1,600,000 = 480,000 元" in t for t in quote.trace)


def test_an_enterprise_without_a_profile_gets_questions_not_a_voucher(programme):
    quote = vouchers.quote(programme, make_org(), Decimal(100_000), DAY)
    assert quote.status == "needs_info" and quote.amount == 0
    assert "企业是否在苏州市注册？" in quote.needs


def test_an_opc_voucher_pays_up_to_its_face_value_over_orders(programme, offer, demander):
    firm = profile(demander.organisation, OPC_FACTS)
    first = make_order(offer, firm, programme, cards=64, hours=200)  # 160,000: all paid
    assert ledger.granted_to_order(first) == Decimal(160_000)
    assert first.voucher_share == 1
    second = make_order(offer, firm, programme, cards=64, hours=200)
    assert ledger.granted_to_order(second) == Decimal(40_000)  # what is left of 200,000
    quote = vouchers.quote(programme, firm, Decimal(10_000), DAY)
    assert quote.amount == 0 and any("面额 200,000 元" in t for t in quote.trace)


def test_out_of_the_programme_dates_nothing_is_paid(programme):
    import datetime as dt

    firm = profile(make_org())
    quote = vouchers.quote(programme, firm, Decimal(100_000), dt.date(2027, 3, 1))
    assert quote.amount == 0 and "不在计划有效期" in quote.trace[0]


# --- concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_grants_and_redemptions_never_overspend(citypack, offer):
    """50 threads × 20 grant-and-redeem rounds against a pool that covers a fraction of them:
    the pool ends at zero, never below; every enterprise's grants and redemptions add up; the
    ledger balances to the fen."""
    programme = VoucherProgramme.objects.get(code="sz-compute-2026")
    pool = Decimal("12345.67")
    ledger.fund(programme=programme, amount=pool, key="fund", year=2026)
    firms = [make_org() for _ in range(50)]
    orders = [make_order(offer, f, None) for f in firms]  # orders without their own grant
    provider = offer.centre.provider
    errors: list[BaseException] = []
    barrier = threading.Barrier(50)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for k in range(20):
                order = orders[n]
                order.programme = programme
                ledger.grant(
                    programme=programme,
                    enterprise=firms[n],
                    amount=Decimal("33.33"),
                    key=f"g:{n}:{k}",
                    year=2026,
                    order=order,
                )
                ledger.redeem(
                    programme=programme,
                    order=order,
                    provider=provider,
                    amount=Decimal("20.01"),
                    key=f"r:{n}:{k}",
                    year=2026,
                )
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert ledger.balance(programme, "pool") == 0
    granted = -sum(
        e.amount
        for e in LedgerEntry.objects.filter(programme=programme, account="pool")
        if e.amount < 0
    )
    assert granted == pool  # 50 × 20 × 33.33 = 33,330 wanted; the pool gave all it had
    for firm in firms:
        assert ledger.balance(programme, ledger.granted_account(firm.pk)) >= 0
    redeemed = ledger.balance(programme, ledger.payable_account(provider.pk))
    held = sum(ledger.balance(programme, ledger.granted_account(f.pk)) for f in firms)
    assert redeemed + held == pool
    assert ledger.check(programme) == []
