"""Programme monitoring pages: who sees them, what they show, and the writes that go through them
(reporting a value, review, evidence, imports) and the downloads (briefing, figures, template).

Dates are real: the pages use today's date, and the services compute lateness from it."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from aiplus.accounts.choices import Role
from aiplus.core.models import Area, Sector
from aiplus.programme import derived, forecast, obligations, progress, services
from aiplus.programme.models import Evidence, Indicator, Submission
from aiplus.programme.models import SubmissionStatus as S
from aiplus.programme.periods import parse_key

from .factories import make_user, sector_split_indicator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def ind(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def area(code: str) -> Area:
    return Area.objects.get(code=code)


def report(actor, code, key, value, *, area_code=None, sector_code=None, **kw) -> Submission:
    return services.save_value(
        actor=actor,
        indicator=ind(code),
        period=services.period_for(parse_key(key)),
        value=value,
        area=area(area_code) if area_code else None,
        sector=Sector.objects.get(code=sector_code) if sector_code else None,
        **kw,
    )


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def html(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def pending(district_officer):
    """The SIP officer's value for October, waiting for review."""
    return report(district_officer, "ai-enterprises", "2026-10", "3,050", area_code="sip")


@pytest.fixture
def sector_split(citypack) -> Indicator:
    return sector_split_indicator()


@pytest.fixture
def data(district_officer, office, pending):
    """An approved September value of SIP and the pending October one."""
    september = report(district_officer, "ai-enterprises", "2026-09", "2900", area_code="sip")
    services.approve(actor=office, submission=september)
    return {"approved": september, "pending": pending}


# --- every page renders for the office and for a district officer -------------------------


@pytest.mark.parametrize("who", ["office", "district_officer"])
def test_dashboard_renders_counts_and_chart_data(client, request, who, data):
    user = request.getfixturevalue(who)
    response = get(client, user, reverse("programme:dashboard"))
    assert response.status_code == 200
    body = html(response)
    assert "目标监测总览" in body
    counts = {s: n for s, _label, n in response.context["counts"]}
    assert set(counts) == set(forecast.STATUSES)
    assert sum(counts.values()) == Indicator.objects.count() == 34
    assert 'data-chart="aspects"' in body and 'id="aspect-data"' in body
    assert 'data-source="headline-1"' in body and 'id="headline-1"' in body
    assert "全市集聚人工智能企业" in body  # a headline indicator
    # the review queue only for the office
    assert response.context["is_office"] is (who == "office")
    assert ("待审核数值" in body) is (who == "office")
    if who == "office":
        assert response.context["n_pending"] == 1


@pytest.mark.parametrize("who", ["office", "district_officer"])
def test_indicator_list_renders_and_filters(client, request, who, data):
    user = request.getfixturevalue(who)
    url = reverse("programme:indicator_list")
    response = get(client, user, url)
    assert response.status_code == 200
    assert "全市集聚人工智能企业" in html(response)
    assert response.context["page_obj"].paginator.count == 34

    def codes(**params):
        r = client.get(url, params)
        assert r.status_code == 200
        return {p.indicator.code for p in r.context["page_obj"].paginator.object_list}, html(r)

    found, body = codes(q="独角兽")
    assert found == {"unicorns", "unicorn-candidates"}
    assert 'value="独角兽"' in body  # the filter is kept in the form
    found, _ = codes(aspect="overall")
    assert found == {"ai-enterprises", "core-growth", "ai-industry-scale"}
    found, _ = codes(kind="derived")
    assert found == {"typical-scenarios", "algorithm-filings", "datasets", "vertical-models"}
    # nothing approved meets a target yet
    found, body = codes(status=forecast.ACHIEVED)
    assert found == set() and "没有符合条件的指标。" in body
    found, _ = codes(status=forecast.NO_DATA)
    assert "standards" in found
    # the baseline and the approved September value make a forecast: it has a status
    assert "ai-enterprises" not in found
    status = {p.indicator.code: p.status for p in progress.programme_progress()}
    assert found == {code for code, s in status.items() if s == forecast.NO_DATA}


@pytest.mark.parametrize("who", ["office", "district_officer"])
def test_reported_indicator_page_shows_values_history_and_the_form(client, request, who, data):
    user = request.getfixturevalue(who)
    response = get(client, user, reverse("programme:indicator", args=["ai-enterprises"]))
    assert response.status_code == 200
    body = html(response)
    assert "<h1>全市集聚人工智能企业" in body
    assert "2,900 家（2026年9月）" in body  # the latest approved value
    assert 'data-chart="series"' in body and 'id="series-data"' in body
    # split across the ten areas
    assert "分板块" in body and len(response.context["scope_rows"]) == Area.objects.count()
    assert "苏州工业园区" in body and "姑苏区" in body
    # the history lists the approved and the pending value
    pending = data["pending"]
    assert reverse("programme:submission", args=[pending.pk]) in body
    assert "3,050 家" in body and "待审核" in body
    # both may report: the office for any area, the district for its own only
    form = response.context["form"]
    assert form is not None and 'id="report"' in body
    areas = list(form.fields["area"].queryset)
    if who == "office":
        assert len(areas) == Area.objects.count()
    else:
        assert areas == [area("sip")]


@pytest.mark.parametrize("who", ["office", "district_officer"])
def test_derived_indicator_page_shows_its_counting_rule_and_sql(client, request, who):
    user = request.getfixturevalue(who)
    response = get(client, user, reverse("programme:indicator", args=["typical-scenarios"]))
    assert response.status_code == 200
    body = html(response)
    source = derived.get("scenarios.deployed")
    assert "统计口径（自动统计，无需填报）" in body
    assert source.description in body
    assert '<pre class="sql">SELECT' in body
    assert response.context["source_sql"].startswith("SELECT")
    assert response.context["form"] is None and "报送数值" not in body
    assert "自动统计指标没有报送记录。" in body


def test_sector_split_indicator_page(client, office, district_officer, sector_split):
    manufacturing = Sector.objects.get(code="manufacturing")
    healthcare = Sector.objects.get(code="healthcare")
    services.set_shares(
        actor=office,
        indicator=sector_split,
        shares={manufacturing: "100", healthcare: "50"},
    )
    url = reverse("programme:indicator", args=[sector_split.code])
    response = get(client, office, url)
    assert response.status_code == 200
    body = html(response)
    assert "分领域" in body
    assert {r["name"] for r in response.context["scope_rows"]} == {
        manufacturing.name,
        healthcare.name,
    }
    assert "100 个" in body and "50 个" in body
    # the office reports per sector: the form asks for one of the split's sectors
    form = response.context["form"]
    assert "area" not in form.fields
    assert set(form.fields["sector"].queryset) == {manufacturing, healthcare}
    # a district officer is not responsible for it: the page, but no form
    response = get(client, district_officer, url)
    assert response.status_code == 200
    assert response.context["form"] is None and "报送数值" not in html(response)


@pytest.mark.parametrize("who", ["office", "district_officer"])
def test_area_pages(client, request, who, data):
    user = request.getfixturevalue(who)
    response = get(client, user, reverse("programme:areas"), indicator="specialised-smes")
    assert response.status_code == 200
    body = html(response)
    assert response.context["chosen"].code == "specialised-smes"
    assert "<h2>人工智能领域省级以上专精特新企业（家）</h2>" in body
    assert len(response.context["chosen_rows"]) == Area.objects.count()
    assert 'data-chart="scopes"' in body and 'id="area-data"' in body
    # the default is the first area-split indicator; its SIP value shows on the chart
    response = client.get(reverse("programme:areas"))
    assert response.context["chosen"].code == "ai-enterprises"
    chart = response.context["chart"]
    sip = chart["names"].index("苏州工业园区")
    assert chart["values"][sip] == 2900.0

    response = client.get(reverse("programme:area", args=["sip"]))
    assert response.status_code == 200
    body = html(response)
    assert "<h1>苏州工业园区 · 目标监测</h1>" in body
    rows = {r["p"].indicator.code: r["p"] for r in response.context["rows"]}
    assert rows["ai-enterprises"].latest.value == 2900.0
    assert "typical-scenarios" in rows and "standards" not in rows  # city-only indicator
    assert response.context["n_late"] > 0 and "缺报" in body
    assert client.get(reverse("programme:area", args=["nowhere"])).status_code == 404


@pytest.mark.parametrize("who", ["office", "district_officer"])
def test_sector_pages(client, request, who, sector_split):
    user = request.getfixturevalue(who)
    response = get(client, user, reverse("programme:sectors"))
    assert response.status_code == 200
    body = html(response)
    manufacturing = Sector.objects.get(code="manufacturing")
    assert reverse("programme:sector", args=["manufacturing"]) in body
    row = next(r for r in response.context["page_obj"] if r["sector"] == manufacturing)
    assert row["n"] == 2  # 工业垂类大模型, 国家卓越级以上智能工厂

    response = client.get(reverse("programme:sector", args=["manufacturing"]))
    assert response.status_code == 200
    body = html(response)
    assert f"<h1>{manufacturing.name} · 目标监测</h1>" in body
    assert {r["p"].indicator.code for r in response.context["rows"]} == {
        "industrial-models",
        "smart-factories",
    }
    assert "工业垂类大模型" in body
    own = {r["p"].indicator.code for r in response.context["own_rows"]}
    # split by sector (reported or derived) and derived ones that count by sector
    assert {"sector-models", "vertical-models", "typical-scenarios"} <= own
    assert "algorithm-filings" not in own  # its source has no sector


@pytest.mark.parametrize("who", ["office", "district_officer"])
def test_reports_and_late_pages(client, request, who, data):
    user = request.getfixturevalue(who)
    response = get(client, user, reverse("programme:reports"))
    assert response.status_code == 200
    body = html(response)
    assert "<h1>我的报送</h1>" in body
    owed = list(response.context["page_obj"])
    assert owed and {o.state for o in owed} <= obligations.OUTSTANDING
    mine = list(response.context["mine"])
    if who == "district_officer":
        # only its own area; its two values are listed as its unit's records
        assert {o.area.code for o in owed} == {"sip"}
        assert {s.pk for s in mine} == {data["approved"].pk, data["pending"].pk}
        assert "3,050 家" in body
    else:
        assert mine == []

    response = client.get(reverse("programme:reports"), {"state": "missing"})
    assert response.status_code == 200
    assert response.context["state"] == "missing"
    assert {o.state for o in response.context["page_obj"]} == {obligations.MISSING}
    assert "缺报" in html(response)

    response = client.get(reverse("programme:late"))
    assert response.status_code == 200
    body = html(response)
    assert "<h1>缺报、迟报</h1>" in body
    rows = list(response.context["page_obj"])
    assert rows and {o.state for o in rows} <= {obligations.MISSING, obligations.LATE}
    response = client.get(reverse("programme:late"), {"state": "late"})
    rows = list(response.context["page_obj"])
    # both values came after their due dates (10 October, 10 November): late, with links
    assert {(o.submission_id, o.state) for o in rows} == {
        (data["approved"].pk, obligations.LATE),
        (data["pending"].pk, obligations.LATE),
    }
    assert reverse("programme:submission", args=[data["approved"].pk]) in html(response)
    if who == "district_officer":
        assert {o.area.code for o in rows if o.area} == {"sip"}


@pytest.mark.parametrize("who", ["office", "district_officer"])
def test_submission_and_import_pages(client, request, who, data):
    user = request.getfixturevalue(who)
    pending = data["pending"]
    response = get(client, user, reverse("programme:submission", args=[pending.pk]))
    assert response.status_code == 200
    body = html(response)
    assert "2026年10月 · 苏州工业园区" in body and "待审核" in body
    assert "<strong>3,050</strong> 家" in body
    assert response.context["can_review"] is (who == "office")
    approve = reverse("programme:submission_action", args=[pending.pk, "approve"])
    assert (approve in body) is (who == "office")

    response = client.get(reverse("programme:import"))
    assert response.status_code == 200
    body = html(response)
    assert "从 Excel 导入报送数值" in body
    assert 'type="file" name="file"' in body
    assert reverse("programme:template") in body


def test_review_page_is_for_the_office_only(client, office, district_officer, data):
    response = get(client, office, reverse("programme:review"))
    assert response.status_code == 200
    body = html(response)
    assert [s.pk for s in response.context["page_obj"]] == [data["pending"].pk]
    assert reverse("programme:submission_action", args=[data["pending"].pk, "approve"]) in body

    response = get(client, district_officer, reverse("programme:review"))
    assert response.status_code == 302
    assert response.url == reverse("programme:dashboard")
    response = client.get(reverse("programme:review"), follow=True)
    assert "审核仅对专班办公室开放。" in messages_of(response)


PAGES = [
    ("programme:dashboard", []),
    ("programme:indicator_list", []),
    ("programme:indicator", ["ai-enterprises"]),
    ("programme:areas", []),
    ("programme:area", ["sip"]),
    ("programme:sectors", []),
    ("programme:sector", ["manufacturing"]),
    ("programme:reports", []),
    ("programme:import", []),
    ("programme:template", []),
    ("programme:late", []),
    ("programme:review", []),
    ("programme:briefing", ["pdf"]),
    ("programme:figures", []),
]


def test_anonymous_users_are_sent_to_login(client, data):
    urls = [reverse(name, args=args) for name, args in PAGES] + [
        reverse("programme:submission", args=[data["pending"].pk])
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/"), url
        assert "next=" in response.url


@pytest.mark.parametrize("who", ["demander", "supplier"])
def test_others_are_turned_away_with_a_message(client, request, who, data):
    user = request.getfixturevalue(who)
    client.force_login(user)
    urls = [reverse(name, args=args) for name, args in PAGES] + [
        reverse("programme:submission", args=[data["pending"].pk])
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("core:home"), url
    response = client.get(reverse("programme:indicator", args=["ai-enterprises"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:home")
    assert "目标监测仅对专班办公室、板块主管和指标责任单位开放。" in messages_of(response)
    assert "3,050" not in html(response)
    # nor can it write through the action URLs
    response = client.post(
        reverse("programme:submission_action", args=[data["pending"].pk, "approve"])
    )
    assert response.status_code == 302
    data["pending"].refresh_from_db()
    assert data["pending"].status == S.SUBMITTED


# --- reporting through the indicator page ----------------------------------------------------


def _post_value(client, code="ai-enterprises", **fields):
    return client.post(reverse("programme:indicator", args=[code]), fields)


def test_reporting_through_the_form_submits_and_redirects(client, district_officer):
    client.force_login(district_officer)
    upload = SimpleUploadedFile("统计表.pdf", b"%PDF-1.4 table", content_type="application/pdf")
    response = _post_value(
        client,
        period="2026-09",
        area=area("sip").pk,
        value="3,200家",
        note="统计局月报",
        evidence=upload,
    )
    sub = Submission.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("programme:submission", args=[sub.pk])
    assert sub.status == S.SUBMITTED and sub.submitted_at is not None
    assert sub.value == Decimal("3200") and sub.note == "统计局月报"
    assert (sub.area, sub.period.key) == (area("sip"), "2026-09")
    assert sub.organisation == district_officer.organisation
    assert sub.is_late  # September was due on 10 October
    evidence = Evidence.objects.get()
    assert evidence.submission == sub and evidence.name == "统计表.pdf"

    page = client.get(response.url)
    assert "已提交，等待专班办公室审核。" in messages_of(page)
    body = html(page)
    assert "统计表.pdf" in body and reverse("programme:evidence", args=[evidence.pk]) in body


@pytest.mark.parametrize(
    ("value", "message"),
    [("很多", "“很多”不是数字，请填写以“家”为单位的数值。"), ("3200个", "单位应为“家”")],
)
def test_a_bad_value_rerenders_the_form_and_writes_nothing(
    client, district_officer, value, message
):
    client.force_login(district_officer)
    response = _post_value(client, period="2026-09", area=area("sip").pk, value=value)
    assert response.status_code == 200
    assert message in html(response)
    form = response.context["form"]
    assert message in " ".join(form.errors["value"])
    assert form["value"].value() == value  # what was typed is kept
    assert not Submission.objects.exists() and not Evidence.objects.exists()


def test_another_areas_value_is_refused(client, district_officer):
    client.force_login(district_officer)
    response = _post_value(client, period="2026-09", area=area("gusu").pk, value="100")
    assert response.status_code == 200
    assert response.context["form"].errors["area"]
    assert not Submission.objects.exists()


def test_a_bad_evidence_file_writes_nothing(client, district_officer):
    """The value and its file are one form: a refused file leaves no submitted value behind."""
    client.force_login(district_officer)
    upload = SimpleUploadedFile("setup.exe", b"MZ...")
    response = _post_value(
        client, period="2026-09", area=area("sip").pk, value="3200", evidence=upload
    )
    assert response.status_code == 200
    assert "不支持的文件类型" in html(response)
    assert not Submission.objects.exists() and not Evidence.objects.exists()


def test_save_draft_keeps_a_draft(client, office):
    client.force_login(office)
    response = _post_value(
        client, code="standards", period="2026Q3", value="42", save_draft="1", note="初稿"
    )
    sub = Submission.objects.get()
    assert response.url == reverse("programme:submission", args=[sub.pk])
    assert sub.status == S.DRAFT and sub.submitted_at is None and not sub.is_late
    assert (sub.value, sub.period.key, sub.area, sub.sector) == (
        Decimal("42"),
        "2026Q3",
        None,
        None,
    )
    page = client.get(response.url)
    assert "已保存草稿。" in messages_of(page)
    assert page.context["can_submit"] and "提交审核" in html(page)
    # a derived indicator takes no values
    response = _post_value(client, code="typical-scenarios", period="2026-09", value="5")
    assert response.status_code == 200 and response.context["form"] is None
    assert Submission.objects.count() == 1


# --- review through the pages ----------------------------------------------------------------


def _act(client, sub, action, **data):
    return client.post(
        reverse("programme:submission_action", args=[sub.pk, action]), data, follow=True
    )


def test_office_approves_and_returns(client, office, district_officer, pending):
    client.force_login(office)
    response = _act(client, pending, "approve", note="核对无误")
    assert response.redirect_chain[-1][0] == reverse("programme:submission", args=[pending.pk])
    pending.refresh_from_db()
    assert pending.status == S.APPROVED and pending.reviewed_by == office
    assert pending.review_note == "核对无误"
    assert any(m.startswith("已审定") for m in messages_of(response))

    other = report(district_officer, "ai-enterprises", "2026-08", "2800", area_code="sip")
    response = _act(client, other, "return", note="请附统计表", next="review")
    assert response.redirect_chain[-1][0] == reverse("programme:review")
    other.refresh_from_db()
    assert other.status == S.RETURNED and other.review_note == "请附统计表"
    assert any(m.startswith("已退回") for m in messages_of(response))


def test_return_without_a_note_changes_nothing(client, office, pending):
    client.force_login(office)
    response = _act(client, pending, "return", note="  ")
    assert "请填写退回原因。" in messages_of(response)
    pending.refresh_from_db()
    assert pending.status == S.SUBMITTED and pending.reviewed_by is None


def test_the_office_cannot_approve_its_own_value(client, office, reviewer):
    sub = report(office, "standards", "2026Q3", "42")
    client.force_login(office)
    page = client.get(reverse("programme:submission", args=[sub.pk]))
    assert page.context["can_review"] is False
    response = _act(client, sub, "approve")
    assert "不能审定本人报送的数值，请由其他人员审核。" in messages_of(response)
    sub.refresh_from_db()
    assert sub.status == S.SUBMITTED
    # another office user may
    client.force_login(reviewer)
    _act(client, sub, "approve")
    sub.refresh_from_db()
    assert sub.status == S.APPROVED and sub.reviewed_by == reviewer


def test_a_district_officer_cannot_approve(client, district_officer, pending):
    client.force_login(district_officer)
    for action, data in (("approve", {}), ("return", {"note": "重填"})):
        response = _act(client, pending, action, **data)
        assert response.status_code == 200
        assert any("只有专班办公室可以" in m for m in messages_of(response))
        pending.refresh_from_db()
        assert pending.status == S.SUBMITTED and pending.reviewed_by is None
    response = client.post(reverse("programme:submission_action", args=[pending.pk, "delete"]))
    assert response.status_code == 404


# --- evidence and visibility -----------------------------------------------------------------


def _download(client, user, evidence):
    client.force_login(user)
    return client.get(reverse("programme:evidence", args=[evidence.pk]))


def _content(response) -> bytes:
    """The streamed body; closes the file but not the response (closing a response sends
    request_finished, which would close the test's database connection on PostgreSQL)."""
    try:
        return b"".join(response.streaming_content)
    finally:
        handle = getattr(response, "file_to_stream", None)
        if handle is not None:
            handle.close()


def test_evidence_is_downloaded_by_its_unit_and_the_office(
    client, district_officer, office, gusu_officer, pending
):
    content = b"%PDF-1.4 evidence"
    evidence = services.add_evidence(
        actor=district_officer, submission=pending, upload=SimpleUploadedFile("统计表.pdf", content)
    )
    colleague = make_user(Role.DISTRICT, org=district_officer.organisation)
    for user in (district_officer, colleague, office):
        response = _download(client, user, evidence)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert "%E7%BB%9F%E8%AE%A1%E8%A1%A8.pdf" in response["Content-Disposition"]  # 统计表
        assert response["X-Content-Type-Options"] == "nosniff"
        assert _content(response) == content
    # another area's officer may not see a pending value, nor its file
    assert _download(client, gusu_officer, evidence).status_code == 404
    assert client.get(reverse("programme:submission", args=[pending.pk])).status_code == 404
    response = client.post(reverse("programme:submission_action", args=[pending.pk, "approve"]))
    assert response.status_code == 404


def test_a_drafts_evidence_stays_with_its_unit(client, district_officer, office, gusu_officer):
    draft = report(
        district_officer, "ai-enterprises", "2026-10", "3050", area_code="sip", submit=False
    )
    evidence = services.add_evidence(
        actor=district_officer, submission=draft, upload=SimpleUploadedFile("a.xlsx", b"PK..")
    )
    response = _download(client, district_officer, evidence)
    assert response.status_code == 200 and _content(response) == b"PK.."
    assert _download(client, gusu_officer, evidence).status_code == 404
    assert _download(client, office, evidence).status_code == 404  # another unit's draft
    client.force_login(gusu_officer)
    assert client.get(reverse("programme:submission", args=[draft.pk])).status_code == 404


def test_another_areas_approved_value_is_visible_but_not_its_pending_one(
    client, district_officer, gusu_officer, office, data
):
    client.force_login(gusu_officer)
    approved_page = client.get(reverse("programme:submission", args=[data["approved"].pk]))
    assert approved_page.status_code == 200 and "已审定" in html(approved_page)
    assert approved_page.context["can_upload"] is False
    response = client.get(reverse("programme:submission", args=[data["pending"].pk]))
    assert response.status_code == 404
    detail = client.get(reverse("programme:indicator", args=["ai-enterprises"]))
    shown = {s.pk for s in detail.context["page_obj"]}
    assert data["approved"].pk in shown and data["pending"].pk not in shown


def test_a_missing_evidence_file_is_a_404(client, district_officer, pending):
    evidence = services.add_evidence(
        actor=district_officer, submission=pending, upload=SimpleUploadedFile("a.pdf", b"%PDF")
    )
    evidence.file.delete(save=False)
    assert _download(client, district_officer, evidence).status_code == 404
    assert client.get(reverse("programme:evidence", args=[999999])).status_code == 404


# --- downloads -------------------------------------------------------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_briefing_downloads(client, office, data):
    from docx import Document
    from pypdf import PdfReader

    client.force_login(office)
    response = client.get(reverse("programme:briefing", args=["docx"]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith("attachment; filename=briefing-")
    assert response["X-Content-Type-Options"] == "nosniff"
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "工作简报" in text

    response = client.get(reverse("programme:briefing", args=["pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 1
    text = "".join(page.extract_text() or "" for page in reader.pages).replace("\x00", "")
    assert "工作简报" in text

    assert client.get(reverse("programme:briefing", args=["txt"])).status_code == 404
    assert client.get("/programme/briefing.exe").status_code == 404


@pytest.mark.parametrize("who", ["office", "district_officer"])
def test_figures_download(client, request, who, data):
    user = request.getfixturevalue(who)
    response = get(client, user, reverse("programme:figures"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "programme-figures-" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames
    cells = {
        str(c)
        for ws in workbook.worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c is not None
    }
    assert "全市集聚人工智能企业" in cells


# --- importing values ------------------------------------------------------------------------


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_refuses_a_file_that_is_not_xlsx(client, district_officer):
    client.force_login(district_officer)
    response = client.post(
        reverse("programme:import"),
        {"file": SimpleUploadedFile("values.txt", b"ai-enterprises,2026-09,3200")},
    )
    assert response.status_code == 200
    assert "文件不是有效的 Excel（.xlsx）文件。" in html(response)
    assert not Submission.objects.exists()
    response = client.post(reverse("programme:import"), {})
    assert "请选择要导入的 .xlsx 文件。" in html(response)


def test_import_of_a_bad_row_lists_the_row_and_writes_nothing(client, district_officer):
    client.force_login(district_officer)
    body = _xlsx(
        [
            ["指标代码", "板块", "报告期", "数值"],
            ["ai-enterprises", "苏州工业园区", "2026-09", 3200],
            ["ai-enterprises", "苏州工业园区", "2026-10", "很多"],
        ]
    )
    response = client.post(
        reverse("programme:import"), {"file": SimpleUploadedFile("v.xlsx", body)}
    )
    assert response.status_code == 200
    text = html(response)
    assert "导入失败" in text and "第 3 行" in text
    assert not Submission.objects.exists()


def test_import_of_a_good_file_creates_submissions(client, district_officer):
    client.force_login(district_officer)
    body = _xlsx(
        [
            ["指标代码", "板块", "报告期", "数值"],
            ["ai-enterprises", "苏州工业园区", "2026-09", 3200],
            ["ai-enterprises", "苏州工业园区", "2026-10", "3,300"],
        ]
    )
    response = client.post(
        reverse("programme:import"), {"file": SimpleUploadedFile("values.xlsx", body)}
    )
    assert response.status_code == 302 and response.url == reverse("programme:reports")
    subs = Submission.objects.order_by("period__start")
    assert [(s.period.key, s.value, s.area.code, s.status) for s in subs] == [
        ("2026-09", Decimal("3200"), "sip", S.SUBMITTED),
        ("2026-10", Decimal("3300"), "sip", S.SUBMITTED),
    ]
    page = client.get(response.url)
    assert "已导入 2 条数值，等待专班办公室审核。" in messages_of(page)


def test_the_template_download_opens(client, district_officer):
    response = get(client, district_officer, reverse("programme:template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "programme-template.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["指标报送"]
    header = [c.value for c in sheet[2]]
    assert "指标代码" in header and "数值" in header
    codes = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert "ai-enterprises" in codes and "standards" not in codes  # only what the area owes


# --- the dashboard follows the data; pagination ----------------------------------------------


def test_dashboard_counts_follow_approved_values(client, office, reviewer):
    client.force_login(office)
    url = reverse("programme:dashboard")

    def counts():
        return {s: n for s, _label, n in client.get(url).context["counts"]}

    before = counts()
    assert before[forecast.ACHIEVED] == 0
    sub = report(office, "standards", "2026Q3", "100")  # target: 100 项
    assert counts() == before  # pending values do not count
    client.force_login(reviewer)
    client.post(reverse("programme:submission_action", args=[sub.pk, "approve"]))
    sub.refresh_from_db()
    assert sub.status == S.APPROVED
    after = counts()
    assert after[forecast.ACHIEVED] == before[forecast.ACHIEVED] + 1
    assert sum(after.values()) == sum(before.values())
    body = html(client.get(url))
    assert f'?status={forecast.ACHIEVED}"><div class="n">1</div><div class="l">已完成</div>' in body
    achieved = client.get(reverse("programme:indicator_list"), {"status": forecast.ACHIEVED})
    assert [p.indicator.code for p in achieved.context["page_obj"]] == ["standards"]


def test_indicator_list_paginates(client, office, settings):
    assert settings.PAGE_SIZE == 20
    client.force_login(office)
    url = reverse("programme:indicator_list")
    first = client.get(url)
    body = html(first)
    assert len(first.context["page_obj"]) == 20
    assert "第 1 / 2 页，共 34 条" in body and 'href="?page=2"' in body
    second = client.get(url, {"page": 2})
    assert second.status_code == 200
    page = second.context["page_obj"]
    assert page.number == 2 and len(page) == 14
    assert "第 2 / 2 页，共 34 条" in html(second) and 'href="?page=1"' in html(second)
    names_1 = {p.indicator.code for p in first.context["page_obj"]}
    names_2 = {p.indicator.code for p in page}
    assert not names_1 & names_2 and len(names_1 | names_2) == 34
    assert "人工智能相关产业规模" in html(second)  # the last indicator
    # filters are kept across pages; out-of-range pages give the last one
    filtered = client.get(url, {"kind": "reported", "page": 2})
    assert len(filtered.context["page_obj"]) == 10  # 30 reported, 4 derived
    assert 'href="?kind=reported&page=1"' in html(filtered)
    assert client.get(url, {"page": 99}).context["page_obj"].number == 2


# --- the office configures responsible units and target splits ------------------------------


def test_office_names_responsible_units_and_splits_a_target(client, office, district_officer):
    url = reverse("programme:indicator_settings", args=["specialised-smes"])
    page = get(client, office, url)
    assert page.status_code == 200
    assert "按板块分解目标" in html(page) and "苏州工业园区" in html(page)

    unit = district_officer.organisation
    response = client.post(url, {"form": "responsible", "organisations": [unit.pk], "text": "示例"})
    assert response.status_code == 302
    assert list(ind("specialised-smes").responsible.all()) == [unit]

    shares = {"form": "shares", **{f"s{a.pk}": "30" for a in Area.objects.all()}}
    bad = {**shares, f"s{area('sip').pk}": "-1"}
    response = client.post(url, bad)
    assert response.status_code == 200 and "errorlist" in html(response)
    assert not ind("specialised-smes").shares.exists()  # nothing written
    response = client.post(url, {**shares, f"s{area('gusu').pk}": ""})
    assert response.status_code == 302
    split = {
        s.area.code: s.target_value for s in ind("specialised-smes").shares.select_related("area")
    }
    assert len(split) == Area.objects.count() - 1 and "gusu" not in split
    assert split["sip"] == 30

    # a district officer may not change them
    before = ind("specialised-smes").shares.count()
    client.force_login(district_officer)
    response = client.post(url, {**shares, "form": "shares"})
    assert response.status_code == 302 and ind("specialised-smes").shares.count() == before
    assert "只有专班办公室" in " ".join(messages_of(client.get(response["Location"])))


def test_office_changes_how_an_indicator_is_reported(client, office, district_officer):
    url = reverse("programme:indicator_settings", args=["standards"])
    client.force_login(office)
    response = client.post(
        url, {"form": "reporting", "frequency": "monthly", "due_days": "15", "jump_band": "0.3"}
    )
    assert response.status_code == 302
    standards = ind("standards")
    assert (standards.frequency, standards.due_days, float(standards.jump_band)) == (
        "monthly",
        15,
        0.3,
    )
    bad = client.post(
        url, {"form": "reporting", "frequency": "monthly", "due_days": "-3", "jump_band": "x"}
    )
    assert bad.status_code == 200 and "errorlist" in html(bad)
    assert ind("standards").due_days == 15  # unchanged

    # once a value is reported the frequency is fixed
    report(district_officer, "ai-enterprises", "2026-09", "2900", area_code="sip")
    client.post(
        reverse("programme:indicator_settings", args=["ai-enterprises"]),
        {"form": "reporting", "frequency": "quarterly", "due_days": "20", "jump_band": "0.5"},
    )
    enterprises = ind("ai-enterprises")
    assert enterprises.frequency == "monthly" and enterprises.due_days == 20
