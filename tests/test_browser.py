"""One walk through the marketplace in headless Chromium: a demander submits a demand, the
office publishes it in a list, a supplier answers, the demander shortlists."""

import os
import shutil
from pathlib import Path

import pytest

from aiplus.accounts.choices import Role
from aiplus.scenarios.models import Demand, DemandList, Proposal

from .factories import PASSWORD, make_user

CHROMIUM = os.environ.get("AIPLUS_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent.parent / "test-results"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def page(live_server):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        browser.close()


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def sign_out(page):
    page.click("header .who form button:has-text('退出')")
    page.wait_for_load_state()


def test_demand_to_shortlist_walk(page, live_server, citypack):
    base = live_server.url
    make_user(Role.DEMANDER, username="demander")
    make_user(Role.OFFICE, username="office")
    make_user(Role.SUPPLIER, username="supplier")
    SHOTS.mkdir(exist_ok=True)

    # The demander submits a demand.
    sign_in(page, base, "demander")
    page.goto(f"{base}/demands/new/")
    page.fill("#id_title", "养老院夜间跌倒智能监测")
    page.select_option("#id_sector", label="社会治理")
    page.select_option("#id_area", label="姑苏区")
    page.select_option("#id_demander_type", label="养老机构")
    page.fill("#id_pain_point", "夜间护理人手不足，老人跌倒发现不及时。")
    page.fill("#id_budget_min", "200000")
    page.fill("#id_budget_max", "500000")
    page.fill("#id_tag_names", "机器视觉、毫米波雷达")
    page.click("button[name=submit_now]")
    page.wait_for_selector("text=需求已提交，等待专班审核。")
    demand = Demand.objects.get(title="养老院夜间跌倒智能监测")
    assert demand.status == "submitted"
    sign_out(page)

    # The office reviews, publishes, and puts it in a published list.
    sign_in(page, base, "office")
    page.goto(f"{base}/office/")
    page.click("text=养老院夜间跌倒智能监测")
    page.click("button[data-to=in_review]")
    page.click("button[data-to=published]")
    page.wait_for_selector("text=状态已变更为“已发布”。")
    page.goto(f"{base}/lists/new/")
    page.fill("#id_name", "2026年苏州市人工智能应用场景需求清单（第一批）")
    page.fill("#id_issuer", "苏州市工业和信息化局")
    page.click("form.card button")
    page.check(f"input[name=demand][value='{demand.pk}']")
    page.click("#add-to-list")
    page.click("#publish-list")
    page.wait_for_selector("text=清单已发布。")
    assert DemandList.objects.get().status == "published"
    page.screenshot(path=str(SHOTS / "list.png"), full_page=True)
    sign_out(page)

    # A supplier finds it on the public list and answers.
    sign_in(page, base, "supplier")
    page.goto(f"{base}/lists/")
    page.click("text=2026年苏州市人工智能应用场景需求清单（第一批）")
    page.click("text=养老院夜间跌倒智能监测")
    page.click("text=揭榜响应")
    page.fill("#id_approach", "毫米波雷达加视觉双模态跌倒检测，夜间无感监护。")
    page.fill("#id_price", "380000")
    page.fill("#id_duration_days", "60")
    page.click("form.card button")
    page.wait_for_selector("text=方案已提交")
    sign_out(page)

    # The demander shortlists it; the demand moves to 对接中.
    sign_in(page, base, "demander")
    page.goto(f"{base}{demand.get_absolute_url()}")
    page.click("button:has-text('入围')")
    page.wait_for_selector("text=方案已入围")
    page.screenshot(path=str(SHOTS / "demand.png"), full_page=True)
    assert Proposal.objects.get().status == "shortlisted"
    demand.refresh_from_db()
    assert demand.status == "in_talks"
    assert "对接中" in page.inner_text("main")


def test_programme_dashboard_and_indicator_charts_render(page, live_server, citypack):
    base = live_server.url
    make_user(Role.OFFICE, username="office")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    SHOTS.mkdir(exist_ok=True)

    sign_in(page, base, "office")
    page.goto(f"{base}/programme/")
    assert "目标监测总览" in page.inner_text("main")
    # ECharts draws into a <canvas> inside each chart container
    page.wait_for_selector("[data-chart=aspects] canvas")
    assert page.locator("[data-chart=aspects] canvas").first.bounding_box()["height"] > 100
    page.wait_for_selector("[data-chart=series][data-source=headline-1] canvas")
    page.screenshot(path=str(SHOTS / "programme.png"), full_page=True)

    page.goto(f"{base}/programme/indicators/ai-enterprises/")
    page.wait_for_selector("[data-chart=series][data-source=series-data] canvas")
    page.wait_for_selector("[data-chart=scopes][data-source=scope-data] canvas")
    assert "全市集聚人工智能企业" in page.inner_text("h1")
    assert errors == []


def test_pages_behave_under_the_content_security_policy(page, live_server, citypack):
    """No inline script is allowed, so charts, live suggestions, confirmations and filters run
    from static files; the browser reports no policy violation on the way."""
    from aiplus.scenarios.models import Certification

    base = live_server.url
    supplier = make_user(Role.SUPPLIER, username="supplier")
    make_user(Role.OFFICE, username="office")
    make_user(Role.DEMANDER, username="demander")
    cert = Certification.objects.create(organisation=supplier.organisation, name="ISO 27001")
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    page.goto(f"{base}/")
    page.wait_for_selector("#chart-sector canvas")  # static/aiplus/home.js

    sign_in(page, base, "demander")
    page.goto(f"{base}/demands/new/")
    # Chinese text arrives as one input (no key events, as from an IME); a key press follows.
    with page.expect_request(lambda r: "/demands/similar/" in r.url):
        page.fill("#id_title", "养老院跌倒监测")
        page.press("#id_title", "End")
    with page.expect_request(lambda r: "/suggest-tags/" in r.url):
        page.fill("#id_pain_point", "夜间护理人手不足，老人跌倒发现不及时")
        page.press("#id_pain_point", "End")
    sign_out(page)

    sign_in(page, base, "supplier")
    page.goto(f"{base}/my/credentials/")
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.click("form[data-confirm] button")
    assert asked and Certification.objects.filter(pk=cert.pk).exists()
    page.once("dialog", lambda d: answer(d, True))
    page.click("form[data-confirm] button")
    page.wait_for_load_state()
    assert not Certification.objects.filter(pk=cert.pk).exists()
    sign_out(page)

    sign_in(page, base, "office")
    page.goto(f"{base}/compute/applications/")
    with page.expect_navigation():
        page.select_option("select[data-autosubmit]", index=1)
    assert "status=" in page.url
    assert problems == []
