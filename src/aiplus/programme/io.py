"""Spreadsheet import of reported values, and the fill-in template of what a unit owes.

`import_values_xlsx` reads a sheet the way units fill it in: a title row, columns in any order,
full-width characters in the headers, an indicator named by code or by name, a period written
as 2026-03, 2026年3月 or 2026Q1 (or one period for the whole file). Every row passes the checks
of `services.save_value` (permission, scope, period, value and its explanation) before anything
is written; then all rows are saved in one transaction. All-or-nothing, with Excel row numbers
in the errors, like the scenarios import (same `RowError` / `ImportFailed`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from aiplus.core import faults
from aiplus.core.actions import require_approved
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.models import Area, Sector
from aiplus.core.spreadsheets import cell_text as _text
from aiplus.core.spreadsheets import norm as _plain_norm
from aiplus.core.spreadsheets import open_sheets, read_bytes, sheet_rows
from aiplus.scenarios.io import ImportFailed, RowError, neutralise

from . import permissions, services
from .models import OPEN_STATUSES, Indicator, Period, Submission
from .obligations import OUTSTANDING, obligations_for
from .periods import Span, parse_key

__all__ = ["ImportFailed", "ImportResult", "RowError", "import_values_xlsx", "template_xlsx"]


def _norm(value: Any) -> str:
    return _plain_norm(value).lower()


HEADER_SCAN_ROWS = 10
MAX_ROWS = 5000

# Header synonyms after normalisation (NFKC, no whitespace, lower case, no parentheses).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("指标代码", "代码", "指标编码", "编码"),
    "name": ("指标名称", "指标", "指标名"),
    "area": ("板块", "所在板块", "所属板块"),
    "sector": ("领域", "所属领域", "重点领域"),
    "period": ("报告期", "报送期", "统计期", "期间"),
    "value": ("数值", "本期数值", "填报数值", "数据", "值"),
    "note": ("说明", "备注", "数据说明"),
    "explanation": ("异常说明", "波动说明", "异常波动说明", "变动说明"),
    "": ("序号", "单位", "计量单位", "应报日期", "报送期限", "状态", "目标值", "责任单位"),
}
HEADER_INDEX = {name: key for key, names in HEADER_SYNONYMS.items() for name in names}
TEMPLATE_COLUMNS = [
    ("指标代码", 24),
    ("指标名称", 40),
    ("单位", 9),
    ("板块", 14),
    ("领域", 12),
    ("报告期", 11),
    ("应报日期", 12),
    ("状态", 22),
    ("数值", 14),
    ("说明", 30),
    ("异常说明", 30),
]
_PARENS = re.compile(r"\(.*?\)|\[.*?\]|【.*?】|<.*?>")


@dataclass
class ImportResult:
    """What an import wrote: how many values, and the submissions (in sheet order)."""

    created: int
    submission_ids: list[int] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------------


def _header_key(cell: Any) -> str | None:
    if cell is None or cell == "":
        return None
    key = _PARENS.sub("", _norm(cell)).strip("*:：")
    return HEADER_INDEX.get(key)


def _open_rows(data: bytes):
    """(columns {index: field}, iterator of (excel row number, row)) of the first sheet with a
    header row: one naming the value and the indicator (by code or name)."""
    for sheet in open_sheets(data):
        rows = enumerate(sheet_rows(sheet), start=1)
        for number, row in rows:
            if number > HEADER_SCAN_ROWS:
                break
            columns: dict[int, str] = {}
            for index, cell in enumerate(row):
                key = _header_key(cell)
                if key and key not in columns.values():
                    columns[index] = key
            found = set(columns.values())
            if "value" in found and found & {"code", "name"}:
                return columns, rows
    raise ServiceError(
        "未找到表头：请在前 10 行内写明“指标代码”（或“指标名称”）、“报告期”、“数值”等列。"
    )


# --- matching ------------------------------------------------------------------------------


class _Indicators:
    def __init__(self) -> None:
        self.all = list(Indicator.objects.all())
        self.by_code = {_norm(i.code): i for i in self.all}
        self.by_name = {_norm(i.name): i for i in self.all}

    def find(self, code: str, name: str) -> tuple[Indicator | None, str]:
        if code:
            ind = self.by_code.get(_norm(code))
            if ind is None:
                return None, f"指标代码“{code}”不存在"
            if name and _norm(name) != _norm(ind.name) and _norm(name) != _norm(ind.code):
                return None, f"指标代码“{code}”与指标名称“{name}”不一致"
            return ind, ""
        if not name:
            return None, "缺少指标代码或指标名称"
        ind = self.by_name.get(_norm(name)) or self.by_code.get(_norm(name))
        if ind is not None:
            return ind, ""
        near = [i for i in self.all if _norm(name) in _norm(i.name)]
        if len(near) == 1:
            return near[0], ""
        if near:
            names = "、".join(i.name for i in near[:5])
            return None, f"指标“{name}”不够明确（可能是：{names}），请填写指标代码"
        return None, f"指标“{name}”不存在，请填写指标代码或完整名称"


class _Refs:
    """Areas or sectors matched by code, by name, or by a name the cell uniquely contains."""

    def __init__(self, objects, label: str) -> None:
        self.objects = list(objects)
        self.label = label

    def find(self, text: str) -> tuple[Any, str]:
        key = _norm(text)
        for obj in self.objects:
            if key in (_norm(obj.name), _norm(obj.code)):
                return obj, ""
        found = [o for o in self.objects if _norm(o.name) in key or key in _norm(o.name)]
        if len(found) == 1:
            return found[0], ""
        if found:
            names = "、".join(o.name for o in found)
            return None, f"{self.label}“{text}”不够明确（可能是：{names}），请填写全称"
        return None, f"{self.label}“{text}”不存在"


def _period_text(value: Any) -> str:
    """A period cell as text; a date cell (Excel turns 2026-03 into 2026-03-01) as its month."""
    if isinstance(value, datetime | date):
        return f"{value.year}-{value.month:02d}"
    return _text(value)


def _unsaved_period(span: Span) -> Period:
    existing = Period.objects.filter(frequency=span.frequency, start=span.start).first()
    return existing or Period(
        frequency=span.frequency, start=span.start, end=span.end, label=span.label, key=span.key
    )


# --- import --------------------------------------------------------------------------------


@dataclass
class _Checked:
    number: int
    indicator: Indicator
    span: Span
    area: Area | None
    sector: Sector | None
    value: Any
    note: str
    explanation: str


def _row_values(row: tuple, columns: dict[int, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for index, key in columns.items():
        if not key or index >= len(row):
            continue
        cell = row[index]
        if key == "period":
            value = _period_text(cell)
        elif key == "value" and isinstance(cell, int | float) and not isinstance(cell, bool):
            value = cell  # a number cell stays a number (parse_value takes either)
        else:
            value = _text(cell)
        if value != "":
            values[key] = value
    return values


def _check_row(
    actor,
    number: int,
    v: dict[str, Any],
    *,
    indicators: _Indicators,
    areas: _Refs,
    sectors: _Refs,
    fixed: Span | None,
    today: date,
) -> tuple[_Checked | None, list[str]]:
    bad: list[str] = []
    ind, reason = indicators.find(str(v.get("code", "")), str(v.get("name", "")))
    if reason:
        bad.append(reason)
    area = sector = None
    if v.get("area"):
        area, reason = areas.find(v["area"])
        if reason:
            bad.append(reason)
    if v.get("sector"):
        sector, reason = sectors.find(v["sector"])
        if reason:
            bad.append(reason)
    span = None
    if v.get("period"):
        span = parse_key(v["period"])
        if span is None:
            bad.append(f"报告期“{v['period']}”无法识别，请填写如 2026-03、2026年3月 或 2026Q1")
        elif fixed is not None and span != fixed:
            bad.append(f"报告期“{v['period']}”与所选报告期“{fixed.label}”不一致")
    elif fixed is not None:
        span = fixed
    else:
        bad.append("缺少报告期")
    if "value" not in v:
        bad.append("请填写数值")
    note, explanation = v.get("note", ""), v.get("explanation", "")
    if len(note) > 2000 or len(explanation) > 2000:
        bad.append("说明不能超过 2000 字")
    if ind is None or bad:
        return None, bad

    if ind.is_derived:
        return None, [f"“{ind.name}”由平台自动统计，无需填报"]
    try:
        area, sector = services.resolve_scope(ind, area, sector)
    except ServiceError as exc:
        return None, [exc.message.rstrip("。")]
    scope = area or sector or "全市"
    if not permissions.can_report(
        actor, ind, area_id=area.pk if area else None, sector_id=sector.pk if sector else None
    ):
        return None, [f"您不负责报送“{ind.name}”（{scope}）"]
    period = _unsaved_period(span)
    try:
        services.check_period(ind, period, today)
        checked = services.check_value(
            ind, period, v["value"], area=area, sector=sector, explanation=explanation
        )
    except ServiceError as exc:
        return None, [exc.message.rstrip("。")]
    if period.pk and not permissions.is_office(actor):
        taken = (
            Submission.objects.filter(
                indicator=ind, period=period, area=area, sector=sector, status__in=OPEN_STATUSES
            )
            .exclude(organisation_id=actor.organisation_id)
            .exclude(organisation__isnull=True)
            .exists()
        )
        if taken:
            return None, [f"“{ind.name}”{span.label}（{scope}）由其他单位填报中，不能修改"]
    return _Checked(number, ind, span, area, sector, checked.value, note, explanation), []


def import_values_xlsx(
    *, actor, file, period_key: str | None = None, today: date | None = None
) -> ImportResult:
    """Import reported values from an .xlsx, all-or-nothing; each row submitted for review."""
    require_approved(actor)
    if not permissions.can_view_programme(actor):
        raise PermissionDenied("您不负责报送行动方案指标数据。")
    today = today or timezone.localdate()
    fixed = None
    if period_key and str(period_key).strip():
        fixed = parse_key(period_key)
        if fixed is None:
            raise ServiceError(
                f"报告期“{period_key}”无法识别，请填写如 2026-03、2026年3月 或 2026Q1。",
                {"period": "报告期无法识别。"},
            )

    columns, rows = _open_rows(read_bytes(file))
    present = set(columns.values())
    if "period" not in present and fixed is None:
        raise ServiceError("表头缺少“报告期”列：请添加该列，或在导入时选择报告期。")
    filled = []
    for number, row in rows:
        values = _row_values(row, columns)
        # a row with nothing to report (blank, or a template row left empty) is skipped
        if not values.keys() & {"value", "note", "explanation"}:
            continue
        filled.append((number, values))
        if len(filled) > MAX_ROWS:
            raise ServiceError(f"一次最多导入 {MAX_ROWS} 行，请分批导入。")
    if not filled:
        raise ServiceError("表格中没有填写数值的行。")

    indicators = _Indicators()
    areas = _Refs(Area.objects.all(), "板块")
    sectors = _Refs(Sector.objects.all(), "领域")
    errors: list[RowError] = []
    checked: list[_Checked] = []
    seen: dict[tuple, int] = {}
    for number, values in filled:
        row, reasons = _check_row(
            actor,
            number,
            values,
            indicators=indicators,
            areas=areas,
            sectors=sectors,
            fixed=fixed,
            today=today,
        )
        errors += [RowError(number, r) for r in reasons]
        if row is None:
            continue
        key = (
            row.indicator.pk,
            row.span.key,
            row.area.pk if row.area else None,
            row.sector.pk if row.sector else None,
        )
        if key in seen:
            errors.append(
                RowError(number, f"与第 {seen[key]} 行重复（同一指标、板块/领域和报告期）")
            )
            continue
        seen[key] = number
        checked.append(row)
    if errors:
        raise ImportFailed(errors)

    ids: list[int] = []
    with transaction.atomic():
        for row in checked:
            try:
                sub = services.save_value(
                    actor=actor,
                    indicator=row.indicator,
                    period=services.period_for(row.span),
                    value=row.value,
                    area=row.area,
                    sector=row.sector,
                    note=row.note,
                    explanation=row.explanation,
                    submit=True,
                    today=today,
                )
            except ServiceError as exc:  # changed since validation (another user meanwhile)
                raise ImportFailed([RowError(row.number, exc.message.rstrip("。"))]) from exc
            ids.append(sub.pk)
            faults.pause("programme-import")  # test hook (issue #8): no-op unless asked
    return ImportResult(created=len(ids), submission_ids=ids)


# --- template ------------------------------------------------------------------------------


def template_xlsx(*, user, period_key: str | None = None, today: date | None = None) -> bytes:
    """A fill-in sheet of the values the user still owes (missing, due, draft, returned), with
    the import's header row; fill in 数值 (and 说明) and import it back."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    if not permissions.can_view_programme(user):
        raise PermissionDenied("您不负责报送行动方案指标数据。")
    today = today or timezone.localdate()
    span = None
    if period_key and str(period_key).strip():
        span = parse_key(period_key)
        if span is None:
            raise ServiceError(f"报告期“{period_key}”无法识别。", {"period": "报告期无法识别。"})
    owed = [
        o
        for o in obligations_for(user, today=today, states=set(OUTSTANDING))
        if o.state in OUTSTANDING and (span is None or o.span == span)
    ]
    returned = dict(
        Submission.objects.filter(
            pk__in=[o.submission_id for o in owed if o.submission_id]
        ).values_list("pk", "review_note")
    )

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "指标报送"
    last = get_column_letter(len(TEMPLATE_COLUMNS))
    sheet.merge_cells(f"A1:{last}1")
    title = "行动方案指标数据报送表" + (f"（{span.label}）" if span else "")
    sheet["A1"] = title
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    for index, (label, width) in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = sheet.cell(row=2, column=index, value=label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row, o in enumerate(sorted(owed, key=lambda o: (o.span.end, o.indicator.position)), 3):
        state = o.state_label
        if note := returned.get(o.submission_id):
            state = f"{state}：{note}"
        values = [
            o.indicator.code,
            o.indicator.name,
            o.indicator.unit,
            o.area.name if o.area else "",
            o.sector.name if o.sector else "",
            o.span.key,
            o.due.isoformat(),
            state,
            None,
            "",
            "",
        ]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column, value=neutralise(value))
            if column == 6:
                cell.number_format = "@"  # keep 2026-03 as text, not a date
    sheet.freeze_panes = "A3"

    help_sheet = workbook.create_sheet("填写说明")
    lines = [
        "1. 在“数值”列填写本期数值，只填数字，单位见“单位”列（百分比指标填 12.5 表示 12.5%）。",
        "2. 累计值指标填写截至报告期末的累计数；时点/比率值指标填写报告期的数值。",
        "3. 与上期相比变动超过波动阈值、或累计值较上期减少时，须在“异常说明”列说明原因。",
        "4. 不报送的行请保持“数值”列为空，导入时将跳过。",
        "5. 报告期可写作 2026-03、2026年3月、2026Q1 或 2026年第一季度。",
        "6. 任一行有误则整个文件不导入，系统会列出有误的行号和原因。",
        f"生成日期：{today:%Y-%m-%d}；共 {len(owed)} 项待报。",
    ]
    help_sheet.column_dimensions["A"].width = 100
    for number, line in enumerate(lines, start=1):
        help_sheet.cell(row=number, column=1, value=line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
