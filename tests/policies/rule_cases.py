"""Running the `tests:` cases of rule files (facts → expected result), shared by the city pack's
rules (test_rule_cases.py) and the worked examples of the format (test_voucher_examples.py).

A case::

    - name: 30% of 1,200,000
      "on": 2027-01-30                  # the evaluation date (default 2027-01-30)
      facts: {…}
      with_rules: [other-rule-id, {id: …}]  # evaluated together: an id of a rule of the same
                                        # folder, or a whole rule spec
      expect: {status: eligible, amount: 360000, needs: […], trace: ["…"]}
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from aiplus.policies import engine as e

DEFAULT_ON = dt.date(2027, 1, 30)


def cases(rules: list[e.Rule]) -> list[tuple[e.Rule, dict]]:
    return [(rule, case) for rule in rules for case in rule.tests]


def case_ids(pairs: list[tuple[e.Rule, dict]]) -> list[str]:
    return [f"{rule.id}: {case.get('name', n)}" for n, (rule, case) in enumerate(pairs)]


def run_case(rule: e.Rule, case: dict, rules: list[e.Rule] = ()) -> e.Result:
    """Evaluate the case and assert its `expect`; `rules` are the folder's rules, which
    `with_rules` may name by id."""
    # YAML reads an unquoted `on:` key as the boolean True
    on = e._date(case.get("on", case.get(True))) or DEFAULT_ON
    by_id = {r.id: r for r in rules}
    others = [
        by_id[spec] if isinstance(spec, str) else e.Rule.parse(spec)
        for spec in case.get("with_rules", [])
    ]
    results = e.evaluate_all([rule, *others], case.get("facts") or {}, on=on)
    result = next(r for r in results if r.rule.id == rule.id)
    texts = [s.text for s in result.steps]
    expect = case["expect"]
    assert result.status == expect["status"], texts
    if "amount" in expect:
        assert result.amount == Decimal(str(expect["amount"])), texts
    for question in expect.get("needs", []):
        assert question in result.needs, result.needs
    for text in expect.get("trace", []):
        assert any(text in t for t in texts), texts
    return result
