"""The programme briefing (工作简报) as Word and PDF, and the figures as a spreadsheet.

`build_briefing()` gathers what the office reports upward each period: how many indicators
stand where, the headline targets, what moved since the previous period, what is behind and
who answers for it, which values are missing or late, and how the forecast is made.
`briefing_docx()` and `briefing_pdf()` lay the same content out for Word and for print, with
charts drawn by matplotlib (`Figure` objects only, never pyplot, so nothing global is left
behind). `figures_xlsx()` exports every indicator's standing and every reported value the user
may see.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import prefetch_related_objects
from django.utils import timezone

from aiplus.core.errors import PermissionDenied, ServiceError

from . import forecast, permissions
from .models import Direction, Indicator, Submission
from .models import SubmissionStatus as S
from .obligations import LATE, MISSING, Obligation, obligations_for
from .progress import (
    STATUS_COLOURS,
    STATUS_LABELS,
    Progress,
    method_text,
    programme_progress,
    summary,
)

HEADLINE_GROUP = "总体目标"
MAX_HEADLINES = 4  # headline indicators in the table
MAX_TRENDS = 3  # headline indicators drawn as a line
MAX_COMPLETION_BARS = 15
MAX_GAP_ROWS = 40
MOVED_WINDOW_DAYS = 120  # "what moved": latest value of a period ended at most this long ago
UNSPECIFIED = "未指定"
DASH = "—"
DEMO_MARK = "（示例）"
SHORTFALL = (forecast.BEHIND, forecast.AT_RISK)
CHART_DPI = 150
CHART_WIDTH_IN = 7.2
DOCX_FONT = ("宋体", "Times New Roman")  # (East Asian, Latin): present wherever Word is
DOCX_HEADING_FONT = ("黑体", "Arial")
_NUMERALS = "一二三四五六七八九十"


# --- numbers -------------------------------------------------------------------------------


def _float(value) -> float | None:
    """A finite float from a Decimal, float, int or numeric string; None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, InvalidOperation):
        return None
    return number if math.isfinite(number) else None


def fmt_number(value, places: int | None = None) -> str:
    """3000 → '3,000'; 20.50 → '20.5'; 0.1234 → '0.1234'; None → '—'."""
    number = _float(value)
    if number is None:
        return DASH
    if places is None:
        places = 2 if abs(number) >= 1 else 4
    number = round(number, places)
    if number == 0:
        number = 0.0  # no '-0'
    text = f"{number:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_value(value, unit: str = "") -> str:
    """A number with its unit: '2,900家', '20%', '17,000 PFLOPS'."""
    text = fmt_number(value)
    if text == DASH or not unit:
        return text
    return f"{text} {unit}" if unit[:1].isascii() and unit[:1].isalpha() else f"{text}{unit}"


def fmt_change(value, unit: str = "") -> str:
    number = _float(value)
    if number is None:
        return DASH
    text = fmt_value(number, unit)
    return f"+{text}" if round(number, 4) > 0 else text


def fmt_percent(ratio, places: int = 1) -> str:
    number = _float(ratio)
    if number is None:
        return DASH
    return f"{fmt_number(number * 100, places)}%"


def fmt_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else DASH


def target_label(indicator: Indicator, target=None) -> str:
    """'超过3,000家', '不高于5%', '300个'."""
    target = indicator.target_value if target is None else target
    at_most = indicator.direction == Direction.AT_MOST
    prefix = (
        ("低于" if indicator.strict else "不高于")
        if at_most
        else ("超过" if indicator.strict else "")
    )
    return prefix + fmt_value(target, indicator.unit)


def responsible_label(indicator: Indicator) -> str:
    names = [o.name for o in indicator.responsible.all()]
    return "、".join(names) or indicator.responsible_text.strip() or UNSPECIFIED


def _programme() -> tuple[str, str]:
    """(programme name, office name) of the loaded city pack."""
    from aiplus.core.models import CityPack

    pack = CityPack.objects.first()
    name = (pack.programme_name if pack else "") or "“人工智能+”城市行动"
    office = ""
    if pack is not None:
        try:
            from aiplus.core.citypack import pack_meta

            office = pack_meta(pack.code).get("office_name", "")
        except (ServiceError, OSError, ValueError):
            office = ""
    return name, office


# --- content -------------------------------------------------------------------------------


@dataclass
class Chart:
    key: str
    title: str
    png: bytes

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels, from the PNG header."""
        return struct.unpack(">II", self.png[16:24])


@dataclass
class Shortfall:
    """An indicator behind or at risk, with who answers for it."""

    progress: Progress
    responsible: str


@dataclass
class ReportingGap:
    """Missing and late values of one indicator and scope."""

    indicator: Indicator
    scope: str
    owner: str
    missing: int = 0
    late: int = 0
    latest: str = ""  # the most recent missing or late period
    latest_end: date | None = None


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative
    align: list[str]  # "L", "C" or "R" per column
    colour_column: int | None = None
    colours: list[str | None] = field(default_factory=list)  # per row, for colour_column


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # after the table and charts


@dataclass
class Briefing:
    title: str
    programme_name: str
    office_name: str
    period_label: str
    today: date
    progresses: list[Progress]
    counts: dict[str, int]
    headlines: list[Progress]
    moved: list[Progress]
    shortfalls: list[Shortfall]
    gaps: list[ReportingGap] | None  # None: reporting not assessed (no user, no obligations)
    missing_total: int
    late_total: int
    method: str
    demo_note: str
    demo_indicator_ids: set[int]
    charts: dict[str, Chart]

    @property
    def subtitle(self) -> str:
        return "　".join(s for s in (self.office_name, f"数据截至{fmt_date(self.today)}") if s)

    def name(self, progress: Progress) -> str:
        """The indicator's name, marked when its values include demo data."""
        ind = progress.indicator
        return ind.name + (DEMO_MARK if ind.pk in self.demo_indicator_ids else "")

    def sections(self) -> list[Section]:
        """The briefing's content in order, ready for a layout (Word or PDF)."""
        out = [
            self._overview(),
            self._headline_section(),
            self._moved_section(),
            self._shortfall_section(),
        ]
        if self.gaps is not None:
            out.append(self._gap_section())
        out.append(self._notes_section())
        for number, section in enumerate(out):
            section.title = f"{_NUMERALS[number]}、{section.title}"
        return out

    # sections --------------------------------------------------------------------------

    def _overview(self) -> Section:
        total = len(self.progresses)
        parts = [f"{STATUS_LABELS[s]}{self.counts.get(s, 0)}项" for s in forecast.STATUSES]
        text = (
            f"截至{fmt_date(self.today)}，行动方案共监测{total}项指标，其中"
            + "、".join(parts)
            + "。"
        )
        table = Table(
            columns=[str(STATUS_LABELS[s]) for s in forecast.STATUSES] + ["合计"],
            rows=[[str(self.counts.get(s, 0)) for s in forecast.STATUSES] + [str(total)]],
            widths=[1] * (len(forecast.STATUSES) + 1),
            align=["C"] * (len(forecast.STATUSES) + 1),
        )
        charts = [self.charts[k] for k in ("status",) if k in self.charts]
        return Section("总体进展", [text], table, charts)

    def _headline_section(self) -> Section:
        rows, colours = [], []
        for p in self.headlines:
            latest = p.latest
            rows.append(
                [
                    self.name(p),
                    fmt_value(latest.value, p.indicator.unit) if latest else DASH,
                    latest.label if latest else DASH,
                    target_label(p.indicator, p.target),
                    fmt_date(p.indicator.deadline),
                    fmt_percent(p.completion),
                    p.status_label,
                ]
            )
            colours.append(p.status_colour)
        table = Table(
            columns=["指标", "最新值", "报告期", "目标", "截止日期", "完成率", "状态"],
            rows=rows,
            widths=[4.6, 2.1, 2.1, 2.6, 2.9, 1.6, 1.8],
            align=["L", "R", "C", "R", "C", "R", "C"],
            colour_column=6,
            colours=colours,
        )
        charts = [self.charts[k] for k in ("trend",) if k in self.charts]
        paragraphs = [] if rows else ["暂无总体目标指标。"]
        return Section("总体目标", paragraphs, table if rows else None, charts)

    def _moved_section(self) -> Section:
        if not self.moved:
            return Section("本期变化", ["近期各指标审定值与上期相比均无变化。"])
        rows = []
        for p in self.moved:
            unit = p.indicator.unit
            rows.append(
                [
                    self.name(p),
                    f"{p.previous.label} → {p.latest.label}",
                    fmt_value(p.previous.value, unit),
                    fmt_value(p.latest.value, unit),
                    fmt_change(p.change, unit),
                ]
            )
        text = f"与上一报告期相比，{len(rows)}项指标的数值有变化："
        table = Table(
            columns=["指标", "报告期", "上期值", "本期值", "变化"],
            rows=rows,
            widths=[6, 3.6, 2.4, 2.4, 2.4],
            align=["L", "C", "R", "R", "R"],
        )
        return Section("本期变化", [text], table)

    def _shortfall_section(self) -> Section:
        if not self.shortfalls:
            return Section("滞后与风险指标及责任单位", ["目前没有进度滞后或存在风险的指标。"])
        behind = sum(1 for s in self.shortfalls if s.progress.status == forecast.BEHIND)
        text = (
            f"进度滞后{behind}项、存在风险{len(self.shortfalls) - behind}项。"
            "预测值为按现有趋势外推到截止日期的数值，请责任单位对照目标加快推进。"
        )
        rows, colours = [], []
        for s in self.shortfalls:
            p, unit = s.progress, s.progress.indicator.unit
            rows.append(
                [
                    self.name(p),
                    p.status_label,
                    fmt_value(p.latest.value, unit) if p.latest else DASH,
                    fmt_value(p.forecast, unit),
                    target_label(p.indicator, p.target),
                    fmt_date(p.indicator.deadline),
                    s.responsible,
                ]
            )
            colours.append(p.status_colour)
        table = Table(
            columns=["指标", "状态", "最新值", "预测值", "目标", "截止日期", "责任单位"],
            rows=rows,
            widths=[4.4, 1.8, 2.1, 2.1, 2.4, 2.9, 3.2],
            align=["L", "C", "R", "R", "R", "C", "L"],
            colour_column=1,
            colours=colours,
        )
        charts = [self.charts[k] for k in ("completion",) if k in self.charts]
        return Section("滞后与风险指标及责任单位", [text], table, charts)

    def _gap_section(self) -> Section:
        gaps = self.gaps or []
        if not gaps:
            return Section("报送情况（缺报、迟报）", ["各责任单位均已按期报送，无缺报、迟报。"])
        text = (
            f"截至{fmt_date(self.today)}，共缺报{self.missing_total}期次、迟报{self.late_total}期次，"
            f"涉及{len({g.indicator.pk for g in gaps})}项指标的{len(gaps)}个报送范围："
        )
        shown = gaps[:MAX_GAP_ROWS]
        rows = [
            [
                g.indicator.name,
                g.scope,
                g.owner,
                str(g.missing) if g.missing else DASH,
                str(g.late) if g.late else DASH,
                g.latest,
            ]
            for g in shown
        ]
        table = Table(
            columns=["指标", "范围", "责任单位", "缺报期数", "迟报期数", "最近一期"],
            rows=rows,
            widths=[5.2, 2.2, 3.6, 1.9, 1.9, 2.6],
            align=["L", "C", "L", "R", "R", "C"],
        )
        notes = []
        if len(gaps) > len(shown):
            notes.append(f"另有{len(gaps) - len(shown)}项未列出，详见报送情况页面。")
        return Section("报送情况（缺报、迟报）", [text], table, notes=notes)

    def _notes_section(self) -> Section:
        paragraphs = [
            "数值为专班办公室审定的各期报送值；分板块、分领域报送的指标为各范围数值之和，"
            "某范围本期未报时沿用其上期审定值；自动统计指标由平台数据按报告期末计算。",
            f"预测方法：{self.method}",
        ]
        if self.demo_note:
            paragraphs.append(self.demo_note)
        return Section("说明", paragraphs)


def _headlines(progresses: list[Progress]) -> list[Progress]:
    chosen = [p for p in progresses if p.indicator.group_label == HEADLINE_GROUP]
    if not chosen:  # a pack without a 总体目标 group: the first indicators of the plan
        chosen = list(progresses)
    return chosen[:MAX_HEADLINES]


def _moved(progresses: list[Progress], today: date) -> list[Progress]:
    since = today - timedelta(days=MOVED_WINDOW_DAYS)
    return [
        p
        for p in progresses
        if p.change is not None and round(p.change, 6) != 0 and p.latest.end >= since
    ]


def _shortfalls(progresses: list[Progress]) -> list[Shortfall]:
    items = [p for p in progresses if p.status in SHORTFALL]
    prefetch_related_objects([p.indicator for p in items], "responsible")
    items.sort(
        key=lambda p: (
            SHORTFALL.index(p.status),
            p.completion if p.completion is not None else math.inf,
            p.indicator.position,
        )
    )
    return [Shortfall(p, responsible_label(p.indicator)) for p in items]


def _gaps(obligations: list[Obligation]) -> tuple[list[ReportingGap], int, int]:
    gaps: dict[tuple, ReportingGap] = {}
    missing = late = 0
    for o in obligations:
        if o.state not in (MISSING, LATE):
            continue
        key = (o.indicator.pk, o.area.pk if o.area else None, o.sector.pk if o.sector else None)
        gap = gaps.get(key)
        if gap is None:
            gap = gaps[key] = ReportingGap(o.indicator, o.scope_label, o.owner_label)
        if o.state == MISSING:
            gap.missing += 1
            missing += 1
        else:
            gap.late += 1
            late += 1
        if gap.latest_end is None or o.span.end > gap.latest_end:
            gap.latest_end, gap.latest = o.span.end, o.span.label
    rows = sorted(
        gaps.values(),
        key=lambda g: (-g.missing, -g.late, g.indicator.position, g.scope),
    )
    return rows, missing, late


def build_briefing(
    *,
    today: date,
    period_label: str | None = None,
    user=None,
    obligations: list[Obligation] | None = None,
    charts: bool = True,
) -> Briefing:
    """The briefing as of `today`.

    Missing and late values come from `obligations` when given, else from
    `obligations_for(user)` (the office sees every unit's); with neither, that section is left
    out. A user who may not see programme monitoring is refused."""
    if user is not None and not permissions.can_view_programme(user):
        raise PermissionDenied("您无权查看行动监测情况。")
    programme_name, office_name = _programme()
    period_label = period_label or f"{today.year}年{today.month}月"
    progresses = programme_progress(today=today)
    if obligations is None and user is not None:
        obligations = obligations_for(user, today=today, states={MISSING, LATE})
    gaps, missing, late = _gaps(obligations) if obligations is not None else (None, 0, 0)
    demo_ids = set(
        Submission.objects.filter(is_demo=True, status=S.APPROVED)
        .values_list("indicator_id", flat=True)
        .distinct()
    )
    demo_note = ""
    if demo_ids or Submission.objects.filter(is_demo=True).exists():
        demo_note = (
            f"标注“{DEMO_MARK.strip('（）')}”的指标数值含演示用示例数据，不代表实际统计结果。"
        )
    headlines = _headlines(progresses)
    briefing = Briefing(
        title=f"{programme_name}工作简报（{period_label}）",
        programme_name=programme_name,
        office_name=office_name,
        period_label=period_label,
        today=today,
        progresses=progresses,
        counts=summary(progresses),
        headlines=headlines,
        moved=_moved(progresses, today),
        shortfalls=_shortfalls(progresses),
        gaps=gaps,
        missing_total=missing,
        late_total=late,
        method=method_text(),
        demo_note=demo_note,
        demo_indicator_ids=demo_ids,
        charts={},
    )
    if charts:
        for key, title, draw in (
            ("status", "各行动方面指标状态", status_chart),
            ("trend", "总体目标走势", trend_chart),
            ("completion", "滞后与风险指标完成率", completion_chart),
        ):
            png = draw(progresses if key != "trend" else headlines)
            if png is not None:
                briefing.charts[key] = Chart(key, title, png)
    return briefing


# --- charts --------------------------------------------------------------------------------
# Figures are laid out with fixed margins (in inches) rather than constrained layout: several
# times cheaper, and the content of each chart is known.


def _font(size: float = 9):
    from matplotlib.font_manager import FontProperties

    from aiplus.core.fonts import cjk_font_path

    return FontProperties(fname=str(cjk_font_path()), size=size)


def _plain(text: str, limit: int | None = None) -> str:
    """Text as matplotlib shows it literally (no mathtext), shortened to `limit` characters."""
    text = str(text)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def _figure(height_in: float, *, left: float, bottom: float, top: float = 0.4, right=0.25):
    """An Agg figure, not known to pyplot, with margins in inches."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(CHART_WIDTH_IN, height_in), dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(
        left=left / CHART_WIDTH_IN,
        right=1 - right / CHART_WIDTH_IN,
        bottom=bottom / height_in,
        top=1 - top / height_in,
    )
    return figure


def _label_width(labels: list[str], size: float) -> float:
    """Inches needed left of the axes for CJK tick labels (one em per character)."""
    return 0.2 + max((len(s) for s in labels), default=0) * size / 72 * 1.02


def _tidy(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def _date_ticks(first: date, last: date) -> list[date]:
    """Quarter (or half-year, or year) starts between two dates: at most about eight ticks."""
    months = (last.year - first.year) * 12 + last.month - first.month
    step = 3 if months <= 24 else 6 if months <= 48 else 12
    day = date(first.year, (first.month - 1) // step * step + 1, 1)
    ticks = []
    while day <= last:
        if day >= first:
            ticks.append(day)
        month = day.month - 1 + step
        day = date(day.year + month // 12, month % 12 + 1, 1)
    return ticks


def chart_png(figure) -> bytes:
    """Render a matplotlib Figure (Agg) to PNG bytes and release its artists."""
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=CHART_DPI, facecolor="white")
    finally:
        figure.clear()
    return buffer.getvalue()


def status_chart(progresses: list[Progress]) -> bytes | None:
    """Stacked horizontal bars: each aspect's indicators by status."""
    if not progresses:
        return None
    from matplotlib.ticker import MaxNLocator

    groups: dict[str, dict[str, int]] = {}
    for p in progresses:
        counts = groups.setdefault(p.indicator.group_label, dict.fromkeys(forecast.STATUSES, 0))
        counts[p.status] += 1
    names = [_plain(n, 14) for n in groups]
    figure = _figure(0.36 * len(names) + 1.25, left=_label_width(names, 8.5), bottom=0.85, top=0.38)
    ax = figure.add_subplot()
    ys = list(range(len(names)))
    left = [0] * len(names)
    for status in forecast.STATUSES:
        widths = [counts[status] for counts in groups.values()]
        if not any(widths):
            continue
        ax.barh(
            ys,
            widths,
            left=left,
            height=0.62,
            color=STATUS_COLOURS[status],
            edgecolor="white",
            label=str(STATUS_LABELS[status]),
        )
        for y, (x, w) in enumerate(zip(left, widths, strict=True)):
            if w:
                ax.text(x + w / 2, y, str(w), ha="center", va="center", color="white", fontsize=8)
        left = [x + w for x, w in zip(left, widths, strict=True)]
    ax.set_yticks(ys, names, fontproperties=_font(8.5))
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("指标数（项）", fontproperties=_font(8.5))
    ax.set_title("各行动方面指标状态", fontproperties=_font(11), loc="left")
    _tidy(ax)
    figure.legend(
        loc="lower center", bbox_to_anchor=(0.5, 0.01), ncols=5, frameon=False, prop=_font(8.5)
    )
    return chart_png(figure)


def completion_chart(progresses: list[Progress]) -> bytes | None:
    """Bars: completion (latest value / target) of each indicator behind or at risk."""
    items = [p for p in progresses if p.status in SHORTFALL and p.completion is not None]
    if not items:
        return None
    from matplotlib.patches import Patch

    items.sort(key=lambda p: p.completion)
    items = items[:MAX_COMPLETION_BARS]
    names = [_plain(p.indicator.name, 18) for p in items]
    figure = _figure(0.3 * len(items) + 1.25, left=_label_width(names, 8), bottom=0.85, top=0.38)
    ax = figure.add_subplot()
    ys = list(range(len(items)))
    values = [max(0.0, p.completion * 100) for p in items]
    ax.barh(ys, values, height=0.6, color=[p.status_colour for p in items])
    top = max([*values, 100.0])
    for y, (value, p) in enumerate(zip(values, items, strict=True)):
        ax.text(value + top * 0.01, y, fmt_percent(p.completion), va="center", fontsize=7.5)
    ax.axvline(100, linestyle="--", linewidth=1, color="#555555")
    ax.set_xlim(0, top * 1.12)
    ax.set_yticks(ys, names, fontproperties=_font(8))
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xlabel("完成率（最新值 / 目标，%）", fontproperties=_font(8.5))
    ax.set_title("滞后与风险指标完成率", fontproperties=_font(11), loc="left")
    _tidy(ax)
    handles = [
        Patch(color=STATUS_COLOURS[s], label=str(STATUS_LABELS[s]))
        for s in SHORTFALL
        if any(p.status == s for p in items)
    ]
    figure.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.01),
        ncols=2,
        frameon=False,
        prop=_font(8.5),
    )
    return chart_png(figure)


def trend_chart(progresses: list[Progress]) -> bytes | None:
    """One panel per headline indicator: approved values, baseline, trend and target (dashed)."""
    items = [p for p in progresses if p.points or p.baseline][:MAX_TRENDS]
    if not items:
        return None
    panel = 2.0
    figure = _figure(panel * len(items) + 0.15, left=0.75, bottom=0.4, top=0.4)
    figure.subplots_adjust(hspace=0.62)
    axes = figure.subplots(len(items), 1, squeeze=False)[:, 0]
    small = _font(7.5)
    for ax, p in zip(axes, items, strict=True):
        ind = p.indicator
        xs = [pt.end for pt in p.points]
        ys = [pt.value for pt in p.points]
        first = min([ind.start_date, *xs] + ([p.baseline[0]] if p.baseline else []))
        last = max([ind.deadline, *xs])
        if p.baseline:
            ax.plot(
                [p.baseline[0]],
                [p.baseline[1]],
                marker="s",
                markersize=4,
                linestyle="none",
                color="#8c8c8c",
                label="基线",
            )
        if xs:
            ax.plot(
                xs, ys, marker="o", markersize=3.5, color="#2f6fd6", linewidth=1.6, label="审定值"
            )
        fit = p.assessment.fit if p.assessment else None
        if fit:
            ax.plot(
                [fit.origin, ind.deadline],
                [fit.at(fit.origin), fit.at(ind.deadline)],
                linestyle=(0, (2, 2)),
                color="#2f6fd6",
                linewidth=1,
                alpha=0.7,
                label="趋势线（外推至截止日）",
            )
        if p.target is not None:
            ax.axhline(
                p.target,
                linestyle="--",
                linewidth=1.2,
                color="#cf222e",
                label=f"目标 {target_label(ind, p.target)}",
            )
        ticks = _date_ticks(first, last)
        ax.set_xticks(ticks, [f"{d.year}-{d.month:02d}" for d in ticks])
        ax.set_xlim(first - timedelta(days=15), last + timedelta(days=15))
        ax.set_title(_plain(f"{ind.name}（{ind.unit}）"), fontproperties=_font(9.5), loc="left")
        ax.grid(axis="y", linewidth=0.4, alpha=0.5)
        _tidy(ax)
        ax.legend(prop=small, loc="best", frameon=False, ncols=2)
    return chart_png(figure)


# --- Word ----------------------------------------------------------------------------------


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _docx_fonts(rpr, fonts: tuple[str, str]) -> None:
    """Set the (East Asian, Latin) fonts of a run-properties element, dropping the theme fonts
    that would otherwise win over them."""
    from docx.oxml.ns import qn

    east_asia, latin = fonts
    element = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsiaTheme", "w:asciiTheme", "w:hAnsiTheme"):
        element.attrib.pop(qn(attr), None)
    element.set(qn("w:eastAsia"), east_asia)
    element.set(qn("w:ascii"), latin)
    element.set(qn("w:hAnsi"), latin)


def _docx_styles(document) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if rpr is not None:
        _docx_fonts(rpr, DOCX_FONT)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:eastAsia"), "zh-CN")
    for name, font, size in (
        ("Normal", DOCX_FONT, 11),
        ("Title", DOCX_HEADING_FONT, 20),
        ("Heading 1", DOCX_HEADING_FONT, 14),
        ("Heading 2", DOCX_HEADING_FONT, 12),
    ):
        style = document.styles[name]
        _docx_fonts(style.element.get_or_add_rPr(), font)
        style.font.size = Pt(size)
        if name != "Normal":
            style.font.color.rgb = RGBColor(0x1F, 0x2D, 0x3D)
            style.font.bold = name != "Title"


def _docx_field(run, code: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    begin, text, end = (
        OxmlElement("w:fldChar"),
        OxmlElement("w:instrText"),
        OxmlElement("w:fldChar"),
    )
    begin.set(qn("w:fldCharType"), "begin")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {code} "
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, end):
        run._r.append(element)


def _docx_table(document, table: Table, width_cm: float) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    aligns = {
        "L": WD_ALIGN_PARAGRAPH.LEFT,
        "C": WD_ALIGN_PARAGRAPH.CENTER,
        "R": WD_ALIGN_PARAGRAPH.RIGHT,
    }
    total = sum(table.widths)
    widths = [Cm(width_cm * w / total) for w in table.widths]
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    header = grid.rows[0]
    trpr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for r, row in enumerate(grid.rows):
        values = table.columns if r == 0 else table.rows[r - 1]
        for c, cell in enumerate(row.cells):
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            paragraph.alignment = aligns["C"] if r == 0 else aligns[table.align[c]]
            run = paragraph.add_run(str(values[c]))
            run.font.size = Pt(9)
            if r == 0:
                run.font.bold = True
                shading = OxmlElement("w:shd")
                shading.set(qn("w:val"), "clear")
                shading.set(qn("w:color"), "auto")
                shading.set(qn("w:fill"), "DDEBF7")
                cell._tc.get_or_add_tcPr().append(shading)
            elif c == table.colour_column and table.colours[r - 1]:
                run.font.color.rgb = RGBColor(*_hex_rgb(table.colours[r - 1]))


def briefing_docx(briefing: Briefing) -> bytes:
    """The briefing as a Word document (A4): title, sections, tables and charts."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    document = Document()
    _docx_styles(document)
    page = document.sections[0]
    page.page_width, page.page_height = Cm(21), Cm(29.7)
    page.left_margin = page.right_margin = Cm(2.2)
    page.top_margin = page.bottom_margin = Cm(2.2)
    content_cm = 21 - 2 * 2.2
    props = document.core_properties
    props.title = briefing.title
    props.author = briefing.office_name or briefing.programme_name
    props.language = "zh-CN"

    title = document.add_paragraph(briefing.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = subtitle.add_run(briefing.subtitle)
    run.font.size = Pt(10.5)
    run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)

    for section in briefing.sections():
        document.add_heading(section.title, level=1)
        for text in section.paragraphs:
            document.add_paragraph(text)
        if section.table is not None:
            _docx_table(document, section.table, content_cm)
        for chart in section.charts:
            picture = document.add_picture(io.BytesIO(chart.png), width=Cm(content_cm))
            picture._inline.docPr.set("descr", chart.title)
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for text in section.notes:
            note = document.add_paragraph()
            note_run = note.add_run(text)
            note_run.font.size = Pt(9)

    footer = page.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in ("第 ", "PAGE", " 页 / 共 ", "NUMPAGES", " 页"):
        run = footer.add_run()
        run.font.size = Pt(9)
        if piece.isupper():
            _docx_field(run, piece)
        else:
            run.text = piece
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------

PDF_MARGIN = 18
PDF_WIDTH = 210 - 2 * PDF_MARGIN


def briefing_pdf(briefing: Briefing) -> bytes:
    """The briefing as a printable A4 portrait PDF, with page numbers."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from aiplus.core.fonts import cjk_font_path

    class BriefingPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("cjk", size=9)
            self.set_text_color(90)
            self.cell(0, 8, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")

    pdf = BriefingPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("cjk", fname=str(cjk_font_path()))
    font = pdf.fonts.get("cjk")
    if getattr(font, "ttfont", None) is not None:
        # keep the font's own bounding box: recomputing it over every glyph of the subset is
        # a third of the time spent writing the PDF, and the original box still encloses them
        font.ttfont.recalcBBoxes = False
    pdf.set_margins(PDF_MARGIN, 16, PDF_MARGIN)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(briefing.title)
    pdf.set_author(briefing.office_name or briefing.programme_name)
    pdf.set_creator("aiplus")
    pdf.set_lang("zh-CN")
    pdf.add_page()

    pdf.set_font("cjk", size=17)
    pdf.multi_cell(0, 9, briefing.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.set_text_color(90)
    pdf.cell(0, 7, briefing.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.ln(2)

    heading = FontFace(fill_color=(221, 235, 247), size_pt=9.5)
    aligns = {"L": "LEFT", "C": "CENTER", "R": "RIGHT"}
    for section in briefing.sections():
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font("cjk", size=13)
        pdf.set_text_color(31, 45, 61)
        pdf.cell(0, 8, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(47, 111, 214)
        pdf.set_line_width(0.4)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + PDF_WIDTH, pdf.get_y())
        pdf.set_line_width(0.2)
        pdf.set_text_color(0)
        pdf.ln(2)
        pdf.set_font("cjk", size=10.5)
        for text in section.paragraphs:
            pdf.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        if section.table is not None:
            table = section.table
            total = sum(table.widths)
            pdf.set_font("cjk", size=8.5)
            pdf.set_draw_color(160)
            with pdf.table(
                col_widths=[PDF_WIDTH * w / total for w in table.widths],
                width=PDF_WIDTH,
                line_height=4.6,
                text_align=tuple(aligns[a] for a in table.align),
                headings_style=heading,
                repeat_headings=1,
                padding=1.2,
                v_align="MIDDLE",
            ) as grid:
                head = grid.row()
                for label in table.columns:
                    head.cell(label, align="CENTER")
                for index, values in enumerate(table.rows):
                    row = grid.row()
                    for c, value in enumerate(values):
                        colour = table.colours[index] if c == table.colour_column else None
                        if colour:
                            row.cell(str(value), style=FontFace(color=_hex_rgb(colour)))
                        else:
                            row.cell(str(value))
            pdf.ln(2)
        for chart in section.charts:
            width_px, height_px = chart.size
            height = PDF_WIDTH * height_px / width_px
            if pdf.will_page_break(height):
                pdf.add_page()
            pdf.image(
                io.BytesIO(chart.png), x=pdf.l_margin, w=PDF_WIDTH, h=height, alt_text=chart.title
            )
            pdf.ln(2)
        if section.notes:
            pdf.set_font("cjk", size=9)
            for text in section.notes:
                pdf.multi_cell(0, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- spreadsheet ---------------------------------------------------------------------------

PROGRESS_COLUMNS = [
    ("代码", 22),
    ("行动方面", 18),
    ("指标", 40),
    ("单位", 9),
    ("目标", 11),
    ("截止日期", 12),
    ("基线", 11),
    ("最新值", 12),
    ("最新报告期", 14),
    ("完成率", 9),
    ("预测值", 12),
    ("状态", 10),
    ("类型", 10),
    ("来源", 50),
]
SUBMISSION_COLUMNS = [
    ("指标代码", 22),
    ("指标", 36),
    ("报告期", 14),
    ("范围", 12),
    ("数值", 12),
    ("单位", 9),
    ("状态", 10),
    ("报送单位", 24),
    ("报送时间", 18),
    ("审核人", 12),
    ("审核时间", 18),
    ("说明", 30),
    ("异常说明", 30),
    ("替代记录ID", 11),
    ("示例", 6),
]


def _xlsx_number(value):
    """A Decimal or float as Excel shows it best (int when whole); None stays empty."""
    number = _float(value)
    if number is None:
        return None
    if isinstance(value, Decimal):
        value = value.normalize()
        return int(value) if value == value.to_integral_value() else float(value)
    return int(number) if number.is_integer() else round(number, 6)


def _xlsx_time(value: datetime | None):
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def _sheet(workbook, title: str, columns, rows, formats: dict[int, str] | None = None):
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from aiplus.scenarios.io import neutralise

    sheet = workbook.create_sheet(title)
    sheet.append([label for label, _ in columns])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for index, (_, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    for column, number_format in (formats or {}).items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = number_format
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(sheet.max_row, 1)}"
    return sheet


def figures_xlsx(*, user=None, today: date | None = None) -> bytes:
    """Every indicator's standing (sheet 指标进度) and every value the user may see (报送明细).

    Without a user (commands, the office's own scripts) every submission is included."""
    from openpyxl import Workbook

    if user is not None and not permissions.can_view_programme(user):
        raise PermissionDenied("您无权查看行动监测情况。")
    today = today or timezone.localdate()
    progress_rows = []
    for p in programme_progress(today=today):
        ind = p.indicator
        progress_rows.append(
            [
                ind.code,
                ind.group_label,
                ind.name,
                ind.unit,
                _xlsx_number(p.target),
                ind.deadline,
                _xlsx_number(ind.baseline_value),
                _xlsx_number(p.latest.value) if p.latest else None,
                p.latest.label if p.latest else "",
                _xlsx_number(p.completion),
                _xlsx_number(round(p.forecast, 4)) if p.forecast is not None else None,
                p.status_label,
                ind.get_kind_display(),
                ind.source,
            ]
        )
    submissions = (
        permissions.submissions_visible_to(user) if user is not None else Submission.objects.all()
    )
    submissions = submissions.select_related(
        "indicator", "period", "area", "sector", "organisation", "reviewed_by"
    ).order_by("indicator__position", "indicator_id", "period__end", "area_id", "sector_id", "id")
    submission_rows = [
        [
            s.indicator.code,
            s.indicator.name,
            s.period.label,
            s.scope_label,
            _xlsx_number(s.value),
            s.indicator.unit,
            s.get_status_display(),
            s.organisation.name if s.organisation else "",
            _xlsx_time(s.submitted_at),
            str(s.reviewed_by) if s.reviewed_by else "",
            _xlsx_time(s.reviewed_at),
            s.note,
            s.explanation,
            s.replaces_id,
            "是" if s.is_demo else "",
        ]
        for s in submissions.iterator(chunk_size=1000)
    ]
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, "指标进度", PROGRESS_COLUMNS, progress_rows, {6: "yyyy-mm-dd", 10: "0.0%"})
    _sheet(
        workbook,
        "报送明细",
        SUBMISSION_COLUMNS,
        submission_rows,
        {9: "yyyy-mm-dd hh:mm", 11: "yyyy-mm-dd hh:mm"},
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
