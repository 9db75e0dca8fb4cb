"""Vouchers: ratio, rounding down to the fen, per-enterprise caps, the pool, and who gets them."""

from __future__ import annotations

from decimal import Decimal

from aiplus.compute.allocation import solve
from aiplus.compute.allocation.vouchers import assign_vouchers, to_fen

from .allocation_helpers import PROGRAMME, app, instance, offer


def programme(**kw) -> dict:
    return {**PROGRAMME, **kw}


def vouchers(result) -> dict[str, Decimal]:
    return {a.app_id: a.voucher_yuan for a in result.assignments}


def test_voucher_is_the_ratio_of_the_cost_rounded_down_to_the_fen():
    # cost 1 card × 1 h × 0.07 = 0.07 yuan; 30 % is 0.021 → 0.02
    inst = instance([offer(price_per_card_hour="0.07")], [app(cards=1, hours=1)])
    result = solve(inst, "heuristic")
    assert result.cost_yuan == Decimal("0.07")
    assert vouchers(result) == {"A1": Decimal("0.02")}


def test_opc_enterprises_get_their_own_ratio_and_cap():
    inst = instance(
        [offer(cards=8, price_per_card_hour="10.00")],
        [app("OPC", enterprise_kind="opc", cards=4, hours=48, max_price_per_card_hour=12)],
        # cost 4 × 48 × 10 = 1,920: 100 % would be 1,920, the OPC cap is 1,000
        programme(opc_ratio="1.0", opc_cap_per_enterprise_yuan=1000),
    )
    assert vouchers(solve(inst, "heuristic")) == {"OPC": Decimal("1000.00")}


def test_ineligible_applications_get_nothing():
    inst = instance([offer()], [app(voucher_eligible=0)])
    result = solve(inst, "heuristic")
    assert vouchers(result) == {"A1": Decimal("0")}
    assert result.voucher_yuan == 0


def test_enterprise_cap_is_shared_by_its_applications():
    # Each job costs 4 × 48 × 5 = 960, 30 % = 288; the enterprise may get 400 in all.
    inst = instance(
        [offer(cards=8)],
        [app("A1", enterprise="E"), app("A2", enterprise="E")],
        programme(cap_per_enterprise_yuan=400),
    )
    result = solve(inst, "heuristic")
    assert sorted(vouchers(result).values()) == [Decimal("112.00"), Decimal("288.00")]
    assert result.vouchers_in_full == 1


def test_enterprise_with_both_kinds_gets_at_most_the_higher_cap():
    # Each costs 1,920: 30 % = 576 (standard), 100 % = 1,920 (opc). Caps: standard 500,
    # opc 300; together at most 500 (就高不重复), not 800.
    inst = instance(
        [offer(cards=16, price_per_card_hour="10.00")],
        [
            app("STD", enterprise="E", cards=4, hours=48, max_price_per_card_hour=12),
            app(
                "OPC",
                enterprise="E",
                enterprise_kind="opc",
                cards=4,
                hours=48,
                max_price_per_card_hour=12,
            ),
        ],
        programme(cap_per_enterprise_yuan=500, opc_cap_per_enterprise_yuan=300),
    )
    result = solve(inst, "heuristic")
    assert result.voucher_yuan == Decimal("500.00")
    assert vouchers(result)["OPC"] <= 300


def test_pool_goes_to_as_many_full_vouchers_as_possible():
    # Vouchers wanted: 288 (A, B) and 576 (C); a pool of 600 pays A and B in full.
    inst = instance(
        [offer(cards=16)],
        [app("A"), app("B"), app("C", cards=8)],
        programme(pool_yuan=600),
    )
    result = solve(inst, "heuristic")
    got = vouchers(result)
    assert got["A"] == got["B"] == Decimal("288.00")
    assert got["C"] == Decimal("24.00")  # what is left of the pool
    assert result.voucher_yuan == Decimal("600.00")
    assert result.vouchers_in_full == 2


def test_pool_of_zero_pays_nothing():
    inst = instance([offer()], [app()], programme(pool_yuan=0))
    assert solve(inst, "heuristic").voucher_yuan == 0


def test_assign_vouchers_never_exceeds_any_limit_in_fen():
    inst = instance(
        [offer(cards=64, price_per_card_hour="3.33")],
        [app(f"A{i}", enterprise=f"E{i % 3}", cards=1 + i, hours=7 + i) for i in range(12)],
        programme(pool_yuan="123.45", cap_per_enterprise_yuan="50.01"),
    )
    served = [(a, a.cards * a.hours * Decimal("3.33")) for a in inst.applications]
    plan = assign_vouchers(served, inst.programme)
    assert plan.total_fen <= to_fen(Decimal("123.45"))
    for a, cost in served:
        assert plan.fen.get(a.app_id, 0) <= to_fen(Decimal("0.30") * cost)
    for e in ("E0", "E1", "E2"):
        spent = sum(plan.fen.get(a.app_id, 0) for a, _ in served if a.enterprise == e)
        assert spent <= 5001
