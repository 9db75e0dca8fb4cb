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

Across rules (`evaluate_all`): results sharing an `exclusive` key count only the highest
(就高不重复); then results sharing a `stack` key all count (叠加), but together at most
`stack_ratio` × each claim's base. Claims can also be limited to a window after a date of the
item (`within`), to one per contract (`once_by`), and to calendar years whose total stays within
a limit (`year_total`).
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
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
    EXCLUDED: "与其他措施就高不重复或叠加封顶，未计入",
    MANUAL: "需评审认定",
}
CENT = Decimal("0.01")
_MISSING = object()
_NOTHING: frozenset = frozenset()


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the rule and the problem."""


def yuan(value: Decimal) -> str:
    """1234567.8 → '1,234,567.80' (trailing .00 dropped)."""
    text = f"{value.quantize(CENT):,}"
    return text[:-3] if text.endswith(".00") else text


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except Exception as exc:
        raise RuleError(f"{what}“{value}”不是数字") from exc
    if not number.is_finite():
        raise RuleError(f"{what}“{value}”不是有限的数字")
    return number


def _name(value: Any, what: str) -> str:
    """A name (of a fact, field or parameter) that a rule file gives: non-empty text."""
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{what}须为非空文字，不是“{value}”")
    return value


def _int(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise RuleError(f"{what}须为整数，不是“{value}”") from exc


def _when(value: Any, what: str) -> dt.date | None:
    """An optional date of a rule file: None when absent; RuleError when not a date."""
    day = _date(value)
    if day is None and value not in (None, ""):
        raise RuleError(f"{what}“{value}”不是有效日期（YYYY-MM-DD）")
    return day


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
            elif isinstance(value, list):
                raise RuleError(f"规则 {rule_id} 的参数 {name} 的值须为数字或 {{键: 金额}} 表")
            elif value is not None:
                value = _decimal(value, f"规则 {rule_id} 的参数 {name}")
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
        ops = [op for op in OPS if op in spec] if isinstance(spec, dict) else []
        if not isinstance(spec, dict) or "fact" not in spec or len(ops) != 1:
            raise RuleError(f"规则 {rule_id} 的条件须有 fact 和一个比较（{'/'.join(OPS)}）：{spec}")
        fact = _name(spec["fact"], f"规则 {rule_id} 条件的 fact ")
        op = ops[0]
        value = spec[op]
        if op in ("before", "after"):
            value = _when(value, f"规则 {rule_id} 条件的日期")
            if value is None:
                raise RuleError(f"规则 {rule_id} 条件 {fact} {op} 须写明日期")
        elif op in ("gte", "lte"):
            value = _decimal(value, f"规则 {rule_id} 条件值")
        elif op in ("in", "has_any") and not isinstance(value, list):
            raise RuleError(f"规则 {rule_id} 条件 {fact} {op} 的值须为列表")
        label = str(spec.get("label") or f"{fact} {op} {value}")
        question = str(spec.get("question") or f"请补充：{label}")
        return cls(fact, op, value, label, question)

    def holds(self, actual: Any) -> bool:
        """Whether the fact satisfies the comparison; a fact of another type (text compared
        as a number, a number searched as a list) does not."""
        try:
            return self._holds(actual)
        except (TypeError, RuleError):
            return False

    def _holds(self, actual: Any) -> bool:
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
    # (start field, end field, months, label): the item's end date is less than `months` months
    # after its start date
    within: tuple[str, str, int, str] | None = None
    once_by: str = ""  # items with the same value of this field count once, and never again
    # (field, parameter, label): a calendar year's items count only if their field sums to at
    # most the parameter
    year_total: tuple[str, str, str] | None = None
    limited: bool = False  # items are checked further than `where` and dates (within, once_by)

    @classmethod
    def parse(cls, spec: dict, rule_id: str) -> Claims:
        if not isinstance(spec, dict) or not spec.get("from"):
            raise RuleError(f"规则 {rule_id} 的 claims 须写明 from（取自哪项事实）")
        _name(spec["from"], f"规则 {rule_id} 的 claims.from ")
        if not isinstance(spec.get("where") or {}, dict):
            raise RuleError(f"规则 {rule_id} 的 claims.where 须写作 {{字段: 值}}")
        where = tuple((str(k), v) for k, v in (spec.get("where") or {}).items())
        date_field = _name(spec.get("date", "date"), f"规则 {rule_id} 的 claims.date ")
        each = str(spec.get("each", "事项"))
        if not isinstance(spec.get("once_by") or "", str):
            raise RuleError(f"规则 {rule_id} 的 claims.once_by 须为字段名")
        within = None
        if spec.get("within") is not None:
            raw = spec["within"] if isinstance(spec["within"], dict) else {}
            months = raw.get("months")
            if not raw.get("from") or not isinstance(months, int) or months <= 0:
                raise RuleError(
                    f"规则 {rule_id} 的 claims.within 须写作 {{from: 起始日期字段, months: 月数}}"
                )
            start, end = str(raw["from"]), str(raw.get("to") or date_field)
            label = str(raw.get("label") or f"{end} 在 {start} 起 {months} 个月内")
            within = (start, end, months, label)
        year_total = None
        if spec.get("year_total") is not None:
            raw = spec["year_total"]
            if (
                not isinstance(raw, dict)
                or not raw.get("lte")
                or set(raw) - {"field", "lte", "label"}
            ):
                raise RuleError(
                    f"规则 {rule_id} 的 claims.year_total 须写作 {{field: 字段, lte: 参数, label: 名称}}"
                )
            year_total = (
                str(raw.get("field") or "amount"),
                str(raw["lte"]),
                str(raw.get("label") or f"{each}合计"),
            )
        return cls(
            spec["from"],
            where,
            date_field,
            str(spec.get("question") or f"请提供 {spec['from']} 的明细"),
            each,
            _when(spec.get("since"), f"规则 {rule_id} 的 claims.since "),
            within,
            str(spec.get("once_by") or ""),
            year_total,
            within is not None or bool(spec.get("once_by")),
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
        for key in known - {"once"}:
            if spec.get(key) is not None:
                _name(spec[key], f"规则 {rule_id} 的 amount.{key} ")
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
    stack: str = ""  # 叠加: results sharing this key all count, together within stack_ratio
    stack_ratio: Decimal | None = None  # … at most this share of each claim's base
    stack_order: int = 0  # served in this order (then by id): later ones are reduced first

    @property
    def ruleable(self) -> bool:
        return not self.manual

    def in_force(self, day: dt.date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )

    @classmethod
    def parse(cls, spec: dict, *, source: str = "") -> Rule:
        """The rule of a rule file's mapping; RuleError names what is wrong."""
        if not isinstance(spec, dict):
            raise RuleError(f"{source}：每条规则须为一个映射")
        try:
            return cls._parse(spec, source=source)
        except RuleError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            # a part of another shape than the format says (a list for a name, a number for
            # a list …) that the checks above did not name
            rule_id = str(spec.get("id") or source).strip()
            raise RuleError(f"规则 {rule_id} 的格式有误：{exc}") from exc

    @classmethod
    def _parse(cls, spec: dict, *, source: str) -> Rule:
        rule_id = str(spec.get("id") or "").strip()
        if not rule_id:
            raise RuleError(f"{source}：规则缺少 id")
        for key in ("title", "clause"):
            if not spec.get(key):
                raise RuleError(f"规则 {rule_id} 缺少 {key}")
        if not isinstance(spec.get("parameters") or {}, dict):
            raise RuleError(f"规则 {rule_id} 的 parameters 须写作 {{名称: 值}}")
        if not isinstance(spec.get("conditions") or [], list):
            raise RuleError(f"规则 {rule_id} 的 conditions 须为列表")
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
        elif not isinstance(responsible, list | tuple):
            responsible = [responsible]
        responsible = [str(r) for r in responsible]
        claims = Claims.parse(spec["claims"], rule_id) if spec.get("claims") else None
        if claims and claims.year_total and claims.year_total[1] not in parameters:
            raise RuleError(f"规则 {rule_id} 引用了未定义的参数 {claims.year_total[1]}")
        _check_parameter_shapes(rule_id, parameters, amount, claims)
        stack = str(spec.get("stack") or "")
        stack_ratio = spec.get("stack_ratio")
        if stack_ratio is not None:
            stack_ratio = _decimal(stack_ratio, f"规则 {rule_id} 的 stack_ratio")
            if not stack:
                raise RuleError(f"规则 {rule_id} 的 stack_ratio 须与 stack（叠加分组）同用")
        if stack and (claims is None or amount is None or not amount.ratio):
            raise RuleError(f"规则 {rule_id} 叠加（stack）须按比例（ratio）计算每项 claims")
        return cls(
            id=rule_id,
            title=str(spec["title"]),
            measure=str(spec.get("measure", "")),
            document=str(spec.get("document", "")),
            clause=str(spec["clause"]).strip(),
            beneficiary=str(spec.get("beneficiary", "")),
            instrument=str(spec.get("instrument", "")),
            responsible=tuple(responsible),
            valid_from=_when(spec.get("valid_from"), f"规则 {rule_id} 的 valid_from "),
            valid_to=_when(spec.get("valid_to"), f"规则 {rule_id} 的 valid_to "),
            exclusive=str(spec.get("exclusive") or rule_id),
            conditions=tuple(Condition.parse(c, rule_id) for c in spec.get("conditions") or ()),
            claims=claims,
            amount=amount,
            parameters=parameters,
            manual=manual,
            up_to=bool(spec.get("up_to", False)),
            row=_int(spec["row"], f"规则 {rule_id} 的 row ") if spec.get("row") else None,
            source=source,
            tests=tuple(spec.get("tests") or ()),
            stack=stack,
            stack_ratio=stack_ratio,
            stack_order=_int(spec.get("stack_order") or 0, f"规则 {rule_id} 的 stack_order "),
        )


def _check_parameter_shapes(rule_id: str, parameters: dict, amount, claims) -> None:
    """A lookup's parameter is a table ({key: amount}); every other one a number."""
    tables = {amount.lookup} if amount is not None and amount.lookup else set()
    numbers = set()
    if amount is not None:
        numbers = {amount.fixed, amount.ratio, amount.cap, amount.annual_cap, amount.total_cap}
    if claims is not None and claims.year_total is not None:
        numbers.add(claims.year_total[1])
    for name in filter(None, tables | numbers):
        param = parameters.get(name)
        if param is None:
            continue
        for _, value in param.values:
            if value is not None and isinstance(value, dict) != (name in tables):
                shape = "{键: 金额} 表" if name in tables else "数字"
                raise RuleError(f"规则 {rule_id} 的参数 {name} 须为{shape}")


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
    # of a rule in a stack: (item key, date, base, amount before the rule's caps) per claim
    parts: tuple[tuple[int, dt.date, Decimal, Decimal], ...] = ()

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
    parts: list | None = [] if rule.stack else None
    for day, item in items:
        when = day or on
        value = _item_amount(rule, amount, item, when, steps if trace else None)
        if value is None:
            return Result(rule, NEEDS_INFO, steps=steps, needs=[_base_question(rule, amount)])
        by_year[when.year] = by_year.get(when.year, Decimal(0)) + value
        total += value
        if parts is not None:
            parts.append((id(item), when, _decimal(item[amount.base], amount.base), value))
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
    result = Result(rule, status, total, steps)
    if parts:
        result.parts = tuple(parts)
    return result


def _claims(rule: Rule, facts: dict, on: dt.date, steps: list[Step] | None):
    spec = rule.claims
    assert spec is not None
    raw = _lookup(facts, spec.source)
    if raw is _MISSING:
        return [], [spec.question]
    out, needs = [], []
    limited = spec.limited
    seen: set = set() if limited else _NOTHING
    claimed = _claimed(facts, rule) if spec.once_by else _NOTHING
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
        if limited and not _allowed(spec, item, n, day, seen, claimed, needs, steps):
            continue
        if steps is not None:
            steps.append(Step("claim", f"✓ {spec.each}{n}（{day}）", spec.source, str(day), True))
        out.append((day, item))
    if out and spec.year_total is not None and not needs:
        out = _year_totals(rule, out, needs, steps)
    return out, needs


def _allowed(spec: Claims, item: dict, n: int, day: dt.date, seen: set, claimed: set, needs, steps):
    """Whether an item within the dates of force passes `within` and `once_by` (a missing
    field adds its question to `needs`)."""
    if spec.within is not None:
        text, missing = _outside(spec, item, day)
        if missing:
            needs.append(f"{spec.each}{n}：请补充 {missing}")
            return False
        if text:
            if steps is not None:
                steps.append(Step("claim", f"✗ {spec.each}{n}{text}", spec.source, ok=False))
            return False
    if spec.once_by:
        key = item.get(spec.once_by)
        if key is None or key == "":
            needs.append(f"{spec.each}{n}：请补充 {spec.once_by}")
            return False
        if key in seen or key in claimed:
            if steps is not None:
                why = "已获支持" if key in claimed else f"与前一{spec.each}相同"
                text = f"✗ {spec.each}{n}（{spec.once_by} {key}）{why}，同一{spec.each}只申领一次"
                steps.append(Step("claim", text, spec.source, key, False))
            return False
        seen.add(key)
    return True


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _outside(spec: Claims, item: dict, day: dt.date) -> tuple[str, str]:
    """(why the item is outside its `within` window or "", the field to ask for or "")."""
    assert spec.within is not None
    start_field, end_field, months, label = spec.within
    start = _date(item.get(start_field))
    if start is None:
        return "", start_field
    end = day if end_field == spec.date_field else _date(item.get(end_field))
    if end is None:
        return "", end_field
    if end < _add_months(start, months):
        return "", ""
    return f"不符合：{label}（{start} 至 {end}）", ""


def _year_totals(rule: Rule, items: list, needs: list[str], steps: list[Step] | None) -> list:
    """The items of the calendar years whose total of a field is within the rule's limit."""
    spec = rule.claims
    assert spec is not None and spec.year_total is not None
    name, limit_name, label = spec.year_total
    sums: dict[int, Decimal] = {}
    for day, item in items:
        if item.get(name) is None:
            needs.append(f"{spec.each}（{day}）：请补充 {name}")
            return []
        sums[day.year] = sums.get(day.year, Decimal(0)) + _decimal(item[name], name)
    failed = set()
    for year, value in sorted(sums.items()):
        limit = rule.parameters[limit_name].at(dt.date(year, 12, 31))
        if limit is None:
            continue
        ok = value <= limit
        if not ok:
            failed.add(year)
        if steps is not None:
            text = (
                f"✓ {year} 年{label} {yuan(value)} 元，不超过 {yuan(limit)} 元"
                if ok
                else f"✗ {year} 年{label} {yuan(value)} 元，超过 {yuan(limit)} 元，本年不计"
            )
            steps.append(Step("claim", text, spec.source, value, ok))
    return [(day, item) for day, item in items if day.year not in failed]


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


def _claimed(facts: dict, rule: Rule) -> set:
    """The items (`grants[].item`) the enterprise already received support for under this rule
    (or its exclusive group)."""
    out = set()
    for grant in facts.get("grants") or ():
        if isinstance(grant, dict) and grant.get("rule") in (rule.id, rule.exclusive):
            if grant.get("item") not in (None, ""):
                out.add(grant["item"])
    return out


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
    `exclusive` key only the highest amount counts; the others are marked excluded. Then 叠加:
    eligible results sharing a `stack` key all count, but together at most `stack_ratio` of
    each claim's base; the later ones (by `stack_order`) are reduced."""
    results = [evaluate(r, facts, on=on, trace=trace) for r in rules]
    eligible = [r for r in results if r.status == ELIGIBLE]
    if len(eligible) > 1:
        _exclusive(eligible, trace)
    stacks: dict[str, list[Result]] = {}
    for result in eligible:
        if result.parts and result.status == ELIGIBLE:
            stacks.setdefault(result.rule.stack, []).append(result)
    for members in stacks.values():
        _stack(members, facts, on, trace)
    return results


def _exclusive(eligible: list[Result], trace: bool) -> None:
    best: dict[str, Result] = {}
    for result in eligible:
        key = result.rule.exclusive
        if key not in best or result.amount > best[key].amount:
            best[key] = result
    for result in eligible:
        if best[result.rule.exclusive] is not result:
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


def _stack(members: list[Result], facts: dict, on: dt.date, trace: bool) -> None:
    """Rules of one stack, served in order: each claim's amounts together stay within the
    smallest `stack_ratio` of the group × the claim's base; a later rule gets what is left
    (its caps applied again, so room a reduction frees in a year can go to its other claims)."""
    ratios = [m.rule.stack_ratio for m in members if m.rule.stack_ratio is not None]
    if not ratios:
        return
    ratio = min(ratios)
    members.sort(key=lambda m: (m.rule.stack_order, m.rule.id))
    used: dict[int, Decimal] = {}
    served: list[Result] = []
    percent = f"{ratio * 100:f}".rstrip("0").rstrip(".")
    for result in members:
        parts = result.parts
        rooms = [
            max(Decimal(0), (ratio * base).quantize(CENT) - used.get(key, 0))
            for key, _, base, _ in parts
        ]
        shares = _allocate(result.rule, facts, on, parts)
        if any(share > room for share, room in zip(shares, rooms, strict=True)):
            parts = tuple(
                (key, day, base, min(value, room))
                for (key, day, base, value), room in zip(parts, rooms, strict=True)
            )
            shares = _allocate(result.rule, facts, on, parts)
            before, result.amount = result.amount, sum(shares, Decimal(0)).quantize(CENT)
            result.parts = parts
            if result.amount <= 0:
                result.status = EXCLUDED
            if trace:
                together = f"与{_titles(served)}合计" if served else "本条"
                result.steps.append(
                    Step(
                        "cap",
                        f"叠加：{together}不超过同一{_each(result.rule)}金额的 {percent}%，"
                        f"本条 {yuan(before)} → {yuan(result.amount)} 元",
                        ok=False,
                    )
                )
        elif trace and served:
            result.steps.append(
                Step(
                    "note",
                    f"叠加：与{_titles(served)}同时计入，"
                    f"合计未超过同一{_each(result.rule)}金额的 {percent}%",
                )
            )
        for (key, *_), share in zip(parts, shares, strict=True):
            used[key] = used.get(key, Decimal(0)) + share
        served.append(result)


def _titles(results: list[Result]) -> str:
    return "、".join(f"“{r.rule.title}”" for r in results)


def _each(rule: Rule) -> str:
    return rule.claims.each if rule.claims else "事项"


def _allocate(rule: Rule, facts: dict, on: dt.date, parts) -> list[Decimal]:
    """What each claim of `parts` gets once the rule's annual and whole-period caps (less
    earlier grants) are applied, claims served in date order; the shares add up to the
    amount `evaluate` computes."""
    amount = rule.amount
    assert amount is not None
    params = rule.parameters
    total_room = None
    if amount.total_cap:
        cap = params[amount.total_cap].at(on)
        if cap is not None:
            total_room = max(Decimal(0), cap - _granted(facts, rule, None))
    year_rooms: dict[int, Decimal | None] = {}
    shares = [Decimal(0)] * len(parts)
    for i in sorted(range(len(parts)), key=lambda i: parts[i][1]):
        day, value = parts[i][1], parts[i][3]
        if amount.annual_cap:
            if day.year not in year_rooms:
                cap = params[amount.annual_cap].at(dt.date(day.year, 12, 31))
                year_rooms[day.year] = (
                    None if cap is None else max(Decimal(0), cap - _granted(facts, rule, day.year))
                )
            room = year_rooms[day.year]
            if room is not None:
                value = min(value, room)
                year_rooms[day.year] = room - value
        if total_room is not None:
            value = min(value, total_room)
            total_room -= value
        shares[i] = value
    return shares


def total(results: Iterable[Result]) -> Decimal:
    return sum((r.amount for r in results if r.status == ELIGIBLE), Decimal(0))


# --- loading ------------------------------------------------------------------------------


def read_yaml(path: Path) -> Any:
    """A YAML file's data, parsed with libyaml's C parser when PyYAML has it, and kept per
    process for each version (path, modification time, size) of the file: loading a city pack
    reads the same rule files many times, in tests above all."""
    stat = path.stat()
    return copy.deepcopy(_parse_yaml(str(path), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=1024)
def _parse_yaml(path: str, mtime_ns: int, size: int) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506


def load_rules(folder: str | Path) -> list[Rule]:
    """Every rule of the YAML files in a folder (one rule per file, or a list), sorted by id."""
    rules: list[Rule] = []
    seen: set[str] = set()
    for path in sorted(Path(folder).glob("*.yaml")):
        data = read_yaml(path)
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
