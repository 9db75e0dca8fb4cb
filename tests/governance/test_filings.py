"""The algorithm filing registry (算法备案名录): everyone sees the filed filings of approved
organisations, an organisation also its own pending ones, the office all of them; only the
office records a filing's outcome (备案中 → 已备案 with number and date, 已备案 → 已注销), and
each change is audited with its before and after."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.core.errors import Conflict, PermissionDenied, ServiceError
from aiplus.core.models import Area, AuditEntry
from aiplus.governance import services
from aiplus.governance.models import AlgorithmFiling

from ..apiclient import api_as
from ..factories import make_org
from .conftest import make_filing

pytestmark = pytest.mark.django_db

Status = AlgorithmFiling.Status
Kind = AlgorithmFiling.Kind


@pytest.fixture
def filings(supplier):
    org = supplier.organisation
    return {
        "filed": make_filing(org, name="已备案的客服大模型"),
        "pending": make_filing(org, status=Status.PENDING, name="备案中的写作助手"),
        "revoked": make_filing(org, status=Status.REVOKED, name="已注销的数字人"),
    }


def names(response) -> set[str]:
    return {item["name"] for item in response.json()["items"]}


def page_names(client) -> str:
    return client.get(reverse("governance:filings")).content.decode()


# --- who sees what ----------------------------------------------------------------------------


def test_the_public_registry_lists_only_filed_filings(client, filings):
    body = page_names(client)
    assert "已备案的客服大模型" in body
    assert "备案中的写作助手" not in body and "已注销的数字人" not in body
    assert names(api_as().get("/api/governance/filings")) == {"已备案的客服大模型"}


def test_the_office_sees_every_filing(client, office, filings):
    client.force_login(office)
    body = page_names(client)
    assert all(f.name in body for f in filings.values())
    assert api_as(office).get("/api/governance/filings").json()["count"] == 3


def test_an_organisation_also_sees_its_own_pending_filings(client, supplier, filings):
    client.force_login(supplier)
    assert "备案中的写作助手" in page_names(client)
    assert "备案中的写作助手" in names(api_as(supplier).get("/api/governance/filings"))


def test_other_organisations_do_not_see_someone_elses_pending_filing(demander, filings):
    api = api_as(demander)
    assert names(api.get("/api/governance/filings")) == {"已备案的客服大模型"}
    assert api.get(f"/api/governance/filings/{filings['pending'].pk}").status_code == 404
    assert api.get(f"/api/governance/filings/{filings['filed'].pk}").status_code == 200


def test_filings_of_suspended_organisations_leave_the_public_registry(filings, supplier):
    supplier.organisation.status = OrgStatus.SUSPENDED
    supplier.organisation.save()
    assert api_as().get("/api/governance/filings").json()["count"] == 0


# --- search, filters, counts ------------------------------------------------------------------


@pytest.fixture
def registry(citypack):
    sip = make_org(Role.SUPPLIER, area=Area.objects.get(code="sip"), name="园区智能科技")
    gusu = make_org(Role.SUPPLIER, area=Area.objects.get(code="gusu"), name="姑苏数字人公司")
    return [
        make_filing(sip, name="工业质检助手", model_name="天工-3", number="Jiangsu-TG-1"),
        make_filing(gusu, kind=Kind.DEEP_SYNTHESIS, name="数字人播报", number="Jiangsu-SZR-2"),
        make_filing(gusu, kind=Kind.RECOMMENDATION, name="文旅推荐", number="Jiangsu-WL-3"),
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "质检"}, {"工业质检助手"}),
        ({"q": "天工"}, {"工业质检助手"}),
        ({"q": "SZR"}, {"数字人播报"}),
        ({"q": "姑苏数字人"}, {"数字人播报", "文旅推荐"}),
        ({"kind": "deep_synthesis"}, {"数字人播报"}),
        ({"area": "sip"}, {"工业质检助手"}),
        ({"area": "gusu", "kind": "recommendation"}, {"文旅推荐"}),
        ({"status": "pending"}, set()),
    ],
)
def test_the_registry_is_searched_and_filtered(client, registry, params, expected):
    assert names(api_as().get("/api/governance/filings", params)) == expected
    body = client.get(reverse("governance:filings"), params).content.decode()
    for filing in registry:
        assert (filing.name in body) == (filing.name in expected)


def test_the_registry_paginates(client, supplier, settings):
    settings.PAGE_SIZE = 2
    for n in range(5):
        make_filing(supplier.organisation, name=f"算法{n}", number=f"Jiangsu-{n}")
    body = client.get(reverse("governance:filings")).content.decode()
    assert "第 1 / 3 页" in body
    api = api_as().get("/api/governance/filings", {"limit": 2, "offset": 4}).json()
    assert api["count"] == 5 and len(api["items"]) == 1


def test_the_page_counts_filings_and_links_to_the_programme_target(client, registry):
    body = page_names(client)
    link = reverse("programme:indicator", args=["algorithm-filings"])
    assert f'href="{link}"' in body
    # generative and deep-synthesis filings count towards the target (>120); recommendation not
    target = body[body.index('id="filings-target"') :]
    assert '<div class="n">2</div>' in target[:200]
    assert "&gt;120" in target[:600]


# --- changing a filing's status ---------------------------------------------------------------


def test_the_office_confirms_a_pending_filing_with_number_and_date(office, filings):
    filing = services.set_filing_status(
        actor=office,
        filing=filings["pending"],
        data={"status": "filed", "number": "Jiangsu-XZ-2025", "filed_on": "2025-03-01"},
    )
    filing.refresh_from_db()
    assert (filing.status, filing.number, filing.filed_on) == (
        Status.FILED,
        "Jiangsu-XZ-2025",
        dt.date(2025, 3, 1),
    )
    entry = AuditEntry.objects.get(action="filing.status")
    assert entry.actor == office
    assert entry.before["status"] == "pending" and entry.before["number"] == ""
    assert entry.after["status"] == "filed" and entry.after["number"] == "Jiangsu-XZ-2025"


def test_confirming_a_filing_needs_its_number_and_date(office, filings):
    with pytest.raises(ServiceError) as exc:
        services.set_filing_status(
            actor=office, filing=filings["pending"], data={"status": "filed"}
        )
    assert set(exc.value.errors) == {"number", "filed_on"}
    filings["pending"].refresh_from_db()
    assert filings["pending"].status == Status.PENDING
    assert not AuditEntry.objects.filter(action="filing.status").exists()


def test_a_filing_date_cannot_be_in_the_future(office, filings):
    with pytest.raises(ServiceError) as exc:
        services.set_filing_status(
            actor=office,
            filing=filings["pending"],
            data={"status": "filed", "number": "X-1", "filed_on": "2999-01-01"},
        )
    assert "晚于今天" in exc.value.errors["filed_on"]


def test_the_office_revokes_a_filed_filing(office, filings):
    services.set_filing_status(
        actor=office, filing=filings["filed"], data={"status": "revoked", "note": "主体注销"}
    )
    filings["filed"].refresh_from_db()
    assert filings["filed"].status == Status.REVOKED
    assert filings["filed"].number == "Jiangsu-WenDao-20240501"  # kept for the record
    entry = AuditEntry.objects.get(action="filing.status")
    assert (entry.before["status"], entry.after["status"]) == ("filed", "revoked")
    assert entry.after["note"] == "主体注销"


@pytest.mark.parametrize(("current", "target"), [("revoked", "filed"), ("pending", "revoked")])
def test_other_status_changes_are_refused(office, filings, current, target):
    data = {"status": target, "number": "X-1", "filed_on": "2025-01-01"}
    with pytest.raises(Conflict):
        services.set_filing_status(actor=office, filing=filings[current], data=data)


@pytest.mark.parametrize("who", ["supplier", "demander", "district_officer", "pending_demander"])
def test_only_the_office_changes_a_filings_status(request, filings, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.set_filing_status(actor=actor, filing=filings["filed"], data={"status": "revoked"})


def test_confirming_a_filing_raises_the_programme_count(office, filings):
    from aiplus.programme import derived

    def count():
        return len(derived.get("governance.filings").all_events())

    before = count()
    services.set_filing_status(
        actor=office,
        filing=filings["pending"],
        data={"status": "filed", "number": "Jiangsu-XZ-2025", "filed_on": "2025-03-01"},
    )
    assert count() == before + 1


def test_the_status_api_is_for_the_office(office, supplier, filings):
    url = f"/api/governance/filings/{filings['pending'].pk}/status"
    data = {"status": "filed", "number": "Jiangsu-XZ-2025", "filed_on": "2025-03-01"}
    assert api_as().post(url, data).status_code == 401
    assert api_as(supplier).post(url, data).status_code == 403
    bad = api_as(office).post(url, {"status": "filed"})
    assert bad.status_code == 400 and "备案号" in bad.json()["errors"]["number"]
    done = api_as(office).post(url, data)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "filed" and done.json()["status_label"] == "已备案"
    again = api_as(office).post(url, data)
    assert again.status_code == 409


def test_the_office_changes_a_status_from_the_registry_page(client, office, filings):
    client.force_login(office)
    url = reverse("governance:filing_status", args=[filings["pending"].pk])
    response = client.post(
        url, {"status": "filed", "number": "Jiangsu-XZ-2025", "filed_on": "2025-03-01"}
    )
    assert response.status_code == 302
    filings["pending"].refresh_from_db()
    assert filings["pending"].status == Status.FILED


def test_the_registry_page_offers_status_changes_only_to_the_office(client, office, filings):
    url = reverse("governance:filing_status", args=[filings["filed"].pk])
    assert url not in page_names(client)
    client.force_login(filings["filed"].organisation.members.get())
    assert client.post(url, {"status": "revoked"}).status_code == 403
    filings["filed"].refresh_from_db()
    assert filings["filed"].status == Status.FILED
    client.force_login(office)
    assert url in page_names(client)


def test_organisations_still_add_their_own_filings_through_their_credentials(supplier):
    filing = services.add_filing(
        actor=supplier,
        data={"kind": "generative", "name": "新的写作助手", "status": "pending"},
    )
    assert filing.organisation == supplier.organisation
    assert filing in AlgorithmFiling.objects.filter(status=Status.PENDING)
