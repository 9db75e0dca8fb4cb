"""Properties of the policy rules: the facts vocabulary (`policies.facts`) and the engine
(`policies.engine`), over the rules of the Suzhou city pack and of the compute-voucher examples.

- any raw profile is cleaned or refused field by field, never with an exception; cleaning the
  cleaned facts again changes nothing;
- for any cleaned profile and day, evaluation gives one result per rule, with a known status and
  an amount in whole fen that is positive exactly when eligible; the same input gives the same
  output, with or without the trace; 就高不重复 leaves at most one eligible result per group;
- appending a complete contract never lowers what a rule pays, for every rule without an annual
  ceiling on the contracts' total (`year_total`, which by design drops a year that goes over);
- a malformed rule (random structures in place of any part of a real one) is refused by the
  parser with a `RuleError`, or is fit to evaluate without crashing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import event, given
from hypothesis import strategies as st

from aiplus.policies import engine as e
from aiplus.policies import facts as vocabulary

from .support import GARBAGE, fast, text

ROOT = Path(__file__).resolve().parents[2] / "citypacks"
RULES = e.load_rules(ROOT / "suzhou" / "rules") + e.load_rules(
    ROOT / "_examples" / "compute-vouchers"
)
SPECS = [
    spec
    for folder in (ROOT / "suzhou" / "rules", ROOT / "_examples" / "compute-vouchers")
    for path in sorted(folder.glob("*.yaml"))
    for spec in [yaml.safe_load(path.read_text(encoding="utf-8"))]
]
CITIES = ["苏州", "杭州", "上海", "北京", "深圳", "合肥", "南京"]
DAYS = st.dates(dt.date(2024, 1, 1), dt.date(2029, 12, 31))


# --- raw profiles --------------------------------------------------------------------------


def _value(kind: str, choices) -> st.SearchStrategy:
    """A value of a vocabulary kind: mostly valid, sometimes anything."""
    values = [v for v, _ in choices] + [label for _, label in choices]
    valid = {
        vocabulary.TEXT: st.one_of(st.sampled_from(CITIES + ["江苏", "浙江"]), text(20)),
        vocabulary.CHOICE: st.sampled_from(values or ["x"]),
        vocabulary.BOOL: st.sampled_from([True, False, "是", "否", "true", "0"]),
        vocabulary.MONEY: st.one_of(
            st.integers(0, 10**9),
            st.decimals(0, 10**8, places=2).map(str),
            st.sampled_from(["1,200,000", "0", "1e13", "１２３"]),
        ),
        vocabulary.DATE: st.one_of(DAYS.map(str), DAYS),
        vocabulary.YEAR: st.integers(2020, 2030),
        vocabulary.AREA: st.sampled_from(["sip", "gusu", "wuzhong"]),
    }.get(kind, st.none())
    return st.one_of(valid, valid, valid, GARBAGE)


def _item(fact) -> st.SearchStrategy[dict]:
    fields = {f.name: _value(f.kind, f.choices) for f in fact.fields}
    return st.fixed_dictionaries({}, optional=fields)


def _fact(fact) -> st.SearchStrategy:
    if fact.is_list:
        return st.one_of(
            st.lists(st.one_of(_item(fact), _item(fact), _item(fact), GARBAGE), max_size=4),
            GARBAGE,
        )
    if fact.kind == vocabulary.CHOICES:
        values = list(fact.values)
        return st.one_of(
            st.lists(st.sampled_from(values), max_size=3),
            st.lists(st.sampled_from(values), max_size=3).map("、".join),
            GARBAGE,
        )
    return _value(fact.kind, fact.choices)


RAW = st.fixed_dictionaries(
    {},
    optional={f.name: _fact(f) for f in vocabulary.VOCABULARY}
    | {"unknown_fact": GARBAGE, "城市": text(5)},
)


@st.composite
def profiles(draw):
    """Cleaned facts: a raw profile with its bad fields dropped."""
    raw = draw(RAW)
    facts, errors = vocabulary.clean(raw, areas=None)
    return facts


@fast(300)
@given(raw=st.one_of(RAW, GARBAGE, st.lists(GARBAGE, max_size=3)))
def test_cleaning_any_profile_gives_facts_or_field_errors(raw):
    facts, errors = vocabulary.clean(raw, areas=None)
    assert isinstance(facts, dict) and isinstance(errors, dict)
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in errors.items())
    assert set(facts) <= set(vocabulary.BY_NAME)
    again, problems = vocabulary.clean(facts, areas=None)
    assert problems == {} and again == facts


# --- evaluation ----------------------------------------------------------------------------


def _summary(results):
    return [(r.rule.id, r.status, r.amount, tuple(r.needs)) for r in results]


@fast(200)
@given(facts=profiles(), on=DAYS)
def test_every_profile_gets_one_result_per_rule(facts, on):
    results = e.evaluate_all(RULES, facts, on=on)
    assert [r.rule.id for r in results] == [r.id for r in RULES]
    groups: dict[str, int] = {}
    for result in results:
        assert result.status in e.STATUS_LABELS
        assert isinstance(result.amount, Decimal) and result.amount.is_finite()
        assert result.amount == result.amount.quantize(e.CENT) and result.amount >= 0
        if result.status == e.ELIGIBLE:
            assert result.amount > 0
            groups[result.rule.exclusive] = groups.get(result.rule.exclusive, 0) + 1
        if result.status == e.NEEDS_INFO:
            assert result.needs and all(isinstance(q, str) and q for q in result.needs)
        result.as_dict()  # what the API returns
    assert all(n == 1 for n in groups.values()), groups
    assert e.total(results) == sum(
        (r.amount for r in results if r.status == e.ELIGIBLE), Decimal(0)
    )
    # deterministic, and the trace changes nothing but the explanation
    assert _summary(e.evaluate_all(RULES, facts, on=on)) == _summary(results)
    assert _summary(e.evaluate_all(RULES, facts, on=on, trace=False)) == _summary(results)


CONTRACT = st.fixed_dictionaries(
    {
        "kind": st.sampled_from([k for k, _ in vocabulary.CONTRACT_KINDS]),
        "amount": st.integers(0, 10**8),
        "date": DAYS.map(str),
        "related_party": st.booleans(),
        "id": st.sampled_from(["C1", "C2", "C3", "C4"]),
        "start": DAYS.map(str),
        "end": DAYS.map(str),
        "purpose": st.sampled_from([p for p, _ in vocabulary.CONTRACT_PURPOSES]),
    }
)
MONOTONE = [r for r in RULES if not (r.claims and r.claims.year_total)]


@fast(150)
@given(facts=profiles(), extra=CONTRACT, on=DAYS)
def test_another_complete_contract_never_lowers_a_rule_amount(facts, extra, on):
    more = {**facts, "contracts": [*facts.get("contracts", []), extra]}
    for rule in MONOTONE:
        before = e.evaluate(rule, facts, on=on, trace=False)
        after = e.evaluate(rule, more, on=on, trace=False)
        if before.status != e.NEEDS_INFO:
            assert after.amount >= before.amount, (rule.id, before, after)
        if before.status == e.ELIGIBLE:
            assert after.status == e.ELIGIBLE, rule.id


def test_a_year_total_is_the_one_rule_where_more_contracts_can_pay_less():
    """Why `year_total` rules are left out above: going over the year's total drops the year."""
    [rule] = [r for r in RULES if r.claims and r.claims.year_total]
    small = {
        "registered_city": "杭州",
        "size": "small",
        "contracts": [{"kind": "compute_rental", "amount": 400000, "date": "2026-03-01"}],
    }
    more = {
        **small,
        "contracts": [*small["contracts"], {**small["contracts"][0], "amount": 200000}],
    }
    on = dt.date(2026, 12, 31)
    assert e.evaluate(rule, small, on=on).status == e.ELIGIBLE
    assert e.evaluate(rule, more, on=on).status == e.NOT_ELIGIBLE


# --- malformed rules -----------------------------------------------------------------------

JSONISH = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(),
        text(8),
        st.sampled_from(["", "nan", "inf", "2026-13-01", "ratio", "cap", "amount", "date"]),
        st.dates(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["from", "value", "fact", "eq", "in", "gte", "x"]), inner, max_size=3
        ),
    ),
    max_leaves=6,
)
PATHS = [
    ("conditions",),
    ("conditions", 0),
    ("conditions", 0, "fact"),
    ("conditions", 0, "eq"),
    ("conditions", 0, "op"),
    ("claims",),
    ("claims", "from"),
    ("claims", "where"),
    ("claims", "date"),
    ("claims", "within"),
    ("claims", "once_by"),
    ("claims", "year_total"),
    ("claims", "since"),
    ("amount",),
    ("amount", "ratio"),
    ("amount", "base"),
    ("amount", "cap"),
    ("amount", "once"),
    ("parameters",),
    ("parameters", "ratio"),
    ("parameters", "cap"),
    ("valid_from",),
    ("valid_to",),
    ("exclusive",),
    ("stack",),
    ("stack_ratio",),
    ("stack_order",),
    ("row",),
    ("id",),
    ("title",),
    ("manual",),
    ("responsible",),
]
CONDITION_OPS = st.sampled_from(e.OPS)


def _set(spec, path, value):
    """`spec` with the part at `path` replaced by `value` (made where missing)."""
    node = spec
    for key in path[:-1]:
        if isinstance(node, list):
            if not node or not isinstance(key, int):
                return
            node = node[key % len(node)]
        elif isinstance(node, dict):
            node = node.setdefault(key, {})
        else:
            return
    last = path[-1]
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list) and node and isinstance(last, int):
        node[last % len(node)] = value


@st.composite
def malformed_specs(draw):
    import copy

    spec = copy.deepcopy(draw(st.sampled_from(SPECS)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        if path[-1] == "op":  # a condition with another comparison and any value
            value = {
                "fact": draw(st.sampled_from(list(vocabulary.BY_NAME))),
                draw(CONDITION_OPS): draw(JSONISH),
            }
            _set(spec, path[:-1], value)
        else:
            _set(spec, path, draw(JSONISH))
    return spec


@fast(300)
@given(spec=malformed_specs(), facts=st.lists(profiles(), min_size=1, max_size=3), on=DAYS)
def test_a_malformed_rule_is_refused_or_evaluates(spec, facts, on):
    try:
        rule = e.Rule.parse(spec, source="generated.yaml")
    except e.RuleError as exc:
        event("refused: format" if "格式有误" in str(exc) else "refused")
        assert str(exc)
        return
    if vocabulary.problems_of(rule):
        event("refused by the vocabulary")
        return  # the city pack loader refuses it
    event("evaluated")
    for profile in facts:
        result = e.evaluate(rule, profile, on=on)
        assert result.status in e.STATUS_LABELS
        e.evaluate_all([rule, *RULES[:3]], profile, on=on)


@fast(40)
@given(body=st.one_of(JSONISH, st.lists(JSONISH, max_size=3), malformed_specs()))
def test_the_loader_refuses_a_malformed_file_with_a_rule_error(tmp_path_factory, body):
    folder = tmp_path_factory.mktemp("rules")
    (folder / "rule.yaml").write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    try:
        rules = e.load_rules(folder)
    except e.RuleError as exc:
        assert str(exc)
        return
    assert all(isinstance(r, e.Rule) for r in rules)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_of_the_packs_fits_the_vocabulary(rule):
    assert vocabulary.problems_of(rule) == []
