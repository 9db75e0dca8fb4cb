"""The compute platform's pages: who may see each, the forms that write through the services
(and refuse bad input in Chinese, changing nothing), the allocation run reviewed and approved
from the pages, usage reports one by one and from a CSV, the ledger and the reports."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from aiplus.accounts.choices import Role
from aiplus.compute import ledger, services
from aiplus.compute.models import (
    AllocationRun,
    Application,
    DataCentre,
    LedgerTransaction,
    Offer,
    Order,
    RunStatus,
    TxKind,
    UsageReport,
)
from aiplus.core.citypack import load_citypack
from aiplus.core.models import Area

from ..factories import make_demand, make_user
from .conftest import DAY, make_order, profile

pytestmark = pytest.mark.django_db

REQUIRED = "这个字段是必填项"
BAD_CHOICE = "选择一个有效的选项"

PUBLIC = ["compute:overview", "compute:offers"]
PROVIDER = [
    "compute:centres",
    "compute:my_offers",
    "compute:provider_orders",
    "compute:usage_import",
    "compute:usage_template",
]
ENTERPRISE = ["compute:calculator", "compute:my_orders"]
APPLICATIONS = ["compute:applications"]
OFFICE = ["compute:runs", "compute:orders", "compute:ledger", "compute:reports"]


@pytest.fixture(scope="module", autouse=True)
def _pack(django_db_setup, django_db_blocker):
    """Load the city pack once for this module, inside a transaction rolled back at the end;
    each test runs in its own savepoint (the `citypack` fixture then finds the pack loaded)."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_citypack("suzhou")
        yield
        transaction.set_rollback(True)


def html(response) -> str:
    return response.content.decode()


def as_user(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def usage(report_id="u1", hours="100", start=DAY, end=DAY, **extra) -> dict:
    return {
        "report_id": report_id,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "card_hours": hours,
        **extra,
    }


# --- who sees what ------------------------------------------------------------------------


def test_public_pages_show_programmes_and_offers(client, offer, programme, office, settings):
    Offer.objects.create(
        centre=offer.centre,
        gpu_model="A800",
        cards=16,
        price=Decimal("8.20"),
        available_from=dt.date(2026, 3, 1),
        available_to=dt.date(2026, 6, 30),
        is_demo=True,
    )
    page = html(client.get(reverse("compute:overview")))
    assert programme.name in page
    assert "/policies/measures/js003-02-1-compute-rental/" in page  # rules link to measures
    assert "H800" in page and "A800" in page  # open offers by GPU model
    assert "已注入" not in page  # balances are the office's
    assert "已注入" in html(as_user(client, office).get(reverse("compute:overview")))

    client.logout()
    offers = reverse("compute:offers")
    page = html(client.get(offers))
    assert "相城智算中心" in page and "12.50" in page and "8.20" in page
    assert 'class="badge demo"' in page  # the demo offer is marked 示例
    only_a800 = html(client.get(offers, {"gpu_model": "a800"}))
    assert "8.20" in only_a800 and "12.50" not in only_a800
    assert "没有符合条件" in html(client.get(offers, {"area": "gusu"}))
    settings.PAGE_SIZE = 1
    paged = client.get(offers, {"page": 2})
    assert paged.context["page_obj"].paginator.num_pages == 2
    assert "12.50" in html(paged)  # cheapest first: A800 on page 1, H800 on page 2


def test_each_page_admits_its_roles_and_refuses_the_others(
    client, office, provider, demander, supplier, pending_demander
):
    users = {
        "anonymous": None,
        "office": office,
        "provider": provider,
        "demander": demander,
        "supplier": supplier,
        "pending": pending_demander,
    }
    allowed = {
        "anonymous": set(PUBLIC),
        "office": set(PUBLIC + PROVIDER + ENTERPRISE + APPLICATIONS + OFFICE),
        "provider": set(PUBLIC + PROVIDER),
        "demander": set(PUBLIC + ENTERPRISE + APPLICATIONS),
        "supplier": set(PUBLIC + ENTERPRISE + APPLICATIONS),
        "pending": set(PUBLIC),
    }
    for who, user in users.items():
        as_user(client, user)
        for name in PUBLIC + PROVIDER + ENTERPRISE + APPLICATIONS + OFFICE:
            response = client.get(reverse(name))
            if name in allowed[who]:
                assert response.status_code == 200, (who, name)
            elif user is None:
                assert response.status_code == 302, (who, name)
                assert response.url.startswith("/accounts/login/"), (who, name)
            else:
                assert response.status_code == 403, (who, name)
                assert "无权访问" in html(response)
    client.logout()
    for name in ["compute:centres", "compute:my_offers", "compute:applications", "compute:runs"]:
        response = client.post(reverse(name), {})
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    # the nav leads to the compute pages
    assert reverse("compute:overview") in html(as_user(client, demander).get("/"))


# --- providers ------------------------------------------------------------------------------


def test_a_provider_registers_centres_and_publishes_edits_and_closes_offers(
    client, provider, programme, demander
):
    as_user(client, provider)
    url = reverse("compute:centres")
    bad = client.post(url, {"name": "", "area": "xiangcheng"})
    assert bad.status_code == 200 and REQUIRED in html(bad)
    assert not DataCentre.objects.exists()
    done = client.post(url, {"name": "相城智算中心", "area": "xiangcheng"}, follow=True)
    assert "算力中心“相城智算中心”已登记" in html(done)
    centre = DataCentre.objects.get()
    assert centre.provider == provider.organisation and centre.area.code == "xiangcheng"
    twice = client.post(url, {"name": "相城智算中心"})
    assert "名称已被使用" in html(twice) and DataCentre.objects.count() == 1

    offers = reverse("compute:my_offers")
    data = {
        "centre": centre.pk,
        "gpu_model": "H800",
        "cards": "64",
        "price": "12.50",
        "available_from": "2026-02-01",
        "available_to": "2026-12-31",
        "note": "",
    }
    bad = html(client.post(offers, {**data, "cards": "0", "available_to": "2026-01-01"}))
    assert "卡数须在 1 至 100000 之间" in bad and "可用截止日期须晚于开始日期" in bad
    other = DataCentre.objects.create(
        provider=make_user(Role.COMPUTE_PROVIDER).organisation, name="别家中心"
    )
    assert BAD_CHOICE in html(client.post(offers, {**data, "centre": other.pk}))
    assert not Offer.objects.exists()
    assert "已发布算力资源" in html(client.post(offers, data, follow=True))
    offer = Offer.objects.get()
    assert "H800" in html(client.get(offers))

    edit = reverse("compute:offer_edit", args=[offer.pk])
    assert 'type="date" name="available_from" value="2026-02-01"' in html(client.get(edit))
    client.post(edit, {**data, "cards": "32"})
    offer.refresh_from_db()
    assert offer.cards == 32
    make_order(offer, profile(demander.organisation), programme)
    refused = html(client.post(edit, {**data, "cards": "32", "price": "9.90"}))
    assert "已有订单，不能修改" in refused
    offer.refresh_from_db()
    assert offer.price == Decimal("12.50")

    elsewhere = Offer.objects.create(
        centre=other,
        gpu_model="A800",
        cards=8,
        price=Decimal(5),
        available_from=DAY,
        available_to=DAY + dt.timedelta(days=30),
    )
    assert client.get(reverse("compute:offer_edit", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("compute:offer_close", args=[elsewhere.pk])).status_code == 404
    closed = client.post(reverse("compute:offer_close", args=[offer.pk]), follow=True)
    assert "已下架" in html(closed)
    offer.refresh_from_db()
    assert offer.status == "closed"


def test_usage_reports_from_the_form_are_booked_once_corrected_and_checked(
    client, provider, offer, programme, demander
):
    order = make_order(offer, profile(demander.organisation), programme, cards=8, hours=240)
    as_user(client, provider)
    listing = html(client.get(reverse("compute:provider_orders")))
    assert f"#{order.pk}" in listing and demander.organisation.name in listing
    assert reverse("compute:order_usage", args=[order.pk]) in listing  # the row's form

    url = reverse("compute:order_usage", args=[order.pk])
    done = html(client.post(url, usage(), follow=True))
    assert "用量已报送" in done and "375" in done
    first = UsageReport.objects.get()
    assert first.voucher == Decimal("375.00") and first.source == "web"
    assert "未重复记账" in html(client.post(url, usage(), follow=True))
    assert UsageReport.objects.count() == 1

    bad = html(client.post(url, usage("u2", hours="-1")))
    assert "用量须大于零" in bad
    early = html(client.post(url, usage("u3", start=DAY - dt.timedelta(days=1))))
    assert "计量期超出订单期限" in early
    reused = html(client.post(url, usage(hours="90")))
    assert "报告编号已使用" in reused
    assert UsageReport.objects.count() == 1

    fixed = html(client.post(url, usage("u1-fix", hours="80", corrects="u1"), follow=True))
    assert "用量已报送" in fixed and "已被更正" in fixed
    assert UsageReport.objects.get(report_id="u1-fix").corrects == first
    assert LedgerTransaction.objects.filter(kind=TxKind.REVERSE).count() == 1

    other = make_user(Role.COMPUTE_PROVIDER)
    assert as_user(client, other).post(url, usage("x1")).status_code == 404
    assert as_user(client, demander).post(url, usage("x1")).status_code == 403
    assert UsageReport.objects.count() == 2


def test_usage_csv_upload_imports_all_rows_or_lists_each_error(
    client, provider, offer, programme, demander
):
    order = make_order(offer, profile(demander.organisation), programme, cards=8, hours=240)
    as_user(client, provider)
    template = client.get(reverse("compute:usage_template"))
    text = template.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "order,report_id,period_start,period_end,card_hours"
    assert text.splitlines()[1].startswith(f"{order.pk},")
    assert "attachment" in template["Content-Disposition"]

    url = reverse("compute:usage_import")
    header = "order,report_id,period_start,period_end,card_hours\n"
    bad_rows = (
        header + f"{order.pk},c1,2026-03-02,2026-03-03,50\n99999,c2,2026-03-02,2026-03-03,5\n"
    )
    bad_rows += f"{order.pk},c3,2026-03-02,2026-03-03,-4\n"
    refused = html(client.post(url, {"file": SimpleUploadedFile("u.csv", bad_rows.encode())}))
    assert "未导入任何数据" in refused
    assert "第 3 行：订单“99999”不存在" in refused and "第 4 行" in refused
    assert not UsageReport.objects.exists()
    assert REQUIRED in html(client.post(url, {}))

    good = header + f"{order.pk},c1,2026-03-02,2026-03-03,50\n"
    done = client.post(url, {"file": SimpleUploadedFile("u.csv", good.encode())}, follow=True)
    assert "已导入 1 行：新增 1 份用量报告" in html(done)
    report = UsageReport.objects.get()
    assert report.report_id == "c1" and report.source == "csv"


# --- organisations renting compute ----------------------------------------------------------


def test_an_enterprise_applies_withdraws_and_sees_only_its_own(
    client, demander, other_demander, programme, office
):
    as_user(client, demander)
    url = reverse("compute:applications")
    data = {
        "accepted_models": "H20、L40S",
        "cards": "8",
        "hours": "72",
        "earliest_start": "2026-03-01",
        "latest_end": "2026-03-20",
        "max_price": "",
        "purpose": "工业质检模型训练",
        "programme": programme.pk,
        "scenario": "",
    }
    short = html(client.post(url, {**data, "latest_end": "2026-03-02"}))
    assert "放不下" in short
    theirs = make_demand(other_demander)
    assert BAD_CHOICE in html(client.post(url, {**data, "scenario": theirs.pk}))
    assert REQUIRED in html(client.post(url, {**data, "purpose": ""}))
    assert not Application.objects.exists()

    mine = make_demand(demander, title="本单位的场景")
    done = client.post(url, {**data, "scenario": mine.pk}, follow=True)
    assert "申请已提交" in html(done)
    application = Application.objects.get()
    assert application.accepted_models == ["H20", "L40S"] and application.scenario == mine
    assert "H20、L40S" in html(done)

    assert "H20、L40S" not in html(as_user(client, other_demander).get(url))
    withdraw = reverse("compute:application_withdraw", args=[application.pk])
    assert client.post(withdraw).status_code == 404
    office_page = html(as_user(client, office).get(url))
    assert demander.organisation.name in office_page and "提交申请" not in office_page

    as_user(client, demander)
    assert "已撤回" in html(client.post(withdraw, follow=True))
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert "不能撤回" in html(client.post(withdraw, follow=True))


def test_the_calculator_quotes_with_the_trace_or_asks_for_missing_facts(
    client, demander, programme
):
    as_user(client, demander)
    url = reverse("compute:calculator")
    ask = {"programme": programme.pk, "cost": "100000", "day": "2026-03-02"}
    unknown = html(client.get(url, ask))
    assert "需要补充的企业信息" in unknown and "/policies/profile/" in unknown

    profile(demander.organisation)
    quoted = client.get(url, ask)
    page = html(quoted)
    assert quoted.context["quote"].amount == Decimal("30000.00")
    assert "3万元" in page and "测算过程" in page and "30%" in page
    assert "/policies/measures/js003-02-1-compute-rental/" in page
    assert "费用须大于零" in html(client.get(url, {**ask, "cost": "-5"}))


def test_an_enterprise_sees_its_orders_with_vouchers_and_their_trace(
    client, demander, other_demander, offer, programme
):
    order = make_order(offer, profile(demander.organisation), programme, cards=8, hours=240)
    held = ledger.granted_to_order(order)
    assert held == Decimal("7200.00")  # 30% of 8 × 240 × 12.50
    as_user(client, demander)
    page = html(client.get(reverse("compute:my_orders")))
    assert f"#{order.pk}" in page and "7,200元" in page  # held, in the order and per programme
    assert order.trace[0] in page and programme.name in page
    other = html(as_user(client, other_demander).get(reverse("compute:my_orders")))
    assert f"#{order.pk}" not in other and "暂无算力券" in other


# --- the office -----------------------------------------------------------------------------


def _apply(enterprise, models, cards, hours, programme, days=20):
    return Application.objects.create(
        enterprise=enterprise,
        programme=programme,
        accepted_models=models,
        cards=cards,
        hours=hours,
        earliest_start=DAY,
        latest_end=DAY + dt.timedelta(days=days),
        purpose="模型训练",
    )


def test_an_allocation_run_is_proposed_reviewed_resolved_and_approved_from_the_pages(
    client, office, provider, demander, other_demander, supplier, offer, programme
):
    Offer.objects.create(
        centre=offer.centre,
        gpu_model="A800",
        cards=16,
        price=Decimal("8.00"),
        available_from=dt.date(2026, 2, 1),
        available_to=dt.date(2026, 12, 31),
    )
    a = _apply(profile(demander.organisation), ["H800"], 32, 48, programme)
    b = _apply(profile(other_demander.organisation), ["H800", "A800"], 16, 24, programme)
    c = _apply(profile(supplier.organisation), ["A800"], 64, 24, programme)  # no A800 fits
    as_user(client, office)
    runs = reverse("compute:runs")
    form = {
        "programme": programme.pk,
        "start": DAY.isoformat(),
        "horizon": "30",
        "method": "milp",
        "time_limit": "10",
    }
    assert "排期天数须在 1 至 366 之间" in html(client.post(runs, {**form, "horizon": "0"}))
    assert not AllocationRun.objects.exists()
    proposed = client.post(runs, form, follow=True)
    run = AllocationRun.objects.get()
    assert proposed.redirect_chain[-1][0] == reverse("compute:run", args=[run.pk])
    assert "已生成分配方案" in html(proposed) and 'id="figures"' in html(proposed)
    assert run.figures["applications"] == 3 and run.figures["served"] == 2
    items = {i.application_id: i for i in run.items.all()}
    assert items[a.pk].served and items[b.pk].served and not items[c.pk].served
    assert html(proposed).index(f"#{a.pk}<") < html(proposed).index(f"#{c.pk}<")  # served first

    def flag(item, name, value, hx=True):
        url = reverse("compute:item_flag", args=[run.pk, item.pk])
        headers = {"HX-Request": "true"} if hx else {}
        return client.post(url, {"flag": name, "value": value}, headers=headers)

    pinned = flag(items[a.pk], "pin", "1")
    assert pinned.status_code == 200 and html(pinned).startswith("<tr")
    assert "取消锁定" in html(pinned)
    assert "未获分配的申请不能锁定" in html(flag(items[c.pk], "pin", "1"))
    assert flag(items[b.pk], "exclude", "1", hx=False).status_code == 302
    assert (
        as_user(client, provider)
        .post(
            reverse("compute:item_flag", args=[run.pk, items[a.pk].pk]),
            {"flag": "pin", "value": "0"},
        )
        .status_code
        == 403
    )
    as_user(client, office)

    here = reverse("compute:run", args=[run.pk])
    again = client.post(
        here, {"action": "resolve", "horizon": "30", "method": "milp", "time_limit": "10"}
    )
    second = AllocationRun.objects.exclude(pk=run.pk).get()
    assert again.url == reverse("compute:run", args=[second.pk]) and second.previous == run
    kept = second.items.get(application=a)
    assert kept.pinned and kept.offer == items[a.pk].offer and kept.start == items[a.pk].start
    assert second.items.get(application=b).excluded

    approved = html(
        client.post(reverse("compute:run", args=[second.pk]), {"action": "approve"}, follow=True)
    )
    assert "方案已批准" in approved
    second.refresh_from_db()
    run.refresh_from_db()
    assert second.status == RunStatus.APPROVED and run.status == RunStatus.DISCARDED
    order = Order.objects.get(application=a)
    assert Order.objects.count() == 1  # b excluded, c unserved
    held = ledger.balance(programme, ledger.granted_account(demander.organisation_id))
    assert held > 0 and ledger.granted_to_order(order) == held
    assert order.voucher_share > 0 and order.trace

    export = reverse("compute:run_export", args=[second.pk, "slurm"])
    slurm = as_user(client, provider).get(export)
    assert slurm.status_code == 200 and f"aiplus_o{order.pk}" in slurm.content.decode()
    kueue = client.get(reverse("compute:run_export", args=[second.pk, "kueue"])).content.decode()
    assert "ClusterQueue" in kueue and f"aiplus-order-{order.pk}" in kueue
    assert f"#{second.pk}" in html(client.get(reverse("compute:provider_orders")))
    assert as_user(client, make_user(Role.COMPUTE_PROVIDER)).get(export).status_code == 404
    assert as_user(client, demander).get(export).status_code == 403


def test_the_office_completes_orders_funds_pools_and_settles_with_providers(
    client, office, provider, demander, offer, programme
):
    order = make_order(offer, profile(demander.organisation), programme, cards=8, hours=240)
    services.report_usage(actor=provider, order=order, data=usage(hours="100"))
    assert (
        as_user(client, provider)
        .post(reverse("compute:order_complete", args=[order.pk]))
        .status_code
        == 403
    )

    as_user(client, office)
    assert f"#{order.pk}" in html(client.get(reverse("compute:orders")))
    done = client.post(reverse("compute:order_complete", args=[order.pk]), follow=True)
    assert "已完成" in html(done)
    order.refresh_from_db()
    assert order.status == "completed" and ledger.granted_to_order(order) == 0

    url = reverse("compute:ledger")
    pool = ledger.balance(programme, "pool")
    bad = html(client.post(url, {"action": "fund", "programme": programme.pk, "amount": "-1"}))
    assert "注入金额须大于零" in bad
    funded = client.post(
        url, {"action": "fund", "programme": programme.pk, "amount": "1000000", "memo": "追加"}
    )
    assert funded.status_code == 302
    assert ledger.balance(programme, "pool") == pool + Decimal(1_000_000)

    page = html(client.get(url))
    assert "待结算" in page and provider.organisation.name in page and "追加" in page
    settle = {"action": "settle", "programme": programme.pk, "provider": provider.organisation_id}
    assert "已与" in html(client.post(url, settle, follow=True))
    paid = ledger.balance(programme, ledger.paid_account(provider.organisation_id))
    assert paid == Decimal("375.00")
    assert "没有待结算" in html(client.post(url, settle, follow=True))
    assert ledger.check(programme) == []


def test_the_reports_page_draws_its_charts_from_the_ledger_and_the_offers(
    client, office, provider, demander, offer, programme
):
    order = make_order(offer, profile(demander.organisation), programme, cards=8, hours=240)
    services.report_usage(actor=provider, order=order, data=usage(hours="100"))
    response = as_user(client, office).get(reverse("compute:reports"))
    page = html(response)
    for chart in ["programmes", "areas", "months", "models", "area-use"]:
        assert f'id="chart-{chart}"' in page
    assert "vendor/echarts.min.js" in page
    charts = response.context["charts"]
    assert charts["programmes"]["names"] == [programme.name]
    assert charts["programmes"]["redeemed"] == [375.0]
    assert charts["months"] == {"names": ["2026-03"], "amounts": [375.0]}
    assert charts["models"]["names"] == ["H800"] and charts["models"]["used"] == [100.0]
    assert charts["area_use"]["names"] == [Area.objects.get(code="xiangcheng").name]
    data = json.loads(page.split('id="compute-charts" type="application/json">')[1].split("<")[0])
    assert data["areas"]["amounts"] == [375.0]
    assert demander.organisation.name in page  # the table of spend by enterprise
    assert response.context["page_obj"].paginator.count == 1
    subsidy = response.context["supplier_subsidies"][0]  # the supply-side measure, by the engine
    assert subsidy.provider == provider.organisation and subsidy.result.needs
    assert 'id="supplier-subsidies"' in page and "企业是否为算力供给方？" in page
