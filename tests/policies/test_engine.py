"""The rules engine alone (no Django): trace, questions, caps, 就高不重复, dates of force."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import yaml

from aiplus.policies import engine as e

RENTAL = """
id: city-compute-rental
title: 智能算力租用补贴
clause: 按实际支付智能算力租用费用的30%，给予每年最高200万元补贴。
valid_from: 2026-01-31
valid_to: 2027-01-30
exclusive: compute-rental
conditions:
  - {fact: registered_city, eq: 苏州, label: 在苏州市注册, question: 企业是否在苏州市注册？}
  - {fact: roles, has: 科技研发企业, label: 科技研发企业, question: 企业是否为科技研发企业？}
claims: {from: contracts, where: {kind: compute_rental, related_party: false}, each: 合同}
amount: {ratio: ratio, base: amount, annual_cap: cap}
parameters:
  ratio: [{from: 2026-01-31, value: 0.30}]
  cap: [{from: 2026-01-31, value: 2000000}]
"""
DISTRICT = """
id: district-compute-rental
title: 园区算力租用补贴
clause: 按租用费用的40%，每年最高100万元。
valid_from: 2026-01-01
valid_to: 2026-12-31
exclusive: compute-rental
conditions:
  - {fact: area, eq: sip, label: 注册在苏州工业园区, question: 企业注册在哪个板块？}
claims: {from: contracts, where: {kind: compute_rental}, each: 合同}
amount: {ratio: ratio, base: amount, annual_cap: cap}
parameters:
  ratio: [{from: 2026-01-01, value: 0.40}]
  cap: [{from: 2026-01-01, value: 1000000}]
"""
ON = dt.date(2027, 3, 1)


def rule(text: str) -> e.Rule:
    return e.Rule.parse(yaml.safe_load(text))


def firm(*contracts, **facts):
    return {
        "registered_city": "苏州",
        "roles": ["科技研发企业"],
        "contracts": [
            {"kind": "compute_rental", "amount": a, "date": d, "related_party": False}
            for a, d in contracts
        ],
        **facts,
    }


def test_trace_shows_each_condition_and_formula_step():
    result = e.evaluate(rule(RENTAL), firm((1_200_000, "2026-03-01")), on=ON)
    assert result.status == e.ELIGIBLE and result.amount == Decimal("360000.00")
    texts = [s.text for s in result.steps]
    assert texts[0] == "✓ 在苏州市注册（苏州）"
    assert "30% × 1,200,000 = 360,000 元" in texts
    assert any(s.kind == "cap" and "2,000,000" in s.text for s in result.steps)


def test_a_missing_fact_asks_its_question_and_never_guesses():
    result = e.evaluate(rule(RENTAL), {"registered_city": "苏州"}, on=ON)
    assert result.status == e.NEEDS_INFO and result.amount == 0
    assert result.needs == ["企业是否为科技研发企业？"]
    no_contracts = e.evaluate(
        rule(RENTAL), {"registered_city": "苏州", "roles": ["科技研发企业"]}, on=ON
    )
    assert no_contracts.status == e.NEEDS_INFO and no_contracts.needs


def test_a_failed_condition_is_a_definite_no():
    result = e.evaluate(
        rule(RENTAL), firm((1_000_000, "2026-03-01"), registered_city="上海"), on=ON
    )
    assert result.status == e.NOT_ELIGIBLE
    assert result.steps[0].ok is False


def test_the_annual_cap_applies_across_two_claims_and_earlier_grants():
    two = firm((4_000_000, "2026-03-01"), (4_000_000, "2026-09-01"))
    assert e.evaluate(rule(RENTAL), two, on=ON).amount == Decimal("2000000.00")  # not 2.4m
    granted = {**two, "grants": [{"rule": "compute-rental", "year": 2026, "amount": 500000}]}
    result = e.evaluate(rule(RENTAL), granted, on=ON)
    assert result.amount == Decimal("1500000.00")
    assert any("剩余额度 1,500,000" in s.text for s in result.steps)


def test_a_claim_after_the_end_of_force_does_not_qualify():
    late = firm((1_000_000, "2027-01-31"))
    result = e.evaluate(rule(RENTAL), late, on=ON)
    assert result.status == e.NOT_ELIGIBLE and result.amount == 0
    assert any("不在政策有效期" in s.text for s in result.steps)
    on_last_day = firm((1_000_000, "2027-01-30"))
    assert e.evaluate(rule(RENTAL), on_last_day, on=ON).amount == Decimal("300000.00")


def test_the_higher_of_a_city_and_a_district_measure_counts_not_both():
    rules = [rule(RENTAL), rule(DISTRICT)]
    small = firm((1_000_000, "2026-03-01"), area="sip")  # city 300k, district 400k
    results = {r.rule.id: r for r in e.evaluate_all(rules, small, on=ON)}
    assert results["district-compute-rental"].status == e.ELIGIBLE
    assert results["city-compute-rental"].status == e.EXCLUDED
    assert e.total(results.values()) == Decimal("400000.00")
    big = firm((6_000_000, "2026-03-01"), area="sip")  # city 1.8m, district capped at 1m
    results = {r.rule.id: r for r in e.evaluate_all(rules, big, on=ON)}
    assert results["city-compute-rental"].status == e.ELIGIBLE
    assert e.total(results.values()) == Decimal("1800000.00")


def test_dated_parameters_take_the_value_in_force_on_the_claims_date():
    text = RENTAL.replace(
        "ratio: [{from: 2026-01-31, value: 0.30}]",
        "ratio: [{from: 2026-01-31, value: 0.30}, {from: 2026-07-01, value: 0.20}]",
    )
    result = e.evaluate(
        rule(text), firm((1_000_000, "2026-03-01"), (1_000_000, "2026-08-01")), on=ON
    )
    assert result.amount == Decimal("500000.00")


@pytest.mark.parametrize(
    "broken",
    [
        RENTAL.replace("amount: {ratio: ratio, base: amount, annual_cap: cap}", ""),
        RENTAL.replace("base: amount, ", ""),
        RENTAL.replace("annual_cap: cap", "annual_cap: nothing"),
        RENTAL.replace("{fact: registered_city, eq: 苏州,", "{fact: registered_city, like: 苏州,"),
    ],
)
def test_a_broken_rule_is_refused_with_its_id(broken):
    with pytest.raises(e.RuleError, match="city-compute-rental"):
        rule(broken)


def test_a_clause_that_cannot_be_a_rule_says_why():
    manual = e.Rule.parse(
        {
            "id": "x",
            "title": "重大项目",
            "clause": "根据项目规模给予支持",
            "manual": "按项目规模评审确定",
        }
    )
    result = e.evaluate(manual, {}, on=ON)
    assert result.status == e.MANUAL and "评审" in result.steps[0].text


def test_a_whole_period_cap_spans_calendar_years():
    text = RENTAL.replace("annual_cap: cap", "total_cap: cap")
    two_years = firm((4_000_000, "2026-11-01"), (4_000_000, "2027-01-15"))
    result = e.evaluate(rule(text), two_years, on=ON)
    assert result.amount == Decimal("2000000.00")  # one ceiling, not one per calendar year
    assert any("政策期内上限 2,000,000" in s.text for s in result.steps)


def test_a_rule_without_claims_is_not_eligible_outside_its_dates_of_force():
    voucher = e.Rule.parse(
        {
            "id": "opc-voucher",
            "title": "OPC 算力券",
            "clause": "给予最高20万元算力券",
            "valid_from": "2026-01-31",
            "valid_to": "2027-01-30",
            "conditions": [{"fact": "opc_member", "is": True}],
            "amount": {"fixed": "voucher"},
            "parameters": {"voucher": [{"from": "2026-01-31", "value": 200000}]},
        }
    )
    member = {"opc_member": True}
    assert e.evaluate(voucher, member, on=dt.date(2026, 6, 1)).amount == Decimal("200000.00")
    late = e.evaluate(voucher, member, on=dt.date(2027, 2, 1))
    assert late.status == e.NOT_ELIGIBLE and "不在政策有效期" in late.steps[-1].text


# --- claims: windows, once per contract, yearly totals ---------------------------------------


def contracts_rule(**claims) -> e.Rule:
    """A 20% rental rule whose claims take the given extra keys."""
    return e.Rule.parse(
        {
            "id": "voucher",
            "title": "算力券",
            "clause": "按合同额的20%给予补贴",
            "exclusive": "compute-voucher",
            "claims": {"from": "contracts", "where": {"kind": "compute_rental"}, "each": "合同"}
            | claims,
            "amount": {"ratio": "ratio", "base": "amount"},
            "parameters": {"ratio": 0.20, "limit": 500000},
        }
    )


def rentals(*items) -> dict:
    return {"contracts": [{"kind": "compute_rental", **item} for item in items]}


def test_within_counts_only_claims_before_months_after_the_items_start():
    first_year = contracts_rule(within={"from": "start", "months": 12, "label": "起始后1年内"})
    paid = rentals(
        {"amount": 100000, "date": "2027-02-28", "start": "2026-03-01"},
        {"amount": 100000, "date": "2027-03-01", "start": "2026-03-01"},
    )
    result = e.evaluate(first_year, paid, on=ON)
    assert result.amount == Decimal("20000.00")
    assert "✗ 合同2不符合：起始后1年内（2026-03-01 至 2027-03-01）" in [
        s.text for s in result.steps
    ]


def test_within_compares_two_fields_of_the_item_and_asks_for_a_missing_one():
    term = contracts_rule(within={"from": "start", "to": "end", "months": 12})
    one_year = {"amount": 100000, "date": "2026-01-10", "start": "2026-01-31", "end": "2027-01-30"}
    assert e.evaluate(term, rentals(one_year), on=ON).amount == Decimal("20000.00")
    longer = {**one_year, "end": "2027-01-31"}
    assert e.evaluate(term, rentals(longer), on=ON).status == e.NOT_ELIGIBLE
    no_end = {k: v for k, v in one_year.items() if k != "end"}
    result = e.evaluate(term, rentals(no_end), on=ON)
    assert result.status == e.NEEDS_INFO and result.needs == ["合同1：请补充 end"]


def test_a_month_later_is_the_months_last_day_when_it_is_shorter():
    assert e._add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert e._add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert e._add_months(dt.date(2026, 3, 1), 12) == dt.date(2027, 3, 1)


def test_once_by_counts_a_contract_once_and_never_one_already_granted():
    once = contracts_rule(once_by="id")
    twice = rentals(
        {"id": "HT-1", "amount": 1000000, "date": "2026-03-01"},
        {"id": "HT-1", "amount": 1000000, "date": "2026-04-01"},
        {"id": "HT-2", "amount": 500000, "date": "2026-05-01"},
    )
    result = e.evaluate(once, twice, on=ON)
    assert result.amount == Decimal("300000.00")
    assert any("合同2（id HT-1）与前一合同相同，同一合同只申领一次" in s.text for s in result.steps)
    granted = {**twice, "grants": [{"rule": "compute-voucher", "year": 2026, "item": "HT-2"}]}
    result = e.evaluate(once, granted, on=ON)
    assert result.amount == Decimal("200000.00")
    assert any("合同3（id HT-2）已获支持" in s.text for s in result.steps)
    nameless = e.evaluate(once, rentals({"amount": 1000000, "date": "2026-03-01"}), on=ON)
    assert nameless.status == e.NEEDS_INFO and nameless.needs == ["合同1：请补充 id"]


def test_year_total_keeps_only_the_years_whose_items_add_up_to_the_limit():
    small = contracts_rule(year_total={"field": "amount", "lte": "limit", "label": "合同累计"})
    items = rentals(
        {"amount": 300000, "date": "2026-03-01"},
        {"amount": 300000, "date": "2026-09-01"},  # 2026: 600,000 > 500,000
        {"amount": 200000, "date": "2027-01-10"},
        {"amount": 300000, "date": "2027-01-20"},  # 2027: 500,000, the limit included
    )
    result = e.evaluate(small, items, on=ON)
    assert result.amount == Decimal("100000.00")  # 20% of 2027's 500,000
    texts = [s.text for s in result.steps]
    assert "✗ 2026 年合同累计 600,000 元，超过 500,000 元，本年不计" in texts
    assert "✓ 2027 年合同累计 500,000 元，不超过 500,000 元" in texts
    over = e.evaluate(small, rentals(*items["contracts"][:2]), on=ON)
    assert over.status == e.NOT_ELIGIBLE and over.amount == 0


@pytest.mark.parametrize(
    "claims, error",
    [
        ({"within": {"from": "start"}}, "within"),
        ({"within": "12 个月"}, "within"),
        ({"year_total": {"field": "amount"}}, "year_total"),
        ({"year_total": {"lte": "nothing"}}, "nothing"),
    ],
)
def test_a_broken_claims_window_or_year_total_is_refused(claims, error):
    with pytest.raises(e.RuleError, match=error):
        contracts_rule(**claims)


# --- 叠加: stacking with a combined ceiling ------------------------------------------------------

CITY = """
id: sh-city
title: 市级租金补贴
clause: 市级给予最高30%租金补贴。
stack: rental
stack_ratio: 1.00
stack_order: 1
claims: {from: contracts, where: {kind: compute_rental}, each: 合同}
amount: {ratio: ratio, base: amount}
parameters: {ratio: 0.30}
"""
DISTRICT_TOP_UP = """
id: sh-district
title: 区级配套
clause: 市区协同给予最多1年、最高100%的租金补贴。
stack: rental
stack_ratio: 1.00
stack_order: 2
claims: {from: contracts, where: {kind: compute_rental}, each: 合同}
amount: {ratio: ratio, base: amount, annual_cap: cap}
parameters: {ratio: 1.00, cap: 1000000}
"""


def test_stacked_rules_all_count_but_together_within_the_ceiling_of_each_claim():
    rules = [rule(DISTRICT_TOP_UP), rule(CITY)]
    results = {r.rule.id: r for r in e.evaluate_all(rules, rentals(AMOUNT_600K), on=ON)}
    assert results["sh-city"].amount == Decimal("180000.00")  # served first: untouched
    district = results["sh-district"]
    assert district.status == e.ELIGIBLE and district.amount == Decimal("420000.00")
    assert "叠加：与“市级租金补贴”合计不超过同一合同金额的 100%，本条 600,000 → 420,000 元" in [
        s.text for s in district.steps
    ]
    assert e.total(results.values()) == Decimal("600000.00")


AMOUNT_600K = {"amount": 600000, "date": "2026-03-01"}


def test_the_ceiling_is_per_claim_and_a_reduction_frees_the_later_rules_annual_cap():
    # district: 100% of 800,000 + 700,000 = 1.5m, capped at 1m a year. After the city's 30% the
    # rooms are 560,000 and 490,000: 1,050,000 → still capped at 1m, not 1m − 30%.
    two = rentals(
        {"amount": 800000, "date": "2026-03-01"}, {"amount": 700000, "date": "2026-06-01"}
    )
    results = {
        r.rule.id: r for r in e.evaluate_all([rule(CITY), rule(DISTRICT_TOP_UP)], two, on=ON)
    }
    assert results["sh-city"].amount == Decimal("450000.00")
    assert results["sh-district"].amount == Decimal("1000000.00")
    smaller = rentals(
        {"amount": 500000, "date": "2026-03-01"}, {"amount": 400000, "date": "2026-06-01"}
    )
    results = {
        r.rule.id: r for r in e.evaluate_all([rule(CITY), rule(DISTRICT_TOP_UP)], smaller, on=ON)
    }
    assert results["sh-district"].amount == Decimal("630000.00")  # 70% of each


def test_a_stacked_rule_left_with_nothing_is_excluded():
    full = rule(CITY.replace("ratio: 0.30}", "ratio: 1.00}"))
    results = {
        r.rule.id: r
        for r in e.evaluate_all([full, rule(DISTRICT_TOP_UP)], rentals(AMOUNT_600K), on=ON)
    }
    assert results["sh-district"].status == e.EXCLUDED and results["sh-district"].amount == 0
    assert e.total(results.values()) == Decimal("600000.00")


def test_rules_sharing_an_exclusive_key_never_add_up_even_in_one_stack():
    district = rule(DISTRICT_TOP_UP.replace("stack_order: 2", "stack_order: 2\nexclusive: rent"))
    city = rule(CITY.replace("stack_order: 1", "stack_order: 1\nexclusive: rent"))
    results = {r.rule.id: r for r in e.evaluate_all([city, district], rentals(AMOUNT_600K), on=ON)}
    assert results["sh-district"].status == e.ELIGIBLE
    assert results["sh-district"].amount == Decimal("600000.00")  # alone: no stack partner left
    assert results["sh-city"].status == e.EXCLUDED


def test_stacking_leaves_a_rule_alone_when_the_ceiling_is_not_reached():
    half = rule(DISTRICT_TOP_UP.replace("ratio: 1.00, cap", "ratio: 0.50, cap"))
    results = {
        r.rule.id: r for r in e.evaluate_all([rule(CITY), half], rentals(AMOUNT_600K), on=ON)
    }
    assert results["sh-district"].amount == Decimal("300000.00")
    assert any(
        s.text.startswith("叠加：与“市级租金补贴”同时计入") for s in results["sh-district"].steps
    )


def test_allocated_shares_add_up_to_the_evaluated_amount():
    capped = rule(
        DISTRICT_TOP_UP.replace("annual_cap: cap", "annual_cap: cap, total_cap: total").replace(
            "cap: 1000000}", "cap: 1000000, total: 1500000}"
        )
    )
    items = rentals(
        {"amount": 700000, "date": "2026-09-01"},
        {"amount": 600000, "date": "2026-03-01"},
        {"amount": 900000, "date": "2027-01-10"},
    )
    facts = {**items, "grants": [{"rule": "sh-district", "year": 2026, "amount": 100000}]}
    result = e.evaluate(capped, facts, on=ON)
    assert result.amount == Decimal("1400000.00")
    assert sum(e._allocate(capped, facts, ON, result.parts)) == result.amount


@pytest.mark.parametrize(
    "broken",
    [
        CITY.replace("stack: rental\n", ""),  # a ceiling without a group
        CITY.replace("amount: {ratio: ratio, base: amount}", "amount: {fixed: ratio}"),
    ],
)
def test_a_stack_needs_a_group_and_a_ratio_of_each_claim(broken):
    with pytest.raises(e.RuleError, match="sh-city"):
        rule(broken)
