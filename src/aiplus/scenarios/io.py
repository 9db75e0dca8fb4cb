"""Spreadsheet and PDF import/export of scenario demands, in the layout city offices circulate.

`import_demands_xlsx` reads a demand list (需求清单) the way offices actually send them: a title
row, blank rows, columns in any order, full-width characters and synonyms in the headers. Rows
are validated in Python with the rules of `DemandForm`; the import is all-or-nothing.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterable, Iterator
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Case, CharField, QuerySet, Value, When, prefetch_related_objects
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation
from aiplus.core import audit, faults
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.models import Area, DemanderType, Sector, Tag
from aiplus.core.spreadsheets import FORMULA_PREFIXES, open_sheets
from aiplus.core.spreadsheets import cell_text as _text
from aiplus.core.spreadsheets import norm as _norm
from aiplus.core.spreadsheets import read_bytes as _read_bytes
from aiplus.core.spreadsheets import sheet_rows as _sheet_rows

from . import matching
from .choices import PUBLIC_STATUSES, DemandStatus, ListStatus
from .forms import parse_tags
from .models import Demand, DemandList, DemandListItem, DemandTransition

BATCH = 500
WAN = Decimal(10000)
YI = Decimal(100000000)
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 12  # max_digits=14, decimal_places=2
HEADER_SCAN_ROWS = 50
MIN_HEADER_MATCHES = 3

# Header synonyms (after normalisation: NFKC, no whitespace, lower case, no parentheses).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("场景名称", "需求名称", "项目名称", "场景需求名称", "应用场景名称", "需求场景名称"),
    "demander": ("需求单位", "需求方", "单位名称", "需求单位名称", "需求主体", "需求方名称"),
    "sector": ("所属领域", "领域", "行业", "所属行业", "重点领域", "应用领域", "行业领域"),
    "area": ("所在板块", "板块", "地区", "所属地区", "所属板块", "所在地区", "区域"),
    "demander_type": ("需求方类型", "单位类型", "需求单位类型", "需求主体类型"),
    "pain_point": (
        "需求描述",
        "痛点",
        "场景描述",
        "需求内容",
        "痛点与需求描述",
        "需求痛点",
        "场景需求描述",
        "痛点问题",
        "需求痛点描述",
    ),
    "goals": ("建设目标", "目标", "预期目标"),
    "kpis": ("考核指标", "kpi", "kpis", "考核指标kpi"),
    "data_available": ("可提供数据", "数据情况", "可提供的数据", "数据基础"),
    "site": ("应用场所", "实施地点", "应用地点", "实施场所"),
    "budget": ("预算", "预算金额", "项目预算", "预算总额", "预算范围", "投资预算"),
    "budget_min": ("预算下限", "最低预算"),
    "budget_max": ("预算上限", "最高预算"),
    "contact_name": ("联系人", "联系人姓名"),
    "contact_phone": ("联系电话", "电话", "手机", "联系方式", "手机号码"),
    "contact_email": ("邮箱", "电子邮箱", "联系邮箱", "email", "e-mail"),
    "tags": ("技术标签", "技术方向", "标签", "关键技术"),
    "": ("序号", "编号", "状态"),  # known, ignored
}
HEADER_INDEX = {name: key for key, names in HEADER_SYNONYMS.items() for name in names}
REQUIRED = {
    "title": "场景名称",
    "demander": "需求单位",
    "sector": "所属领域",
    "area": "所在板块",
    "pain_point": "需求描述",
}
TEXT_FIELDS = ("pain_point", "goals", "kpis", "data_available")
MAX_LENGTHS = {
    "title": ("场景名称", 200),
    "demander": ("需求单位", 200),
    "site": ("应用场所", 200),
    "contact_name": ("联系人", 50),
    "contact_phone": ("联系电话", 30),
    "contact_email": ("邮箱", 254),
}

_PARENS = re.compile(r"\(.*?\)|\[.*?\]|【.*?】|<.*?>")
_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = r"(亿元|亿|万元|万|元)?"
_RANGE = re.compile(rf"^{_NUM}{_UNIT}(?:-|~|〜|—|–|至|到){_NUM}{_UNIT}$")
_SINGLE = re.compile(rf"^(-?\d+(?:\.\d+)?){_UNIT}$")
_UPPER_WORDS = ("以内", "以下", "不超过", "不高于", "最高", "≤", "<=", "<")
_LOWER_WORDS = ("以上", "不低于", "不少于", "最低", "起", "≥", ">=", ">")
_NO_AMOUNT = {"面议", "待定", "无", "/", "—", "-"}
_CONFIDENTIAL = {"保密", "不公开"}


# --- results and errors --------------------------------------------------------------------


class RowError(NamedTuple):
    """One problem in one spreadsheet row (Excel row number, Chinese reason); JSON-friendly."""

    row: int
    reason: str

    def __str__(self) -> str:
        return f"第 {self.row} 行：{self.reason}"


class ImportFailed(ServiceError):
    """The import was refused because of bad rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        rows = len({e.row for e in errors})
        super().__init__(f"导入失败：共 {rows} 行有误，未导入任何数据。")
        self.errors = errors  # type: ignore[assignment]

    def as_dict(self) -> dict[str, str]:
        """The row errors as {"第 7 行": "reason；reason"}, for JSON responses."""
        out: dict[str, str] = {}
        for err in self.errors:
            key = f"第 {err.row} 行"
            out[key] = f"{out[key]}；{err.reason}" if key in out else err.reason
        return out


@dataclass
class ImportResult:
    """What an import wrote."""

    created: int
    organisations_created: int
    demand_list: DemandList | None
    demand_ids: list[int] = field(default_factory=list)


# --- helpers -------------------------------------------------------------------------------


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _header_key(cell: Any) -> tuple[str, Decimal] | None:
    """(field, budget multiplier) for a header cell, or None if it is not a known header."""
    if cell is None:
        return None
    raw = _norm(cell).lower()
    multiplier = YI if "亿" in raw else WAN if "万" in raw else Decimal(1)
    key = _PARENS.sub("", raw).strip("*:：")
    if key in HEADER_INDEX:
        return HEADER_INDEX[key], multiplier
    return None


def _open_rows(data: bytes) -> tuple[dict[int, tuple[str, Decimal]], Iterator]:
    """Find the first sheet with a header row; return its columns and the rows after it.

    Reads with calamine (Rust), several times faster than openpyxl on large workbooks."""
    for sheet in open_sheets(data):
        rows = enumerate(_sheet_rows(sheet), start=1)
        for number, row in rows:
            if number > HEADER_SCAN_ROWS:
                break
            columns = {i: k for i, c in enumerate(row) if (k := _header_key(c)) is not None}
            if sum(1 for f, _ in columns.values() if f) >= MIN_HEADER_MATCHES:
                return columns, rows
    raise ServiceError(
        "未找到表头：请确认表格中有“场景名称、需求单位、所属领域、所在板块、需求描述”等列。"
    )


def parse_budget(
    value: Any, multiplier: Decimal = Decimal(1)
) -> tuple[Decimal | None, Decimal | None, bool]:
    """Parse '50～120万元', '100', '≤80万', '保密' into (min, max, confidential) in yuan."""
    if value is None or value == "":
        return None, None, False
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float | Decimal):
        amount = _amount(str(value), None, multiplier)
        return amount, amount, False
    text = _norm(_text(value)).replace(",", "").replace("，", "")
    for junk in ("¥", "￥", "rmb", "RMB", "人民币", "约", "左右"):
        text = text.replace(junk, "")
    if text in _CONFIDENTIAL:
        return None, None, True
    if text in _NO_AMOUNT:
        return None, None, False
    upper = any(w in text for w in _UPPER_WORDS)
    lower = not upper and any(w in text for w in _LOWER_WORDS)
    for word in _UPPER_WORDS + _LOWER_WORDS:
        text = text.replace(word, "")
    if m := _RANGE.match(text):
        unit = m.group(4) or m.group(2)
        return (
            _amount(m.group(1), m.group(2) or unit, multiplier),
            _amount(m.group(3), unit, multiplier),
            False,
        )
    if m := _SINGLE.match(text):
        amount = _amount(m.group(1), m.group(2), multiplier)
        return (None if upper else amount), (None if lower else amount), False
    raise ValueError(value)


def _amount(number: str, unit: str | None, multiplier: Decimal) -> Decimal:
    try:
        value = Decimal(number)
    except InvalidOperation as exc:
        raise ValueError(number) from exc
    if not value.is_finite():  # a NaN or infinite number cell
        raise ValueError(number)
    if unit:
        value *= YI if unit.startswith("亿") else WAN if unit.startswith("万") else 1
    else:
        value *= multiplier
    if abs(value) >= MAX_AMOUNT:  # refused as too large by the caller; quantize could overflow
        return value
    return value.quantize(CENT)


class _RefMatcher:
    """Match a cell against a reference table by name: exact, or a name contained in the cell."""

    def __init__(self, objects: Iterable, label: str, table: str) -> None:
        self.refs = [(_norm(o.name), o) for o in objects]
        self.label, self.table = label, table
        self.cache: dict[str, tuple[Any, str]] = {}

    @staticmethod
    def _core(name: str) -> str:
        return name[:-1] if len(name) > 2 and name[-1] in "市区县" else name

    def match(self, value: str) -> tuple[Any, str]:
        """(object, "") or (None, reason)."""
        key = _norm(value)
        if key not in self.cache:
            self.cache[key] = self._match(key, value)
        return self.cache[key]

    def _match(self, key: str, value: str) -> tuple[Any, str]:
        for name, obj in self.refs:
            if name == key:
                return obj, ""
        found = [(n, o) for n, o in self.refs if n in key or self._core(n) in key]
        found = [(n, o) for n, o in found if not any(n != m and n in m for m, _ in found)]
        if len(found) == 1:
            return found[0][1], ""
        if found:
            names = "、".join(o.name for _, o in found)
            return None, f"{self.label}“{value}”同时对应多个{self.table}（{names}），请只填写一个"
        near = [o.name for n, o in self.refs if key and key in n]
        if near:
            return None, (f"{self.label}“{value}”不够明确（可能是：{'、'.join(near)}），请填写全称")
        return None, f"{self.label}“{value}”不在{self.table}中"

    def guess(self, text: str) -> Any:
        """The first entry whose name (or name without 机构/单位/企业) occurs in `text`."""
        key = _norm(text)
        for name, obj in self.refs:
            stem = re.sub(r"(机构|单位|企业)$", "", name)
            if name in key or (len(stem) >= 2 and stem in key):
                return obj
        return None


# --- import --------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    values: dict[str, Any]


def _collect(row: tuple, columns: dict[int, tuple[str, Decimal]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for index, (key, multiplier) in columns.items():
        if not key or index >= len(row):
            continue
        cell = row[index]
        if key.startswith("budget"):
            if _text(cell) and key not in values:
                values[key] = (cell, multiplier)
            continue
        text = _text(cell)
        if not text:
            continue
        if key in values and key in TEXT_FIELDS:
            values[key] = f"{values[key]}\n{text}"
        else:
            values.setdefault(key, text)
    return values


def _validate(
    row: _Row, refs: dict[str, _RefMatcher], orgs: dict[str, Organisation], errors: list[RowError]
) -> dict[str, Any] | None:
    v, out, bad = row.values, {}, []
    missing = [label for key, label in REQUIRED.items() if not v.get(key)]
    if missing:
        bad.append(f"缺少必填项：{'、'.join(missing)}")
    for key, (label, limit) in MAX_LENGTHS.items():
        if len(v.get(key, "")) > limit:
            bad.append(f"{label}过长（最多 {limit} 字，现有 {len(v[key])} 字）")
    for key in ("sector", "area"):
        if v.get(key):
            out[key], reason = refs[key].match(v[key])
            if reason:
                bad.append(reason)
    demander_name = v.get("demander", "")
    org = orgs.get(demander_name)
    if org is not None and org.kind in {Role.SUPPLIER, Role.COMPUTE_PROVIDER}:
        bad.append(
            f"需求单位“{demander_name}”在平台上登记为{Role(org.kind).label}，不能作为需求单位"
        )
    if v.get("demander_type"):
        out["demander_type"], reason = refs["demander_type"].match(v["demander_type"])
        if reason:
            bad.append(reason)
    elif org is not None and org.demander_type_id:
        out["demander_type"] = org.demander_type
    elif demander_name:
        out["demander_type"] = refs["demander_type"].guess(demander_name)
        if out["demander_type"] is None:
            names = "、".join(o.name for _, o in refs["demander_type"].refs)
            bad.append(f"无法从单位名称判断需求方类型，请填写“需求方类型”（可选：{names}）")
    lo = hi = None
    confidential = False
    for key in ("budget", "budget_min", "budget_max"):
        if key not in v:
            continue
        cell, multiplier = v[key]
        try:
            a, b, secret = parse_budget(cell, multiplier)
        except ValueError:
            bad.append(f"预算“{_text(cell)}”无法识别，请填写如 50、50-120 或 50～120万元")
            continue
        confidential |= secret
        if key == "budget":
            lo, hi = (a if lo is None else lo), (b if hi is None else hi)
        elif key == "budget_min":
            lo = a if a is not None else b
        else:
            hi = b if b is not None else a
    if (lo is not None and lo < 0) or (hi is not None and hi < 0):
        bad.append("预算不能为负数。")
    elif lo is not None and hi is not None and lo > hi:
        bad.append("预算上限不能低于预算下限。")
    if any(x is not None and x >= MAX_AMOUNT for x in (lo, hi)):
        bad.append("预算金额过大。")
    email = v.get("contact_email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            bad.append(f"邮箱“{email}”格式不正确")
    if bad:
        errors.extend(RowError(row.number, reason) for reason in bad)
        return None
    out.update(
        title=v["title"],
        demander=demander_name,
        pain_point=v["pain_point"],
        goals=v.get("goals", ""),
        kpis=v.get("kpis", ""),
        data_available=v.get("data_available", ""),
        site=v.get("site", ""),
        contact_name=v.get("contact_name", ""),
        contact_phone=v.get("contact_phone", ""),
        contact_email=email,
        tags=parse_tags(v.get("tags", "")),
        budget_min=lo,
        budget_max=hi,
        budget_confidential=confidential,
    )
    return out


def _existing_orgs(names: set[str]) -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    for chunk in _chunks(sorted(names)):
        for org in Organisation.objects.filter(name__in=chunk).select_related("demander_type"):
            found[org.name] = org
    return found


def _tag_ids(names: set[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _chunks(sorted(names)):
        ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "pk"))
    missing = [Tag(name=n) for n in sorted(names - ids.keys())]
    if missing:
        Tag.objects.bulk_create(missing, batch_size=BATCH, ignore_conflicts=True)
        for chunk in _chunks([t.name for t in missing]):
            ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "pk"))
    return ids


# Statuses a demand reaches only through the risk-checklist gate (governance), never by import.
GATED_STATUSES = {DemandStatus.PILOT, DemandStatus.DEPLOYED, DemandStatus.PROMOTED}


def import_demands_xlsx(
    *,
    actor,
    file,
    status: str = DemandStatus.PUBLISHED,
    list_name: str | None = None,
    is_demo: bool = False,
) -> ImportResult:
    """Import a demand list spreadsheet (.xlsx) as demands, all-or-nothing; office only."""
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_office", False):
        raise PermissionDenied("只有专班办公室可以批量导入场景需求。")
    if status not in DemandStatus.values:
        raise ServiceError(f"未知的状态：{status}")
    if status in GATED_STATUSES:
        raise ServiceError(
            f"不能以“{DemandStatus(status).label}”状态批量导入：需求进入试点、落地前，"
            "需求方须完成并签署风险检查清单。请以“对接中”或更早的状态导入。"
        )
    list_name = (list_name or "").strip() or None
    if list_name:
        if status not in PUBLIC_STATUSES:
            raise ServiceError("只能把已发布的需求加入清单：请以“已发布”状态导入。")
        if len(list_name) > 200:
            raise ServiceError("清单名称最多 200 字。")
        if DemandList.objects.filter(name=list_name).exists():
            raise ServiceError(f"清单“{list_name}”已存在，请换一个名称。")

    columns, rows = _open_rows(_read_bytes(file))
    present = {key for key, _ in columns.values()}
    absent = [label for key, label in REQUIRED.items() if key not in present]
    if absent:
        raise ServiceError(f"表头缺少必填列：{'、'.join(absent)}。")
    parsed = [_Row(number, values) for number, row in rows if (values := _collect(row, columns))]
    if not parsed:
        raise ServiceError("表格中没有需求数据。")

    refs = {
        "sector": _RefMatcher(Sector.objects.all(), "所属领域", "重点领域"),
        "area": _RefMatcher(Area.objects.all(), "所在板块", "板块名单"),
        "demander_type": _RefMatcher(DemanderType.objects.all(), "需求方类型", "需求方类型"),
    }
    orgs = _existing_orgs({r.values["demander"] for r in parsed if r.values.get("demander")})
    errors: list[RowError] = []
    clean = [c for r in parsed if (c := _validate(r, refs, orgs, errors)) is not None]
    if errors:
        raise ImportFailed(errors)
    return _write(
        actor=actor,
        rows=clean,
        orgs=orgs,
        status=status,
        list_name=list_name,
        is_demo=is_demo,
        source=str(getattr(file, "name", "") or ""),
    )


def _set_codes(demands: list[Demand], *, year: str, temp_prefix: str) -> None:
    """Replace the temporary codes by "XQ{year}{pk:06d}" in one UPDATE (same as services)."""
    pk = Cast("id", output_field=CharField())
    Demand.objects.filter(
        pk__gte=min(d.pk for d in demands),
        pk__lte=max(d.pk for d in demands),
        code__startswith=temp_prefix,
    ).update(
        code=Concat(
            Value(f"XQ{year}"),
            Case(When(pk__lt=10**6, then=LPad(pk, 6, Value("0"))), default=pk),
            output_field=CharField(),
        )
    )
    for demand in demands:
        demand.code = f"XQ{year}{demand.pk:06d}"


@transaction.atomic
def _write(
    *,
    actor,
    rows: list[dict],
    orgs: dict[str, Organisation],
    status: str,
    list_name: str | None,
    is_demo: bool,
    source: str,
) -> ImportResult:
    now = timezone.now()
    new_orgs: dict[str, Organisation] = {}
    for row in rows:
        name = row["demander"]
        if name not in orgs and name not in new_orgs:
            new_orgs[name] = Organisation(
                name=name,
                kind=Role.DEMANDER,
                status=OrgStatus.APPROVED,
                area=row["area"],
                demander_type=row["demander_type"],
                is_demo=is_demo,
                review_note="批量导入需求时创建",
            )
    Organisation.objects.bulk_create(list(new_orgs.values()), batch_size=BATCH)
    orgs = {**orgs, **new_orgs}

    token = secrets.token_hex(6)
    published_at = now if status in PUBLIC_STATUSES else None
    demands = [
        Demand(
            code=f"~{token}{i}",
            title=row["title"],
            demander_id=orgs[row["demander"]].pk,
            sector_id=row["sector"].pk,
            area_id=row["area"].pk,
            demander_type_id=row["demander_type"].pk,
            pain_point=row["pain_point"],
            goals=row["goals"],
            kpis=row["kpis"],
            data_available=row["data_available"],
            site=row["site"],
            budget_min=row["budget_min"],
            budget_max=row["budget_max"],
            budget_confidential=row["budget_confidential"],
            contact_name=row["contact_name"],
            contact_phone=row["contact_phone"],
            contact_email=row["contact_email"],
            status=status,
            published_at=published_at,
            is_demo=is_demo,
            created_by_id=actor.pk,
        )
        for i, row in enumerate(rows)
    ]
    Demand.objects.bulk_create(demands, batch_size=BATCH)
    _set_codes(demands, year=f"{now:%Y}", temp_prefix=f"~{token}")

    tag_ids = _tag_ids({name for row in rows for name in row["tags"]})
    through = Demand.tags.through
    through.objects.bulk_create(
        [
            through(demand_id=d.pk, tag_id=tag_ids[name])
            for d, row in zip(demands, rows, strict=True)
            for name in row["tags"]
        ],
        batch_size=BATCH,
    )
    DemandTransition.objects.bulk_create(
        [
            DemandTransition(
                demand_id=d.pk,
                from_status="",
                to_status=status,
                actor_id=actor.pk,
                organisation_id=actor.organisation_id,
                note="导入",
            )
            for d in demands
        ],
        batch_size=BATCH,
    )
    faults.pause("demand-import")  # test hook (issue #8): no-op unless a fault test asks
    demand_list = None
    if list_name:
        issuer = actor.organisation.name if actor.organisation_id else ""
        demand_list = DemandList.objects.create(
            name=list_name,
            year=timezone.localtime(now).year,
            issuer=issuer,
            status=ListStatus.DRAFT,
            is_demo=is_demo,
        )
        DemandListItem.objects.bulk_create(
            [
                DemandListItem(demand_list_id=demand_list.pk, demand_id=d.pk, position=i)
                for i, d in enumerate(demands, start=1)
            ],
            batch_size=BATCH,
        )
    ids = [d.pk for d in demands]
    audit.record(
        actor=actor,
        action="demand.import",
        obj=demand_list or demands[0],
        summary=f"批量导入场景需求 {len(ids)} 条" + (f"（{source}）" if source else ""),
        after={
            "count": len(ids),
            "status": status,
            "first_id": ids[0],
            "last_id": ids[-1],
            "organisations_created": len(new_orgs),
            "list": list_name,
            "file": source,
        },
    )
    matching.changed_many()
    return ImportResult(
        created=len(ids),
        organisations_created=len(new_orgs),
        demand_list=demand_list,
        demand_ids=ids,
    )


# --- export --------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    ("序号", 6),
    ("场景名称", 30),
    ("需求单位", 26),
    ("所属领域", 10),
    ("所在板块", 14),
    ("需求方类型", 14),
    ("需求描述", 60),
    ("建设目标", 40),
    ("预算（万元）", 14),
    ("状态", 9),
]
CONTACT_COLUMNS = [("联系人", 10), ("联系电话", 16)]
RELATED = ("demander", "sector", "area", "demander_type")


def neutralise(value: Any) -> Any:
    """Prefix a string that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _wan(amount: Decimal) -> str:
    text = format((amount / WAN).normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def budget_text(demand: Demand) -> str | Decimal:
    """The budget in 万元 as a number, a range '50-120', '50以上', '120以内', or '保密'."""
    if demand.budget_confidential:
        return "保密"
    lo, hi = demand.budget_min, demand.budget_max
    if lo is not None and hi is not None:
        return Decimal(_wan(lo)) if lo == hi else f"{_wan(lo)}-{_wan(hi)}"
    if lo is not None:
        return f"{_wan(lo)}以上"
    if hi is not None:
        return f"{_wan(hi)}以内"
    return ""


def list_demands(demand_list: DemandList) -> QuerySet[Demand]:
    """The demands of a list in item position order, with their related rows."""
    return (
        Demand.objects.filter(list_items__demand_list=demand_list)
        .select_related(*RELATED)
        .order_by("list_items__position", "list_items__id")
    )


def export_demands_xlsx(*, demands, title: str, include_contact: bool = False) -> bytes:
    """Demands as an .xlsx in the official layout: merged title row, header, one row each."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    if isinstance(demands, QuerySet):
        demands = demands.select_related(*RELATED)
    else:
        demands = list(demands)
        prefetch_related_objects(demands, *RELATED)
    columns = EXPORT_COLUMNS + (CONTACT_COLUMNS if include_contact else [])
    last = get_column_letter(len(columns))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "场景需求"
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"] = neutralise(title)
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 32
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for index, (label, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=index, value=label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        sheet.column_dimensions[get_column_letter(index)].width = width
    style = None  # styles are hashed on every assignment; copy the first cell's instead
    labels = {value: str(label) for value, label in DemandStatus.choices}
    for number, d in enumerate(demands, start=1):
        values = [
            number,
            d.title,
            d.demander.name,
            d.sector.name,
            d.area.name,
            d.demander_type.name,
            d.pain_point,
            d.goals,
            budget_text(d),
            labels.get(d.status, d.status),
        ]
        if include_contact:
            values += [d.contact_name, d.contact_phone]
        row = number + 2
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=index, value=neutralise(value))
            if style is None:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cell.border = border
                style = copy(cell._style)
            else:
                cell._style = copy(style)
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{last}{max(sheet.max_row, 2)}"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------

PDF_COLUMNS = [
    ("序号", 12),
    ("场景名称", 56),
    ("需求单位", 42),
    ("所属领域", 20),
    ("所在板块", 26),
    ("需求描述", 121),
]
PDF_MAX_TEXT = 800


def _issuer(demand_list: DemandList) -> str:
    if demand_list.issuer:
        return demand_list.issuer
    try:
        from aiplus.core.citypack import pack_meta

        return pack_meta(settings.CITY_PACK).get("office_name", "")
    except (ServiceError, OSError, ValueError, AttributeError):
        return ""


def _clip(text: str, limit: int = PDF_MAX_TEXT) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "……"


def export_list_pdf(*, demand_list: DemandList) -> bytes:
    """A demand list as a printable A4 landscape PDF in the official layout."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from aiplus.core.fonts import cjk_font_path

    class ListPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("cjk", size=9)
            self.set_text_color(90)
            self.cell(0, 8, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")

    pdf = ListPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font("cjk", fname=str(cjk_font_path()))
    pdf.set_margins(10, 12, 10)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_title(demand_list.name)
    pdf.set_creator("aiplus")
    pdf.set_lang("zh-CN")
    pdf.add_page()

    pdf.set_font("cjk", size=18)
    pdf.multi_cell(0, 10, demand_list.name, align="C", new_x="LMARGIN", new_y="NEXT")
    published = demand_list.published_at
    when = timezone.localtime(published).date() if published else timezone.localdate()
    date = f"{when.year}年{when.month}月{when.day}日"
    subtitle = "　　".join(s for s in (_issuer(demand_list), date) if s)
    pdf.set_font("cjk", size=11)
    pdf.set_text_color(60)
    pdf.cell(0, 8, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.ln(3)

    items = demand_list.items.select_related(
        "demand__demander", "demand__sector", "demand__area"
    ).order_by("position", "id")
    pdf.set_font("cjk", size=9)
    pdf.set_draw_color(150)
    heading = FontFace(fill_color=(221, 235, 247), size_pt=10)
    with pdf.table(
        col_widths=[w for _, w in PDF_COLUMNS],
        width=sum(w for _, w in PDF_COLUMNS),
        line_height=5,
        text_align=("CENTER", "LEFT", "LEFT", "CENTER", "CENTER", "LEFT"),
        headings_style=heading,
        repeat_headings=1,
        padding=1.5,
        v_align="TOP",
    ) as table:
        head = table.row()
        for label, _ in PDF_COLUMNS:
            head.cell(label, align="CENTER", v_align="MIDDLE")
        for item in items:
            d = item.demand
            title = d.title + ("（示例）" if d.is_demo else "")
            row = table.row()
            for value in (
                str(item.position),
                title,
                d.demander.name,
                d.sector.name,
                d.area.name,
                _clip(d.pain_point),
            ):
                row.cell(value)
    if not demand_list.items.exists():
        pdf.ln(4)
        pdf.cell(0, 8, "清单中暂无需求。", align="C")
    return bytes(pdf.output())
