"""Other cities' compute-voucher (算力券) rules, kept as worked examples of the rules format in
`citypacks/_examples/compute-vouchers/` (not a city pack): every file loads, fits the facts
vocabulary and passes its YAML cases, and each city's rule does what its source says — written
as data, with no city-specific code. Suzhou's three compute rules are tested from its pack."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from aiplus.policies import engine as e
from aiplus.policies import facts as vocabulary

from .rule_cases import case_ids, cases, run_case

ROOT = Path(__file__).resolve().parents[2] / "citypacks"
FOLDER = ROOT / "_examples" / "compute-vouchers"
RULES = e.load_rules(FOLDER)
BY_ID = {r.id: r for r in RULES}
SUZHOU = {r.id: r for r in e.load_rules(ROOT / "suzhou" / "rules")}
CASES = cases(RULES)
ON = dt.date(2027, 1, 30)


def run(*ids: str, facts: dict, on: dt.date = ON, rules=None) -> dict[str, e.Result]:
    rules = rules or BY_ID
    results = e.evaluate_all([rules[i] for i in ids], facts, on=on)
    return {r.rule.id: r for r in results}


def texts(result: e.Result) -> list[str]:
    return [s.text for s in result.steps]


def traced(result: e.Result, text: str) -> bool:
    return any(text in t for t in texts(result))


def contract(amount, date, **fields) -> dict:
    return {"kind": "compute_rental", "amount": amount, "date": date, **fields}


# --- the folder as a whole ------------------------------------------------------------------


def test_every_example_rule_is_encoded_with_cases_and_a_source():
    assert set(BY_ID) == {
        "bj-compute-voucher",
        "sh-compute-rental-city",
        "sh-compute-rental-district",
        "hz-compute-general",
        "hz-compute-sme",
        "sz-training-voucher",
        "sz-training-voucher-startup",
        "ha-compute-usage",
    }
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert not rule.manual and rule.amount is not None, rule.id
        assert len(rule.tests) >= 3, f"{rule.id}: at least three YAML cases"
        statuses = {case["expect"]["status"] for case in rule.tests}
        assert e.ELIGIBLE in statuses and statuses & {e.NOT_ELIGIBLE, e.NEEDS_INFO}, rule.id
        assert f"`{rule.source}`" in readme, f"{rule.source}: list it with its source in README"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_example_rule_fits_the_facts_vocabulary(rule):
    assert vocabulary.problems_of(rule) == []


@pytest.mark.parametrize("rule, case", CASES, ids=case_ids(CASES))
def test_example_rule_case(rule, case):
    run_case(rule, case, RULES)


def test_the_examples_folder_is_not_taken_for_a_city_pack():
    # a city pack has pack.json (core.citypack.CORE_FILES); the examples have none
    assert not (ROOT / "_examples" / "pack.json").exists()
    assert not (FOLDER / "pack.json").exists()


def test_the_facts_of_every_example_case_validate():
    for rule in RULES:
        for case in rule.tests:
            _, errors = vocabulary.clean(case.get("facts") or {}, areas=None)
            assert errors == {}, (rule.id, case.get("name"), errors)


def test_the_new_facts_are_validated_with_chinese_messages():
    facts, errors = vocabulary.clean(
        {
            "registered_province": " 河南 ",
            "industry": "制造业",  # a label is taken for its code
            "legal_person": "是",
            "other_compute_subsidy": "false",
            "roles": "初创企业、小微企业",
            "contracts": [
                {
                    "kind": "采购模型服务（API调用、模型调优等）",
                    "amount": "1,000,000",
                    "date": "2026-03-01",
                    "id": "HT-1",
                    "start": "2026-03-01",
                    "end": "2027-02-28",
                    "purpose": "模型训练",
                }
            ],
            "grants": [{"rule": "bj-compute-voucher", "year": 2026, "amount": 1, "item": "HT-1"}],
        },
        areas=None,
    )
    assert errors == {}
    assert facts["registered_province"] == "河南" and facts["industry"] == "C"
    assert facts["legal_person"] is True and facts["other_compute_subsidy"] is False
    assert facts["roles"] == ["初创企业", "小微企业"]
    assert facts["contracts"][0]["kind"] == "model_service"
    assert facts["contracts"][0]["purpose"] == "training"
    assert facts["grants"][0]["item"] == "HT-1"
    _, errors = vocabulary.clean(
        {
            "industry": "软件业",
            "contracts": [{"start": "2026-02-30", "end": "明年", "purpose": "挖矿"}],
        },
        areas=None,
    )
    assert "不是可选值" in errors["industry"]
    assert errors["contracts.0.start"].startswith("合同第 1 条的服务起始日期：")
    assert "不是有效日期" in errors["contracts.0.end"]
    assert "可选：training、inference、other" in errors["contracts.0.purpose"]


# --- Beijing: 20% of each contract, once, term ≤ 1 year, ≤ 2,000,000 a natural year ----------

BJ_FIRM = {
    "registered_city": "北京",
    "legal_person": True,
    "industry": "C",
    "other_compute_subsidy": False,
}
BJ_ON = dt.date(2025, 12, 31)


def bj_contract(cid, amount, date, end=None, **fields):
    """A one-year training-compute contract signed and starting on `date`."""
    one_year = e._add_months(dt.date.fromisoformat(date), 12) - dt.timedelta(days=1)
    defaults = {"purpose": "training", "related_party": False}
    return contract(
        amount, date, id=cid, start=date, end=end or one_year.isoformat(), **(defaults | fields)
    )


def test_beijing_pays_at_most_20_percent_of_each_contract():
    facts = {**BJ_FIRM, "contracts": [bj_contract("HT-1", 3_000_000, "2024-03-01")]}
    result = run("bj-compute-voucher", facts=facts, on=BJ_ON)["bj-compute-voucher"]
    assert result.status == e.ELIGIBLE and result.amount == Decimal("600000.00")
    assert result.rule.up_to and traced(result, "20% × 3,000,000 = 600,000 元")


def test_beijing_contract_term_must_be_at_most_one_year():
    twelve_months = bj_contract("HT-1", 1_000_000, "2024-03-01", end="2025-02-28")
    longer = bj_contract("HT-2", 1_000_000, "2024-03-01", end="2025-03-01")
    facts = {**BJ_FIRM, "contracts": [twelve_months, longer]}
    result = run("bj-compute-voucher", facts=facts, on=BJ_ON)["bj-compute-voucher"]
    assert result.amount == Decimal("200000.00")
    assert traced(result, "✗ 合同2不符合：合同期不超过1年（2024-03-01 至 2025-03-01）")


def test_beijing_claims_the_same_contract_once():
    again = [
        bj_contract("HT-1", 1_000_000, "2024-03-01"),
        bj_contract("HT-1", 1_000_000, "2024-05-01"),
    ]
    result = run("bj-compute-voucher", facts={**BJ_FIRM, "contracts": again}, on=BJ_ON)
    assert result["bj-compute-voucher"].amount == Decimal("200000.00")
    granted = {
        **BJ_FIRM,
        "contracts": again[:1],
        "grants": [{"rule": "bj-compute-voucher", "year": 2024, "amount": 200000, "item": "HT-1"}],
    }
    result = run("bj-compute-voucher", facts=granted, on=BJ_ON)["bj-compute-voucher"]
    assert result.status == e.NOT_ELIGIBLE
    assert traced(result, "已获支持，同一合同只申领一次")


def test_beijing_caps_a_firm_at_2_000_000_per_natural_year():
    big = [
        bj_contract("HT-1", 8_000_000, "2024-03-01"),
        bj_contract("HT-2", 8_000_000, "2024-10-01"),
        bj_contract("HT-3", 8_000_000, "2025-02-01"),
    ]
    result = run("bj-compute-voucher", facts={**BJ_FIRM, "contracts": big}, on=BJ_ON)
    result = result["bj-compute-voucher"]
    assert result.amount == Decimal("3600000.00")  # 2,000,000 for 2024 + 1,600,000 for 2025
    assert traced(result, "2024 年度上限 2,000,000 元：3,200,000 → 2,000,000 元")


def test_beijing_pays_only_for_compute_from_non_related_parties():
    related = bj_contract("HT-1", 3_000_000, "2024-03-01", related_party=True)
    result = run("bj-compute-voucher", facts={**BJ_FIRM, "contracts": [related]}, on=BJ_ON)
    assert result["bj-compute-voucher"].status == e.NOT_ELIGIBLE
    subsidised = {**BJ_FIRM, "other_compute_subsidy": True, "contracts": []}
    result = run("bj-compute-voucher", facts=subsidised, on=BJ_ON)["bj-compute-voucher"]
    assert result.status == e.NOT_ELIGIBLE
    assert traced(result, "✗ 未获其他市级财政智能算力补贴（是）")


# --- Shanghai: city 30% + district top-up, together ≤ 100% of the rent, district ≤ 1 year ------

SH_RULES = ("sh-compute-rental-city", "sh-compute-rental-district")


def sh_firm(*contracts, roles=("初创企业",)):
    return {"registered_city": "上海", "roles": list(roles), "contracts": list(contracts)}


def test_shanghai_city_30_percent_and_district_top_up_together_at_most_the_rent():
    facts = sh_firm(contract(1_000_000, "2026-03-01", start="2026-03-01"))
    results = run(*SH_RULES, facts=facts)
    city, district = results["sh-compute-rental-city"], results["sh-compute-rental-district"]
    assert city.amount == Decimal("300000.00") and city.status == e.ELIGIBLE
    assert district.amount == Decimal("700000.00") and district.status == e.ELIGIBLE
    assert e.total(results.values()) == Decimal("1000000.00")  # 100% of the rent, not 130%
    assert traced(district, "合计不超过同一合同金额的 100%，本条 1,000,000 → 700,000 元")


def test_shanghai_district_part_pays_for_at_most_one_year_from_the_contract_start():
    facts = sh_firm(
        contract(600_000, "2026-03-01", start="2026-03-01"),
        contract(600_000, "2027-02-28", start="2026-03-01"),
        contract(600_000, "2027-03-01", start="2026-03-01"),
    )
    results = run(*SH_RULES, facts=facts, on=dt.date(2027, 6, 30))
    assert results["sh-compute-rental-city"].amount == Decimal("540000.00")  # 30% of all three
    district = results["sh-compute-rental-district"]
    assert district.amount == Decimal("840000.00")  # 70% of the first year's two payments
    assert traced(district, "✗ 合同3不符合：合同服务起始后1年内支付的租金")
    total = e.total(results.values())
    assert total == Decimal("1380000.00")  # 100% of the first year, 30% after


def test_shanghai_district_top_up_is_for_early_or_small_firms_only():
    facts = sh_firm(contract(1_000_000, "2026-03-01", start="2026-03-01"), roles=["人工智能企业"])
    results = run(*SH_RULES, facts=facts)
    assert results["sh-compute-rental-district"].status == e.NOT_ELIGIBLE
    assert e.total(results.values()) == Decimal("300000.00")  # the city's 30% only


# --- Hangzhou: ≤ 30% generally, ≤ 50% for SMEs with ≤ 500,000 a year, ≤ 8,000,000 a year -------

HZ_RULES = ("hz-compute-general", "hz-compute-sme")


def test_hangzhou_pays_at_most_30_percent_of_compute_and_model_service_contracts():
    facts = {
        "registered_city": "杭州",
        "size": "large",
        "contracts": [
            contract(2_000_000, "2026-03-01"),
            {"kind": "model_service", "amount": 1_000_000, "date": "2026-04-01"},
        ],
    }
    results = run(*HZ_RULES, facts=facts)
    assert results["hz-compute-general"].amount == Decimal("900000.00")
    assert results["hz-compute-sme"].status == e.NOT_ELIGIBLE


def test_hangzhou_smes_with_at_most_500_000_of_compute_a_year_get_up_to_50_percent():
    facts = {
        "registered_city": "杭州",
        "size": "small",
        "contracts": [contract(500_000, "2026-03-01")],
    }
    results = run(*HZ_RULES, facts=facts)
    sme = results["hz-compute-sme"]
    assert sme.status == e.ELIGIBLE and sme.amount == Decimal("250000.00")
    assert traced(sme, "✓ 2026 年智算合同累计金额 500,000 元，不超过 500,000 元")
    assert results["hz-compute-general"].status == e.EXCLUDED  # 就高: 30% is lower
    assert e.total(results.values()) == Decimal("250000.00")


def test_hangzhou_sme_rate_stops_when_the_years_compute_contracts_exceed_500_000():
    facts = {
        "registered_city": "杭州",
        "size": "medium",
        "contracts": [contract(300_000, "2026-03-01"), contract(300_000, "2026-08-01")],
    }
    results = run(*HZ_RULES, facts=facts)
    assert results["hz-compute-sme"].status == e.NOT_ELIGIBLE
    assert traced(
        results["hz-compute-sme"], "✗ 2026 年智算合同累计金额 600,000 元，超过 500,000 元"
    )
    assert results["hz-compute-general"].amount == Decimal("180000.00")  # 30% instead


def test_hangzhou_caps_a_firm_at_8_000_000_a_year():
    facts = {
        "registered_city": "杭州",
        "size": "large",
        "contracts": [contract(40_000_000, "2026-03-01")],
    }
    result = run(*HZ_RULES, facts=facts)["hz-compute-general"]
    assert result.amount == Decimal("8000000.00")
    assert traced(result, "2026 年度上限 8,000,000 元：12,000,000 → 8,000,000 元")


# --- Shenzhen: ≤ 50% of training compute, ≤ 60% for 草创企业, ≤ 10,000,000 ------------------------

SZ_RULES = ("sz-training-voucher", "sz-training-voucher-startup")


def sz_firm(*contracts, roles=()):
    return {"registered_city": "深圳", "roles": list(roles), "contracts": list(contracts)}


def test_shenzhen_pays_at_most_50_percent_of_training_compute():
    results = run(*SZ_RULES, facts=sz_firm(contract(4_000_000, "2025-06-01", purpose="training")))
    assert results["sz-training-voucher"].amount == Decimal("2000000.00")
    assert results["sz-training-voucher-startup"].status == e.NOT_ELIGIBLE
    inference = sz_firm(contract(4_000_000, "2025-06-01", purpose="inference"))
    assert run(*SZ_RULES, facts=inference)["sz-training-voucher"].status == e.NOT_ELIGIBLE


def test_shenzhen_startups_get_up_to_60_percent_never_both_rates():
    facts = sz_firm(contract(4_000_000, "2025-06-01", purpose="training"), roles=["初创企业"])
    results = run(*SZ_RULES, facts=facts)
    assert results["sz-training-voucher-startup"].amount == Decimal("2400000.00")
    assert results["sz-training-voucher"].status == e.EXCLUDED
    assert e.total(results.values()) == Decimal("2400000.00")


def test_shenzhen_caps_the_training_voucher_at_10_000_000():
    facts = sz_firm(
        contract(12_000_000, "2025-06-01", purpose="training"),
        contract(10_000_000, "2026-06-01", purpose="training"),
        roles=["初创企业"],
    )
    results = run(*SZ_RULES, facts=facts)
    assert e.total(results.values()) == Decimal("10000000.00")
    assert traced(results["sz-training-voucher-startup"], "政策期内上限 10,000,000 元")


# --- Henan: 20% of compute usage fees, ≤ 1,000,000 per entity a year --------------------------


def test_henan_pays_20_percent_capped_at_1_000_000_per_entity_a_year():
    facts = {
        "registered_province": "河南",
        "contracts": [contract(2_000_000, "2025-10-01"), contract(8_000_000, "2026-03-01")],
    }
    result = run("ha-compute-usage", facts=facts)["ha-compute-usage"]
    assert result.amount == Decimal("1400000.00")  # 400,000 for 2025 + 1,000,000 for 2026
    assert traced(result, "2026 年度上限 1,000,000 元：1,600,000 → 1,000,000 元")
    elsewhere = {**facts, "registered_province": "江苏"}
    assert run("ha-compute-usage", facts=elsewhere)["ha-compute-usage"].status == e.NOT_ELIGIBLE


# --- Suzhou (its own pack): rental 30%, supply 10%, OPC voucher 200,000 -----------------------

SZ_RENTAL, SZ_SUPPLY, SZ_OPC = (
    "js003-02-1-compute-rental",
    "js003-02-2-compute-supply",
    "js003-09-3-opc-compute-voucher",
)


def test_suzhou_research_firms_get_30_percent_of_compute_rent_up_to_2_000_000_a_year():
    facts = {
        "registered_city": "苏州",
        "roles": ["科技研发企业"],
        "contracts": [
            contract(1_200_000, "2026-03-01", related_party=False),
            contract(9_000_000, "2026-06-01", related_party=False),
        ],
    }
    result = run(SZ_RENTAL, facts=facts, rules=SUZHOU)[SZ_RENTAL]
    assert result.amount == Decimal("2000000.00")
    assert traced(result, "2026 年度上限 2,000,000 元：3,060,000 → 2,000,000 元")


def test_suzhou_compute_suppliers_get_10_percent_of_sales_up_to_2_000_000_a_year():
    sale = {
        "kind": "compute_sale",
        "amount": 5_000_000,
        "date": "2026-04-01",
        "related_party": False,
    }
    facts = {"registered_city": "苏州", "roles": ["算力供给方"], "contracts": [sale]}
    assert run(SZ_SUPPLY, facts=facts, rules=SUZHOU)[SZ_SUPPLY].amount == Decimal("500000.00")
    facts["contracts"] = [{**sale, "amount": 30_000_000}]
    assert run(SZ_SUPPLY, facts=facts, rules=SUZHOU)[SZ_SUPPLY].amount == Decimal("2000000.00")


def test_suzhou_opc_voucher_is_200_000_and_the_higher_of_it_and_the_rental_subsidy_counts():
    facts = {"registered_city": "苏州", "opc_member": True, "roles": ["OPC创业者"]}
    voucher = run(SZ_OPC, facts=facts, rules=SUZHOU)[SZ_OPC]
    assert voucher.status == e.ELIGIBLE and voucher.amount == Decimal("200000.00")
    renting = {
        **facts,
        "roles": ["OPC创业者", "科技研发企业"],
        "contracts": [contract(1_200_000, "2026-03-01", related_party=False)],
    }
    results = run(SZ_OPC, SZ_RENTAL, facts=renting, rules=SUZHOU)
    assert results[SZ_RENTAL].amount == Decimal("360000.00")
    assert results[SZ_OPC].status == e.EXCLUDED
    assert e.total(results.values()) == Decimal("360000.00")
