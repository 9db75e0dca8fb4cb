"""Support measures as executable rules: what an enterprise qualifies for, how much, and why.

Pure Python (no Django import), so rules can be tested and benchmarked alone. A rule comes from
a YAML file (`load_rules`); evaluating it against an enterprise's facts returns a `Result`:
the status, the amount in yuan (Decimal), a trace of every condition with the fact it used and
every step of the formula, and — when a fact is missing — the question that would settle it,
never a guess.

Facts are a plain dict (an enterprise profile), e.g.::

    {"registered_city": "苏州", "area": "sip", "size": "small",
     "qualifications": ["高新技术企业"], "roles": ["科技研发企业"], "opc_member": False,
     "contracts": [{"kind": "compute_rental", "amount": 1200000, "date": "2026-03-01",
                    "related_party": False}],
     "filings": [{"kind": "generative", "model": "…", "date": "2026-04-02"}],
     "honours": [{"kind": "数据要素×大赛", "level": "一等奖", "date": "2026-05-01"}],
     "grants": [{"rule": "…", "year": 2026, "amount": 500000}]}

A rule (see `citypacks/<city>/rules/README.md` for the full format)::

    id: sz2026-02-compute-rental
    conditions:                      # all must hold; a missing fact asks its question
      - {fact: registered_city, eq: 苏州, question: 企业是否在苏州市注册？}
      - {fact: roles, has: 科技研发企业, question: 是否为科技研发企业？}
    claims:                          # the items an amount is computed for
      from: contracts
      where: {kind: compute_rental, related_party: false}
    amount: {ratio: ratio, base: amount, cap: null, annual_cap: cap}
    parameters:                      # dated values: the one in force on the claim's date
      ratio: [{from: 2026-01-31, value: 0.30}]
      cap: [{from: 2026-01-31, value: 2000000}]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ELIGIBLE, NOT_ELIGIBLE, NEEDS_INFO, EXCLUDED, MANUAL = (
    "eligible",
    "not_eligible",
    "needs_info",
    "excluded",
    "manual",
)
STATUS_LABELS = {
    ELIGIBLE: "符合条件",
    NOT_ELIGIBLE: "不符合条件",
    NEEDS_INFO: "需补充信息",
    EXCLUDED: "就高不重复，未计入",
    MANUAL: "需评审认定",
}
CENT = Decimal("0.01")
_MISSING = object()


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the rule and the problem."""


def yuan(value: Decimal) -> str:
    """1234567.8 → '1,234,567.80' (trailing .00 dropped)."""
    text = f"{value.quantize(CENT):,}"
    return text[:-3] if text.endswith(".00") else text


def _decimal(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except Exception as exc:
        raise RuleError(f"{what}“{value}”不是数字") from exc


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# --- parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A value that changes over time: [(from date, value)], sorted."""

    name: str
    values: tuple[tuple[dt.date, Any], ...]

    def at(self, day: dt.date) -> Any:
        found = _MISSING
        for start, value in self.values:
            if start <= day:
                found = value
            else:
                break
        return None if found is _MISSING else found

    @classmethod
    def parse(cls, name: str, spec: Any, rule_id: str) -> Parameter:
        if not isinstance(spec, list):
            spec = [{"from": "1900-01-01", "value": spec}]
        values = []
        for item in spec:
            start = _date(item.get("from")) if isinstance(item, dict) else None
            if start is None or "value" not in item:
                raise RuleError(f"规则 {rule_id} 的参数 {name} 须写作 [{{from: 日期, value: 值}}]")
            value = item["value"]
            if isinstance(value, dict):
                value = {str(k): _decimal(v, f"参数 {name}") for k, v in value.items()}
            elif value is not None:
                value = _decimal(value, f"参数 {name}")
            values.append((start, value))
        return cls(name, tuple(sorted(values, key=lambda v: v[0])))


# --- conditions ---------------------------------------------------------------------------

OPS = ("eq", "ne", "in", "has", "has_any", "is", "gte", "lte", "before", "after")


def _lookup(facts: dict, path: str) -> Any:
    value: Any = facts
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value or value[part] is None:
            return _MISSING
        value = value[part]
    return value


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: Any
    label: str
    question: str

    @classmethod
    def parse(cls, spec: dict, rule_id: str) -> Condition:
        ops = [op for op in OPS if op in spec]
        if "fact" not in spec or len(ops) != 1:
            raise RuleError(f"规则 {rule_id} 的条件须有 fact 和一个比较（{'/'.join(OPS)}）：{spec}")
        op = ops[0]
        value = spec[op]
        if op in ("before", "after"):
            value = _date(value)
        elif op in ("gte", "lte"):
            value = _decimal(value, f"规则 {rule_id} 条件值")
        label = spec.get("label") or f"{spec['fact']} {op} {value}"
        question = spec.get("question") or f"请补充：{label}"
        return cls(spec["fact"], op, value, label, question)

    def holds(self, actual: Any) -> bool:
        op, want = self.op, self.value
        if op == "eq":
            return actual == want
        if op == "ne":
            return actual != want
        if op == "in":
            return actual in want
        if op == "is":
            return bool(actual) is bool(want)
        if op == "has":
            return want in (actual or ())
        if op == "has_any":
            return any(w in (actual or ()) for w in want)
        if op in ("gte", "lte"):
            number = _decimal(actual, self.fact)
            return number >= want if op == "gte" else number <= want
        day = _date(actual)
        if day is None:
            return False
        return day < want if op == "before" else day > want


# --- claims and amounts -------------------------------------------------------------------


@dataclass(frozen=True)
class Claims:
    """Which items of a list fact the rule pays for."""

    source: str
    where: tuple[tuple[str, Any], ...]
    date_field: str
    question: str
    each: str  # how an item is named in the trace, e.g. "合同"
    since: dt.date | None = None  # earliest qualifying date, if not the start of force

    @classmethod
    def parse(cls, spec: dict, rule_id: str) -> Claims:
        if not isinstance(spec, dict) or not spec.get("from"):
            raise RuleError(f"规则 {rule_id} 的 claims 须写明 from（取自哪项事实）")
        where = tuple((str(k), v) for k, v in (spec.get("where") or {}).items())
        return cls(
            spec["from"],
            where,
            spec.get("date", "date"),
            spec.get("question") or f"请提供 {spec['from']} 的明细",
            spec.get("each", "事项"),
            _date(spec.get("since")),
        )


@dataclass(frozen=True)
class Amount:
    """How much: a fixed sum, a lookup by a field, or ratio × base; each capped per claim,
    then all claims of a year capped together (less what was granted earlier that year)."""

    fixed: str | None = None  # parameter name
    lookup: str | None = None  # parameter name of a table {key: amount}
    lookup_field: str | None = None
    ratio: str | None = None
    base: str | None = None  # field of the claim (or fact, without claims)
    cap: str | None = None
    annual_cap: str | None = None
    total_cap: str | None = None  # ceiling over the policy's whole life, less earlier grants
    once: bool = False  # one amount per enterprise, whatever the number of claims

    @classmethod
    def parse(cls, spec: dict, rule_id: str, parameters: dict) -> Amount:
        known = {
            "fixed",
            "lookup",
            "field",
            "ratio",
            "base",
            "cap",
            "annual_cap",
            "total_cap",
            "once",
        }
        if not isinstance(spec, dict) or set(spec) - known:
            raise RuleError(f"规则 {rule_id} 的 amount 只能含 {sorted(known)}")
        amount = cls(
            fixed=spec.get("fixed"),
            lookup=spec.get("lookup"),
            lookup_field=spec.get("field"),
            ratio=spec.get("ratio"),
            base=spec.get("base"),
            cap=spec.get("cap"),
            annual_cap=spec.get("annual_cap"),
            total_cap=spec.get("total_cap"),
            once=bool(spec.get("once", False)),
        )
        kinds = [k for k in (amount.fixed, amount.lookup, amount.ratio) if k]
        if len(kinds) != 1:
            raise RuleError(f"规则 {rule_id} 的 amount 须且只能有 fixed、lookup、ratio 之一")
        if amount.ratio and not amount.base:
            raise RuleError(f"规则 {rule_id} 按比例计算须写明 base（基数字段）")
        if amount.lookup and not amount.lookup_field:
            raise RuleError(f"规则 {rule_id} 的 lookup 须写明 field（按哪个字段查表）")
        names = (amount.fixed, amount.lookup, amount.ratio, amount.cap, amount.annual_cap)
        for name in (*names, amount.total_cap):
            if name and name not in parameters:
                raise RuleError(f"规则 {rule_id} 引用了未定义的参数 {name}")
        return amount


# --- rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    measure: str
    document: str
    clause: str
    beneficiary: str
    instrument: str
    responsible: tuple[str, ...]
    valid_from: dt.date | None
    valid_to: dt.date | None
    exclusive: str  # 就高不重复: results sharing this key count only the highest
    conditions: tuple[Condition, ...]
    claims: Claims | None
    amount: Amount | None
    parameters: dict[str, Parameter]
    manual: str = ""  # why the clause cannot be evaluated by rule (e.g. per expert review)
    up_to: bool = False  # the amount is a ceiling ("最高"); the office's review sets the sum
    row: int | None = None  # the clause's row in the city pack's measures.csv, if any
    source: str = ""
    tests: tuple[dict, ...] = ()

    @property
    def ruleable(self) -> bool:
        return not self.manual

    def in_force(self, day: dt.date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )

    @classmethod
    def parse(cls, spec: dict, *, source: str = "") -> Rule:
        rule_id = str(spec.get("id") or "").strip()
        if not rule_id:
            raise RuleError(f"{source}：规则缺少 id")
        for key in ("title", "clause"):
            if not spec.get(key):
                raise RuleError(f"规则 {rule_id} 缺少 {key}")
        parameters = {
            name: Parameter.parse(name, value, rule_id)
            for name, value in (spec.get("parameters") or {}).items()
        }
        manual = str(spec.get("manual") or "").strip()
        amount = None
        if not manual:
            if "amount" not in spec:
                raise RuleError(f"规则 {rule_id} 须有 amount，或以 manual 说明不能规则化的原因")
            amount = Amount.parse(spec["amount"], rule_id, parameters)
        responsible = spec.get("responsible") or ()
        if isinstance(responsible, str):
            responsible = [r for r in responsible.replace("，", "、").split("、") if r]
        return cls(
            id=rule_id,
            title=str(spec["title"]),
            measure=str(spec.get("measure", "")),
            document=str(spec.get("document", "")),
            clause=str(spec["clause"]).strip(),
            beneficiary=str(spec.get("beneficiary", "")),
            instrument=str(spec.get("instrument", "")),
            responsible=tuple(responsible),
            valid_from=_date(spec.get("valid_from")),
            valid_to=_date(spec.get("valid_to")),
            exclusive=str(spec.get("exclusive") or rule_id),
            conditions=tuple(Condition.parse(c, rule_id) for c in spec.get("conditions") or ()),
            claims=Claims.parse(spec["claims"], rule_id) if spec.get("claims") else None,
            amount=amount,
            parameters=parameters,
            manual=manual,
            up_to=bool(spec.get("up_to", False)),
            row=int(spec["row"]) if spec.get("row") else None,
            source=source,
            tests=tuple(spec.get("tests") or ()),
        )


@dataclass
class Step:
    kind: str  # "condition" | "claim" | "formula" | "cap" | "note"
    text: str
    fact: str = ""
    value: Any = None
    ok: bool | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "fact": self.fact, "ok": self.ok}


@dataclass
class Result:
    rule: Rule
    status: str
    amount: Decimal = Decimal(0)
    steps: list[Step] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)  # questions that would settle the rule

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_dict(self) -> dict:
        return {
            "rule": self.rule.id,
            "title": self.rule.title,
            "status": self.status,
            "status_label": self.status_label,
            "amount": str(self.amount.quantize(CENT)),
            "up_to": self.rule.up_to,
            "steps": [s.as_dict() for s in self.steps],
            "needs": list(self.needs),
        }


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return yuan(value) if value == value.to_integral() or abs(value) >= 1 else str(value)
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value) or "（无）"
    return str(value)


def evaluate(rule: Rule, facts: dict, *, on: dt.date, trace: bool = True) -> Result:
    """Evaluate one rule for one enterprise on a date (the date of the claim window's end)."""
    steps: list[Step] = []
    if rule.manual:
        if trace:
            steps.append(Step("note", f"不能按规则自动计算：{rule.manual}"))
        return Result(rule, MANUAL, steps=steps)
    needs: list[str] = []
    for cond in rule.conditions:
        actual = _lookup(facts, cond.fact)
        if actual is _MISSING:
            needs.append(cond.question)
            if trace:
                steps.append(Step("condition", f"{cond.label}：缺少信息", cond.fact, None, None))
            continue
        ok = cond.holds(actual)
        if trace:
            mark = "✓" if ok else "✗"
            steps.append(
                Step("condition", f"{mark} {cond.label}（{_fmt(actual)}）", cond.fact, actual, ok)
            )
        if not ok:
            return Result(rule, NOT_ELIGIBLE, steps=steps)
    if needs:
        return Result(rule, NEEDS_INFO, steps=steps, needs=needs)
    amount = rule.amount
    assert amount is not None
    if rule.claims is None:
        if not rule.in_force(on):
            if trace:
                window = f"{rule.valid_from or '…'} 至 {rule.valid_to or '…'}"
                steps.append(Step("note", f"评估日期 {on} 不在政策有效期 {window} 内", ok=False))
            return Result(rule, NOT_ELIGIBLE, steps=steps)
        items = [(None, facts)]
    else:
        items, claim_needs = _claims(rule, facts, on, steps if trace else None)
        if claim_needs:
            return Result(rule, NEEDS_INFO, steps=steps, needs=claim_needs)
        if not items:
            if trace:
                steps.append(Step("claim", f"没有符合本条的{rule.claims.each}", rule.claims.source))
            return Result(rule, NOT_ELIGIBLE, steps=steps)
    by_year: dict[int, Decimal] = {}
    total = Decimal(0)
    for day, item in items:
        when = day or on
        value = _item_amount(rule, amount, item, when, steps if trace else None)
        if value is None:
            return Result(rule, NEEDS_INFO, steps=steps, needs=[_base_question(rule, amount)])
        by_year[when.year] = by_year.get(when.year, Decimal(0)) + value
        total += value
        if amount.once:
            break
    if amount.annual_cap:
        total = Decimal(0)
        for year, value in sorted(by_year.items()):
            cap = rule.parameters[amount.annual_cap].at(dt.date(year, 12, 31))
            if cap is None:
                total += value
                continue
            granted = _granted(facts, rule, year)
            room = max(Decimal(0), cap - granted)
            capped = min(value, room)
            if trace:
                text = f"{year} 年度上限 {yuan(cap)} 元"
                if granted:
                    text += f"，本年已获 {yuan(granted)} 元，剩余额度 {yuan(room)} 元"
                text += f"：{yuan(value)} → {yuan(capped)} 元"
                steps.append(Step("cap", text, "grants" if granted else "", None, capped == value))
            total += capped
    if amount.total_cap:
        cap = rule.parameters[amount.total_cap].at(on)
        if cap is not None:
            granted = _granted(facts, rule, None)
            room = max(Decimal(0), cap - granted)
            capped = min(total, room)
            if trace:
                text = f"政策期内上限 {yuan(cap)} 元"
                if granted:
                    text += f"，已获 {yuan(granted)} 元，剩余额度 {yuan(room)} 元"
                steps.append(
                    Step("cap", f"{text}：{yuan(total)} → {yuan(capped)} 元", ok=capped == total)
                )
            total = capped
    total = total.quantize(CENT, ROUND_HALF_UP)
    status = ELIGIBLE if total > 0 else NOT_ELIGIBLE
    if trace and rule.up_to and total > 0:
        steps.append(Step("note", f"最高可获 {yuan(total)} 元，具体金额经评审认定"))
    return Result(rule, status, total, steps)


def _claims(rule: Rule, facts: dict, on: dt.date, steps: list[Step] | None):
    spec = rule.claims
    assert spec is not None
    raw = _lookup(facts, spec.source)
    if raw is _MISSING:
        return [], [spec.question]
    out, needs = [], []
    for n, item in enumerate(raw or (), start=1):
        if not isinstance(item, dict):
            continue
        mismatch = False
        for key, want in spec.where:
            if key not in item or item[key] is None:
                needs.append(f"{spec.each}{n}：请补充 {key}")
                mismatch = True
                break
            got = item[key]
            if (got not in want) if isinstance(want, list) else (got != want):
                mismatch = True
                break
        if mismatch:
            continue
        day = _date(item.get(spec.date_field))
        if day is None:
            needs.append(f"{spec.each}{n}：请补充日期（{spec.date_field}）")
            continue
        start = spec.since or rule.valid_from
        if (start and day < start) or (rule.valid_to and day > rule.valid_to) or day > on:
            if steps is not None:
                window = f"{start or '…'} 至 {rule.valid_to or '…'}"
                steps.append(
                    Step(
                        "claim",
                        f"✗ {spec.each}{n}（{day}）不在政策有效期 {window} 内",
                        spec.source,
                        str(day),
                        False,
                    )
                )
            continue
        if steps is not None:
            steps.append(Step("claim", f"✓ {spec.each}{n}（{day}）", spec.source, str(day), True))
        out.append((day, item))
    return out, needs


def _base_question(rule: Rule, amount: Amount) -> str:
    field_name = amount.base or amount.lookup_field or ""
    return f"请补充计算金额所需的 {field_name}（{rule.title}）"


def _item_amount(rule: Rule, amount: Amount, item: dict, day: dt.date, steps) -> Decimal | None:
    params = rule.parameters
    if amount.fixed:
        value = params[amount.fixed].at(day)
        if value is None:
            return Decimal(0)
        if steps is not None:
            steps.append(Step("formula", f"定额 {yuan(value)} 元"))
    elif amount.lookup:
        table = params[amount.lookup].at(day) or {}
        key = item.get(amount.lookup_field) if item is not None else None
        if key is None:
            return None
        value = table.get(str(key), Decimal(0))
        if steps is not None:
            steps.append(Step("formula", f"{amount.lookup_field}“{key}”对应 {yuan(value)} 元"))
    else:
        base = item.get(amount.base) if item is not None else None
        if base is None:
            return None
        base = _decimal(base, amount.base)
        ratio = params[amount.ratio].at(day)
        if ratio is None:
            return Decimal(0)
        value = (base * ratio).quantize(CENT, ROUND_HALF_UP)
        if steps is not None:
            percent = f"{ratio * 100:f}".rstrip("0").rstrip(".")
            steps.append(Step("formula", f"{percent}% × {yuan(base)} = {yuan(value)} 元"))
    if amount.cap:
        cap = params[amount.cap].at(day)
        if cap is not None and value > cap:
            if steps is not None:
                steps.append(
                    Step("cap", f"单项上限 {yuan(cap)} 元：{yuan(value)} → {yuan(cap)} 元")
                )
            value = cap
    return value


def _granted(facts: dict, rule: Rule, year: int | None) -> Decimal:
    """What the enterprise already received under this rule (or its exclusive group): in one
    year, or (year None) in all years."""
    total = Decimal(0)
    for grant in facts.get("grants") or ():
        if not isinstance(grant, dict):
            continue
        same_year = year is None or int(grant.get("year", 0)) == year
        if grant.get("rule") in (rule.id, rule.exclusive) and same_year:
            total += _decimal(grant.get("amount", 0), "grants.amount")
    return total


def evaluate_all(
    rules: Iterable[Rule], facts: dict, *, on: dt.date, trace: bool = True
) -> list[Result]:
    """Every rule for one enterprise, then 就高不重复: among eligible results sharing an
    `exclusive` key only the highest amount counts; the others are marked excluded."""
    results = [evaluate(r, facts, on=on, trace=trace) for r in rules]
    best: dict[str, Result] = {}
    for result in results:
        if result.status != ELIGIBLE:
            continue
        key = result.rule.exclusive
        if key not in best or result.amount > best[key].amount:
            best[key] = result
    for result in results:
        if result.status == ELIGIBLE and best[result.rule.exclusive] is not result:
            winner = best[result.rule.exclusive]
            result.status = EXCLUDED
            if trace:
                result.steps.append(
                    Step(
                        "note",
                        f"就高不重复：与“{winner.rule.title}”（{yuan(winner.amount)} 元）"
                        f"取较高者，本条 {yuan(result.amount)} 元不计入",
                    )
                )
    return results


def total(results: Iterable[Result]) -> Decimal:
    return sum((r.amount for r in results if r.status == ELIGIBLE), Decimal(0))


# --- loading ------------------------------------------------------------------------------


def load_rules(folder: str | Path) -> list[Rule]:
    """Every rule of the YAML files in a folder (one rule per file, or a list), sorted by id."""
    import yaml

    rules: list[Rule] = []
    seen: set[str] = set()
    for path in sorted(Path(folder).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        specs = data if isinstance(data, list) else [data]
        for spec in specs:
            if not isinstance(spec, dict):
                raise RuleError(f"{path.name}：每条规则须为一个映射")
            rule = Rule.parse(spec, source=path.name)
            if rule.id in seen:
                raise RuleError(f"{path.name}：规则 id {rule.id} 重复")
            seen.add(rule.id)
            rules.append(rule)
    return sorted(rules, key=lambda r: r.id)
