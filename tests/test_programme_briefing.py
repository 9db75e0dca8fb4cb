"""Programme briefing: Word and PDF content, charts, and the figures spreadsheet."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from aiplus.accounts.choices import Role
from aiplus.core.models import Area
from aiplus.programme import briefing as b
from aiplus.programme.models import Indicator, Submission
from aiplus.programme.models import SubmissionStatus as S
from aiplus.programme.periods import span_containing
from aiplus.programme.services import period_for

from .factories import make_org, make_user

TODAY = date(2026, 11, 26)
TITLE = "苏州市“人工智能+”城市行动工作简报（2026年11月）"


def _submission(ind, day, value, *, status=S.APPROVED, area=None, org=None, **extra):
    period = period_for(span_containing(ind.frequency, day))
    at = timezone.make_aware(datetime.combine(period.end + timedelta(days=3), time(10)))
    return Submission.objects.create(
        indicator=ind,
        period=period,
        area=area,
        value=Decimal(str(value)),
        status=status,
        organisation=org,
        submitted_at=at if status != S.DRAFT else None,
        reviewed_at=at + timedelta(days=1) if status == S.APPROVED else None,
        **extra,
    )


@pytest.fixture
def series(citypack, office):
    """Approved values: one indicator rising to its target, one far behind, one demo series."""
    sip = Area.objects.get(code="sip")
    bureau = make_org(Role.DEMANDER, name="苏州市数据局")
    enterprises = Indicator.objects.get(code="ai-enterprises")
    for month, value in ((7, 2500), (8, 2600), (9, 2750), (10, 2900)):
        _submission(enterprises, date(2026, month, 1), value, area=sip, reviewed_by=office)
    catalogues = Indicator.objects.get(code="open-data-catalogues")
    catalogues.responsible.add(bureau)
    for day, value in (
        (date(2025, 3, 1), 1000),
        (date(2025, 9, 1), 1500),
        (date(2026, 3, 1), 2000),
        (date(2026, 9, 1), 2400),
        (date(2026, 10, 1), 2450),
    ):
        _submission(catalogues, day, value, org=bureau, reviewed_by=office)
    funds = Indicator.objects.get(code="ai-funds")
    for day, value in ((date(2026, 4, 1), 300), (date(2026, 7, 1), 420)):
        _submission(funds, day, value, is_demo=True)
    return {"sip": sip, "bureau": bureau, "catalogues": catalogues, "enterprises": enterprises}


def _docx_text(data: bytes) -> tuple[str, object]:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts), document


def test_numbers_are_formatted_robustly():
    assert b.fmt_number(Decimal("3000.0000")) == "3,000"
    assert b.fmt_number(20.50) == "20.5"
    assert b.fmt_number(None) == "—"
    assert b.fmt_number(float("nan")) == "—"
    assert b.fmt_number(-0.00001) == "0"
    assert b.fmt_number(-0.001, places=2) == "0"
    assert b.fmt_number(0.1234) == "0.1234"
    assert b.fmt_value(17000, "PFLOPS") == "17,000 PFLOPS"
    assert b.fmt_value(2900, "家") == "2,900家"
    assert b.fmt_change(150.0, "家") == "+150家"
    assert b.fmt_change(-2.5, "%") == "-2.5%"
    assert b.fmt_percent(0.8166) == "81.7%"
    assert b.fmt_percent(None) == "—"


def test_briefing_content(series, office):
    brief = b.build_briefing(today=TODAY, user=office)
    assert brief.title == TITLE
    assert sum(brief.counts.values()) == Indicator.objects.count() == 34
    assert [p.indicator.code for p in brief.headlines][:1] == ["ai-enterprises"]
    moved = {p.indicator.code: p for p in brief.moved}
    assert moved["ai-enterprises"].change == pytest.approx(150)
    behind = {s.progress.indicator.code: s for s in brief.shortfalls}
    assert behind["open-data-catalogues"].progress.status == "behind"
    assert behind["open-data-catalogues"].responsible == "苏州市数据局"
    assert all(s.responsible == "未指定" for c, s in behind.items() if c != "open-data-catalogues")
    assert brief.gaps and brief.missing_total > 0
    assert brief.demo_note and Indicator.objects.get(code="ai-funds").pk in brief.demo_indicator_ids
    assert set(brief.charts) == {"status", "trend", "completion"}
    assert all(c.png.startswith(b"\x89PNG") for c in brief.charts.values())
    # no user, no obligations: the reporting section is left out
    assert b.build_briefing(today=TODAY, charts=False).gaps is None


def test_district_briefing_lists_only_its_own_reporting(series, district_officer):
    brief = b.build_briefing(today=TODAY, user=district_officer, charts=False)
    assert brief.gaps
    assert {g.scope for g in brief.gaps} == {"苏州工业园区"}
    assert brief.title == TITLE


def test_briefing_refuses_users_outside_the_programme(series):
    with pytest.raises(b.PermissionDenied):
        b.build_briefing(today=TODAY, user=make_user(Role.SUPPLIER), charts=False)


def test_briefing_docx(series, office):
    brief = b.build_briefing(today=TODAY, user=office)
    text, document = _docx_text(b.briefing_docx(brief))
    assert TITLE in text
    assert "全市集聚人工智能企业" in text
    assert "公共数据开放目录" in text and "苏州市数据局" in text
    assert "进度滞后" in text
    assert "+150家" in text
    assert "缺报" in text
    assert "人工智能基金群总规模（示例）" in text
    assert "示例数据" in text
    assert "最小二乘" in text
    assert len(document.inline_shapes) == 3
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")


def test_briefing_pdf(series, office):
    from pypdf import PdfReader

    brief = b.build_briefing(today=TODAY, user=office, period_label="2026年10月")
    reader = PdfReader(io.BytesIO(b.briefing_pdf(brief)))
    assert len(reader.pages) >= 1
    # pypdf decodes fpdf2's two-byte CID text with NULs between the characters (and garbles
    # glyphs numbered above 255, i.e. characters first used late in the document: the strings
    # checked here all come early; `pdftotext` reads the whole file correctly)
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    compact = "".join(text.split())
    for needle in (
        "工作简报（2026年10月）",
        "全市集聚人工智能企业",
        "公共数据开放目录",
        "苏州市数据局",
        "进度滞后",
        "缺报",
        f"第1页/共{len(reader.pages)}页",
    ):
        assert needle in compact, needle
    assert sum(len(page.images) for page in reader.pages) == 3


def test_briefing_without_data(citypack):
    brief = b.build_briefing(today=TODAY, obligations=[])
    assert brief.moved == [] and brief.gaps == [] and brief.demo_note == ""
    text, _ = _docx_text(b.briefing_docx(brief))
    assert "无缺报、迟报" in text
    assert b.briefing_pdf(brief).startswith(b"%PDF")


def _sheet_rows(data: bytes, name: str) -> list[tuple]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    return list(workbook[name].iter_rows(values_only=True))


def test_figures_xlsx(series, office, district_officer):
    other_area = Area.objects.exclude(code="sip").first()
    other = make_user(Role.DISTRICT, area=other_area)
    enterprises = series["enterprises"]
    _submission(
        enterprises,
        date(2026, 10, 1),
        1234,
        status=S.DRAFT,
        area=other_area,
        org=other.organisation,
        note="=他区草稿",
    )
    _submission(
        enterprises,
        date(2026, 11, 1),
        3000,
        status=S.DRAFT,
        area=series["sip"],
        org=district_officer.organisation,
        note="本区草稿",
    )
    data = b.figures_xlsx(today=TODAY)
    progress = _sheet_rows(data, "指标进度")
    assert progress[0] == tuple(label for label, _ in b.PROGRESS_COLUMNS)
    assert progress[0][:3] == ("代码", "行动方面", "指标")
    assert len(progress) == 1 + Indicator.objects.count()
    rows = {r[0]: r for r in progress[1:]}
    assert rows["ai-enterprises"][7] == 2900
    assert rows["ai-enterprises"][8] == "2026年10月"
    assert rows["open-data-catalogues"][11] == "进度滞后"
    assert rows["typical-scenarios"][12] == "自动统计"

    details = _sheet_rows(data, "报送明细")
    assert details[0] == tuple(label for label, _ in b.SUBMISSION_COLUMNS)
    assert len(details) == 1 + Submission.objects.count()
    notes = [r[11] for r in details[1:]]
    assert "'=他区草稿" in notes  # neutralised formula
    assert any(r[14] == "是" for r in details[1:])

    mine = [
        r[11]
        for r in _sheet_rows(b.figures_xlsx(user=district_officer, today=TODAY), "报送明细")[1:]
    ]
    assert "本区草稿" in mine
    assert "'=他区草稿" not in mine
    assert len(mine) == Submission.objects.filter(status=S.APPROVED).count() + 1
