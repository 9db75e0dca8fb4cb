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
