"""Policy documents: import from a folder (policies.csv + <doc_id>.txt), full-text search with
highlighted clauses, the public pages and the API.

Most tests use a small folder built in tmp_path, so they run without the shared reference data;
the tests marked `real` import `/work/shared/reference/policies` and are skipped without it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from aiplus.core.errors import ServiceError
from aiplus.policies import search
from aiplus.policies.documents import import_documents, parse_publish_date
from aiplus.policies.models import Measure, PolicyDocument

REAL = Path(__file__).resolve().parents[3] / "shared" / "reference" / "policies"
HEADER = (
    "doc_id title region level issuer publish_date policy_type theme tier status "
    "source_format doc_no source_url notes"
).split()
COMPUTE_CLAUSE = (
    "加强公共算力服务平台跨区域多元异构算力调度能力建设。对符合条件的科技研发企业，"
    "按实际支付智能算力租用费用的30%，给予每年最高200万元补贴。"
)
JS003_TEXT = f"""苏州市进一步加快建设“人工智能+”城市的

若干措施（2026年版）

一、支持高质量数据集及语料库建设

加大多元数据资源供给，促进数据集、语料库开放共享和交易。

二、降低智能算力使用成本

{COMPUTE_CLAUSE}

对符合条件的算力供给方，按实际算力交易合同金额的10%给予每年最高200万元补贴。

九、加强产业集聚

向符合条件的人工智能企业、小微企业、OPC创业者发放算力券、语料券。
"""
HZ_TEXT = """杭州市加快建设人工智能创新高地实施方案

（一）实施算力券和智能券政策。设立年度2.5亿元规模的杭州算力券。

对<script>alert("x")</script>模型服务企业给予补贴 & 奖励。
"""


def row(doc_id, title, *, region="苏州", date="2025/12/31", doc_no="", url="", notes=""):
    values = {
        "doc_id": doc_id,
        "title": title,
        "region": region,
        "level": "市级",
        "issuer": f"{region}市人民政府",
        "publish_date": date,
        "policy_type": "若干措施",
        "theme": "人工智能+城市",
        "tier": "core",
        "status": "official_text",
        "source_format": "txt",
        "doc_no": doc_no,
        "source_url": url or f"https://www.example.gov.cn/{doc_id}.html",
        "notes": notes,
    }
    return values


def write_folder(folder: Path, rows: list[dict], texts: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join(f'"{h}"' for h in HEADER)]
    for r in rows:
        lines.append("\t".join(f'"{r[h]}"' for h in HEADER))
    (folder / "policies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for code, text in texts.items():
        (folder / f"{code}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def _fresh_search_index():
    search.clear_cache()
    yield
    search.clear_cache()


@pytest.fixture
def folder(tmp_path) -> Path:
    rows = [
        row("JS003", "苏州市进一步加快建设“人工智能+”城市的若干政策措施"),
        row("ZJ001", "杭州市加快建设人工智能创新高地实施方案", region="杭州", date="2025/6/25"),
        row(
            "SH001",
            "关于人工智能“模塑申城”的实施方案",
            region="上海",
            date="2024",
            notes="上海AI总纲型文件",
        ),
        row("JS002", "苏州市加快建设“人工智能+”城市行动方案", doc_no="苏府办〔2025〕102号"),
    ]
    texts = {"JS003": JS003_TEXT, "ZJ001": HZ_TEXT, "JS002": "一、总体要求\n\n建设人工智能+城市。"}
    return write_folder(tmp_path / "policies", rows, texts)


@pytest.fixture
def imported(db, folder):
    return import_documents(folder)


# --- import ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_documents_with_metadata_and_text(folder):
    result = import_documents(folder)
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert result.metadata_only == ["SH001"]
    js003 = PolicyDocument.objects.get(code="JS003")
    assert js003.region == "苏州" and js003.level == "市级" and js003.policy_type == "若干措施"
    assert js003.published == dt.date(2025, 12, 31)
    assert js003.source_url == "https://www.example.gov.cn/JS003.html"
    assert COMPUTE_CLAUSE in js003.text
    assert js003.effective_from is None and js003.effective_to is None  # no measures loaded
    assert len(js003.digest) == 64
    assert PolicyDocument.objects.get(code="JS002").number == "苏府办〔2025〕102号"
    # a row without a text file: metadata only; a year-only date is kept in the notes
    sh001 = PolicyDocument.objects.get(code="SH001")
    assert sh001.text == "" and sh001.published is None
    assert sh001.notes.startswith("发布年份：2024年") and sh001.notes.endswith("上海AI总纲型文件")


@pytest.mark.django_db
def test_import_is_idempotent_and_updates_changed_documents(folder):
    import_documents(folder)
    stamps = dict(PolicyDocument.objects.values_list("code", "imported_at"))
    again = import_documents(folder)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert dict(PolicyDocument.objects.values_list("code", "imported_at")) == stamps  # no write
    (folder / "JS002.txt").write_text("一、总体要求\n\n修订后的正文。", encoding="utf-8")
    changed = import_documents(folder)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 3)
    assert "修订后的正文" in PolicyDocument.objects.get(code="JS002").text


@pytest.mark.django_db
def test_import_links_measures_and_takes_their_dates_of_force(citypack, folder):
    assert Measure.objects.filter(document_code="JS003").count() > 30
    assert not Measure.objects.filter(document__isnull=False).exists()
    result = import_documents(folder)
    js003 = PolicyDocument.objects.get(code="JS003")
    assert (
        result.linked
        == js003.measures.count()
        == Measure.objects.filter(document_code="JS003").count()
    )
    assert (js003.effective_from, js003.effective_to) == (
        dt.date(2026, 1, 31),
        dt.date(2027, 1, 30),
    )
    assert PolicyDocument.objects.get(code="ZJ001").effective_from is None
    again = import_documents(folder)
    assert again.linked == 0 and again.unchanged == 4


@pytest.mark.django_db
def test_import_command_prints_a_chinese_summary(folder, settings, capsys):
    call_command("import_policies", str(folder))
    out = capsys.readouterr().out
    assert "新增 4 件" in out and "仅导入目录信息（SH001）" in out
    settings.POLICIES_DIR = folder
    call_command("import_policies")
    assert "未变 4 件" in capsys.readouterr().out
    with pytest.raises(CommandError, match="找不到政策文件目录"):
        call_command("import_policies", str(folder / "missing"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, message",
    [
        (None, "找不到政策文件目录清单"),
        ('"code"\t"name"\n"X1"\t"标题"\n', "缺少列：doc_id、title"),
        ('"doc_id"\t"title"\n', "没有任何政策文件"),
        ('"doc_id"\t"title"\t"publish_date"\n"X1"\t"标题"\t"明年"\n', "发布日期“明年”无法识别"),
        ('"doc_id"\t"title"\n"X1"\t"甲"\n"X1"\t"乙"\n', "doc_id“X1”重复"),
        ('"doc_id"\t"title"\n"X1"\t"甲"\t"多余"\n', "第 2 行的列数与表头不一致"),
        ('"doc_id"\t"title"\n""\t"甲"\n', "第 2 行缺少 doc_id"),
        ('"doc_id"\t"title"\n"X 1"\t"甲"\n', "只能包含字母、数字"),
        ('"doc_id"\t"title"\n"X1"\t""\n', "缺少标题"),
        ('"doc_id"\t"title"\t"source_url"\n"X1"\t"甲"\t"not a url"\n', "来源网址无效"),
        (b'"doc_id"\t"title"\n"X1"\t"\xb1\xea\xcc\xe2"\n', "不是 UTF-8 编码"),
    ],
)
def test_a_broken_csv_is_refused_with_a_chinese_message(tmp_path, content, message):
    if isinstance(content, bytes):
        (tmp_path / "policies.csv").write_bytes(content)
    elif content is not None:
        (tmp_path / "policies.csv").write_text(content, encoding="utf-8")
    with pytest.raises(ServiceError, match=message):
        import_documents(tmp_path)
    assert not PolicyDocument.objects.exists()


@pytest.mark.django_db
def test_a_bad_row_imports_nothing(folder):
    csv_path = folder / "policies.csv"
    csv_path.write_text(
        csv_path.read_text(encoding="utf-8") + '"BAD1"\t"坏行"\t"苏州"\n', encoding="utf-8"
    )
    with pytest.raises(ServiceError):
        import_documents(folder)
    assert not PolicyDocument.objects.exists()


def test_publish_dates():
    assert parse_publish_date("2025/12/31") == (dt.date(2025, 12, 31), "")
    assert parse_publish_date("2025-7-1")[0] == dt.date(2025, 7, 1)
    assert parse_publish_date("2025年7月18日")[0] == dt.date(2025, 7, 18)
    assert parse_publish_date("2024") == (None, "发布年份：2024年（未注明具体日期）。")
    assert parse_publish_date("2025/7")[0] is None
    assert parse_publish_date("") == (None, "")
    with pytest.raises(ValueError):
        parse_publish_date("2025/13/45")


# --- search ----------------------------------------------------------------------------------


def test_highlight_escapes_html_and_marks_terms_in_any_form():
    html = search.highlight('<b>ＧＰＵ</b> 算力券 & "智能算力"', ["gpu", "算力"])
    assert html == (
        "&lt;b&gt;<mark>ＧＰＵ</mark>&lt;/b&gt; <mark>算力</mark>券 &amp; "
        "&quot;智能<mark>算力</mark>&quot;"
    )
    # overlapping terms are merged into one mark; traditional characters match simplified terms
    assert search.highlight("智能算力租用", ["智能", "智能算力", "算力"]) == (
        "<mark>智能算力</mark>租用"
    )
    assert search.highlight("機器視覺", ["机器", "视觉"]) == "<mark>機器視覺</mark>"
    long = "前文" * 200 + "算力券" + "后文" * 200
    cut = search.highlight(long, ["算力券"], max_chars=100)
    assert cut.startswith("…") and cut.endswith("…") and "<mark>算力券</mark>" in cut
    assert len(cut) < 140


@pytest.mark.django_db
def test_search_ranks_the_compute_clause_first(imported):
    hits = search.search("智能算力租用")
    assert hits[0].document.code == "JS003"
    assert hits[0].paragraph == COMPUTE_CLAUSE
    assert "<mark>智能算力租用</mark>" in hits[0].snippet
    assert hits[0].score > 0
    assert hits[0].position == search.paragraphs(JS003_TEXT).index(COMPUTE_CLAUSE)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.django_db
def test_search_finds_vouchers_and_filters(imported):
    hits = search.search("算力券")
    codes = [h.document.code for h in hits]
    assert {"JS003", "ZJ001"} <= set(codes)
    assert all("<mark>" in h.snippet for h in hits)
    assert [h.document.code for h in search.search("算力券", region="杭州")] == ["ZJ001"]
    assert search.search("算力券", policy_type="行动计划") == []
    # a metadata-only document is found by its title
    assert [h.document.code for h in search.search("模塑申城")] == ["SH001"]


@pytest.mark.django_db
def test_empty_query_finds_nothing(imported):
    assert search.search("") == []
    assert search.search("   ") == []
    assert search.search("的") == []  # stop words only
    assert search.search("量子纠缠") == []  # no document holds these words


@pytest.mark.django_db
def test_html_in_text_is_escaped_in_snippets(imported):
    hit = search.search("模型服务企业")[0]
    assert hit.document.code == "ZJ001"
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&amp;" in hit.snippet


@pytest.mark.django_db
def test_search_index_follows_imports(folder):
    import_documents(folder)
    assert search.search("修订后的正文") == []
    (folder / "JS002.txt").write_text("修订后的正文。", encoding="utf-8")
    import_documents(folder)
    assert [h.document.code for h in search.search("修订后的正文")] == ["JS002"]


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_document_list_page(imported, client):
    html = client.get("/policies/").content.decode()
    assert "人工智能政策文件库" in html
    assert "苏州市进一步加快建设“人工智能+”城市的若干政策措施" in html
    assert 'href="/policies/documents/JS003/"' in html
    assert '<option value="杭州">杭州</option>' in html
    assert ">政策</a>" in html  # nav link
    html = client.get("/policies/", {"region": "杭州"}).content.decode()
    assert "ZJ001" in html and "JS003" not in html


@pytest.mark.django_db
def test_document_list_search_shows_highlighted_clause(imported, client):
    html = client.get("/policies/", {"q": "智能算力租用"}).content.decode()
    assert "<mark>智能算力租用</mark>" in html
    assert html.index("JS003") < html.index("ZJ001")
    assert "/policies/documents/JS003/?q=" in html and "#p" in html
    html = client.get("/policies/", {"q": "模型服务企业"}).content.decode()
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    partial = client.get("/policies/", {"q": "算力券"}, headers={"HX-Request": "true"})
    assert "<mark>" in partial.content.decode() and "<html" not in partial.content.decode()
    empty = client.get("/policies/", {"q": "量子纠缠"}).content.decode()
    assert "没有找到包含这些词语的政策文件" in empty


@pytest.mark.django_db
def test_document_list_pagination(imported, client, settings):
    settings.PAGE_SIZE = 2
    first = client.get("/policies/").content.decode()
    assert "第 1 / 2 页，共 4 条" in first
    second = client.get("/policies/", {"page": 2}).content.decode()
    assert "第 2 / 2 页" in second
    assert client.get("/policies/", {"page": "x"}).status_code == 200


@pytest.mark.django_db
def test_document_detail_page(imported, client):
    html = client.get("/policies/documents/ZJ001/").content.decode()
    assert "杭州市加快建设人工智能创新高地实施方案" in html
    assert 'href="https://www.example.gov.cn/ZJ001.html"' in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    html = client.get("/policies/documents/SH001/").content.decode()
    assert "暂未收录该文件的全文" in html and "发布年份：2024年" in html


@pytest.mark.django_db
def test_document_detail_lists_measures_and_highlights_the_query(citypack, folder, client):
    import_documents(folder)
    html = client.get("/policies/documents/JS003/", {"q": "智能算力租用"}).content.decode()
    assert "智能算力租用补贴（科技研发企业）" in html  # a measure's title
    assert "2026-01-31" in html and "2027-01-30" in html
    assert "<mark>智能算力租用</mark>" in html
    assert 'class="matched"' in html
    assert '<h3 id="p4" class="matched">二、降低<mark>智能算力</mark>使用成本</h3>' in html
    assert client.get("/policies/documents/NOPE/").status_code == 404


# --- API -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_lists_documents(imported, client):
    data = client.get("/api/policies/documents").json()
    assert data["count"] == 4
    first = data["items"][0]
    assert set(first) >= {"code", "title", "region", "issuer", "number", "published", "source_url"}
    assert first["snippet"] is None and first["score"] is None
    data = client.get("/api/policies/documents", {"region": "杭州"}).json()
    assert [d["code"] for d in data["items"]] == ["ZJ001"]
    page = client.get("/api/policies/documents", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 4 and len(page["items"]) == 1


@pytest.mark.django_db
def test_api_searches_documents(imported, client):
    data = client.get("/api/policies/documents", {"q": "智能算力租用"}).json()
    assert data["items"][0]["code"] == "JS003"
    assert "<mark>智能算力租用</mark>" in data["items"][0]["snippet"]
    assert data["items"][0]["score"] > 0
    assert data["count"] == len(data["items"])
    assert client.get("/api/policies/documents", {"q": "的"}).json() == {"items": [], "count": 0}
    bad = client.get("/api/policies/documents", {"limit": 0})
    assert bad.status_code == 422 and bad.json()["message"] == "请求参数有误。"


@pytest.mark.django_db
def test_api_document_detail(citypack, folder, client):
    import_documents(folder)
    data = client.get("/api/policies/documents/JS003").json()
    assert data["title"] == "苏州市进一步加快建设“人工智能+”城市的若干政策措施"
    assert data["effective_from"] == "2026-01-31" and data["effective_to"] == "2027-01-30"
    assert COMPUTE_CLAUSE in data["text"] and COMPUTE_CLAUSE in data["paragraphs"]
    rental = next(m for m in data["measures"] if m["rule_id"] == "js003-02-1-compute-rental")
    assert rental["title"] == "智能算力租用补贴（科技研发企业）"
    assert rental["instrument"] == "补贴" and rental["ruleable"] is True
    missing = client.get("/api/policies/documents/NOPE")
    assert missing.status_code == 404
    assert missing.json()["message"] == "对象不存在或无权查看。"


# --- the shared reference folder -------------------------------------------------------------

real = pytest.mark.skipif(not (REAL / "policies.csv").is_file(), reason="no shared policies")


@real
@pytest.mark.django_db
def test_real_folder_imports_idempotently_and_links_js003(citypack):
    result = import_documents(REAL)
    assert result.created == 21 and result.updated == result.unchanged == 0
    assert sorted(result.metadata_only) == sorted(
        ["SH001", "SH002", "SH003", "JS001", "AH002", "AH003"]
    )
    assert PolicyDocument.objects.exclude(text="").count() == 15
    js003 = PolicyDocument.objects.get(code="JS003")
    assert js003.measures.count() == Measure.objects.filter(document_code="JS003").count() > 30
    assert (js003.effective_from, js003.effective_to) == (
        dt.date(2026, 1, 31),
        dt.date(2027, 1, 30),
    )
    assert PolicyDocument.objects.get(code="GD001").published is None
    assert PolicyDocument.objects.get(code="JS002").number == "苏府办〔2025〕102号"
    again = import_documents(REAL)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 21)


@real
@pytest.mark.django_db
def test_real_folder_search(client):
    import_documents(REAL)
    hits = search.search("智能算力租用")
    assert hits[0].document.code == "JS003"
    assert "按实际支付<mark>智能算力租用</mark>费用的30%" in hits[0].snippet
    vouchers = search.search("算力券")
    assert "JS003" in [h.document.code for h in vouchers]
    assert all("<mark>" in h.snippet for h in vouchers)
    assert search.search("") == []
    html = client.get("/policies/", {"q": "智能算力租用"}).content.decode()
    assert "<mark>智能算力租用</mark>" in html
    assert client.get("/policies/documents/JS003/").status_code == 200
