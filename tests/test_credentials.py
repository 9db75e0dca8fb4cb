"""Suppliers manage their own certifications (资质认证) and algorithm filings (算法备案): on the
/my/credentials/ page and through the API. Only members of the owning organisation (or the
office) may write; bad input is refused in Chinese and nothing is saved; every write is audited.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.models import AuditEntry
from aiplus.governance import services as governance_services
from aiplus.governance.models import AlgorithmFiling
from aiplus.scenarios import services
from aiplus.scenarios.models import Certification

from .factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# Two days ahead, not one: computed when the module is collected, it must still be in the
# future if the run crosses local midnight (CI runs at any hour; Asia/Shanghai is UTC+8).
FUTURE = timezone.localdate() + datetime.timedelta(days=2)


# --- helpers ---------------------------------------------------------------------------------


class Api:
    def __init__(self, user=None) -> None:
        self.client = Client()
        self.headers = {}
        if user is not None:
            response = self.client.post(
                "/api/auth/token",
                {"username": user.username, "password": PASSWORD},
                content_type="application/json",
            )
            assert response.status_code == 201, response.content
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}

    def get(self, path):
        return self.client.get(path, **self.headers)

    def post(self, path, data):
        return self.client.post(path, data, content_type="application/json", **self.headers)

    def delete(self, path):
        return self.client.delete(path, **self.headers)


def cert_data(**overrides) -> dict:
    data = {
        "name": "高新技术企业",
        "issuer": "江苏省科学技术厅",
        "number": "GR202432001234",
        "valid_until": "2027-12-31",
    }
    data.update(overrides)
    return data


def filing_data(**overrides) -> dict:
    data = {
        "kind": "generative",
        "name": "姑苏政务大模型问答服务",
        "model_name": "GuSu-LLM 2",
        "number": "Jiangsu-GuSuLLM-20240501",
        "filed_on": "2024-05-01",
        "status": "filed",
    }
    data.update(overrides)
    return data


@pytest.fixture
def other_supplier(citypack):
    return make_user(Role.SUPPLIER, username="other_supplier")


def audit_actions(obj_type: str) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type=obj_type)
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- services --------------------------------------------------------------------------------


def test_services_add_and_delete_with_audit(supplier):
    cert = services.add_certification(actor=supplier, data=cert_data())
    filing = governance_services.add_filing(actor=supplier, data=filing_data())
    assert cert.organisation == supplier.organisation
    assert filing.organisation == supplier.organisation
    entry = AuditEntry.objects.get(action="certification.create")
    assert entry.actor == supplier and entry.object_id == str(cert.pk)
    assert entry.after["name"] == "高新技术企业"

    services.delete_certification(actor=supplier, certification=cert)
    governance_services.delete_filing(actor=supplier, filing=filing)
    assert not Certification.objects.exists() and not AlgorithmFiling.objects.exists()
    assert audit_actions("scenarios.certification") == [
        "certification.create",
        "certification.delete",
    ]
    assert audit_actions("governance.algorithmfiling") == ["filing.create", "filing.delete"]
    deleted = AuditEntry.objects.get(action="filing.delete")
    assert deleted.before["number"] == "Jiangsu-GuSuLLM-20240501"


def test_any_approved_member_may_write_but_not_pending(demander, pending_demander):
    cert = services.add_certification(actor=demander, data=cert_data(name="ISO 27001"))
    assert cert.organisation == demander.organisation
    with pytest.raises(PermissionDenied):
        services.add_certification(actor=pending_demander, data=cert_data())
    with pytest.raises(PermissionDenied):
        governance_services.add_filing(actor=pending_demander, data=filing_data())
    assert Certification.objects.count() == 1


def test_office_may_delete_but_creates_only_for_itself(office, supplier):
    cert = services.add_certification(actor=supplier, data=cert_data())
    filing = governance_services.add_filing(actor=supplier, data=filing_data())
    own = services.add_certification(actor=office, data=cert_data(name="办公室自有资质"))
    assert own.organisation == office.organisation
    services.delete_certification(actor=office, certification=cert)
    governance_services.delete_filing(actor=office, filing=filing)
    assert list(Certification.objects.all()) == [own]
    assert not AlgorithmFiling.objects.exists()


def test_other_organisation_cannot_delete_via_service(supplier, other_supplier):
    cert = services.add_certification(actor=supplier, data=cert_data())
    filing = governance_services.add_filing(actor=supplier, data=filing_data())
    with pytest.raises(PermissionDenied):
        services.delete_certification(actor=other_supplier, certification=cert)
    with pytest.raises(PermissionDenied):
        governance_services.delete_filing(actor=other_supplier, filing=filing)
    assert Certification.objects.filter(pk=cert.pk).exists()
    assert AlgorithmFiling.objects.filter(pk=filing.pk).exists()
    assert not AuditEntry.objects.filter(action__endswith=".delete").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"number": ""}, "number", "备案号"),
        ({"kind": "deep_synthesis", "number": ""}, "number", "备案号"),
        ({"filed_on": FUTURE.isoformat()}, "filed_on", "不能晚于今天"),
        ({"filed_on": "1899-01-01"}, "filed_on", "2000"),
        ({"name": "   "}, "name", "名称"),
        ({"kind": "nonsense"}, "kind", "备案类型"),
    ],
)
def test_bad_filing_refused_in_chinese(supplier, overrides, field, fragment):
    with pytest.raises(ServiceError) as info:
        governance_services.add_filing(actor=supplier, data=filing_data(**overrides))
    assert fragment in info.value.errors[field]
    assert CHINESE.search(info.value.message)
    assert not AlgorithmFiling.objects.exists()
    assert not AuditEntry.objects.filter(action="filing.create").exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": "pending", "number": ""},
        {"kind": "recommendation", "number": ""},
        {"status": "revoked", "number": "", "filed_on": ""},
    ],
)
def test_filings_without_number_where_allowed(supplier, overrides):
    filing = governance_services.add_filing(actor=supplier, data=filing_data(**overrides))
    assert filing.number == ""


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": ""}, "name", "请填写资质名称"),
        ({"valid_until": "20270-01-01"}, "valid_until", "有效的日期"),
        ({"valid_until": "0019-12-31"}, "valid_until", "1990"),
        ({"valid_until": "2999-12-31"}, "valid_until", "不能晚于"),
    ],
)
def test_bad_certification_refused_in_chinese(supplier, overrides, field, fragment):
    with pytest.raises(ServiceError) as info:
        services.add_certification(actor=supplier, data=cert_data(**overrides))
    assert fragment in info.value.errors[field]
    assert not Certification.objects.exists()
    assert not AuditEntry.objects.filter(action="certification.create").exists()


# --- page ------------------------------------------------------------------------------------


def test_my_page_links_to_credentials_for_suppliers(client, supplier):
    client.force_login(supplier)
    html = client.get(reverse("scenarios:my")).content.decode()
    assert reverse("scenarios:credentials") in html
    assert "资质与备案" in html


def test_page_add_and_delete(client, supplier):
    client.force_login(supplier)
    url = reverse("scenarios:credentials")
    assert client.get(url).status_code == 200

    response = client.post(url, {"form": "certification", **cert_data()}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "资质认证已添加" in response.content.decode()
    cert = Certification.objects.get(organisation=supplier.organisation)

    response = client.post(url, {"form": "filing", **filing_data()}, follow=True)
    html = response.content.decode()
    assert "算法备案已添加" in html
    filing = AlgorithmFiling.objects.get(organisation=supplier.organisation)
    assert "高新技术企业" in html and "Jiangsu-GuSuLLM-20240501" in html
    assert reverse("scenarios:certification_delete", args=[cert.pk]) in html
    assert "data-confirm=" in html

    # delete needs POST
    assert client.get(reverse("scenarios:certification_delete", args=[cert.pk])).status_code == 405
    response = client.post(reverse("scenarios:certification_delete", args=[cert.pk]), follow=True)
    assert "资质认证已删除" in response.content.decode()
    response = client.post(reverse("scenarios:filing_delete", args=[filing.pk]), follow=True)
    assert "算法备案已删除" in response.content.decode()
    assert not Certification.objects.exists() and not AlgorithmFiling.objects.exists()
    assert (
        AuditEntry.objects.filter(
            action__in=[
                "certification.create",
                "certification.delete",
                "filing.create",
                "filing.delete",
            ],
            actor=supplier,
        ).count()
        == 4
    )


def test_page_shows_errors_and_saves_nothing(client, supplier):
    client.force_login(supplier)
    url = reverse("scenarios:credentials")
    response = client.post(url, {"form": "filing", **filing_data(number="")})
    assert response.status_code == 200
    html = response.content.decode()
    assert "须填写备案号" in html
    assert 'value="姑苏政务大模型问答服务"' in html  # the input is kept for correction

    response = client.post(url, {"form": "filing", **filing_data(filed_on=FUTURE.isoformat())})
    assert "备案日期不能晚于今天" in response.content.decode()

    response = client.post(url, {"form": "certification", **cert_data(name="")})
    assert "请填写资质名称" in response.content.decode()
    assert not AlgorithmFiling.objects.exists() and not Certification.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["filing.create", "certification.create"])


def test_page_other_organisation_cannot_delete(client, supplier, other_supplier):
    cert = services.add_certification(actor=supplier, data=cert_data())
    filing = governance_services.add_filing(actor=supplier, data=filing_data())
    client.force_login(other_supplier)
    assert "高新技术企业" not in client.get(reverse("scenarios:credentials")).content.decode()
    r1 = client.post(reverse("scenarios:certification_delete", args=[cert.pk]))
    r2 = client.post(reverse("scenarios:filing_delete", args=[filing.pk]))
    assert r1.status_code == 404 and r2.status_code == 404
    assert Certification.objects.filter(pk=cert.pk).exists()
    assert AlgorithmFiling.objects.filter(pk=filing.pk).exists()


def test_page_refuses_pending_and_anonymous(client, pending_demander):
    url = reverse("scenarios:credentials")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(pending_demander)
    response = client.post(url, {"form": "certification", **cert_data()})
    assert response.status_code == 302
    assert not Certification.objects.exists()


def test_credentials_show_on_public_supplier_page(client, supplier):
    services.add_certification(actor=supplier, data=cert_data(name="专精特新中小企业"))
    governance_services.add_filing(actor=supplier, data=filing_data())
    html = client.get(
        reverse("scenarios:supplier_detail", args=[supplier.organisation_id])
    ).content.decode()
    assert "专精特新中小企业" in html
    assert "姑苏政务大模型问答服务" in html
    assert "Jiangsu-GuSuLLM-20240501" in html


# --- API -------------------------------------------------------------------------------------


def test_api_add_list_and_delete(supplier):
    api = Api(supplier)
    response = api.post("/api/certifications", cert_data())
    assert response.status_code == 201, response.content
    cert_id = response.json()["id"]
    assert response.json()["valid_until"] == "2027-12-31"

    response = api.post("/api/filings", filing_data())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind_label"] == "生成式人工智能服务备案"
    filing_id = body["id"]

    public = Api().get(f"/api/organisations/{supplier.organisation_id}/credentials")
    assert public.status_code == 200
    data = public.json()
    assert [c["name"] for c in data["certifications"]] == ["高新技术企业"]
    assert [f["number"] for f in data["filings"]] == ["Jiangsu-GuSuLLM-20240501"]

    assert api.delete(f"/api/certifications/{cert_id}").status_code == 204
    assert api.delete(f"/api/filings/{filing_id}").status_code == 204
    assert api.delete(f"/api/filings/{filing_id}").status_code == 404
    data = Api().get(f"/api/organisations/{supplier.organisation_id}/credentials").json()
    assert data == {"certifications": [], "filings": []}
    assert set(audit_actions("scenarios.certification")) == {
        "certification.create",
        "certification.delete",
    }
    assert set(audit_actions("governance.algorithmfiling")) == {"filing.create", "filing.delete"}


def test_api_other_organisation_cannot_delete(supplier, other_supplier):
    cert = services.add_certification(actor=supplier, data=cert_data())
    filing = governance_services.add_filing(actor=supplier, data=filing_data())
    api = Api(other_supplier)
    response = api.delete(f"/api/certifications/{cert.pk}")
    assert response.status_code in {403, 404}
    assert CHINESE.search(response.json()["message"])
    assert api.delete(f"/api/filings/{filing.pk}").status_code in {403, 404}
    assert Api().delete(f"/api/filings/{filing.pk}").status_code == 401
    assert Certification.objects.filter(pk=cert.pk).exists()
    assert AlgorithmFiling.objects.filter(pk=filing.pk).exists()


def test_api_bad_input_refused_in_chinese(supplier):
    api = Api(supplier)
    response = api.post("/api/filings", filing_data(number=""))
    assert response.status_code == 400
    assert "备案号" in response.json()["errors"]["number"]
    response = api.post("/api/filings", filing_data(filed_on=FUTURE.isoformat()))
    assert response.status_code == 400
    assert "不能晚于今天" in response.json()["errors"]["filed_on"]
    response = api.post("/api/certifications", cert_data(name=""))
    assert response.status_code == 400
    assert "请填写资质名称" in response.json()["errors"]["name"]
    assert CHINESE.search(response.json()["message"])
    assert api.post("/api/filings", filing_data(kind="nonsense")).status_code == 422
    assert not AlgorithmFiling.objects.exists() and not Certification.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["filing.create", "certification.create"])


def test_api_writes_need_an_approved_member(pending_demander):
    assert Api().post("/api/certifications", cert_data()).status_code == 401
    response = Api(pending_demander).post("/api/filings", filing_data())
    assert response.status_code == 403
    assert not AlgorithmFiling.objects.exists()


def test_api_credentials_hidden_for_unapproved_organisations(supplier, pending_demander):
    services.add_certification(actor=supplier, data=cert_data())
    org = pending_demander.organisation
    Certification.objects.create(organisation=org, name="未审核单位的资质")
    assert Api().get(f"/api/organisations/{org.pk}/credentials").status_code == 404
    assert Api().get("/api/organisations/999999/credentials").status_code == 404
    # its own members still see it
    response = Api(pending_demander).get(f"/api/organisations/{org.pk}/credentials")
    assert response.status_code == 200
    assert org.status == OrgStatus.PENDING
