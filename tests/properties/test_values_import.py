"""Properties of the indicator values import (`programme.io.import_values_xlsx`).

Valid rows (indicators by code or name, periods as text or date cells, areas by name or code,
numbers as numbers or text) import exactly as written; damaged workbooks import every row or
refuse with a `ServiceError` (row problems as `ImportFailed`) and write nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiplus.core.errors import ServiceError
from aiplus.core.models import AuditEntry
from aiplus.programme.io import ImportFailed, import_values_xlsx
from aiplus.programme.models import Period, Submission, SubmissionStatus
from aiplus.programme.periods import parse_key

from .support import GARBAGE, NOT_XLSX, counts, fast, nonblank, rolled_back, text, workbook

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 20)
MODELS = (Submission, Period, AuditEntry)
AREAS = {"sip": "苏州工业园区", "gusu": "姑苏区", "wuzhong": "吴中区", "kunshan": "昆山市"}
MONTHS = [(2026, 2), (2026, 3), (2026, 4)]
INDICATORS = {
    "ai-enterprises": "全市集聚人工智能企业",
    "open-data-catalogues": "公共数据开放目录",
    "core-growth": "智能经济产业核心规模年均增长",
}
HEADERS = {
    "code": ["指标代码", "代码", "指标编码"],
    "name": ["指标名称", "指标"],
    "area": ["板块", "所在板块", "所属板块"],
    "period": ["报告期", "报送期", "统计期"],
    "value": ["数值", "本期数值", "填报数值", "数值（家）"],
    "note": ["说明", "备注"],
    "explanation": ["异常说明", "波动说明"],
}


def _plain(s: str) -> bool:
    return not s.startswith(("=", "'", "#")) and "_x" not in s and "\r" not in s


@st.composite
def keys(draw):
    """Distinct (indicator, area code, period key) of values the office may report now."""
    pool = [("ai-enterprises", a, f"{y}-{m:02d}") for a in AREAS for y, m in MONTHS]
    pool += [("open-data-catalogues", None, f"{y}-{m:02d}") for y, m in MONTHS]
    pool += [("core-growth", None, "2026Q1")]
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5, unique=True))


def period_cell(key: str, draw):
    if "Q" in key:
        return draw(st.sampled_from([key, "2026年第一季度", "2026q1", "2026年第1季度"]))
    year, month = int(key[:4]), int(key[5:])
    return draw(
        st.sampled_from(
            [
                key,
                f"{year}年{month}月",
                dt.datetime(year, month, 1),
                f"{year}/{month}",
                f"{year}.{month}",
            ]
        )
    )


@st.composite
def value_rows(draw):
    """(header, rows, expected) of valid values, every row with an explanation (so a jump from
    the previous value never needs one)."""
    by = draw(st.sampled_from(["code", "name", "both"]))
    fields = ["code", "name"] if by == "both" else [by]
    fields += ["area", "period", "value", "explanation"]
    if draw(st.booleans()):
        fields.append("note")
    fields = draw(st.permutations(fields))
    rows, expected = [], []
    for code, area, key in draw(keys()):
        number = draw(st.decimals(min_value=0, max_value=10**9, places=draw(st.integers(0, 4))))
        shown = draw(
            st.sampled_from(["number", "text", "comma", "full-width"])
            if number == number.to_integral_value()
            else st.sampled_from(["text", "number"])
        )
        cell = {
            "number": number,
            "text": f"{number}",
            "comma": f"{int(number):,}",
            "full-width": str(int(number)).translate(
                str.maketrans("0123456789", "０１２３４５６７８９")
            ),
        }[shown]
        if shown == "number" and number != number.to_integral_value():
            number = Decimal(str(float(number)))  # a number cell holds a float
        values = {
            "code": draw(st.sampled_from([code, code.upper(), f" {code} "])),
            "name": INDICATORS[code],
            "area": None if area is None else draw(st.sampled_from([area, AREAS[area]])),
            "period": period_cell(key, draw),
            "value": cell,
            "note": draw(st.one_of(st.just(""), nonblank(40, _plain))),
            "explanation": draw(nonblank(40, _plain)),
        }
        rows.append([values[f] for f in fields])
        expected.append(
            {
                "code": code,
                "area": area,
                "key": key,
                "value": number.quantize(Decimal("0.0001")),
                "note": values["note"] if "note" in fields else "",
                "explanation": values["explanation"],
            }
        )
    header = [draw(st.sampled_from(HEADERS[f])) for f in fields]
    return header, rows, expected


@fast(30)
@given(data=st.data())
def test_valid_rows_import_exactly_as_written(office, data):
    header, rows, expected = data.draw(value_rows())
    title = data.draw(st.sampled_from([[], [["2026年指标报送表"], []]]))
    with rolled_back():
        before = counts(*MODELS)
        result = import_values_xlsx(
            actor=office, file=workbook([[*title, header, *rows]]), today=TODAY
        )
        assert result.created == len(rows)
        subs = [
            Submission.objects.select_related("indicator", "period", "area").get(pk=pk)
            for pk in result.submission_ids
        ]
        got = [
            {
                "code": s.indicator.code,
                "area": s.area.code if s.area else None,
                "key": s.period.key,
                "value": s.value,
                "note": s.note,
                "explanation": s.explanation,
            }
            for s in subs
        ]
        assert got == expected
        assert {s.status for s in subs} == {SubmissionStatus.SUBMITTED}
        assert counts(Submission)["Submission"] == before["Submission"] + len(rows)


@st.composite
def messy_workbooks(draw):
    header, rows, _ = draw(value_rows())
    header, rows = list(header), [list(r) for r in rows]
    period = next(i for i, h in enumerate(header) if h in HEADERS["period"])
    for _ in range(draw(st.integers(1, 4))):
        what = draw(st.sampled_from(["cell", "cell", "cell", "header", "dup", "row", "period"]))
        if what in ("cell", "period"):
            r = draw(st.integers(0, len(rows) - 1))
            c = period if what == "period" else draw(st.integers(0, len(header) - 1))
            rows[r] += [None] * (c + 1 - len(rows[r]))
            bad = ["0000-01", "0000Q1", "9999-12", "２０２６－０３", "2026Q5", "٢٠٢٦-٠٣"]
            rows[r][c] = draw(st.one_of(GARBAGE, st.sampled_from(bad)) if c == period else GARBAGE)
        elif what == "header":
            header[draw(st.integers(0, len(header) - 1))] = draw(GARBAGE)
        elif what == "dup":
            header.append(draw(st.sampled_from(header)))
            for row in rows:
                row.append(draw(GARBAGE))
        else:
            rows.append(draw(st.lists(GARBAGE, min_size=1, max_size=len(header))))
    sheets = [[header, *rows]]
    if draw(st.booleans()):
        sheets.insert(0, draw(st.sampled_from([[], [["封面"]], [["数值", "指标代码"]]])))
    return workbook(sheets)


def check_refusal(exc: ServiceError):
    assert exc.message
    if isinstance(exc, ImportFailed):
        assert exc.errors
        assert all(e.row >= 2 and e.reason for e in exc.errors)


@fast(60)
@given(data=messy_workbooks(), period_key=st.sampled_from([None, "", "2026-03", "2026年13月"]))
def test_messy_files_import_all_rows_or_nothing(office, data, period_key):
    with rolled_back():
        before = counts(*MODELS)
        try:
            result = import_values_xlsx(actor=office, file=data, period_key=period_key, today=TODAY)
        except ServiceError as exc:
            check_refusal(exc)
            assert counts(*MODELS) == before
            return
        assert result.created > 0
        assert counts(Submission)["Submission"] == before["Submission"] + result.created


def test_a_period_of_year_zero_is_a_row_error(office):
    rows = [["指标代码", "报告期", "数值"], ["open-data-catalogues", "0000-01", 1]]
    with pytest.raises(ImportFailed) as caught:
        import_values_xlsx(actor=office, file=workbook([rows]), today=TODAY)
    assert "无法识别" in caught.value.as_dict()["第 2 行"]
    with pytest.raises(ServiceError, match="无法识别"):
        import_values_xlsx(actor=office, file=workbook([rows]), period_key="0000-01", today=TODAY)
    assert not Submission.objects.exists()


@fast(25)
@given(data=NOT_XLSX)
def test_files_that_are_not_workbooks_are_refused(office, data):
    with rolled_back():
        before = counts(*MODELS)
        with pytest.raises(ServiceError):
            import_values_xlsx(actor=office, file=data, today=TODAY)
        assert counts(*MODELS) == before


@fast(200)
@given(
    key=st.one_of(
        text(12),
        st.from_regex(r"\A\d{4}\s?[-/.年Qq第]\s?\d{1,2}[月季度]?\Z"),
        st.sampled_from(["0000-01", "0000Q1", "0000年第一季度", "٢٠٢٦-٠٣", "２０２６－０３"]),
    )
)
def test_parse_key_returns_a_period_or_none(key):
    span = parse_key(key)
    assert span is None or span.start <= span.end
