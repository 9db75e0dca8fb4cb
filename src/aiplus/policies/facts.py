"""The facts vocabulary of an enterprise profile (see `citypacks/<city>/rules/README.md`) and the
validation of a facts dict against it.

`clean(raw)` returns `(facts, errors)`: the cleaned facts (dates as ISO strings, amounts as
non-negative numbers, booleans as booleans, lists without blanks) and a dict of Chinese messages
keyed by field (`contracts.0.amount` for the amount of the first contract). `validated(raw)`
returns the facts or raises `ServiceError` with those messages. A missing fact is not an error:
the rules then ask the question that would settle it. An empty list is an answer ("none": no
contracts, no qualifications), not a missing fact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from aiplus.core.errors import ServiceError

TEXT, CHOICE, CHOICES, BOOL, MONEY, DATE, YEAR, AREA = (
    "text",
    "choice",
    "choices",
    "bool",
    "money",
    "date",
    "year",
    "area",
)
TYPE_LABELS = {
    TEXT: "文字",
    CHOICE: "选项",
    CHOICES: "多选",
    BOOL: "是/否",
    MONEY: "金额（元）",
    DATE: "日期",
    YEAR: "年份",
    AREA: "板块代码",
}
MAX_ITEMS = 200
MAX_TEXT = 200
INVALID = "企业信息有误，请按提示修改。"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    help: str = ""

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(v for v, _ in self.choices)

    def label_of(self, value: Any) -> str:
        return dict(self.choices).get(value, str(value))


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    kind: str  # one of the field kinds, or "list" (a list of items with `fields`)
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    fields: tuple[Field, ...] = ()
    each: str = "项"  # how one item is named in messages ("合同")

    @property
    def is_list(self) -> bool:
        return self.kind == "list"

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(v for v, _ in self.choices)

    def item_field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _same(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((n, n) for n in names)


SIZES = (("micro", "微型"), ("small", "小型"), ("medium", "中型"), ("large", "大型"))
ROLES = _same(
    "科技研发企业",
    "算力供给方",
    "数源单位",
    "人工智能企业",
    "小微企业",
    "OPC创业者",
    "金融机构",
    "产业园运营主体",
    "高校院所",
    "初创企业",
)
QUALIFICATIONS = _same(
    "高新技术企业",
    "专精特新",
    "江苏省数据产业创新联合体牵头单位",
    "江苏省数据产业公共服务平台建设单位",
    "苏州市制造业重点行业人工智能应用赋能中心",
    "苏州市场景开放创新中心",
    "苏州市人工智能发展驱动中心",
    "市级人工智能产业园（标杆类）运营主体",
    "市级人工智能产业园（特色类）运营主体",
    "市级人才计划自主认定权",
)
CONTRACT_KINDS = (
    ("compute_rental", "租用智能算力"),
    ("compute_sale", "算力交易合同（供给方）"),
    ("dataset_purchase", "购买数据集/语料库"),
    ("ai_procurement", "人工智能产品及服务采购"),
    ("model_service", "采购模型服务（API调用、模型调优等）"),
)
CONTRACT_PURPOSES = (
    ("training", "模型训练"),
    ("inference", "模型推理与应用"),
    ("other", "其他（存储、网络、安全等）"),
)
# 国民经济行业分类（GB/T 4754—2017）的门类：代码与名称
INDUSTRIES = (
    ("A", "农、林、牧、渔业"),
    ("B", "采矿业"),
    ("C", "制造业"),
    ("D", "电力、热力、燃气及水生产和供应业"),
    ("E", "建筑业"),
    ("F", "批发和零售业"),
    ("G", "交通运输、仓储和邮政业"),
    ("H", "住宿和餐饮业"),
    ("I", "信息传输、软件和信息技术服务业"),
    ("J", "金融业"),
    ("K", "房地产业"),
    ("L", "租赁和商务服务业"),
    ("M", "科学研究和技术服务业"),
    ("N", "水利、环境和公共设施管理业"),
    ("O", "居民服务、修理和其他服务业"),
    ("P", "教育"),
    ("Q", "卫生和社会工作"),
    ("R", "文化、体育和娱乐业"),
    ("S", "公共管理、社会保障和社会组织"),
    ("T", "国际组织"),
)
FILING_KINDS = (("generative", "生成式人工智能服务备案"), ("deep_synthesis", "深度合成算法备案"))
HONOUR_KINDS = _same(
    "国家数据基础设施建设典型案例",
    "高质量数据集典型案例",
    "数据要素×大赛",
    "国家人工智能赋能新型工业化典型应用案例",
    "国家元宇宙典型案例",
    "国家卓越级智能工厂",
    "国家领航级智能工厂",
    "重大创新团队",
    "苏州创新创业领军人才",
    "企业自主认定领军人才",
    "垂直领域模型遴选",
    "典型人工智能产品或解决方案",
    "典型示范人工智能应用场景项目",
)
PROJECT_KINDS = _same(
    "数据集及语料库公共服务平台",
    "国家人工智能重大试点项目",
    "人工智能场景示范项目",
    "关键核心技术攻关",
    "科技成果转化",
    "国家科技重大专项",
    "国家重点研发计划",
    "市场化品牌活动",
    "人工智能安全服务",
    "标准攻坚项目",
    "驱动中心建设",
)
DEGREES = _same("博士", "硕士", "本科", "大专")
STANDARD_LEVELS = (
    ("国际", "国际标准（ISO/IEC/ITU）"),
    ("国家", "国家标准"),
    ("行业", "行业标准"),
    ("地方", "地方标准"),
    ("团体", "团体标准"),
)
STANDARD_ROLES = _same("主导", "参与")

VOCABULARY: tuple[Fact, ...] = (
    Fact("registered_city", "注册城市", TEXT, help="如：苏州"),
    Fact("registered_province", "注册省份", TEXT, help="如：江苏；省级政策按省份判断"),
    Fact("area", "注册板块", AREA, help="所在板块，如苏州工业园区"),
    Fact("size", "企业规模", CHOICE, SIZES),
    Fact(
        "industry",
        "所属行业",
        CHOICE,
        INDUSTRIES,
        help="按主营业务的国民经济行业门类代码，如 C 制造业",
    ),
    Fact("legal_person", "独立法人", BOOL, help="是否具有独立法人资格"),
    Fact("roles", "主体类型", CHOICES, ROLES, help="可多选；初创企业含深圳“草创企业”"),
    Fact("qualifications", "资质认定", CHOICES, QUALIFICATIONS, help="已获认定的，可多选"),
    Fact("opc_member", "入驻苏州 OPC 社区", BOOL),
    Fact(
        "other_compute_subsidy",
        "已获其他市级财政算力补贴",
        BOOL,
        help="是否已获注册地其他市级财政资金对智能算力的补贴",
    ),
    Fact(
        "contracts",
        "合同",
        "list",
        each="合同",
        help=(
            "租用智能算力、算力交易、购买数据集、采购人工智能产品及服务或模型服务的合同；金额为实际"
            "支付金额。同一合同分次支付的，可分条填写并用同一合同编号"
        ),
        fields=(
            Field("kind", "类别", CHOICE, CONTRACT_KINDS),
            Field("amount", "金额（元）", MONEY),
            Field("date", "日期", DATE),
            Field("related_party", "关联方", BOOL, help="交易对方是否为关联方"),
            Field("id", "合同编号", TEXT),
            Field("start", "服务起始日期", DATE),
            Field("end", "服务截止日期", DATE),
            Field("purpose", "用途", CHOICE, CONTRACT_PURPOSES),
        ),
    ),
    Fact(
        "filings",
        "模型备案",
        "list",
        each="备案",
        fields=(
            Field("kind", "备案类型", CHOICE, FILING_KINDS),
            Field("model", "模型名称", TEXT),
            Field("date", "备案日期", DATE),
        ),
    ),
    Fact(
        "honours",
        "荣誉与入选",
        "list",
        each="荣誉",
        help="获评、获奖、入选的名单；按条款需要填写研发投入或采购金额",
        fields=(
            Field("kind", "名称", CHOICE, HONOUR_KINDS),
            Field("level", "等次", TEXT, help="如 一等奖"),
            Field("date", "获评日期", DATE),
            Field("rnd_investment", "研发投入（元）", MONEY),
            Field("procurement", "采购金额（元）", MONEY),
        ),
    ),
    Fact(
        "projects",
        "项目与活动",
        "list",
        each="项目",
        fields=(
            Field("kind", "类别", CHOICE, PROJECT_KINDS),
            Field("investment", "实际投资/投入（元）", MONEY),
            Field("rnd_investment", "研发投入（元）", MONEY),
            Field("procurement", "采购金额（元）", MONEY),
            Field("date", "日期", DATE),
            Field("lead", "牵头", BOOL),
            Field("national_funding", "获国家资金支持", BOOL),
        ),
    ),
    Fact(
        "datasets",
        "高质量数据集",
        "list",
        each="数据集",
        help="作为数源单位持有的高质量数据集及语料库",
        fields=(
            Field("tradable", "可流通交易", BOOL),
            Field("national_standard", "符合国家标准", BOOL),
            Field("date", "日期", DATE),
        ),
    ),
    Fact(
        "talents",
        "新引进毕业生",
        "list",
        each="人员",
        fields=(
            Field("degree", "学历", CHOICE, DEGREES),
            Field("fresh_graduate", "全日制应届", BOOL),
            Field("shortage_major", "人工智能急需紧缺专业", BOOL),
            Field("date", "引进日期", DATE),
        ),
    ),
    Fact(
        "standards",
        "标准制定",
        "list",
        each="标准",
        fields=(
            Field("level", "级别", CHOICE, STANDARD_LEVELS),
            Field("role", "角色", CHOICE, STANDARD_ROLES),
            Field("date", "发布日期", DATE),
        ),
    ),
    Fact(
        "grants",
        "已获支持",
        "list",
        each="资金",
        help=(
            "已获得的同类支持，用于扣减年度上限；规则填规则编号或就高不重复分组；按合同申领的，"
            "合同编号填所申领的合同（同一合同不再申领）"
        ),
        fields=(
            Field("rule", "规则", TEXT),
            Field("year", "年度", YEAR),
            Field("amount", "金额（元）", MONEY),
            Field("item", "合同编号", TEXT),
        ),
    ),
)
BY_NAME = {f.name: f for f in VOCABULARY}
SCALARS = tuple(f for f in VOCABULARY if not f.is_list)
LISTS = tuple(f for f in VOCABULARY if f.is_list)
BOOL_TEXT = {"true": True, "false": False, "是": True, "否": False, "1": True, "0": False}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> tuple[Any, str]:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None, "须为文字。"
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        return None, f"不能超过 {MAX_TEXT} 个字。"
    return text, ""


def _choice(value: Any, spec: Field | Fact) -> tuple[Any, str]:
    text = str(value).strip() if isinstance(value, str) else value
    if text in spec.values:
        return text, ""
    by_label = {label: v for v, label in spec.choices}
    if text in by_label:
        return by_label[text], ""
    return None, f"“{value}”不是可选值，可选：{'、'.join(spec.values)}。"


def _bool(value: Any) -> tuple[Any, str]:
    if isinstance(value, bool):
        return value, ""
    key = str(value).strip().lower()
    if key in BOOL_TEXT:
        return BOOL_TEXT[key], ""
    return None, "须为是（true）或否（false）。"


def _money(value: Any) -> tuple[Any, str]:
    if isinstance(value, bool):
        return None, "须为金额数字。"
    try:
        number = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        return None, f"“{value}”不是数字。"
    if not number.is_finite():
        return None, f"“{value}”不是数字。"
    if number < 0:
        return None, "金额不能为负数。"
    if number > Decimal("1e13"):
        return None, "金额过大。"
    number = number.quantize(Decimal("0.01"))
    return (int(number) if number == number.to_integral() else float(number)), ""


def _date(value: Any) -> tuple[Any, str]:
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), ""
    if isinstance(value, dt.date):
        return value.isoformat(), ""
    text = str(value).strip()
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text).isoformat(), ""
    except ValueError:
        return None, f"“{value}”不是有效日期，请写作 YYYY-MM-DD（如 2026-03-01）。"


def _year(value: Any) -> tuple[Any, str]:
    if isinstance(value, bool):
        return None, "须为年份。"
    try:
        year = int(str(value).strip())
    except ValueError:
        return None, f"“{value}”不是年份。"
    if not 1990 <= year <= 2100:
        return None, "年份须在 1990 至 2100 之间。"
    return year, ""


def _area(value: Any, areas: set[str] | None) -> tuple[Any, str]:
    text, error = _text(value)
    if error:
        return None, error
    if areas is not None and text not in areas:
        return None, f"未知的板块代码“{text}”。"
    return text, ""


def _scalar(kind: str, value: Any, spec: Field | Fact, areas: set[str] | None):
    if kind == TEXT:
        return _text(value)
    if kind == CHOICE:
        return _choice(value, spec)
    if kind == BOOL:
        return _bool(value)
    if kind == MONEY:
        return _money(value)
    if kind == DATE:
        return _date(value)
    if kind == YEAR:
        return _year(value)
    if kind == AREA:
        return _area(value, areas)
    raise AssertionError(kind)


def _choices(value: Any, fact: Fact) -> tuple[Any, str]:
    if isinstance(value, str):
        value = [v for v in value.replace("，", "、").replace(",", "、").split("、")]
    if not isinstance(value, list | tuple):
        return None, "须为列表。"
    out, bad = [], []
    for item in value:
        if _blank(item):
            continue
        chosen, error = _choice(item, fact)
        if error:
            bad.append(str(item))
        elif chosen not in out:
            out.append(chosen)
    if bad:
        return None, f"不可选：{'、'.join(bad)}。可选：{'、'.join(fact.values)}。"
    return out, ""


def _items(value: Any, fact: Fact, errors: dict, areas: set[str] | None) -> list | None:
    if not isinstance(value, list | tuple):
        errors[fact.name] = f"{fact.label}须为列表（每{fact.each}一个对象）。"
        return None
    if len(value) > MAX_ITEMS:
        errors[fact.name] = f"{fact.label}不能超过 {MAX_ITEMS} 项。"
        return None
    known = {f.name for f in fact.fields}
    out = []
    for n, item in enumerate(value):
        where = f"{fact.name}.{n}"
        prefix = f"{fact.label}第 {n + 1} {'项' if fact.each == '项' else '条'}"
        if not isinstance(item, dict):
            errors[where] = f"{prefix}须为对象，字段：{'、'.join(sorted(known))}。"
            continue
        unknown = sorted(str(k) for k in item if k not in known)
        if unknown:
            errors[where] = (
                f"{prefix}含未知字段：{'、'.join(unknown)}；可用字段："
                + "、".join(f"{f.name}（{f.label}）" for f in fact.fields)
                + "。"
            )
            continue
        cleaned = {}
        for spec in fact.fields:
            raw = item.get(spec.name)
            if _blank(raw):
                continue
            value_, error = _scalar(spec.kind, raw, spec, areas)
            if error:
                errors[f"{where}.{spec.name}"] = f"{prefix}的{spec.label}：{error}"
            else:
                cleaned[spec.name] = value_
        if cleaned:
            out.append(cleaned)
    return out


def known_areas() -> set[str] | None:
    """Codes of the areas of the loaded city pack (None when none are loaded: not checked)."""
    from aiplus.core.models import Area

    codes = set(Area.objects.values_list("code", flat=True))
    return codes or None


def clean(raw: Any, *, areas: set[str] | None | bool = True) -> tuple[dict, dict[str, str]]:
    """(cleaned facts, errors). `areas`: the known area codes; True looks them up, None does
    not check them."""
    if areas is True:
        areas = known_areas()
    if not isinstance(raw, dict):
        return {}, {"facts": "企业信息须为一个对象（字段名 → 值）。"}
    errors: dict[str, str] = {}
    facts: dict[str, Any] = {}
    for key, value in raw.items():
        fact = BY_NAME.get(str(key))
        if fact is None:
            errors[str(key)] = (
                f"未知的企业信息项“{key}”。可用的有：{'、'.join(BY_NAME)}"
                "（见城市包 rules/README.md 的事实词表）。"
            )
            continue
        if _blank(value):
            continue
        if fact.is_list:
            items = _items(value, fact, errors, areas)
            if items is not None:
                facts[fact.name] = items  # [] is an answer: the enterprise has none
            continue
        if fact.kind == CHOICES:
            cleaned, error = _choices(value, fact)
        else:
            cleaned, error = _scalar(fact.kind, value, fact, areas)
        if error:
            errors[fact.name] = f"{fact.label}：{error}"
        elif cleaned is not None and cleaned != "":
            facts[fact.name] = cleaned
    ordered = {f.name: facts[f.name] for f in VOCABULARY if f.name in facts}
    return ordered, errors


def validated(raw: Any, *, areas: set[str] | None | bool = True) -> dict:
    """The cleaned facts, or ServiceError with a Chinese message per field."""
    facts, errors = clean(raw, areas=areas)
    if errors:
        raise ServiceError(INVALID, errors)
    return facts


def display(facts: dict) -> list[tuple[str, str]]:
    """(label, value in words) of the scalar facts that are filled, for pages."""
    rows = []
    for fact in SCALARS:
        if fact.name not in facts:
            continue
        value = facts[fact.name]
        if fact.kind == BOOL:
            text = "是" if value else "否"
        elif fact.kind == CHOICES:
            text = "、".join(fact_label(fact, v) for v in value) or "无"
        elif fact.kind == CHOICE:
            text = fact_label(fact, value)
        else:
            text = str(value)
        rows.append((fact.label, text))
    return rows


def fact_label(fact: Fact, value: Any) -> str:
    return dict(fact.choices).get(value, str(value))


# --- rules against the vocabulary ----------------------------------------------------------


def _unknown_values(spec: Field | Fact, value: Any) -> list[str]:
    """Values a rule compares with that the vocabulary would never produce (a typo in a rule
    file would otherwise make it silently never match)."""
    if not spec.choices:
        return []
    values = value if isinstance(value, list | tuple) else [value]
    return [str(v) for v in values if isinstance(v, str) and v not in spec.values]


def problems_of(rule) -> list[str]:
    """What in an engine rule does not fit the vocabulary: unknown facts, fields or choices."""
    out: list[str] = []
    for condition in rule.conditions:
        fact = BY_NAME.get(condition.fact.split(".")[0])
        if fact is None:
            out.append(f"规则 {rule.id} 的条件引用了未知的事实 {condition.fact}")
            continue
        if condition.op in ("eq", "ne", "in", "has", "has_any"):
            bad = _unknown_values(fact, condition.value)
            if bad:
                out.append(f"规则 {rule.id} 的条件 {fact.name} 含不可选的值：{'、'.join(bad)}")
    claims = rule.claims
    if claims is not None:
        fact = BY_NAME.get(claims.source)
        if fact is None or not fact.is_list:
            out.append(f"规则 {rule.id} 的 claims.from 须为列表事实，不是 {claims.source}")
            return out
        used = [name for name, _ in claims.where] + [claims.date_field, claims.once_by]
        if claims.within is not None:
            used += claims.within[:2]
        if claims.year_total is not None:
            used.append(claims.year_total[0])
        if rule.amount is not None:
            used += [rule.amount.base or "", rule.amount.lookup_field or ""]
        for name in filter(None, used):
            if fact.item_field(name) is None:
                out.append(f"规则 {rule.id} 引用了 {fact.name} 没有的字段 {name}")
        for name, value in claims.where:
            spec = fact.item_field(name)
            bad = _unknown_values(spec, value) if spec else []
            if bad:
                out.append(f"规则 {rule.id} 的 {fact.name}.{name} 含不可选的值：{'、'.join(bad)}")
    return out


def markdown_table() -> str:
    """The vocabulary as the Markdown table of `rules/README.md` (a test keeps them equal)."""

    def choices(spec: Field | Fact) -> str:
        return "、".join(v if v == label else f"`{v}`（{label}）" for v, label in spec.choices)

    lines = ["| fact | 类型 | 含义与取值 |", "|---|---|---|"]
    for fact in VOCABULARY:
        if fact.is_list:
            kind = "列表"
            parts = [fact.label]
            for field in fact.fields:
                text = f"`{field.name}` {field.label}"
                if TYPE_LABELS[field.kind] not in field.label:
                    text += f"（{TYPE_LABELS[field.kind]}）"
                if field.choices:
                    text += "：" + choices(field)
                parts.append(text)
            meaning = "；".join(parts)
        else:
            kind = TYPE_LABELS[fact.kind]
            meaning = fact.label + ("：" + choices(fact) if fact.choices else "")
        if fact.help:
            meaning += f"。{fact.help}"
        lines.append(f"| `{fact.name}` | {kind} | {meaning} |")
    return "\n".join(lines) + "\n"
