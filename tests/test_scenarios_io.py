"""Spreadsheet and PDF import/export of scenario demands (aiplus.scenarios.io)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from aiplus.accounts.models import Organisation
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.fonts import cjk_font_path
from aiplus.core.models import AuditEntry, DemanderType
from aiplus.scenarios.choices import DemandStatus, ListStatus
from aiplus.scenarios.io import (
    ImportFailed,
    export_demands_xlsx,
    export_list_pdf,
    import_demands_xlsx,
    list_demands,
    parse_budget,
)
from aiplus.scenarios.models import Demand, DemandList, DemandTransition

from .factories import make_demand

HEADER = [
    "序号",
    "场景名称",
    "需求单位",
    "所属领域",
    "所在板块",
    "需求方类型",
    "需求描述",
    "预算（万元）",
]


def xlsx(rows: list[list], *, title: str | None = None, blank_rows: int = 0) -> bytes:
    """An .xlsx with an optional merged title row and blank rows before `rows`."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for _ in range(blank_rows):
        ws.append([])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def good_row(n: int, title: str = "注塑件表面缺陷视觉检测", **kw) -> list:
    values = {
        "title": title,
        "demander": "苏州测试精密制造有限公司",
        "sector": "制造",
        "area": "苏州工业园区",
        "type": "制造业龙头企业",
        "pain": "人工目检漏检率高，需要机器视觉替代人工。",
        "budget": "50-120",
    }
    values.update(kw)
    return [
        n,
        values["title"],
        values["demander"],
        values["sector"],
        values["area"],
        values["type"],
        values["pain"],
        values["budget"],
    ]


def sheet_rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


# --- import --------------------------------------------------------------------------------

MESSY_HEADER = [
    "序 号",
    "需求单位 ",
    "场景名称\u3000",
    "所属领域（Ｓｅｃｔｏｒ）",
    "地区",
    "单位类型",
    "痛点",
    "预算（万元）",
    "技术方向",
    "联系人",
    "联系电话",
]


def messy_workbook() -> bytes:
    rows = [
        MESSY_HEADER,
        [
            1,
            "苏州测试精密制造有限公司",
            "注塑件表面缺陷视觉检测",
            "人工智能+制造",
            "苏州工业园区",
            "制造业龙头企业",
            "人工目检漏检率高，夜班质量波动大。",
            "50～120万元",
            "机器视觉、缺陷检测",
            "王工",
            13800000000,
        ],
        [None] * len(MESSY_HEADER),
        [
            2,
            "苏州测试第一医院",
            "影像辅助诊断",
            "医疗",
            "姑苏区",
            None,
            "放射科阅片压力大。",
            80,
            "大模型",
            None,
            None,
        ],
        [
            3,
            "苏州测试第一医院",
            "智能导诊",
            "医疗",
            "吴中",
            "",
            "门诊挂号排队时间长。",
            "保密",
            None,
            "李医生",
            "0512-12345678",
        ],
    ]
    wb = Workbook()
    ws = wb.active
    ws.append(["2025年苏州市人工智能应用场景需求清单"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(MESSY_HEADER))
    ws.append([])
    ws.append(["（按申报顺序排列）"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_messy_workbook_imports(office):
    orgs_before = Organisation.objects.count()
    result = import_demands_xlsx(actor=office, file=messy_workbook())

    assert result.created == 3
    assert result.organisations_created == 2
    assert result.demand_list is None
    assert Organisation.objects.count() == orgs_before + 2
    demands = Demand.objects.filter(pk__in=result.demand_ids).order_by("pk")
    first, second, third = demands
    assert first.title == "注塑件表面缺陷视觉检测"
    assert first.sector.name == "制造"
    assert first.area.name == "苏州工业园区"
    assert first.demander_type.name == "制造业龙头企业"
    assert first.budget_min == Decimal("500000.00")
    assert first.budget_max == Decimal("1200000.00")
    assert isinstance(first.budget_min, Decimal)
    assert first.contact_name == "王工"
    assert first.contact_phone == "13800000000"
    assert {t.name for t in first.tags.all()} == {"机器视觉", "缺陷检测"}
    assert first.code == f"XQ{first.created_at:%Y}{first.pk:06d}"
    assert first.status == DemandStatus.PUBLISHED and first.published_at is not None
    assert first.created_by == office

    assert second.demander.name == "苏州测试第一医院"
    assert second.demander_type.name == "医院"  # guessed from the organisation's name
    assert second.budget_min == second.budget_max == Decimal("800000.00")
    assert second.area.name == "姑苏区"

    assert third.area.name == "吴中区"
    assert third.budget_confidential and third.budget_min is None and third.budget_max is None
    assert third.demander_id == second.demander_id

    org = first.demander
    assert org.kind == "demander" and org.status == "approved"
    transitions = DemandTransition.objects.filter(demand__in=demands)
    assert transitions.count() == 3
    assert {(t.from_status, t.to_status, t.note) for t in transitions} == {
        ("", "published", "导入")
    }
    entries = AuditEntry.objects.filter(action="demand.import")
    assert entries.count() == 1
    assert entries.get().after["count"] == 3


def test_bad_rows_are_all_reported_and_nothing_is_written(office):
    data = xlsx(
        [
            HEADER,
            good_row(1, demander="新单位甲"),
            good_row(2, sector="航天", demander="新单位乙"),
            good_row(3, pain="", budget="120-50", demander="新单位丙"),
            good_row(4, area="园区", demander="新单位丁"),
        ]
    )
    demands_before = Demand.objects.count()
    orgs_before = Organisation.objects.count()

    with pytest.raises(ImportFailed) as info:
        import_demands_xlsx(actor=office, file=data)

    exc = info.value
    assert isinstance(exc, ServiceError)
    assert exc.message == "导入失败：共 3 行有误，未导入任何数据。"
    assert {e.row for e in exc.errors} == {3, 4, 5}
    texts = [str(e) for e in exc.errors]
    assert "第 3 行：所属领域“航天”不在重点领域中" in texts
    assert any(t.startswith("第 4 行：缺少必填项：需求描述") for t in texts)
    assert "第 4 行：预算上限不能低于预算下限。" in texts
    assert any(t.startswith("第 5 行：所在板块“园区”不够明确") for t in texts)
    assert exc.as_dict()["第 3 行"] == "所属领域“航天”不在重点领域中"
    assert Demand.objects.count() == demands_before
    assert Organisation.objects.count() == orgs_before
    assert not AuditEntry.objects.filter(action="demand.import").exists()


@pytest.mark.parametrize("payload", [b"not a spreadsheet", b"PK\x03\x04broken zip", b""])
def test_non_xlsx_rejected(office, payload):
    with pytest.raises(ServiceError) as info:
        import_demands_xlsx(actor=office, file=payload)
    assert info.value.message == "文件不是有效的 Excel（.xlsx）文件。"


def test_workbook_without_header_rejected(office):
    with pytest.raises(ServiceError, match="未找到表头"):
        import_demands_xlsx(actor=office, file=xlsx([["随便", "什么"], ["a", "b"]]))


def test_missing_required_column_or_no_rows_rejected(office):
    header = [h for h in HEADER if h != "所在板块"]
    with pytest.raises(ServiceError, match="表头缺少必填列：所在板块"):
        import_demands_xlsx(actor=office, file=xlsx([header, ["1", "a", "b", "制造", "c", "d"]]))
    with pytest.raises(ServiceError, match="没有需求数据"):
        import_demands_xlsx(actor=office, file=xlsx([HEADER, [None] * len(HEADER)]))


def test_non_office_refused(demander, supplier):
    data = xlsx([HEADER, good_row(1)])
    for actor in (demander, supplier):
        with pytest.raises(PermissionDenied):
            import_demands_xlsx(actor=actor, file=data)
    assert not Demand.objects.exists()


def test_import_into_named_list(office):
    rows = [HEADER] + [good_row(i, title=f"场景{i}") for i in range(1, 6)]
    result = import_demands_xlsx(
        actor=office,
        file=xlsx(rows, title="清单", blank_rows=1),
        list_name="2025年第一批场景需求清单",
    )
    demand_list = result.demand_list
    assert demand_list is not None and demand_list.status == ListStatus.DRAFT
    assert demand_list.name == "2025年第一批场景需求清单"
    assert [d.title for d in list_demands(demand_list)] == [f"场景{i}" for i in range(1, 6)]
    assert list(demand_list.items.values_list("position", flat=True)) == [1, 2, 3, 4, 5]
    assert result.organisations_created == 1

    with pytest.raises(ServiceError, match="已存在"):
        import_demands_xlsx(actor=office, file=xlsx(rows), list_name=demand_list.name)


def test_draft_import_cannot_go_into_a_list(office):
    with pytest.raises(ServiceError, match="只能把已发布的需求加入清单"):
        import_demands_xlsx(
            actor=office,
            file=xlsx([HEADER, good_row(1)]),
            status=DemandStatus.DRAFT,
            list_name="草稿清单",
        )
    result = import_demands_xlsx(
        actor=office, file=xlsx([HEADER, good_row(1)]), status=DemandStatus.DRAFT
    )
    demand = Demand.objects.get(pk=result.demand_ids[0])
    assert demand.status == DemandStatus.DRAFT and demand.published_at is None


def test_separate_min_max_columns_and_yuan_header(office):
    header = [
        "项目名称",
        "需求方",
        "行业",
        "板块",
        "需求内容",
        "需求方类型",
        "预算下限（万元）",
        "预算金额（元）",
    ]
    data = xlsx(
        [
            header,
            [
                "调度优化",
                "苏州测试电网公司",
                "能源",
                "苏州高新区",
                "负荷预测难",
                "国企",
                "30",
                "1,500,000",
            ],
        ]
    )
    result = import_demands_xlsx(actor=office, file=data)
    demand = Demand.objects.get(pk=result.demand_ids[0])
    assert demand.budget_min == Decimal("300000.00")
    assert demand.budget_max == Decimal("1500000.00")


def test_existing_organisation_is_reused(office, demander):
    org = demander.organisation
    result = import_demands_xlsx(
        actor=office, file=xlsx([HEADER, good_row(1, demander=org.name, type="")])
    )
    demand = Demand.objects.get(pk=result.demand_ids[0])
    assert result.organisations_created == 0
    assert demand.demander == org
    assert demand.demander_type == org.demander_type


def test_unknown_demander_type_reported(office):
    with pytest.raises(ImportFailed) as info:
        import_demands_xlsx(actor=office, file=xlsx([HEADER, good_row(1, type="")]))
    assert "需求方类型" in str(info.value.errors[0])


@pytest.mark.parametrize(
    ("cell", "multiplier", "expected"),
    [
        ("50～120万元", 1, (Decimal("500000.00"), Decimal("1200000.00"), False)),
        ("50-120", 10000, (Decimal("500000.00"), Decimal("1200000.00"), False)),
        ("５０－１２０", 10000, (Decimal("500000.00"), Decimal("1200000.00"), False)),
        ("1,200,000元", 10000, (Decimal("1200000.00"), Decimal("1200000.00"), False)),
        ("80万以内", 1, (None, Decimal("800000.00"), False)),
        ("保密", 10000, (None, None, True)),
        (12.5, 10000, (Decimal("125000.00"), Decimal("125000.00"), False)),
        (None, 1, (None, None, False)),
    ],
)
def test_parse_budget(cell, multiplier, expected):
    assert parse_budget(cell, Decimal(multiplier)) == expected


def test_large_import_uses_a_bounded_number_of_queries(office, django_assert_max_num_queries):
    rows = [HEADER] + [
        good_row(i, title=f"场景{i}", demander=f"单位{i % 50}制造有限公司") for i in range(1, 2001)
    ]
    data = xlsx(rows)
    # SQLite caps parameters per statement, so inserts come in batches of ~30 rows; the
    # point is that nothing runs once per row (that would be thousands of queries).
    with django_assert_max_num_queries(200):
        result = import_demands_xlsx(actor=office, file=data, list_name="大批量")
    assert result.created == 2000
    assert result.organisations_created == 50
    assert Demand.objects.filter(code__startswith="~").count() == 0


# --- export --------------------------------------------------------------------------------


def test_export_round_trip(office):
    result = import_demands_xlsx(actor=office, file=messy_workbook())
    demands = Demand.objects.filter(pk__in=result.demand_ids).order_by("pk")
    data = export_demands_xlsx(demands=demands, title="2025年苏州市人工智能应用场景需求清单")

    rows = sheet_rows(data)
    assert rows[0][0] == "2025年苏州市人工智能应用场景需求清单"
    assert rows[1][:10] == (
        "序号",
        "场景名称",
        "需求单位",
        "所属领域",
        "所在板块",
        "需求方类型",
        "需求描述",
        "建设目标",
        "预算（万元）",
        "状态",
    )
    assert rows[2][8] == "50-120"
    assert rows[4][8] == "保密"

    again = import_demands_xlsx(actor=office, file=data)
    copies = Demand.objects.filter(pk__in=again.demand_ids).order_by("pk")
    assert [d.title for d in copies] == [d.title for d in demands]
    assert again.organisations_created == 0
    for original, copy in zip(demands, copies, strict=True):
        assert (copy.budget_min, copy.budget_max, copy.budget_confidential) == (
            original.budget_min,
            original.budget_max,
            original.budget_confidential,
        )
        assert (copy.sector, copy.area, copy.demander_type, copy.demander) == (
            original.sector,
            original.area,
            original.demander_type,
            original.demander,
        )


def test_export_neutralises_formulas(office, demander):
    evil = '=HYPERLINK("http://evil.example","点我")'
    demand = make_demand(
        demander,
        status=DemandStatus.PUBLISHED,
        office=office,
        title=evil,
        pain_point="+cmd|' /C calc'!A0",
        goals="@SUM(1+1)",
    )
    data = export_demands_xlsx(demands=[demand], title="导出")
    sheet = load_workbook(io.BytesIO(data)).active
    title_cell, pain_cell, goals_cell = sheet["B3"], sheet["G3"], sheet["H3"]
    assert title_cell.data_type == "s" and title_cell.value == "'" + evil
    assert pain_cell.value.startswith("'+")
    assert goals_cell.value.startswith("'@")
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)

    again = import_demands_xlsx(actor=office, file=data)
    assert Demand.objects.get(pk=again.demand_ids[0]).title == evil


def test_contact_columns_only_when_asked(office, demander):
    demand = make_demand(
        demander, status=DemandStatus.PUBLISHED, office=office, budget_confidential="on"
    )
    plain = sheet_rows(export_demands_xlsx(demands=[demand], title="导出"))
    assert "联系人" not in plain[1] and "联系电话" not in plain[1]
    assert "王工" not in plain[2]
    assert plain[2][8] == "保密"

    full = sheet_rows(export_demands_xlsx(demands=[demand], title="导出", include_contact=True))
    assert full[1][-2:] == ("联系人", "联系电话")
    assert full[2][-2:] == ("王工", "0512-00000000")


def test_export_avoids_n_plus_one(office, django_assert_max_num_queries):
    rows = [HEADER] + [
        good_row(i, title=f"场景{i}", demander=f"单位{i}制造有限公司") for i in range(1, 31)
    ]
    import_demands_xlsx(actor=office, file=xlsx(rows))
    with django_assert_max_num_queries(1):
        export_demands_xlsx(demands=Demand.objects.all(), title="全部")


# --- PDF -----------------------------------------------------------------------------------


def test_cjk_font_found(monkeypatch, tmp_path):
    assert cjk_font_path().is_file()
    font = tmp_path / "font.otf"
    font.write_bytes(b"x")
    monkeypatch.setenv("AIPLUS_CJK_FONT", str(font))
    assert cjk_font_path() == font
    monkeypatch.setenv("AIPLUS_CJK_FONT", str(tmp_path / "missing.otf"))
    with pytest.raises(ServiceError):
        cjk_font_path()


def test_list_pdf(office):
    rows = [HEADER] + [
        good_row(i, title=f"场景{i:02d}", pain="需求描述很长。" * 40) for i in range(1, 31)
    ]
    result = import_demands_xlsx(
        actor=office, file=xlsx(rows), list_name="2025年苏州测试清单", is_demo=True
    )
    data = export_list_pdf(demand_list=result.demand_list)
    assert data.startswith(b"%PDF")

    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(data))
    # pypdf decodes fpdf2's two-byte CID text with NULs between the characters
    texts = [page.extract_text().replace("\x00", "") for page in reader.pages]
    pages = len(texts)
    assert pages > 1
    assert "2025年苏州测试清单" in texts[0]
    assert "场景01（示例）" in texts[0]
    assert f"第 1 页 / 共 {pages} 页" in texts[0]
    positions = [("".join(texts)).index(f"场景{i:02d}") for i in range(1, 31)]
    assert positions == sorted(positions)
    assert "需求单位" in texts[1]  # the table header is repeated on later pages
    assert f"第 {pages} 页 / 共 {pages} 页" in texts[-1]


def test_empty_list_pdf(office):
    demand_list = DemandList.objects.create(name="空清单", year=2025)
    assert export_list_pdf(demand_list=demand_list).startswith(b"%PDF")


# --- management commands ---------------------------------------------------------------------


def test_import_command(office, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(messy_workbook())
    out = io.StringIO()
    call_command("import_demands", str(path), "--list", "命令行清单", stdout=out)
    assert "已导入 3 条场景需求" in out.getvalue()
    assert DemandList.objects.get(name="命令行清单").items.count() == 3
    assert Demand.objects.filter(created_by=office).count() == 3


def test_import_command_reports_errors(office, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx([HEADER, good_row(1), good_row(2, sector="航天")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="共 1 行有误"):
        call_command("import_demands", str(path), stderr=err)
    assert "第 3 行：所属领域“航天”不在重点领域中" in err.getvalue()
    assert not Demand.objects.exists()


def test_import_command_refuses_non_office(demander, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(xlsx([HEADER, good_row(1)]))
    with pytest.raises(CommandError, match="不是专班办公室用户"):
        call_command("import_demands", str(path), "--as", demander.username)


def test_export_command(office, tmp_path):
    result = import_demands_xlsx(actor=office, file=messy_workbook(), list_name="导出清单")
    target = tmp_path / "out.xlsx"
    call_command(
        "export_demands",
        "--list",
        str(result.demand_list.pk),
        "-o",
        str(target),
        stdout=io.StringIO(),
    )
    rows = sheet_rows(target.read_bytes())
    assert rows[0][0] == "导出清单"
    assert [r[1] for r in rows[2:]] == ["注塑件表面缺陷视觉检测", "影像辅助诊断", "智能导诊"]

    everything = tmp_path / "all.xlsx"
    call_command("export_demands", "-o", str(everything), stdout=io.StringIO())
    assert len(sheet_rows(everything.read_bytes())) == 2 + 3

    pdf = tmp_path / "list.pdf"
    call_command(
        "export_demands",
        "--list",
        str(result.demand_list.pk),
        "--pdf",
        "-o",
        str(pdf),
        stdout=io.StringIO(),
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError):
        call_command("export_demands", "--pdf", stdout=io.StringIO())


def test_demander_types_loaded(citypack):
    assert DemanderType.objects.filter(name="医院").exists()


def test_row_numbers_are_excel_rows_when_the_table_starts_below_and_right_of_a1(office):
    wb = Workbook()
    ws = wb.active
    for col, header in zip(
        "BCDEF", ["场景名称", "需求单位", "所属领域", "所在板块", "需求描述"], strict=True
    ):
        ws[f"{col}3"] = header
    for col, value in zip("BCDEF", ["好的一行", "某医院", "医疗", "姑苏区", "描述"], strict=True):
        ws[f"{col}4"] = value
    for col, value in zip("BCDEF", ["坏的一行", "某医院", "航天", "姑苏区", "描述"], strict=True):
        ws[f"{col}6"] = value
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportFailed) as caught:
        import_demands_xlsx(actor=office, file=buf.getvalue())
    assert [e.row for e in caught.value.errors] == [6]
    assert not Demand.objects.exists()


@pytest.mark.parametrize("status", [DemandStatus.PILOT, DemandStatus.DEPLOYED])
def test_import_cannot_skip_the_risk_checklist_gate(office, status):
    with pytest.raises(ServiceError, match="风险检查清单"):
        import_demands_xlsx(actor=office, file=xlsx([HEADER, good_row(1)]), status=status)
    assert not Demand.objects.exists()
