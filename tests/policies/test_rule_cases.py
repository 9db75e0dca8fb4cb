"""The city pack's rules: every clause of the 2026 measures is a rule or says why it is not,
and every rule's YAML test cases (facts → expected result) pass."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from aiplus.policies import engine as e

from .rule_cases import case_ids, cases, run_case

PACK = Path(__file__).resolve().parents[2] / "citypacks" / "suzhou"
RULES = e.load_rules(PACK / "rules") if any((PACK / "rules").glob("*.yaml")) else []
CASES = cases(RULES)


def test_every_clause_of_the_2026_measures_is_encoded_or_explained():
    rows = list(csv.DictReader((PACK / "measures.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 34
    by_row = {}
    for rule in RULES:
        if rule.document == "JS003":
            assert rule.row, f"{rule.id}: which row of measures.csv does it encode?"
            by_row.setdefault(rule.row, []).append(rule)
    assert sorted(by_row) == list(range(1, 35)), "rows without a rule file"
    for rules in by_row.values():
        for rule in rules:
            if rule.manual:
                assert len(rule.manual) >= 6, f"{rule.id}: give the reason it is not a rule"
            else:
                assert rule.tests, f"{rule.id}: an encoded rule needs YAML test cases"
                assert rule.valid_to == dt.date(2027, 1, 30), rule.id


@pytest.mark.parametrize("rule, case", CASES, ids=case_ids(CASES))
def test_rule_case(rule, case):
    run_case(rule, case, RULES)
