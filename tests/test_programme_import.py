"""Importing reported values from a spreadsheet, and the fill-in template.

Workbooks are built with openpyxl the way units fill them in: a title row above the header,
columns in any order, full-width headers, indicators by code or name, periods as text or dates.
Every row passes the checks of `services.save_value`; one bad row and nothing is written.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.models import Area
from aiplus.programme import services
from aiplus.programme.io import ImportFailed, import_values_xlsx, template_xlsx
from aiplus.programme.models import Indicator, Period, Submission, SubmissionStatus
from aiplus.programme.periods import parse_key

from .factories import sector_split_indicator

TODAY = date(2026, 5, 20)


def workbook(rows: list[list], *, title: str | None = "2026年指标报送表") -> bytes:
    wb = Workbook()
    sheet = wb.active
    if title:
        sheet.append([title])
        sheet.append([])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def run(actor, rows, **kwargs):
    kwargs.setdefault("today", TODAY)
    return import_values_xlsx(actor=actor, file=workbook(rows), **kwargs)


def row_errors(exc: ImportFailed) -> dict[str, str]:
    return exc.as_dict()


def approve_value(officer, office, key: str, value: str, code: str = "ai-enterprises"):
    sub = services.save_value(
        actor=officer,
        indicator=Indicator.objects.get(code=code),
        period=services.period_for(parse_key(key)),
        value=value,
        area=Area.objects.get(code="sip"),
        today=TODAY,
    )
    return services.approve(actor=office, submission=sub)


def test_good_file_creates_submitted_values(district_officer):
    # header on row 3, any column order, full-width and decorated headers, blank rows
    result = run(
        district_officer,
        [
            ["序号", "报告期", "指标代码", "板　块", "数值（家）", "说明"],
            [1, "2026-03", "ai-enterprises", "苏州工业园区", 3200, "统计局月报"],
            [],
            [2, "2026年4月", "AI-Enterprises", "sip", "3,260", ""],
            [3, datetime(2026, 2, 1), "ai-enterprises", "工业园区", "3100家", ""],
        ],
    )
    assert result.created == 3
    subs = Submission.objects.filter(pk__in=result.submission_ids).order_by("period__start")
    assert [(s.period.key, s.value, s.area.code) for s in subs] == [
        ("2026-02", 3100, "sip"),
        ("2026-03", 3200, "sip"),
        ("2026-04", 3260, "sip"),
    ]
    assert {s.status for s in subs} == {SubmissionStatus.SUBMITTED}
    assert {s.organisation_id for s in subs} == {district_officer.organisation_id}
    assert subs[1].note == "统计局月报"


def test_indicator_by_name_and_one_period_for_the_file(office):
    sector_split_indicator()
    result = run(
        office,
        [
            ["指标名称", "领域", "数值", "说明"],
            ["测试·分领域报送的垂类模型", "制造", 40, ""],
            ["测试·分领域报送的垂类模型", "finance", 12, ""],
            ["公共数据开放目录", "", "5,100", ""],
        ],
        period_key="2026年3月",
    )
    assert result.created == 3
    subs = Submission.objects.filter(pk__in=result.submission_ids)
    assert {s.period.key for s in subs} == {"2026-03"}
    assert {s.sector.code if s.sector else None for s in subs} == {
        "manufacturing",
        "finance",
        None,
    }


def test_one_bad_row_writes_nothing_and_names_its_excel_row(district_officer):
    with pytest.raises(ImportFailed) as caught:
        run(
            district_officer,
            [
                ["指标代码", "板块", "报告期", "数值"],
                ["ai-enterprises", "苏州工业园区", "2026-03", 3200],
                ["ai-enterprises", "苏州工业园区", "2026-04", "3200个"],
                ["specialised-smes", "苏州工业园区", "2026Q1", 12],
            ],
        )
    errors = row_errors(caught.value)
    assert list(errors) == ["第 5 行"]  # title, blank row, header, then rows 4-6
    assert "单位应为“家”" in errors["第 5 行"]
    assert "未导入任何数据" in caught.value.message
    assert str(caught.value.errors[0]).startswith("第 5 行：")
    assert not Submission.objects.exists()
    assert not Period.objects.exists()


def test_every_bad_row_is_reported(district_officer, office):
    approve_value(district_officer, office, "2026-02", "3000")
    with pytest.raises(ImportFailed) as caught:
        run(
            district_officer,
            [
                ["指标代码", "板块", "报告期", "数值", "异常说明"],
                ["ai-enterprises", "苏州工业园区", "2026-03", 5000, ""],  # 4: jump
                ["ai-enterprises", "苏州工业园区", "2026-04", 2900, ""],  # 5: backwards
                ["ai-enterprises", "苏州高新区", "2026-03", 100, ""],  # 6: another area
                ["typical-scenarios", "苏州工业园区", "2026-03", 3, ""],  # 7: derived
                ["no-such-code", "苏州工业园区", "2026-03", 3, ""],  # 8
                ["ai-enterprises", "", "2026-03", 3100, ""],  # 9: no area
                ["ai-enterprises", "苏州工业园区", "2026Q1", 3100, ""],  # 10: wrong frequency
                ["ai-enterprises", "苏州工业园区", "2026-08", 3100, ""],  # 11: not begun
                ["ai-enterprises", "苏州工业园区", "三月", 3100, ""],  # 12
                ["ai-enterprises", "苏州工业园区", "2026-05", 3100, ""],  # 13: fine
                ["ai-enterprises", "苏州工业园区", "2026-05", 3150, ""],  # 14: duplicate
                ["ai-enterprises", "火星", "2026-05", 3100, ""],  # 15
                ["ai-enterprises", "苏州工业园区", "2026-05", "", "忘了填数"],  # 16
                ["standards", "", "2026Q1", 10, ""],  # 17: city indicator, not responsible
            ],
        )
    errors = row_errors(caught.value)
    expected = {
        "第 4 行": "波动阈值",
        "第 5 行": "减少",
        "第 6 行": "不负责",
        "第 7 行": "自动统计",
        "第 8 行": "不存在",
        "第 9 行": "请选择板块",
        "第 10 行": "不适用",
        "第 11 行": "尚未开始",
        "第 12 行": "无法识别",
        "第 14 行": "与第 13 行重复",
        "第 15 行": "不存在",
        "第 16 行": "请填写数值",
        "第 17 行": "不负责",
    }
    assert set(errors) == set(expected)
    for key, words in expected.items():
        assert words in errors[key], (key, errors[key])
    assert Submission.objects.count() == 1  # only the value approved before the import


def test_explanation_column_allows_a_jump(district_officer, office):
    approve_value(district_officer, office, "2026-02", "3000")
    result = run(
        district_officer,
        [
            ["指标代码", "板块", "报告期", "数值", "异常说明"],
            ["ai-enterprises", "苏州工业园区", "2026-03", 5000, "两个新园区企业入驻"],
        ],
    )
    sub = Submission.objects.get(pk=result.submission_ids[0])
    assert sub.explanation == "两个新园区企业入驻"


def test_period_key_must_fit_each_indicator(district_officer):
    with pytest.raises(ImportFailed) as caught:
        run(
            district_officer,
            [
                ["指标代码", "板块", "数值"],
                ["ai-enterprises", "苏州工业园区", 3200],
                ["specialised-smes", "苏州工业园区", 40],
            ],
            period_key="2026-03",
        )
    errors = row_errors(caught.value)
    assert list(errors) == ["第 5 行"] and "按季度报送" in errors["第 5 行"]
    with pytest.raises(ImportFailed) as caught:
        run(
            district_officer,
            [["指标代码", "板块", "报告期", "数值"], ["ai-enterprises", "sip", "2026-04", 1]],
            period_key="2026-03",
        )
    assert "不一致" in row_errors(caught.value)["第 4 行"]


def test_file_level_refusals(district_officer, demander):
    with pytest.raises(ServiceError, match="不是有效的 Excel"):
        import_values_xlsx(actor=district_officer, file=b"plain text", today=TODAY)
    with pytest.raises(ServiceError, match="未找到表头"):
        run(district_officer, [["名称", "金额"], ["x", 1]])
    with pytest.raises(ServiceError, match="报告期"):
        run(district_officer, [["指标代码", "板块", "数值"], ["ai-enterprises", "sip", 1]])
    with pytest.raises(ServiceError, match="无法识别"):
        run(district_officer, [["指标代码", "数值"]], period_key="someday")
    with pytest.raises(ServiceError, match="没有填写数值"):
        run(district_officer, [["指标代码", "报告期", "数值"], ["ai-enterprises", "2026-03", None]])
    with pytest.raises(PermissionDenied):
        run(demander, [["指标代码", "报告期", "数值"], ["standards", "2026Q1", 1]])
    assert not Submission.objects.exists()


def test_template_lists_what_is_owed_and_imports_back(district_officer, office, demander):
    approve_value(district_officer, office, "2026Q1", "40", code="specialised-smes")
    body = template_xlsx(user=district_officer, period_key="2026Q1", today=TODAY)
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[1])
    assert header[:6] == ["指标代码", "指标名称", "单位", "板块", "领域", "报告期"]
    assert "数值" in header and "异常说明" in header
    owed = {(r[0], r[3], r[5]) for r in rows[2:]}
    assert ("high-tech-enterprises", "苏州工业园区", "2026Q1") in owed
    assert ("specialised-smes", "苏州工业园区", "2026Q1") not in owed  # already approved
    assert all(r[3] in ("苏州工业园区", None, "") for r in rows[2:])

    # fill in one row, leave the rest empty, import the file as it is
    value_col = header.index("数值") + 1
    target = next(i for i, r in enumerate(rows, start=1) if r[0] == "high-tech-enterprises")
    sheet.cell(row=target, column=value_col, value=15)
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    result = import_values_xlsx(actor=district_officer, file=buffer.getvalue(), today=TODAY)
    assert result.created == 1
    sub = Submission.objects.get(pk=result.submission_ids[0])
    assert (sub.indicator.code, sub.period.key, sub.value) == (
        "high-tech-enterprises",
        "2026Q1",
        15,
    )

    with pytest.raises(PermissionDenied):
        template_xlsx(user=demander, today=TODAY)
