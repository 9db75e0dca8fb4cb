"""The audit log (操作审计日志): only the office reads it, on its page and through the API;
it is searched by actor or organisation, action, object type, dates and summary text, newest
first; each entry shows its object type in words and its before/after field by field; saving
and signing checklists and changing a filing's status write entries with before and after."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aiplus.core.models import AuditEntry
from aiplus.governance import auditlog
from aiplus.governance import services as governance_services
from aiplus.governance.models import AlgorithmFiling
from aiplus.scenarios import services as scenario_services
from aiplus.scenarios.choices import DemandStatus as S

from ..apiclient import api_as
from ..factories import checklist_data, make_demand
from .conftest import make_filing

pytestmark = pytest.mark.django_db

URL = "/api/governance/audit"


@pytest.fixture
def history(demander, office):
    """A demand taken to publication (entries by the demander and the office)."""
    return make_demand(demander, status=S.PUBLISHED, office=office)


def actions(response) -> list[str]:
    return [item["action"] for item in response.json()["items"]]


# --- who may read it --------------------------------------------------------------------------


def test_the_audit_page_is_for_the_office(client, office, demander, history):
    url = reverse("governance:audit")
    assert "login" in client.get(url)["Location"]
    client.force_login(demander)
    assert client.get(url).status_code == 403
    client.force_login(office)
    response = client.get(url)
    assert response.status_code == 200
    assert "demand.transition" in response.content.decode()


@pytest.mark.parametrize("who", ["demander", "supplier", "district_officer"])
def test_the_audit_api_is_for_the_office(request, who, history):
    response = api_as(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 403
    assert "专班" in response.json()["message"]


def test_the_audit_api_needs_a_login(history):
    assert api_as().get(URL).status_code == 401


def test_only_the_office_sees_the_audit_link(client, office, supplier):
    link = reverse("governance:audit")
    client.force_login(supplier)
    assert link not in client.get(reverse("governance:filings")).content.decode()
    client.force_login(office)
    assert link in client.get(reverse("governance:filings")).content.decode()


# --- search ---------------------------------------------------------------------------------


def test_entries_come_newest_first(office, history):
    items = api_as(office).get(URL).json()["items"]
    stamps = [(item["at"], item["id"]) for item in items]
    assert stamps == sorted(stamps, reverse=True)


def test_search_by_actor_or_organisation_name(office, demander, history):
    api = api_as(office)
    by_org = api.get(URL, {"actor": demander.organisation.name}).json()
    assert by_org["count"] >= 2
    assert {item["organisation"] for item in by_org["items"]} == {demander.organisation.name}
    by_name = api.get(URL, {"actor": demander.username}).json()
    assert {item["actor_id"] for item in by_name["items"]} == {demander.pk}


def test_search_by_action_and_action_family(office, history):
    api = api_as(office)
    assert set(actions(api.get(URL, {"action": "demand.create"}))) == {"demand.create"}
    family = set(actions(api.get(URL, {"action": "demand"})))
    assert family == {"demand.create", "demand.transition"}


def test_search_by_object_type_shows_its_name(office, history, supplier):
    make_filing(supplier.organisation)
    governance_services.add_filing(
        actor=supplier, data={"kind": "generative", "name": "写作助手", "status": "pending"}
    )
    body = api_as(office).get(URL, {"object_type": "governance.algorithmfiling"}).json()
    assert body["count"] == 1
    assert body["items"][0]["object_type_label"] == "算法备案"


def test_search_by_dates_inclusive(office, history):
    today = timezone.localdate()
    AuditEntry.objects.filter(action="demand.create").update(
        at=timezone.now() - dt.timedelta(days=10)
    )
    api = api_as(office)
    recent = actions(api.get(URL, {"date_from": today.isoformat(), "date_to": today.isoformat()}))
    assert recent and "demand.create" not in recent
    old_day = (today - dt.timedelta(days=10)).isoformat()
    assert actions(api.get(URL, {"date_from": old_day, "date_to": old_day})) == ["demand.create"]


def test_search_in_the_summary(office, demander, history):
    scenario_services.transition_demand(
        actor=demander, demand=history, to_status=S.CLOSED, note="预算取消"
    )
    assert api_as(office).get(URL, {"q": history.title}).json()["count"] >= 4
    assert api_as(office).get(URL, {"q": "不存在的摘要"}).json()["count"] == 0


def test_the_audit_page_filters_and_paginates(client, office, history, settings):
    settings.PAGE_SIZE = 2
    client.force_login(office)
    body = client.get(reverse("governance:audit"), {"action": "demand.transition"}).content
    body = body.decode()
    assert "demand.create" not in body.split("<tbody>", 1)[1]
    assert "第 1 / 2 页" in body  # submitted, in review, published: three moves


# --- what an entry shows ----------------------------------------------------------------------


def test_an_entry_shows_its_before_and_after_field_by_field(office, history):
    entry = AuditEntry.objects.filter(action="demand.transition").order_by("id").first()
    rows = {c.key: c for c in auditlog.diff(entry)}
    assert (rows["status"].label, rows["status"].before, rows["status"].after) == (
        "状态",
        "草稿",
        "已提交",
    )
    assert rows["status"].changed
    assert auditlog.type_label(entry.object_type) == "场景需求"


def test_the_audit_page_shows_the_diff_and_the_type_in_words(client, office, history):
    client.force_login(office)
    body = client.get(reverse("governance:audit"), {"action": "demand.transition"}).content
    body = body.decode()
    assert "场景需求" in body
    assert "<del>草稿</del>" in body and "<strong>已提交</strong>" in body


# --- entries the governance services write ----------------------------------------------------


def test_saving_and_signing_a_checklist_is_audited(office, demander, supplier, history):
    scenario_services.shortlist_proposal(
        actor=demander,
        proposal=scenario_services.submit_proposal(
            actor=supplier, demand=history, data={"approach": "视觉检测"}
        ),
    )
    governance_services.save_checklist(
        actor=demander, demand=history, stage="pilot", data=checklist_data(history)
    )
    governance_services.sign_checklist(actor=demander, demand=history, stage="pilot")
    items = api_as(office).get(URL, {"object_type": "governance.riskchecklist"}).json()["items"]
    signed, saved = items
    assert (saved["action"], saved["before"]) == ("checklist.save", None)
    assert saved["after"]["status"] == "draft"
    assert saved["after"]["personal_info.involved"] is False
    assert signed["action"] == "checklist.sign"
    assert (signed["before"]["status"], signed["after"]["status"]) == ("draft", "signed")
    assert signed["after"]["signed_by"] == str(demander)
    assert signed["object_type_label"] == "风险检查清单"
    entry = AuditEntry.objects.get(pk=saved["id"])
    labels = {c.key: c.label for c in auditlog.diff(entry)}
    assert labels["personal_info.involved"] == "个人信息 · 是否涉及"


def test_a_filing_status_change_is_audited_with_before_and_after(office, supplier):
    filing = make_filing(supplier.organisation, status=AlgorithmFiling.Status.PENDING)
    governance_services.set_filing_status(
        actor=office,
        filing=filing,
        data={"status": "filed", "number": "Jiangsu-1", "filed_on": "2025-01-02"},
    )
    item = api_as(office).get(URL, {"action": "filing.status"}).json()["items"][0]
    assert item["actor"] == str(office)
    assert (item["before"]["status"], item["after"]["status"]) == ("pending", "filed")
    assert (item["before"]["filed_on"], item["after"]["filed_on"]) == (None, "2025-01-02")
    changes = {c.key: c for c in auditlog.diff(AuditEntry.objects.get(pk=item["id"]))}
    assert (changes["status"].before, changes["status"].after) == ("备案中", "已备案")
    assert not changes["kind"].changed
