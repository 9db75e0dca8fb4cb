"""The compute API: public offers and programmes, providers' offers, applications, the voucher
quote with its trace, usage reports (idempotent), the ledger, reports and exports."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from aiplus.compute import ledger
from aiplus.compute.models import Application, Offer, UsageReport

from ..apiclient import api_as
from .conftest import DAY, make_order, profile

pytestmark = pytest.mark.django_db


def test_offers_and_programmes_are_public(offer, programme):
    api = api_as()
    body = api.get("/api/compute/offers", {"gpu_model": "h800"}).json()
    assert body["count"] == 1 and body["items"][0]["price"] == "12.50"
    assert body["items"][0]["area"] == "xiangcheng"
    assert api.get("/api/compute/offers", {"area": "gusu"}).json()["count"] == 0
    programmes = api.get("/api/compute/programmes").json()
    code = programmes["items"][0]["code"]
    assert code == "sz-compute-2026"
    assert programmes["items"][0]["rule_ids"] == [
        "js003-02-1-compute-rental",
        "js003-09-3-opc-compute-voucher",
    ]


def test_a_provider_publishes_and_closes_offers(provider, centre, demander):
    api = api_as(provider)
    data = {
        "centre": centre.pk,
        "gpu_model": "A800",
        "cards": 16,
        "price": "8.20",
        "available_from": "2026-03-01",
        "available_to": "2026-06-30",
    }
    created = api.post("/api/compute/offers", data)
    assert created.status_code == 201, created.content
    offer_id = created.json()["id"]
    bad = api.post("/api/compute/offers", {**data, "available_to": "2026-02-01", "cards": 0})
    assert bad.status_code == 400
    assert "晚于开始日期" in bad.json()["errors"]["available_to"]
    assert "卡数" in bad.json()["errors"]["cards"]
    assert api_as(demander).post("/api/compute/offers", data).status_code == 403
    assert api.post(f"/api/compute/offers/{offer_id}/close").json()["status"] == "closed"
    assert Offer.objects.count() == 1


def test_an_enterprise_applies_and_sees_only_its_own(demander, other_demander, programme):
    api = api_as(demander)
    data = {
        "accepted_models": ["H800", "A800"],
        "cards": 8,
        "hours": 72,
        "earliest_start": "2026-03-01",
        "latest_end": "2026-03-20",
        "purpose": "工业质检模型训练",
        "programme": "sz-compute-2026",
    }
    response = api.post("/api/compute/applications", data)
    assert response.status_code == 201, response.content
    assert response.json()["accepted_models"] == ["H800", "A800"]
    short = api.post("/api/compute/applications", {**data, "latest_end": "2026-03-02"})
    assert short.status_code == 400 and "放不下" in short.json()["errors"]["latest_end"]
    unknown = api.post("/api/compute/applications", {**data, "programme": "nope"})
    assert unknown.status_code == 400
    assert api_as(other_demander).get("/api/compute/applications").json()["count"] == 0
    assert api.get("/api/compute/applications").json()["count"] == 1
    assert Application.objects.count() == 1


def test_the_quote_explains_itself(demander, programme):
    profile(demander.organisation)
    body = (
        api_as(demander)
        .post(
            "/api/compute/quote",
            {"programme": "sz-compute-2026", "cost": "1200000", "day": str(DAY)},
        )
        .json()
    )
    assert Decimal(body["amount"]) == 360_000
    assert body["rule"] == "js003-02-1-compute-rental"
    assert "30% × 1,200,000 = 360,000 元" in body["trace"]
    assert api_as().post("/api/compute/quote", {}).status_code in (401, 422)


def test_usage_over_the_api_is_idempotent_and_corrections_reverse(
    programme, offer, demander, provider
):
    order = make_order(offer, profile(demander.organisation), programme)
    api = api_as(provider)
    data = {
        "order": order.pk,
        "report_id": "m-1",
        "period_start": str(DAY),
        "period_end": str(DAY),
        "card_hours": "100",
    }
    first = api.post("/api/compute/usage", data)
    assert first.status_code == 201 and first.json()["voucher"] == "375.00"
    again = api.post("/api/compute/usage", data)
    assert again.status_code == 200 and again.json()["created"] is False
    clash = api.post("/api/compute/usage", {**data, "card_hours": "90"})
    assert clash.status_code == 409
    fix = api.post(
        "/api/compute/usage", {**data, "report_id": "m-1b", "card_hours": "90", "corrects": "m-1"}
    )
    assert fix.status_code == 201 and fix.json()["voucher"] == "337.50"
    assert UsageReport.objects.count() == 2
    assert (
        api_as(demander).post("/api/compute/usage", {**data, "report_id": "x"}).status_code == 403
    )
    csv = f"order,report_id,period_start,period_end,card_hours\n{order.pk},c-1,{DAY},{DAY},10\n"
    upload = api.upload("/api/compute/usage/import", csv.encode(), name="u.csv")
    assert upload.status_code == 200 and upload.json() == {"created": 1, "unchanged": 0, "rows": 1}


def test_ledger_and_reports_are_for_the_office(programme, offer, demander, provider, office):
    order = make_order(offer, profile(demander.organisation), programme)
    api_as(provider).post(
        "/api/compute/usage",
        {
            "order": order.pk,
            "report_id": "r",
            "period_start": str(DAY),
            "period_end": str(DAY),
            "card_hours": "100",
        },
    )
    office_api = api_as(office)
    txs = office_api.get("/api/compute/ledger").json()
    kinds = [t["kind"] for t in txs["items"]]
    assert sorted(kinds) == ["fund", "grant", "redeem"]
    for tx in txs["items"]:
        assert sum(Decimal(e["amount"]) for e in tx["entries"]) == 0
    report = office_api.get("/api/compute/reports").json()
    sz = report["programmes"][0]
    assert Decimal(sz["redeemed"]) == Decimal("375.00")
    assert Decimal(sz["funded"]) == Decimal(sz["pool"]) + Decimal(sz["held"]) + Decimal(
        sz["redeemed"]
    )
    assert report["by_area"][0]["amount"] == "375.00"
    h800 = next(u for u in report["utilisation_by_model"] if u["key"] == "H800")
    assert Decimal(h800["ordered"]) == 8 * 240 and Decimal(h800["used"]) == 100
    supply = report["supplier_subsidies"][0]
    assert supply["rule"] == "js003-02-2-compute-supply" and supply["status"] == "needs_info"
    assert "企业是否为算力供给方？" in supply["needs"]  # the provider has no profile yet
    from aiplus.policies.models import EnterpriseProfile

    EnterpriseProfile.objects.create(
        organisation=provider.organisation,
        facts={"registered_city": "苏州", "roles": ["算力供给方"]},
    )
    supply = office_api.get("/api/compute/reports").json()["supplier_subsidies"][0]
    assert Decimal(supply["sales"]) == order.estimated_cost == Decimal("24000.00")
    assert Decimal(supply["amount"]) == Decimal("2400.00")  # 10% of the contract
    assert "10% × 24,000 = 2,400 元" in supply["trace"]
    assert api_as(demander).get("/api/compute/ledger").status_code == 403
    funded = office_api.post("/api/compute/programmes/sz-compute-2026/fund", {"amount": "1000"})
    assert funded.status_code == 200 and Decimal(funded.json()["funded"]) == 5_001_000
    bad = office_api.post("/api/compute/programmes/sz-compute-2026/fund", {"amount": "-5"})
    assert bad.status_code == 400
    assert ledger.check(programme) == []


def test_orders_export_to_slurm_and_kueue(programme, offer, demander, provider, office):
    order = make_order(offer, profile(demander.organisation), programme, cards=8, hours=240)
    api = api_as(office)
    slurm = api.get(f"/api/compute/runs/{order.run_id}/export", {"format": "slurm"})
    assert slurm.json()["orders"] == 1 and slurm.json()["filename"].endswith(".sh")
    text = slurm.json()["content"]
    assert f"sacctmgr -i add qos aiplus_o{order.pk}" in text
    assert f"GrpTRES=gres/gpu:h800=8 GrpTRESMins=gres/gpu={8 * 240 * 60}" in text
    assert f"set QOS+=aiplus_o{order.pk}" in text
    kueue = api.get(f"/api/compute/runs/{order.run_id}/export", {"format": "kueue"})
    docs = list(yaml.safe_load_all(kueue.json()["content"]))
    assert [d["kind"] for d in docs] == ["ResourceFlavor", "ClusterQueue"]
    quota = docs[1]["spec"]["resourceGroups"][0]["flavors"][0]["resources"][0]
    assert quota == {"name": "nvidia.com/gpu", "nominalQuota": 8}
    assert docs[1]["spec"]["resourceGroups"][0]["flavors"][0]["name"] == docs[0]["metadata"]["name"]
    assert api_as(demander).get(f"/api/compute/runs/{order.run_id}/export").status_code == 403
    own = api_as(provider).get(f"/api/compute/runs/{order.run_id}/export", {"format": "slurm"})
    assert f"aiplus_o{order.pk}" in own.json()["content"]
    bad = api.get(f"/api/compute/runs/{order.run_id}/export", {"format": "pdf"})
    assert bad.status_code == 400


def test_the_orders_list_reads_every_order_balance_in_one_query(
    programme, offer, demander, office, django_assert_max_num_queries
):
    firm = profile(demander.organisation)
    for _ in range(5):
        make_order(offer, firm, programme, cards=1, hours=24)
    api = api_as(office)
    with django_assert_max_num_queries(8):  # not one query per order (5 orders)
        body = api.get("/api/compute/orders", {"limit": 50}).json()
    assert body["count"] == 5
    assert all(Decimal(o["held"]) == Decimal("90.00") for o in body["items"])  # 30% of 300
