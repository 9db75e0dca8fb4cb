"""Pages render for every role, write through services, and show errors in Chinese."""

import pytest
from django.urls import reverse

from aiplus.scenarios.choices import DemandStatus, ProposalStatus
from aiplus.scenarios.models import Demand, DemandList, Proposal

from .factories import PASSWORD, demand_data, make_demand

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "core:home",
    "scenarios:demand_list",
    "scenarios:list_index",
    "scenarios:solution_list",
    "scenarios:supplier_list",
    "scenarios:roadshow_list",
    "accounts:login",
    "accounts:register",
]


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_render_for_anonymous(client, citypack, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "人工智能+城市服务平台" in response.content.decode()


@pytest.mark.parametrize("who", ["office", "demander", "supplier", "district_officer"])
def test_pages_render_for_each_role(client, request, who, demander, office):
    user = request.getfixturevalue(who)
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    login(client, user)
    for url in [reverse(n) for n in PUBLIC_PAGES[:6]] + [
        reverse("scenarios:my"),
        demand.get_absolute_url(),
    ]:
        assert client.get(url).status_code == 200, url


def test_anonymous_list_hides_unpublished_and_detail_404s(client, demander):
    draft = make_demand(demander, title="未提交的草稿需求")
    response = client.get(reverse("scenarios:demand_list"))
    assert "未提交的草稿需求" not in response.content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_public_detail_never_shows_contact(client, demander, office):
    demand = make_demand(
        demander, status=DemandStatus.PUBLISHED, office=office, contact_phone="0512-12345678"
    )
    body = client.get(demand.get_absolute_url()).content.decode()
    assert "0512-12345678" not in body
    login(client, demander)
    assert "0512-12345678" in client.get(demand.get_absolute_url()).content.decode()


def test_list_filters_and_htmx_partial(client, demander, office):
    make_demand(demander, status=DemandStatus.PUBLISHED, office=office, title="医院病历质控")
    make_demand(demander, status=DemandStatus.PUBLISHED, office=office, title="产线缺陷检测")
    response = client.get(reverse("scenarios:demand_list"), {"q": "病历"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "医院病历质控" in body and "产线缺陷检测" not in body
    assert "<html" not in body  # a fragment for HTMX


def test_list_paginates(client, demander, office, settings):
    settings.PAGE_SIZE = 2
    for i in range(3):
        make_demand(demander, status=DemandStatus.PUBLISHED, office=office, title=f"需求{i}")
    body = client.get(reverse("scenarios:demand_list")).content.decode()
    assert "第 1 / 2 页" in body
    assert client.get(reverse("scenarios:demand_list"), {"page": 99}).status_code == 200


def test_demander_creates_and_submits_from_the_form(client, demander):
    login(client, demander)
    response = client.post(
        reverse("scenarios:demand_create"), demand_data(title="仓储机器人调度", submit_now="1")
    )
    demand = Demand.objects.get(title="仓储机器人调度")
    assert response.status_code == 302
    assert demand.status == DemandStatus.SUBMITTED
    assert list(demand.tags.values_list("name", flat=True)) == ["机器视觉", "缺陷检测"]


def test_bad_form_input_shows_chinese_errors_and_saves_nothing(client, demander):
    login(client, demander)
    response = client.post(
        reverse("scenarios:demand_create"), demand_data(budget_min="900000", budget_max="100")
    )
    assert response.status_code == 200
    assert "预算上限不能低于预算下限" in response.content.decode()
    assert not Demand.objects.exists()


def test_office_publishes_through_transition_buttons(client, demander, office):
    demand = make_demand(demander, status=DemandStatus.SUBMITTED, office=office)
    login(client, office)
    url = reverse("scenarios:demand_transition", args=[demand.pk])
    client.post(url, {"to": "in_review"})
    client.post(url, {"to": "published"})
    demand.refresh_from_db()
    assert demand.status == DemandStatus.PUBLISHED and demand.published_at


def test_refused_transition_changes_nothing(client, demander, office):
    demand = make_demand(demander, status=DemandStatus.SUBMITTED, office=office)
    login(client, demander)
    response = client.post(
        reverse("scenarios:demand_transition", args=[demand.pk]), {"to": "in_review"}, follow=True
    )
    assert "您无权执行该状态变更" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.SUBMITTED


def test_supplier_proposes_and_demander_shortlists(client, demander, office, supplier):
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    login(client, supplier)
    client.post(
        reverse("scenarios:proposal_create", args=[demand.pk]),
        {"approach": "基于深度学习的在线检测", "price": "800000", "duration_days": "90"},
    )
    proposal = Proposal.objects.get(demand=demand)
    login(client, demander)
    client.post(reverse("scenarios:proposal_action", args=[proposal.pk, "shortlist"]))
    proposal.refresh_from_db()
    demand.refresh_from_db()
    assert proposal.status == ProposalStatus.SHORTLISTED
    assert demand.status == DemandStatus.IN_TALKS


def test_office_builds_and_publishes_a_list(client, demander, office):
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    login(client, office)
    client.post(reverse("scenarios:list_create"), {"name": "2026年第一批需求清单", "year": "2026"})
    demand_list = DemandList.objects.get()
    client.post(reverse("scenarios:list_add", args=[demand_list.pk]), {"demand": [demand.pk]})
    client.post(reverse("scenarios:list_publish", args=[demand_list.pk]))
    demand_list.refresh_from_db()
    assert demand_list.status == "published"
    client.logout()
    body = client.get(demand_list.get_absolute_url()).content.decode()
    assert demand.title in body


def test_workbench_is_for_office_and_district_only(client, office, demander, district_officer):
    make_demand(demander, status=DemandStatus.SUBMITTED, office=office, title="待审核的需求")
    login(client, office)
    assert "待审核的需求" in client.get(reverse("scenarios:workbench")).content.decode()
    login(client, district_officer)
    assert "待审核的需求" in client.get(reverse("scenarios:workbench")).content.decode()
    login(client, demander)
    assert client.get(reverse("scenarios:workbench")).status_code == 302


def test_login_is_throttled_after_repeated_failures(client, demander, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "demander", "password": "wrong"})
    response = client.post(
        reverse("accounts:login"), {"username": "demander", "password": PASSWORD}
    )
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_registration_waits_for_review(client, citypack):
    response = client.post(
        reverse("accounts:register"),
        {
            "name": "苏州某智能科技有限公司",
            "kind": "supplier",
            "display_name": "李四",
            "contact_phone": "13800000000",
            "username": "newsupplier",
            "password": "Str0ng-pass-2026",
        },
        follow=True,
    )
    assert "等待专班办公室审核" in response.content.decode()
    assert client.get(reverse("scenarios:solution_create"), follow=True).status_code == 200


def test_office_uploads_a_messy_workbook_and_sees_row_errors(client, office):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["场景名称", "需求单位", "所属领域", "所在板块", "需求描述"])
    ws.append(["好的一行", "某医院", "医疗", "姑苏区", "描述"])
    ws.append(["坏的一行", "某医院", "航天", "姑苏区", "描述"])
    buf = io.BytesIO()
    wb.save(buf)
    login(client, office)
    response = client.post(
        reverse("scenarios:import_demands"), {"file": SimpleUploadedFile("l.xlsx", buf.getvalue())}
    )
    body = response.content.decode()
    assert "导入失败" in body and "航天" in body
    assert not Demand.objects.exists()


def test_list_downloads_from_the_page(client, demander, office):
    from aiplus.scenarios import services

    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    demand_list = services.create_demand_list(actor=office, data={"name": "页面导出", "year": 2026})
    services.add_to_list(actor=office, demand_list=demand_list, demands=[demand])
    services.publish_demand_list(actor=office, demand_list=demand_list)
    pdf = client.get(reverse("scenarios:list_export", args=[demand_list.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "filename*=UTF-8''" in pdf["Content-Disposition"]
    assert (
        client.get(reverse("scenarios:list_export", args=[demand_list.pk, "exe"])).status_code
        == 404
    )


def test_my_page_paginates_each_list_separately(client, demander, office, settings):
    for i in range(12):
        make_demand(demander, title=f"我的需求{i:02d}")
    login(client, demander)
    first = client.get(reverse("scenarios:my")).content.decode()
    second = client.get(reverse("scenarios:my"), {"dpage": 2}).content.decode()
    assert "我的需求11" in first and "我的需求00" not in first
    assert "我的需求00" in second and "dpage=1" in second
