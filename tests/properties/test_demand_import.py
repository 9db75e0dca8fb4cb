"""Properties of the demand spreadsheet import (`scenarios.io.import_demands_xlsx`).

Workbooks are generated: valid rows under headers in any order and spelling, then cells
replaced by garbage, headers dropped, duplicated or added, extra sheets, and files that are
not workbooks at all. Whatever the file, the import either creates every row or refuses with
a `ServiceError` (row problems as `ImportFailed`), and a refusal writes nothing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiplus.accounts.models import Organisation
from aiplus.core.errors import ServiceError
from aiplus.core.models import AuditEntry, Tag
from aiplus.scenarios.io import (
    ImportFailed,
    export_demands_xlsx,
    import_demands_xlsx,
    parse_budget,
)
from aiplus.scenarios.models import Demand, DemandList, DemandTransition

from .support import (
    CJK,
    GARBAGE,
    NOT_XLSX,
    NUMBERS,
    counts,
    fast,
    nonblank,
    rolled_back,
    workbook,
)

pytestmark = pytest.mark.django_db

MODELS = (Demand, Organisation, AuditEntry, DemandList, DemandTransition, Tag)
SECTORS = ["制造", "金融", "科研", "低空经济", "建筑", "交通", "医疗", "教育", "能源", "文旅"]
AREAS = ["张家港市", "常熟市", "太仓市", "昆山市", "吴江区", "吴中区", "相城区", "姑苏区"]
TYPES = ["制造业龙头企业", "行政事业单位", "国企", "医院", "养老机构", "学校", "中小企业"]

# (field, header spellings the import accepts)
HEADERS = {
    "title": ["场景名称", "需求名称", "项目名称", "应用场景名称"],
    "demander": ["需求单位", "需求方", "单位名称", "需求主体"],
    "sector": ["所属领域", "领域", "行业", "应用领域"],
    "area": ["所在板块", "板块", "地区", "所属地区"],
    "demander_type": ["需求方类型", "单位类型", "需求主体类型"],
    "pain_point": ["需求描述", "痛点", "场景描述", "需求内容"],
    "goals": ["建设目标", "目标", "预期目标"],
    "kpis": ["考核指标", "KPI", "ＫＰＩｓ"],
    "data_available": ["可提供数据", "数据情况"],
    "site": ["应用场所", "实施地点"],
    "contact_name": ["联系人", "联系人姓名"],
    "contact_phone": ["联系电话", "手机号码"],
    "contact_email": ["邮箱", "E-mail", "电子邮箱"],
    "tags": ["技术标签", "技术方向", "关键技术"],
    "budget": ["预算（万元）", "项目预算(万元)", "预算金额"],
}
REQUIRED = ["title", "demander", "sector", "area", "demander_type", "pain_point"]
OPTIONAL = [f for f in HEADERS if f not in REQUIRED]


def _plain(s: str) -> bool:
    """Text that a spreadsheet cell keeps as it is: not a formula or an error code, no
    escape sequences, no carriage returns (XML turns them into line feeds)."""
    return bool(s) and not s.startswith(("=", "'", "#")) and "_x" not in s and "\r" not in s


def clean_text(min_size: int = 1, max_size: int = 40) -> st.SearchStrategy[str]:
    return nonblank(max_size, lambda s: len(s) >= min_size and _plain(s))


def decorate(header: str, draw) -> str:
    """A header as offices write it: spaces inside, an asterisk or a colon after."""
    if draw(st.booleans()):
        at = draw(st.integers(0, len(header)))
        header = header[:at] + draw(st.sampled_from([" ", "\u3000", "\n"])) + header[at:]
    return header + draw(st.sampled_from(["", "", "*", "：", " "]))


@st.composite
def budgets(draw):
    """(cell, header, expected (min, max, confidential)) of a budget in 万元 or yuan."""
    in_wan = draw(st.booleans())
    header = "预算（万元）" if in_wan else "预算金额"
    unit = Decimal(10000) if in_wan else Decimal(1)
    kind = draw(st.sampled_from(["number", "range", "secret", "none", "upper"]))
    a = draw(st.decimals(min_value=0, max_value=99999, places=2))
    b = draw(st.decimals(min_value=0, max_value=99999, places=2))
    lo, hi = min(a, b), max(a, b)
    if kind == "number":
        return a, header, (a * unit, a * unit, False)
    if kind == "range":
        return f"{lo}-{hi}万元", header, (lo * 10000, hi * 10000, False)
    if kind == "upper":
        return f"不超过{hi}万", header, (None, hi * 10000, False)
    if kind == "secret":
        return "保密", header, (None, None, True)
    return "面议", header, (None, None, False)


@st.composite
def demand_rows(draw, min_rows: int = 1, max_rows: int = 5):
    """(header, rows, expected values per row): valid rows under any header spelling/order."""
    fields = REQUIRED + draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=6))
    fields = draw(st.permutations(fields))
    budget_header = None
    n = draw(st.integers(min_rows, max_rows))
    demanders = draw(st.lists(clean_text(2, 30), min_size=1, max_size=3, unique=True))
    rows, expected = [], []
    for _ in range(n):
        values = {
            "title": draw(clean_text(1, 60)),
            "demander": draw(st.sampled_from(demanders)),
            "sector": draw(st.sampled_from(SECTORS)),
            "area": draw(st.sampled_from(AREAS)),
            "demander_type": draw(st.sampled_from(TYPES)),
            "pain_point": draw(st.one_of(clean_text(1, 200), st.just("痛点描述" * 300))),
            "goals": draw(st.one_of(st.just(""), clean_text(1, 80))),
            "kpis": draw(st.one_of(st.just(""), clean_text(1, 80))),
            "data_available": draw(st.one_of(st.just(""), clean_text(1, 80))),
            "site": draw(st.one_of(st.just(""), clean_text(1, 100))),
            "contact_name": draw(st.one_of(st.just(""), clean_text(1, 20))),
            "contact_phone": draw(st.sampled_from(["", "0512-66668888", "13800000000"])),
            "contact_email": draw(st.sampled_from(["", "wang@example.com", "a.b+c@x.org"])),
            "tags": draw(st.lists(st.text(CJK, min_size=1, max_size=8), max_size=3, unique=True)),
        }
        cell, header, budget = draw(budgets())
        budget_header = budget_header or header
        if budget_header != header:  # one budget column: keep the first row's unit
            cell, budget = (None, (None, None, False))
        row, want = [], {}
        for f in fields:
            if f == "tags":
                row.append("、".join(values["tags"]) or None)
                want["tags"] = values["tags"]
            elif f == "budget":
                row.append(cell)
                want["budget"] = budget
            else:
                row.append(values[f] or None)
                want[f] = values[f]
        rows.append(row)
        expected.append(want)
    headers = []
    for f in fields:
        if f == "budget":
            headers.append(budget_header)
        else:
            headers.append(decorate(draw(st.sampled_from(HEADERS[f])), draw))
    return headers, rows, expected


@st.composite
def layouts(draw, header, rows):
    """The rows of a sheet: an optional title row and blank rows above the header, blank
    rows between the data; and the Excel row number of each data row."""
    sheet = []
    if draw(st.booleans()):
        sheet.append(["2026年苏州市人工智能应用场景需求清单"])
    sheet += [[]] * draw(st.integers(0, 2))
    sheet.append(header)
    numbers = []
    for row in rows:
        sheet += [[]] * draw(st.integers(0, 1))
        sheet.append(row)
        numbers.append(len(sheet))
    return sheet, numbers


def check_stored(result, expected):
    demands = list(
        Demand.objects.filter(pk__in=result.demand_ids)
        .select_related("demander", "sector", "area", "demander_type")
        .prefetch_related("tags")
        .order_by("pk")
    )
    assert len(demands) == len(expected) == result.created
    for demand, want in zip(demands, expected, strict=True):
        assert demand.title == want["title"]
        assert demand.demander.name == want["demander"]
        assert demand.sector.name == want["sector"]
        assert demand.area.name == want["area"]
        assert demand.demander_type.name == want["demander_type"]
        assert demand.pain_point == want["pain_point"]
        for name in ("goals", "kpis", "data_available", "site"):
            assert getattr(demand, name) == want.get(name, "")
        for name in ("contact_name", "contact_phone", "contact_email"):
            assert getattr(demand, name) == want.get(name, "")
        assert sorted(t.name for t in demand.tags.all()) == sorted(want.get("tags", []))
        lo, hi, secret = want.get("budget", (None, None, False))
        assert (demand.budget_min, demand.budget_max, demand.budget_confidential) == (
            lo,
            hi,
            secret,
        )
        assert demand.budget_min is None or isinstance(demand.budget_min, Decimal)


@fast(40)
@given(data=st.data())
def test_valid_rows_import_exactly_as_written(office, data):
    header, rows, expected = data.draw(demand_rows())
    sheet, _ = data.draw(layouts(header, rows))
    sheets = [sheet]
    if data.draw(st.booleans()):  # a cover sheet without a header row comes first
        sheets.insert(0, [["说明"], ["本表由各板块汇总"]])
    with rolled_back():
        before = counts(*MODELS)
        result = import_demands_xlsx(actor=office, file=workbook(sheets))
        check_stored(result, expected)
        after = counts(*MODELS)
        assert after["Demand"] == before["Demand"] + len(rows)
        assert after["AuditEntry"] == before["AuditEntry"] + 1
        assert after["DemandTransition"] == before["DemandTransition"] + len(rows)
        demanders = {w["demander"] for w in expected}
        assert result.organisations_created == len(demanders)
        assert after["Organisation"] == before["Organisation"] + len(demanders)


@fast(25)
@given(data=st.data())
def test_export_then_import_gives_the_same_demands(office, data):
    header, rows, _ = data.draw(demand_rows(max_rows=4))
    include_contact = data.draw(st.booleans())
    with rolled_back():
        first = import_demands_xlsx(actor=office, file=workbook([[header, *rows]]))
        originals = list(Demand.objects.filter(pk__in=first.demand_ids).order_by("pk"))
        exported = export_demands_xlsx(
            demands=originals, title="=导出的清单", include_contact=include_contact
        )
        again = import_demands_xlsx(actor=office, file=exported, list_name="再次导入的清单")
        copies = list(Demand.objects.filter(pk__in=again.demand_ids).order_by("pk"))
        assert again.organisations_created == 0
        assert again.demand_list is not None and again.demand_list.items.count() == len(rows)
        fields = ["title", "demander_id", "sector_id", "area_id", "demander_type_id"]
        fields += ["pain_point", "goals", "budget_min", "budget_max", "budget_confidential"]
        if include_contact:
            fields += ["contact_name", "contact_phone"]
        for original, copy in zip(originals, copies, strict=True):
            assert {f: getattr(copy, f) for f in fields} == {
                f: getattr(original, f) for f in fields
            }


HUGE = st.one_of(
    NUMBERS,
    st.sampled_from([1e26, -1e26, 1e300, 10**30, "1e30", "9" * 40 + "万元", "1-1e40", "-5"]),
)


@st.composite
def messy_workbooks(draw):
    """Valid rows, then damaged: garbage in cells, headers dropped, duplicated, renamed or
    added, garbage rows, extra or empty sheets, rows in another sheet."""
    header, rows, _ = draw(demand_rows(min_rows=0, max_rows=4))
    header, rows = list(header), [list(r) for r in rows]
    for _ in range(draw(st.integers(0, 4))):
        kinds = ["cell", "cell", "budget", "drop", "dup", "rename", "row", "extra"]
        what = draw(st.sampled_from(kinds))
        budget = [i for i, h in enumerate(header) if isinstance(h, str) and h.startswith("预算")]
        if what == "budget" and rows and budget:
            r = draw(st.integers(0, len(rows) - 1))
            rows[r] += [None] * (budget[0] + 1 - len(rows[r]))
            rows[r][budget[0]] = draw(HUGE)
        elif what == "cell" and rows:
            r = draw(st.integers(0, len(rows) - 1))
            c = draw(st.integers(0, len(header) - 1))
            rows[r] += [None] * (c + 1 - len(rows[r]))
            rows[r][c] = draw(GARBAGE)
        elif what == "drop" and header:
            c = draw(st.integers(0, len(header) - 1))
            header[c] = draw(st.one_of(st.none(), GARBAGE))
        elif what == "dup":
            c = draw(st.integers(0, len(header) - 1))
            header.append(header[c])
            for row in rows:
                row.append(draw(GARBAGE))
        elif what == "rename":
            c = draw(st.integers(0, len(header) - 1))
            header[c] = draw(st.sampled_from(["场景名称", "需求描述", "预算上限", "预算下限"]))
        elif what == "row":
            rows.insert(draw(st.integers(0, len(rows))), draw(st.lists(GARBAGE, max_size=8)))
        else:
            header.append(draw(st.sampled_from(["备注", "序号", "状态", "其他", "预算"])))
            for row in rows:
                row.append(draw(GARBAGE))
    sheet = [header, *rows]
    sheets = [sheet]
    extra = draw(st.sampled_from(["none", "empty", "before", "garbage"]))
    if extra == "empty":
        sheets.insert(0, [])
    elif extra == "before":
        sheets.insert(0, [[draw(GARBAGE) for _ in range(3)] for _ in range(3)])
    elif extra == "garbage":
        sheets.append([[draw(GARBAGE) for _ in range(4)] for _ in range(3)])
    return workbook(sheets)


def check_refusal(exc: ServiceError):
    assert exc.message and isinstance(exc.message, str)
    if isinstance(exc, ImportFailed):
        assert exc.errors, "an ImportFailed names its rows"
        for error in exc.errors:
            assert error.row >= 2 and error.reason
        assert set(exc.as_dict()) == {f"第 {e.row} 行" for e in exc.errors}


@fast(80)
@given(data=messy_workbooks())
def test_messy_files_import_all_rows_or_nothing(office, data):
    with rolled_back():
        before = counts(*MODELS)
        try:
            result = import_demands_xlsx(actor=office, file=data)
        except ServiceError as exc:
            check_refusal(exc)
            assert counts(*MODELS) == before
            return
        after = counts(*MODELS)
        assert result.created > 0
        assert after["Demand"] == before["Demand"] + result.created
        assert after["AuditEntry"] == before["AuditEntry"] + 1
        for demand in Demand.objects.filter(pk__in=result.demand_ids):
            assert demand.title and demand.pain_point
            assert "\x00" not in demand.title + demand.pain_point + demand.goals


def test_a_budget_too_large_for_a_decimal_is_a_row_error(office):
    header = ["场景名称", "需求单位", "所属领域", "所在板块", "需求方类型", "需求描述", "预算"]
    row = ["题目", "某单位", "制造", "姑苏区", "国企", "痛点", 1e26]
    with pytest.raises(ImportFailed) as caught:
        import_demands_xlsx(actor=office, file=workbook([[header, row]]))
    assert caught.value.as_dict() == {"第 2 行": "预算金额过大。"}
    assert not Demand.objects.exists()


@fast(30)
@given(data=NOT_XLSX)
def test_files_that_are_not_workbooks_are_refused(office, data):
    with rolled_back():
        before = counts(*MODELS)
        with pytest.raises(ServiceError) as caught:
            import_demands_xlsx(actor=office, file=data)
        check_refusal(caught.value)
        assert counts(*MODELS) == before


@fast(150)
@given(
    value=st.one_of(GARBAGE, NUMBERS, st.decimals()),
    multiplier=st.sampled_from([Decimal(1), Decimal(10000)]),
)
def test_parse_budget_returns_amounts_or_raises_value_error(value, multiplier):
    try:
        lo, hi, secret = parse_budget(value, multiplier)
    except ValueError:
        return
    for amount in (lo, hi):
        assert amount is None or (isinstance(amount, Decimal) and amount.is_finite())
    assert isinstance(secret, bool)
