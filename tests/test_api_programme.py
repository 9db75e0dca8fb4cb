"""The programme monitoring API: indicators and progress, periods, obligations, reported values
and their review, target splits, spreadsheet import.

Every authenticated call uses a real bearer token from POST /api/auth/token. Values are reported
for periods of 2026 that have already begun (the services check against today's date).
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook

from aiplus.accounts.choices import Role
from aiplus.core.models import Area
from aiplus.programme import services
from aiplus.programme.models import Indicator, Period, Submission
from aiplus.programme.periods import parse_key

from .apiclient import api_as
from .factories import make_user

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def report(**overrides) -> dict:
    """A valid SubmissionIn for the Suzhou Industrial Park's AI enterprises in March 2026."""
    data = {
        "indicator": "ai-enterprises",
        "period": "2026-03",
        "area": "sip",
        "value": "3,200",
        "note": "园区统计局月报",
    }
    data.update(overrides)
    return data


def approved(officer, office, *, key="2026-02", value="3000", code="ai-enterprises", area="sip"):
    """An approved value reported by `officer` and approved by `office` (through the services)."""
    sub = services.save_value(
        actor=officer,
        indicator=Indicator.objects.get(code=code),
        period=services.period_for(parse_key(key)),
        value=value,
        area=Area.objects.get(code=area) if area else None,
    )
    return services.approve(actor=office, submission=sub)


def assert_chinese_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert CHINESE.search(body["message"]), body
    return body


@pytest.fixture
def other_officer(citypack):
    """A district officer of the Suzhou New District (another area)."""
    return make_user(Role.DISTRICT, area=Area.objects.get(code="snd"), username="district_snd")


# --- access ----------------------------------------------------------------------------------


def test_anonymous_gets_401(citypack):
    api = api_as(None)
    for path in (
        "/api/programme/indicators",
        "/api/programme/progress",
        "/api/programme/submissions",
        "/api/programme/obligations",
    ):
        assert_chinese_error(api.get(path), 401)
    assert api.post("/api/programme/submissions", report()).status_code == 401


@pytest.mark.parametrize("who", ["demander", "supplier"])
def test_units_without_programme_role_get_403_everywhere(request, who, district_officer, office):
    sub = approved(district_officer, office)
    api = api_as(request.getfixturevalue(who))
    for path in (
        "/api/programme/indicators",
        "/api/programme/indicators/ai-enterprises",
        "/api/programme/indicators/ai-enterprises/progress",
        "/api/programme/progress",
        "/api/programme/periods",
        "/api/programme/obligations",
        "/api/programme/submissions",
        f"/api/programme/submissions/{sub.pk}",
        "/api/programme/imports/template",
    ):
        assert_chinese_error(api.get(path), 403)
    assert_chinese_error(api.post("/api/programme/submissions", report()), 403)
    assert_chinese_error(api.post(f"/api/programme/submissions/{sub.pk}/approve"), 403)
    assert_chinese_error(
        api.put("/api/programme/indicators/ai-enterprises/shares", {"shares": []}), 403
    )
    assert_chinese_error(api.upload("/api/programme/imports", b"not a workbook"), 403)
    assert Submission.objects.count() == 1


# --- indicators and progress -----------------------------------------------------------------


def test_list_indicators_with_filters(office):
    api = api_as(office)
    body = api.get("/api/programme/indicators", {"limit": 200}).json()
    assert body["count"] == Indicator.objects.count() == 34
    row = next(r for r in body["items"] if r["code"] == "ai-enterprises")
    assert row["target_value"] == "3000"
    assert row["unit"] == "家"
    assert row["split"] == "area"
    assert row["strict"] is True
    assert row["baseline"]["value"] == "2000"
    assert row["status"] in {"achieved", "on_track", "at_risk", "behind", "no_data"}
    assert CHINESE.search(row["status_label"])

    derived = api.get("/api/programme/indicators", {"kind": "derived"}).json()
    assert {r["code"] for r in derived["items"]} == {
        "typical-scenarios",
        "algorithm-filings",
        "datasets",
        "vertical-models",
    }
    manufacturing = api.get("/api/programme/indicators", {"sector": "manufacturing"}).json()
    assert {"industrial-models", "smart-factories"} <= {r["code"] for r in manufacturing["items"]}
    page = api.get("/api/programme/indicators", {"limit": 5, "offset": 5}).json()
    assert len(page["items"]) == 5 and page["count"] == 34
    no_data = api.get("/api/programme/indicators", {"status": "no_data", "limit": 200}).json()
    assert all(r["status"] == "no_data" for r in no_data["items"])
    assert api.get("/api/programme/indicators", {"kind": "bogus"}).status_code == 422


def test_indicator_detail(office, district_officer):
    api = api_as(office)
    body = api.get("/api/programme/indicators/typical-scenarios").json()
    assert body["kind"] == "derived"
    assert CHINESE.search(body["derived"]["description"])
    assert "SELECT" in body["derived"]["sql"].upper()
    assert CHINESE.search(body["method"])
    assert len(body["shares"]) == Area.objects.count()  # not split yet: every area, no target
    assert all(s["target"] is None for s in body["shares"])

    city = api.get("/api/programme/indicators/standards").json()
    assert city["derived"] is None and city["shares"] == [] and city["split"] == ""
    assert_chinese_error(api.get("/api/programme/indicators/no-such-thing"), 404)
    # district officers see indicators too
    assert api_as(district_officer).get("/api/programme/indicators/standards").status_code == 200


def test_progress_for_the_city_and_an_area(office, district_officer):
    approved(district_officer, office, key="2026-02", value="3000")
    approved(district_officer, office, key="2026-03", value="3300")
    api = api_as(district_officer)

    sip = api.get("/api/programme/indicators/ai-enterprises/progress", {"area": "sip"}).json()
    assert sip["scope"]["label"] == "苏州工业园区"
    assert sip["latest"]["key"] == "2026-03" and sip["latest"]["value"] == 3300
    assert sip["change"] == 300
    assert sip["target"] is None  # no split yet

    city = api.get("/api/programme/indicators/ai-enterprises/progress").json()
    assert city["scope"]["label"] == "全市"
    assert city["target"] == 3000
    assert city["baseline"]["value"] == "2000"
    assert [p["key"] for p in city["series"]][-2:] == ["2026-02", "2026-03"]

    body = assert_chinese_error(
        api.get("/api/programme/indicators/standards/progress", {"area": "sip"}), 400
    )
    assert "area" in body["errors"]
    assert api.get("/api/programme/indicators/standards/progress", {"area": "nowhere"}).json()[
        "errors"
    ] == {"area": "未知的代码：nowhere"}


def test_programme_progress_summary(office):
    body = api_as(office).get("/api/programme/progress").json()
    assert body["total"] == len(body["items"]) == 34
    assert sum(s["count"] for s in body["summary"]) == 34
    assert sum(a["total"] for a in body["aspects"]) == 34
    assert any(a["aspect"] is None and a["group"] == "总体目标" for a in body["aspects"])
    assert {"code", "latest_value", "status_label"} <= set(body["items"][0])


def test_periods(district_officer):
    api = api_as(district_officer)
    quarters = api.get("/api/programme/periods", {"frequency": "quarterly", "limit": 200}).json()
    keys = [p["key"] for p in quarters["items"]]
    assert keys[0] == "2025Q1" and "2026Q4" in keys
    assert all(p["frequency"] == "quarterly" for p in quarters["items"])
    march = next(p for p in quarters["items"] if p["key"] == "2026Q1")
    assert march["start"] == "2026-01-01" and march["end"] == "2026-03-31"
    both = api.get("/api/programme/periods", {"limit": 200}).json()
    assert both["count"] > quarters["count"]
    assert api.get("/api/programme/periods", {"frequency": "weekly"}).status_code == 422


def test_obligations_of_a_district(district_officer, office):
    approved(district_officer, office, key="2026-02")
    api = api_as(district_officer)
    body = api.get(
        "/api/programme/obligations", {"indicator": "ai-enterprises", "limit": 200}
    ).json()
    assert body["count"] > 0
    assert {o["area"]["code"] for o in body["items"]} == {"sip"}
    feb = next(o for o in body["items"] if o["period"]["key"] == "2026-02")
    assert feb["state"] in {"approved", "late"} and feb["submission_id"]
    outstanding = api.get("/api/programme/obligations", {"state": "outstanding"}).json()
    assert all(o["state"] in {"missing", "due", "draft", "returned"} for o in outstanding["items"])
    march = api.get("/api/programme/obligations", {"period": "2026年3月", "limit": 200}).json()
    assert march["count"] and all(o["period"]["key"] == "2026-03" for o in march["items"])
    assert_chinese_error(api.get("/api/programme/obligations", {"indicator": "nope"}), 400)
    assert_chinese_error(api.get("/api/programme/obligations", {"period": "三月"}), 400)


# --- reporting and review --------------------------------------------------------------------


def test_report_and_approve(district_officer, office):
    officer, reviewer = api_as(district_officer), api_as(office)
    response = officer.post("/api/programme/submissions", report())
    assert response.status_code == 201, response.content
    sub = response.json()
    assert sub["status"] == "submitted" and sub["value"] == "3200"
    assert sub["area"]["code"] == "sip" and sub["period"]["key"] == "2026-03"
    assert sub["can_review"] is False and sub["history"] == []

    assert_chinese_error(officer.post(f"/api/programme/submissions/{sub['id']}/approve"), 403)
    listed = reviewer.get("/api/programme/submissions", {"status": "submitted"}).json()
    assert [s["id"] for s in listed["items"]] == [sub["id"]]
    assert reviewer.get(f"/api/programme/submissions/{sub['id']}").json()["can_review"] is True

    response = reviewer.post(f"/api/programme/submissions/{sub['id']}/approve", {"note": "核实"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert_chinese_error(reviewer.post(f"/api/programme/submissions/{sub['id']}/approve"), 409)

    # a correction replaces the approved value once it is approved itself
    fix = officer.post(
        "/api/programme/submissions", report(value=3250, explanation="补录两家")
    ).json()
    assert fix["replaces_id"] == sub["id"]
    reviewer.post(f"/api/programme/submissions/{fix['id']}/approve")
    detail = officer.get(f"/api/programme/submissions/{fix['id']}").json()
    assert detail["value"] == "3250"
    assert [(h["id"], h["status"]) for h in detail["history"]] == [(sub["id"], "superseded")]


def test_draft_submit_and_return(district_officer, office):
    officer, reviewer = api_as(district_officer), api_as(office)
    draft = officer.post("/api/programme/submissions", report(submit=False)).json()
    assert draft["status"] == "draft"
    # the office does not see another unit's draft
    assert reviewer.get(f"/api/programme/submissions/{draft['id']}").status_code == 404
    submitted = officer.post(f"/api/programme/submissions/{draft['id']}/submit").json()
    assert submitted["status"] == "submitted"

    body = assert_chinese_error(
        reviewer.post(f"/api/programme/submissions/{draft['id']}/return", {"note": " "}), 400
    )
    assert "note" in body["errors"]
    returned = reviewer.post(
        f"/api/programme/submissions/{draft['id']}/return", {"note": "请附统计表"}
    ).json()
    assert returned["status"] == "returned" and returned["review_note"] == "请附统计表"
    assert officer.post(f"/api/programme/submissions/{draft['id']}/submit").status_code == 200


def test_area_officer_cannot_see_another_areas_open_values(district_officer, other_officer, office):
    pending = api_as(district_officer).post("/api/programme/submissions", report()).json()
    draft = (
        api_as(district_officer)
        .post("/api/programme/submissions", report(period="2026-04", submit=False))
        .json()
    )
    other = api_as(other_officer)
    for sub in (pending, draft):
        assert_chinese_error(other.get(f"/api/programme/submissions/{sub['id']}"), 404)
        assert_chinese_error(other.post(f"/api/programme/submissions/{sub['id']}/submit"), 404)
    assert other.get("/api/programme/submissions").json()["count"] == 0

    services.approve(actor=office, submission=Submission.objects.get(pk=pending["id"]))
    listed = other.get("/api/programme/submissions").json()
    assert [s["id"] for s in listed["items"]] == [pending["id"]]
    assert other.get(f"/api/programme/submissions/{pending['id']}").status_code == 200


def test_officer_cannot_report_for_another_area(district_officer):
    body = assert_chinese_error(
        api_as(district_officer).post("/api/programme/submissions", report(area="snd")), 403
    )
    assert "苏州高新区" in body["message"]
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("value", "expected"), [("很多", "不是数字"), ("3200个", "家"), ("", "请填写数值")]
)
def test_bad_values_are_refused_and_nothing_is_written(district_officer, value, expected):
    body = assert_chinese_error(
        api_as(district_officer).post("/api/programme/submissions", report(value=value)), 400
    )
    assert expected in body["message"] and "value" in body["errors"]
    assert not Submission.objects.exists()
    assert not Period.objects.exists()  # the period is not left behind either


def test_jump_beyond_the_band_needs_an_explanation(district_officer, office):
    approved(district_officer, office, key="2026-02", value="3000")
    api = api_as(district_officer)
    body = assert_chinese_error(api.post("/api/programme/submissions", report(value="5000")), 400)
    assert "波动阈值" in body["errors"]["explanation"]
    assert Submission.objects.count() == 1
    response = api.post(
        "/api/programme/submissions", report(value="5000", explanation="新设两个产业园")
    )
    assert response.status_code == 201, response.content
    assert response.json()["explanation"] == "新设两个产业园"


def test_cumulative_value_going_backwards_needs_an_explanation(district_officer, office):
    approved(district_officer, office, key="2026-02", value="3000")
    api = api_as(district_officer)
    body = assert_chinese_error(api.post("/api/programme/submissions", report(value=2900)), 400)
    assert "减少" in body["errors"]["explanation"]
    response = api.post(
        "/api/programme/submissions", report(value=2900, explanation="三家企业迁出")
    )
    assert response.status_code == 201, response.content


def test_refusals_of_indicator_period_and_scope(district_officer, office):
    api = api_as(office)
    derived = assert_chinese_error(
        api.post("/api/programme/submissions", report(indicator="typical-scenarios")), 400
    )
    assert "自动统计" in derived["message"]
    assert_chinese_error(api.post("/api/programme/submissions", report(indicator="nope")), 404)
    assert_chinese_error(api.post("/api/programme/submissions", report(period="三月")), 400)
    quarterly = assert_chinese_error(
        api.post("/api/programme/submissions", report(period="2026Q1")), 400
    )
    assert "period" in quarterly["errors"]
    assert_chinese_error(api.post("/api/programme/submissions", report(period="2027-01")), 400)
    assert_chinese_error(api.post("/api/programme/submissions", report(area=None)), 400)
    city = assert_chinese_error(
        api.post("/api/programme/submissions", report(indicator="standards", period="2026Q1")),
        400,
    )
    assert "全市指标" in city["message"]
    # a district officer does not report city indicators it is not responsible for
    assert_chinese_error(
        api_as(district_officer).post(
            "/api/programme/submissions",
            report(indicator="standards", period="2026Q1", area=None, value=40),
        ),
        403,
    )
    assert api.post("/api/programme/submissions", {"indicator": "x"}).status_code == 422
    assert api.post("/api/programme/submissions", report(value=True)).status_code == 422
    assert api.post("/api/programme/submissions", report(value=float("inf"))).status_code == 400
    assert not Submission.objects.exists()


def test_office_cannot_approve_its_own_value(office):
    api = api_as(office)
    sub = api.post("/api/programme/submissions", report()).json()
    body = assert_chinese_error(api.post(f"/api/programme/submissions/{sub['id']}/approve"), 403)
    assert "本人" in body["message"]


# --- configuration by the office -------------------------------------------------------------


def test_office_splits_a_target(office, district_officer):
    api = api_as(office)
    shares = {"shares": [{"area": "sip", "target": "800"}, {"area": "snd", "target": 600}]}
    response = api.put("/api/programme/indicators/ai-enterprises/shares", shares)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(s["area"]["code"], s["target"]) for s in body["shares"]] == [
        ("sip", "800"),
        ("snd", "600"),
    ]
    approved(district_officer, office, key="2026-03", value="400")
    sip = api.get("/api/programme/indicators/ai-enterprises/progress", {"area": "sip"}).json()
    assert sip["target"] == 800 and sip["completion"] == 0.5

    assert_chinese_error(
        api_as(district_officer).put("/api/programme/indicators/ai-enterprises/shares", shares),
        403,
    )
    bad = assert_chinese_error(
        api.put(
            "/api/programme/indicators/ai-enterprises/shares",
            {"shares": [{"area": "nowhere", "target": 1}, {"area": "sip", "target": "很多"}]},
        ),
        400,
    )
    assert "shares.0" in bad["errors"]
    bad = assert_chinese_error(
        api.put("/api/programme/indicators/ai-enterprises/shares", {"shares": [{"target": 1}]}),
        400,
    )
    assert_chinese_error(
        api.put(
            "/api/programme/indicators/standards/shares",
            {"shares": [{"area": "sip", "target": 1}]},
        ),
        400,
    )


def test_office_names_responsible_units(office, district_officer):
    api = api_as(office)
    org = district_officer.organisation
    response = api.put(
        "/api/programme/indicators/standards/responsible",
        {"organisations": [org.pk], "text": "园区管委会"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["responsible"] == [org.name] and body["responsible_text"] == "园区管委会"
    # now the district reports the city indicator
    response = api_as(district_officer).post(
        "/api/programme/submissions",
        report(indicator="standards", period="2026Q1", area=None, value=40),
    )
    assert response.status_code == 201, response.content
    assert_chinese_error(
        api.put("/api/programme/indicators/standards/responsible", {"organisations": [99999]}),
        400,
    )
    assert_chinese_error(
        api_as(district_officer).put(
            "/api/programme/indicators/standards/responsible", {"organisations": []}
        ),
        403,
    )


# --- import ----------------------------------------------------------------------------------


def workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    sheet = wb.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_import_through_the_api(district_officer):
    api = api_as(district_officer)
    good = workbook(
        [
            ["指标代码", "板块", "数值", "说明"],
            ["specialised-smes", "苏州工业园区", 40, ""],
            ["high-tech-enterprises", "sip", "12", "新认定高新技术企业"],
        ]
    )
    response = api.upload("/api/programme/imports", good, period="2026Q1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] == 2 and len(body["submission_ids"]) == 2

    bad = workbook(
        [
            ["指标代码", "板块", "报告期", "数值"],
            ["ai-enterprises", "苏州工业园区", "2026-04", 3250],
            ["ai-enterprises", "苏州工业园区", "2026-05", "abc"],
            ["ai-enterprises", "苏州高新区", "2026-04", 600],
        ]
    )
    response = api.upload("/api/programme/imports", bad)
    body = assert_chinese_error(response, 400)
    assert list(body["errors"]) == ["第 3 行", "第 4 行"]
    assert "不是数字" in body["errors"]["第 3 行"]
    assert "不负责" in body["errors"]["第 4 行"]
    assert Submission.objects.count() == 2
    assert_chinese_error(api.upload("/api/programme/imports", b"not a workbook"), 400)


def test_import_template_download(district_officer):
    response = api_as(district_officer).get(
        "/api/programme/imports/template", {"period": "2026-03"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "2026-03" in response["Content-Disposition"]
