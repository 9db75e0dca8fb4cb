"""CSV import of catalogue entries: Chinese or English headers, labels or codes, UTF-8 (with or
without BOM) or GB18030; every row through the same services as the pages; all-or-nothing with
every row's problems listed by row number, column and a Chinese message."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command

from aiplus.accounts.choices import Role
from aiplus.accounts.models import User
from aiplus.catalogue.choices import Access, Status
from aiplus.catalogue.io import ImportFailed, import_entries_csv, template_csv
from aiplus.catalogue.models import Entry, File, Version
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.models import AuditEntry

from ..factories import make_user
from .support import make_entry

ZH_HEADERS = [
    "类型",
    "名称",
    "领域",
    "一句话介绍",
    "任务",
    "语言",
    "记录数",
    "许可",
    "开放级别",
    "技术标签",
    "基础模型",
    "参数规模",
    "垂类模型",
    "预期用途",
    "数据来源",
    "评测结果",
    "风险与局限",
    "版本号",
    "文件地址",
    "发布",
]


def dataset_row(**overrides) -> dict:
    row = {
        "类型": "数据集",
        "名称": "城市道路交通流量数据集",
        "领域": "交通",
        "一句话介绍": "主要路口分时段机动车流量",
        "任务": "时序预测",
        "语言": "中文、英文",
        "记录数": "12,000",
        "许可": "CC BY 4.0",
        "开放级别": "开放",
        "技术标签": "交通流量|时序预测",
        "预期用途": "交通流量预测模型的训练与评测",
        "数据来源": "交通信号控制系统线圈检测器",
        "版本号": "1.0",
        "文件地址": "https://data.example.com/traffic/flow-2024.csv",
        "发布": "是",
    }
    row.update(overrides)
    return row


def model_row(**overrides) -> dict:
    row = {
        "类型": "模型",
        "名称": "政务问答大模型",
        "领域": "government_services",
        "一句话介绍": "面向 12345 热线的政策问答模型",
        "任务": "问答",
        "语言": "zh",
        "许可": "商业授权",
        "开放级别": "申请使用",
        "基础模型": "Qwen2.5-7B",
        "参数规模": "7B",
        "垂类模型": "是",
        "预期用途": "热线坐席辅助答复",
        "评测结果": "内部问答集准确率 91%",
        "版本号": "2.0",
        "发布": "是",
    }
    row.update(overrides)
    return row


def demo_row(**overrides) -> dict:
    row = {
        "类型": "应用示范",
        "名称": "古城导览应用示范",
        "领域": "文旅",
        "一句话介绍": "景区多语种智能导览",
        "任务": "其他",
        "许可": "MIT",
        "开放级别": "开放",
        "预期用途": "景区导览",
        "发布": "否",
    }
    row.update(overrides)
    return row


def to_csv(rows: list[dict], headers: list[str] = ZH_HEADERS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def utf8(rows: list[dict], headers: list[str] = ZH_HEADERS) -> bytes:
    return to_csv(rows, headers).encode("utf-8-sig")


@pytest.fixture
def owner(citypack):
    return make_user(Role.SUPPLIER, username="owner")


def test_good_file_imports_every_row(owner):
    result = import_entries_csv(actor=owner, data=utf8([dataset_row(), model_row(), demo_row()]))
    assert result.ok and result.errors == []
    assert result.rows == 3 and len(result.created) == 3 and result.published == 2
    assert set(result.entry_ids) == set(Entry.objects.values_list("pk", flat=True))

    dataset = Entry.objects.get(title="城市道路交通流量数据集")
    assert dataset.owner == owner.organisation
    assert dataset.kind == "dataset" and dataset.sector.code == "transport"
    assert dataset.task == "time-series-forecasting"
    assert dataset.languages == ["zh", "en"]
    assert dataset.record_count == 12000
    assert dataset.licence == "CC-BY-4.0" and dataset.access == Access.OPEN
    assert {t.name for t in dataset.tags.all()} == {"交通流量", "时序预测"}
    assert dataset.status == Status.PUBLISHED and dataset.published_at is not None
    version = dataset.latest_version()
    assert version.version == "1.0"
    [item] = version.files.all()
    assert item.url == "https://data.example.com/traffic/flow-2024.csv"
    assert item.name == "flow-2024.csv"

    model = Entry.objects.get(title="政务问答大模型")
    assert model.kind == "model" and model.is_vertical and model.base_model == "Qwen2.5-7B"
    assert model.licence == "proprietary" and model.access == Access.ON_REQUEST
    assert model.task == "question-answering" and model.status == Status.PUBLISHED
    assert model.versions.get().version == "2.0"

    demo = Entry.objects.get(title="古城导览应用示范")
    assert demo.kind == "demo" and demo.status == Status.DRAFT
    assert demo.sector.code == "culture_tourism" and not demo.versions.exists()
    # the services audited each step, as the pages would
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"catalogue.create", "catalogue.version", "catalogue.publish"} <= actions


def test_english_headers_and_codes(owner):
    headers = [
        "kind",
        "title",
        "sector",
        "summary",
        "description",
        "task",
        "languages",
        "licence",
        "access",
        "risks",
        "intended_use",
        "data_sources",
        "exchange",
        "exchange_code",
        "exchange_price",
        "version",
        "released_on",
        "file_url",
        "sha256",
        "publish",
    ]
    row = {
        "kind": "corpus",
        "title": "门诊病历语料",
        "sector": "healthcare",
        "summary": "脱敏门诊病历文本",
        "description": "三家医院 2023 年门诊病历。",
        "task": "information-extraction",
        "languages": "zh",
        "licence": "agreement",
        "access": "restricted",
        "risks": "含敏感健康信息，须签署协议",
        "intended_use": "病历结构化抽取模型训练",
        "data_sources": "医院信息系统，已脱敏",
        "exchange": "苏州大数据交易所",
        "exchange_code": "SZDE-2025-0001",
        "exchange_price": "¥12,000.5",
        "version": "2025.03",
        "released_on": "2025年3月1日",
        "file_url": "https://secret.example.com/emr.zip",
        "sha256": "AB" * 32,
        "publish": "yes",
    }
    result = import_entries_csv(actor=owner, data=to_csv([row], headers).encode())
    assert result.ok, result.errors
    entry = Entry.objects.get()
    assert entry.kind == "corpus" and entry.access == Access.RESTRICTED
    assert str(entry.exchange_price) == "12000.50"
    assert entry.exchange_code == "SZDE-2025-0001"
    version = entry.versions.get()
    assert version.version == "2025.03" and version.released_on.isoformat() == "2025-03-01"
    assert version.files.get().sha256 == "ab" * 32
    assert entry.status == Status.PUBLISHED


def test_one_bad_row_imports_nothing_and_every_problem_is_listed(owner):
    rows = [
        dataset_row(),  # row 2: fine
        dataset_row(名称="航天遥感影像", 领域="航天"),  # row 3: unknown sector
        dataset_row(名称="城市噪声数据", 许可="WTFPL"),  # row 4: unknown licence
        dataset_row(名称="无来源数据集", 数据来源=""),  # row 5: cannot be published
        dataset_row(名称="", 开放级别="随便"),  # row 6: no title, unknown access
        model_row(版本号="v 2"),  # row 7: the version form refuses
    ]
    result = import_entries_csv(actor=owner, data=utf8(rows))
    assert not result.ok
    assert result.created == [] and result.published == 0
    assert not Entry.objects.exists()
    assert not Version.objects.exists() and not File.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="catalogue.").exists()

    by_row: dict[int, list] = {}
    for err in result.errors:
        by_row.setdefault(err.row, []).append(err)
    assert set(by_row) == {3, 4, 5, 6, 7}
    [sector] = by_row[3]
    assert sector.field == "sector" and sector.column == "领域"
    assert "领域“航天”不存在" in sector.message and "交通" in sector.message
    [licence] = by_row[4]
    assert licence.field == "licence" and "“WTFPL”不是有效的许可" in licence.message
    [publish] = by_row[5]
    assert publish.field == "publish" and "数据来源" in publish.message
    assert {e.field for e in by_row[6]} == {"title", "access"}
    assert any(e.message == "请填写名称" for e in by_row[6])
    [version] = by_row[7]
    assert version.field == "version" and "版本号只能包含" in version.message
    assert str(sector) == f"第 3 行“领域”：{sector.message}"

    failed = ImportFailed(result.errors)
    assert failed.message == "导入失败：共 5 行有误，未导入任何条目。"
    assert failed.as_dict()["第 3 行"].startswith("领域：")
    with pytest.raises(ImportFailed):
        result.raise_for_errors()
    assert result.as_dict()["errors"][0] == {
        "row": 3,
        "field": "sector",
        "column": "领域",
        "message": sector.message,
    }


def test_gb18030_file(owner):
    data = to_csv([dataset_row(), demo_row()]).encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = import_entries_csv(actor=owner, data=data)
    assert result.ok, result.errors
    assert set(Entry.objects.values_list("title", flat=True)) == {
        "城市道路交通流量数据集",
        "古城导览应用示范",
    }


def test_utf8_without_bom_and_blank_rows(owner):
    text = to_csv([demo_row()]) + ",,,\r\n\r\n"
    result = import_entries_csv(actor=owner, data=text.encode("utf-8"))
    assert result.ok and len(result.created) == 1


def test_duplicate_titles_in_the_file(owner):
    rows = [
        dataset_row(发布="否"),
        dataset_row(发布="否", 一句话介绍="另一份"),
        model_row(名称="城市道路交通流量数据集"),  # same title, other kind: allowed
    ]
    result = import_entries_csv(actor=owner, data=utf8(rows))
    assert [(e.row, e.field) for e in result.errors] == [(3, "title")]
    assert result.errors[0].message == "与第 2 行重复（同一类型、同一名称）"
    assert not Entry.objects.exists()


def test_duplicate_of_an_existing_entry(owner):
    make_entry(owner, title="城市道路交通流量数据集")
    colleague = make_user(Role.SUPPLIER, org=owner.organisation)
    result = import_entries_csv(actor=colleague, data=utf8([demo_row(), dataset_row()]))
    assert [(e.row, e.field) for e in result.errors] == [(3, "title")]
    assert "本单位已有同类型、同名称的条目" in result.errors[0].message
    assert Entry.objects.count() == 1
    # another organisation may use the same title
    other = make_user(Role.DEMANDER)
    assert import_entries_csv(actor=other, data=utf8([dataset_row()])).ok


def test_unknown_values_are_explained(owner):
    rows = [
        dataset_row(任务="炼丹", 语言="中文、火星文", 记录数="很多", 发布="也许"),
    ]
    result = import_entries_csv(actor=owner, data=utf8(rows))
    messages = {e.field: e.message for e in result.errors}
    assert set(messages) == {"task", "languages", "record_count", "publish"}
    assert "文本生成" in messages["task"]
    assert "火星文" in messages["languages"]
    assert "不是有效的数字" in messages["record_count"]
    assert "请填写“是”或“否”" in messages["publish"]


def test_a_file_needs_a_version(owner):
    result = import_entries_csv(actor=owner, data=utf8([dataset_row(版本号="", 发布="否")]))
    assert [(e.row, e.field) for e in result.errors] == [(2, "file_url")]
    assert "版本号" in result.errors[0].message


@pytest.mark.parametrize(
    "data, message",
    [
        ("名称,领域\r\n数据,交通\r\n".encode(), "缺少必需的列"),
        (to_csv([demo_row()]).replace("发布", "颜色").encode(), "无法识别的列：颜色"),
        (to_csv([]).encode(), "没有数据行"),
        (b"", "文件是空的"),
    ],
)
def test_unreadable_files_are_refused(owner, data, message):
    with pytest.raises(ServiceError) as exc:
        import_entries_csv(actor=owner, data=data)
    assert message in exc.value.message


def test_only_approved_members_may_import(owner, pending_demander):
    data = utf8([demo_row()])
    loner = User.objects.create_user(username="loner", password="x-Aiplus-2026!")
    for actor in (pending_demander, loner, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            import_entries_csv(actor=actor, data=data)
    assert not Entry.objects.exists()


def test_dry_run_saves_nothing(owner):
    result = import_entries_csv(actor=owner, data=utf8([dataset_row()]), dry_run=True)
    assert result.ok and result.dry_run and result.rows == 1
    assert result.created == []
    assert not Entry.objects.exists()


def test_template_imports_as_it_is(owner):
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:3] == ["类型", "名称", "领域"] and "挂牌价格（元）" in header
    result = import_entries_csv(actor=owner, data=data)
    assert result.ok, result.errors
    [entry] = result.created
    assert entry.status == Status.DRAFT and entry.sector.code == "transport"
    assert entry.versions.get().files.get().name == "flow-2024.csv"


def test_management_command(owner, tmp_path):
    path = tmp_path / "entries.csv"
    path.write_bytes(utf8([dataset_row(), demo_row()]))
    out = io.StringIO()
    call_command("import_catalogue", owner.organisation.name, str(path), "--dry-run", stdout=out)
    assert "检查通过" in out.getvalue() and not Entry.objects.exists()
    call_command("import_catalogue", owner.organisation.name, str(path), stdout=out)
    assert "导入 2 个条目，其中发布 1 个" in out.getvalue()
    assert Entry.objects.filter(owner=owner.organisation).count() == 2

    path.write_bytes(utf8([demo_row(名称="另一个示范", 领域="航天")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="共 1 行有误"):
        call_command("import_catalogue", owner.organisation.name, str(path), stderr=err)
    assert "第 2 行“领域”：领域“航天”不存在" in err.getvalue()
    with pytest.raises(CommandError, match="单位不存在"):
        call_command("import_catalogue", "没有这个单位", str(path))
    with pytest.raises(CommandError, match="不是"):
        call_command("import_catalogue", owner.organisation.name, str(path), "--as", "nobody")
