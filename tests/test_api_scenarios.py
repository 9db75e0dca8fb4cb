"""The scenarios API: demands and their lifecycle, lists, solutions, proposals, roadshows, stats.

Every authenticated call uses a real bearer token from POST /api/auth/token.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from aiplus.accounts.choices import Role
from aiplus.core.models import Sector
from aiplus.governance.models import AlgorithmFiling
from aiplus.scenarios import services
from aiplus.scenarios.choices import DemandStatus, ProposalStatus
from aiplus.scenarios.models import Certification, Demand, DemandTransition, Proposal

from .apiclient import Api, api_as, token_for
from .factories import make_demand, make_user, sign_checklist

CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --- client helpers --------------------------------------------------------------------------


def payload(**overrides) -> dict:
    """A valid DemandIn body: reference data by code, tags as a list."""
    data = {
        "title": "注塑件表面缺陷视觉检测",
        "sector": "manufacturing",
        "area": "sip",
        "demander_type": "manufacturer",
        "pain_point": "人工目检漏检率高，夜班质量波动大，需要机器视觉替代人工。",
        "goals": "实现在线全检",
        "data_sensitivity": "internal",
        "budget_min": "500000",
        "budget_max": "1200000",
        "contact_name": "王工",
        "contact_phone": "0512-00000000",
        "contact_email": "wang@example.com",
        "visibility": "public",
        "tags": ["机器视觉", "缺陷检测"],
    }
    data.update(overrides)
    return data


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"message", "errors"}
    assert CHINESE.search(body["message"]), body
    return body


# --- reading demands -------------------------------------------------------------------------


def test_anonymous_list_shows_only_public_demands_and_never_contacts(demander, office):
    public = make_demand(demander, status=DemandStatus.PUBLISHED, office=office, title="公开需求")
    make_demand(
        demander,
        status=DemandStatus.PUBLISHED,
        office=office,
        title="注册可见",
        visibility="registered",
    )
    make_demand(demander, status=DemandStatus.SUBMITTED, office=office, title="待审核")
    draft = make_demand(demander, title="草稿")

    response = Api().get("/api/demands")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [d["id"] for d in body["items"]] == [public.pk]
    assert not any(key.startswith("contact") for key in body["items"][0])
    assert body["items"][0]["sector"]["code"] == "manufacturing"
    assert body["items"][0]["tags"] == ["机器视觉", "缺陷检测"]

    detail = Api().get(f"/api/demands/{public.pk}").json()
    assert detail["contact_name"] is None
    assert detail["contact_phone"] is None
    assert detail["contact_email"] is None
    assert detail["allowed_transitions"] == []
    assert "王工" not in Api().get(f"/api/demands/{public.pk}").content.decode()

    assert_error(Api().get(f"/api/demands/{draft.pk}"), 404)
    assert_error(Api().get("/api/demands/999999"), 404)


def test_registered_users_see_registered_demands(demander, other_demander, office):
    registered = make_demand(
        demander, status=DemandStatus.PUBLISHED, office=office, visibility="registered"
    )
    ids = [d["id"] for d in api_as(other_demander).get("/api/demands").json()["items"]]
    assert ids == [registered.pk]
    assert Api().get("/api/demands").json()["count"] == 0


def test_confidential_budget_is_hidden_from_others(demander, other_demander, office):
    demand = make_demand(
        demander, status=DemandStatus.PUBLISHED, office=office, budget_confidential=True
    )
    outsider = api_as(other_demander).get(f"/api/demands/{demand.pk}").json()
    assert outsider["budget_min"] is None and outsider["budget_max"] is None
    owner = api_as(demander).get(f"/api/demands/{demand.pk}").json()
    assert owner["budget_min"] == "500000.00"
    assert owner["contact_name"] == "王工"


def test_token_auth_works_and_a_bad_token_is_401(demander):
    api = api_as(demander)
    me = api.get("/api/me")
    assert me.status_code == 200
    assert me.json()["username"] == "demander"

    bad = Api("not-a-real-token")
    assert_error(bad.get("/api/demands"), 401)
    assert_error(bad.get("/api/me"), 401)
    assert_error(Api().post("/api/demands", payload()), 401)
    assert_error(bad.post("/api/demands", payload()), 401)
    assert not Demand.objects.exists()


# --- writing demands and the lifecycle -------------------------------------------------------


def test_demander_creates_submits_and_office_reviews_and_publishes(demander, office):
    api = api_as(demander)
    created = api.post("/api/demands", payload())
    assert created.status_code == 201, created.content
    demand = created.json()
    assert demand["status"] == "draft"
    assert demand["code"].startswith("XQ")
    assert demand["tags"] == ["机器视觉", "缺陷检测"]
    assert demand["budget_min"] == "500000.00"
    assert demand["contact_name"] == "王工"  # the owner sees its own contacts
    assert demand["allowed_transitions"] == ["submitted", "closed"]
    assert demand["can_edit"] is True
    pk = demand["id"]

    patched = api.patch(f"/api/demands/{pk}", {"title": "注塑件缺陷在线检测", "tags": ["质检"]})
    assert patched.status_code == 200, patched.content
    assert patched.json()["title"] == "注塑件缺陷在线检测"
    assert patched.json()["tags"] == ["质检"]
    assert patched.json()["pain_point"] == payload()["pain_point"]  # untouched fields kept
    assert patched.json()["sector"]["code"] == "manufacturing"

    submitted = api.post(f"/api/demands/{pk}/transition", {"to": "submitted"})
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["allowed_transitions"] == ["closed"]

    office_api = api_as(office)
    assert office_api.get(f"/api/demands/{pk}").json()["allowed_transitions"] == [
        "in_review",
        "returned",
        "closed",
    ]
    for step in ("in_review", "published"):
        response = office_api.post(f"/api/demands/{pk}/transition", {"to": step, "note": "同意"})
        assert response.status_code == 200, response.content
    detail = office_api.get(f"/api/demands/{pk}").json()
    assert detail["status"] == "published"
    assert detail["published_at"] is not None
    history = [(t["from_status"], t["to_status"]) for t in detail["transitions"]]
    assert history == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "published"),
    ]
    assert detail["transitions"][-1]["actor"] == str(office)
    assert detail["transitions"][-1]["note"] == "同意"

    assert [d["id"] for d in Api().get("/api/demands").json()["items"]] == [pk]


def test_return_needs_a_note(demander, office):
    demand = make_demand(demander, status=DemandStatus.SUBMITTED, office=office)
    api = api_as(office)
    body = assert_error(api.post(f"/api/demands/{demand.pk}/transition", {"to": "returned"}), 400)
    assert "note" in body["errors"]
    ok = api.post(f"/api/demands/{demand.pk}/transition", {"to": "returned", "note": "请补充数据"})
    assert ok.status_code == 200
    owner_view = api_as(demander).get(f"/api/demands/{demand.pk}").json()
    assert owner_view["review_note"] == "请补充数据"
    assert owner_view["can_edit"] is True


def test_disallowed_transition_is_refused_and_changes_nothing(demander, other_demander, office):
    demand = make_demand(demander, status=DemandStatus.SUBMITTED, office=office)
    transitions = DemandTransition.objects.count()
    api = api_as(demander)

    # No such move at all: 409.
    assert_error(api.post(f"/api/demands/{demand.pk}/transition", {"to": "published"}), 409)
    # The move exists, but the owner may not make it: 403.
    assert_error(api.post(f"/api/demands/{demand.pk}/transition", {"to": "in_review"}), 403)
    # Unknown status: 400.
    assert_error(api.post(f"/api/demands/{demand.pk}/transition", {"to": "bogus"}), 400)
    # Another demander cannot see a submitted demand at all.
    assert_error(
        api_as(other_demander).post(f"/api/demands/{demand.pk}/transition", {"to": "closed"}), 404
    )

    demand.refresh_from_db()
    assert demand.status == DemandStatus.SUBMITTED
    assert DemandTransition.objects.count() == transitions


def test_patch_refused_once_submitted(demander, office):
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    assert_error(api_as(demander).patch(f"/api/demands/{demand.pk}", {"title": "改名"}), 403)
    demand.refresh_from_db()
    assert demand.title == "注塑件表面缺陷视觉检测"


def test_wrong_types_give_422_and_bad_values_400(demander):
    api = api_as(demander)
    body = assert_error(api.post("/api/demands", payload(budget_min="lots", title=123)), 422)
    assert "budget_min" in body["errors"] and "title" in body["errors"]
    assert_error(api.post("/api/demands", payload(tags="机器视觉")), 422)
    assert_error(api.post("/api/demands", payload(visibility="everyone")), 422)
    assert_error(api.post("/api/demands", payload(start_date="next week")), 422)
    assert_error(api.post("/api/demands", {"title": "缺字段"}), 422)
    broken = api.client.post(
        "/api/demands", "{not json", content_type="application/json", **api.headers
    )
    assert broken.status_code == 400 and "message" in broken.json()
    assert_error(api.get("/api/demands", {"limit": "many"}), 422)
    assert_error(api.get("/api/demands", {"limit": 1000}), 422)
    assert_error(api.get("/api/demands/abc"), 422)

    body = assert_error(api.post("/api/demands", payload(sector="no-such-sector")), 400)
    assert "sector" in body["errors"]
    body = assert_error(api.post("/api/demands", payload(budget_min="900", budget_max="100")), 400)
    assert "budget_max" in body["errors"]
    body = assert_error(api.post("/api/demands", payload(contact_email="not-an-email")), 400)
    assert "contact_email" in body["errors"]
    assert not Demand.objects.exists()


def test_only_demanders_and_office_create_demands(supplier, pending_demander):
    assert_error(api_as(supplier).post("/api/demands", payload()), 403)
    assert_error(api_as(pending_demander).post("/api/demands", payload()), 403)
    assert not Demand.objects.exists()


# --- proposals -------------------------------------------------------------------------------


def test_supplier_proposes_and_demander_shortlists_then_selects(demander, supplier, office):
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    rival = make_user(Role.SUPPLIER)
    supplier_api, rival_api = api_as(supplier), api_as(rival)

    before = supplier_api.get(f"/api/demands/{demand.pk}").json()
    assert before["contact_name"] is None
    assert_error(
        supplier_api.post(f"/api/demands/{demand.pk}/proposals", {"approach": "x", "price": "-1"}),
        400,
    )
    assert_error(
        supplier_api.post(
            f"/api/demands/{demand.pk}/proposals", {"approach": "x", "duration_days": "soon"}
        ),
        422,
    )
    other_solution = make_user(Role.SUPPLIER).organisation.solutions.create(
        title="别家方案", summary="x"
    )
    body = assert_error(
        supplier_api.post(
            f"/api/demands/{demand.pk}/proposals",
            {"approach": "x", "solution_id": other_solution.pk},
        ),
        400,
    )
    assert "solution" in body["errors"]

    first = supplier_api.post(
        f"/api/demands/{demand.pk}/proposals",
        {"approach": "基于深度学习的在线检测", "price": "800000.50", "duration_days": 90},
    )
    assert first.status_code == 201, first.content
    assert first.json()["price"] == "800000.50"
    assert first.json()["status"] == "submitted"
    second = rival_api.post(f"/api/demands/{demand.pk}/proposals", {"approach": "传统机器视觉"})
    assert second.status_code == 201
    assert_error(
        supplier_api.post(f"/api/demands/{demand.pk}/proposals", {"approach": "再来"}), 409
    )

    # Having answered, the supplier sees the contacts.
    assert supplier_api.get(f"/api/demands/{demand.pk}").json()["contact_name"] == "王工"
    # Each supplier sees only its own proposal; the demander sees both.
    assert supplier_api.get(f"/api/demands/{demand.pk}/proposals").json()["count"] == 1
    assert supplier_api.get("/api/proposals").json()["count"] == 1
    owner = api_as(demander)
    assert owner.get(f"/api/demands/{demand.pk}/proposals").json()["count"] == 2
    assert_error(Api().get(f"/api/demands/{demand.pk}/proposals"), 401)

    first_id, second_id = first.json()["id"], second.json()["id"]
    # A supplier cannot decide on proposals.
    assert_error(supplier_api.post(f"/api/proposals/{first_id}/shortlist"), 403)

    shortlisted = owner.post(f"/api/proposals/{first_id}/shortlist")
    assert shortlisted.status_code == 200, shortlisted.content
    assert shortlisted.json()["status"] == "shortlisted"
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_TALKS

    # With its pilot risk checklist signed, selecting moves the demand to pilot.
    sign_checklist(demand, "pilot", actor=demander)
    selected = owner.post(f"/api/proposals/{first_id}/select")
    assert selected.status_code == 200, selected.content
    assert selected.json()["status"] == "selected"
    demand.refresh_from_db()
    assert demand.status == DemandStatus.PILOT
    assert Proposal.objects.get(pk=second_id).status == ProposalStatus.DECLINED

    assert_error(owner.post(f"/api/proposals/{first_id}/select"), 409)
    assert_error(supplier_api.post(f"/api/proposals/{first_id}/withdraw"), 409)
    assert_error(rival_api.post(f"/api/proposals/{first_id}/withdraw"), 404)


def test_supplier_withdraws_and_demander_declines(demander, supplier, office):
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    proposal = (
        api_as(supplier).post(f"/api/demands/{demand.pk}/proposals", {"approach": "方案"}).json()
    )
    withdrawn = api_as(supplier).post(f"/api/proposals/{proposal['id']}/withdraw")
    assert withdrawn.json()["status"] == "withdrawn"
    assert_error(api_as(demander).post(f"/api/proposals/{proposal['id']}/decline"), 409)


def test_cannot_propose_to_a_draft_or_as_demander(demander, supplier, office):
    published = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    assert_error(
        api_as(demander).post(f"/api/demands/{published.pk}/proposals", {"approach": "x"}), 403
    )
    draft = make_demand(demander)
    assert_error(
        api_as(supplier).post(f"/api/demands/{draft.pk}/proposals", {"approach": "x"}), 404
    )
    assert not Proposal.objects.exists()


# --- demand lists ----------------------------------------------------------------------------


def test_office_compiles_and_publishes_a_list(demander, office):
    published = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    submitted = make_demand(demander, status=DemandStatus.SUBMITTED, office=office)
    api = api_as(office)

    assert_error(
        api_as(demander).post("/api/demand-lists", {"name": "不该有的清单", "year": 2025}), 403
    )
    created = api.post(
        "/api/demand-lists",
        {"name": "2025年人工智能应用场景需求清单", "year": 2025, "issuer": "专班"},
    )
    assert created.status_code == 201, created.content
    list_id = created.json()["id"]
    assert created.json()["status"] == "draft"

    # Not published yet: the public neither lists nor opens it.
    assert Api().get("/api/demand-lists").json()["count"] == 0
    assert_error(Api().get(f"/api/demand-lists/{list_id}"), 404)
    assert_error(api.post(f"/api/demand-lists/{list_id}/publish"), 400)  # empty list

    body = assert_error(
        api.post(f"/api/demand-lists/{list_id}/items", {"demand_ids": [submitted.pk]}), 400
    )
    assert CHINESE.search(body["message"])
    assert_error(api.post(f"/api/demand-lists/{list_id}/items", {"demand_ids": [999999]}), 400)
    assert_error(api.post(f"/api/demand-lists/{list_id}/items", {"demand_ids": "1"}), 422)

    added = api.post(f"/api/demand-lists/{list_id}/items", {"demand_ids": [published.pk]})
    assert added.status_code == 200, added.content
    assert added.json()["item_count"] == 1
    assert added.json()["items"][0]["position"] == 1
    assert added.json()["items"][0]["demand"]["id"] == published.pk

    assert_error(api_as(demander).post(f"/api/demand-lists/{list_id}/publish"), 404)
    done = api.post(f"/api/demand-lists/{list_id}/publish")
    assert done.status_code == 200
    assert done.json()["status"] == "published"
    assert_error(api.post(f"/api/demand-lists/{list_id}/publish"), 409)

    public = Api().get("/api/demand-lists").json()
    assert public["count"] == 1 and public["items"][0]["id"] == list_id
    detail = Api().get(f"/api/demand-lists/{list_id}").json()
    assert [item["demand"]["title"] for item in detail["items"]] == [published.title]


# --- pagination, filters, queries ------------------------------------------------------------


@pytest.fixture
def many_demands(demander, office):
    """Five published demands in two sectors, one of them demo data."""
    demands = []
    for n in range(5):
        overrides = {"title": f"场景{n}"}
        if n >= 3:
            overrides.update(
                sector=Sector.objects.get(code="healthcare").pk, title=f"医疗影像场景{n}"
            )
        demands.append(
            make_demand(demander, status=DemandStatus.PUBLISHED, office=office, **overrides)
        )
    Demand.objects.filter(pk=demands[0].pk).update(is_demo=True)
    return demands


def test_pagination(many_demands):
    api = Api()
    first = api.get("/api/demands", {"limit": 2}).json()
    assert first["count"] == 5 and len(first["items"]) == 2
    # Newest published first.
    assert [d["id"] for d in first["items"]] == [many_demands[4].pk, many_demands[3].pk]
    last = api.get("/api/demands", {"limit": 2, "offset": 4}).json()
    assert last["count"] == 5 and [d["id"] for d in last["items"]] == [many_demands[0].pk]
    assert api.get("/api/demands", {"offset": 10}).json() == {"items": [], "count": 5}


def test_ranked_rows_keep_the_ranking_and_load_only_what_is_asked(
    many_demands, django_assert_num_queries
):
    """A search engine's ranking over a queryset: ids the queryset leaves out are dropped, a
    slice loads just its rows, iterating is one query (not one per row)."""
    from aiplus.core.pagination import RankedRows

    ids = [d.pk for d in many_demands]
    ranking = [ids[3], 999_999, ids[0], ids[4], ids[1]]  # an id no demand has
    with django_assert_num_queries(1):
        rows = RankedRows(Demand.objects.exclude(pk=ids[4]), ranking)
    assert len(rows) == rows.count() == 3
    with django_assert_num_queries(1):
        assert [d.pk for d in rows[1:]] == [ids[0], ids[1]]
    with django_assert_num_queries(1):
        assert [d.pk for d in rows] == [ids[3], ids[0], ids[1]]
    assert rows[0].pk == ids[3]


def test_filters(many_demands, demander, office):
    api = Api()
    assert api.get("/api/demands", {"sector": "healthcare"}).json()["count"] == 2
    assert api.get("/api/demands", {"sector": "nowhere"}).json()["count"] == 0
    assert api.get("/api/demands", {"area": "sip"}).json()["count"] == 5
    assert api.get("/api/demands", {"demander_type": "manufacturer"}).json()["count"] == 5
    assert api.get("/api/demands", {"q": "医疗影像"}).json()["count"] == 2
    assert api.get("/api/demands", {"q": "夜班质量"}).json()["count"] == 5  # in pain_point
    assert api.get("/api/demands", {"is_demo": "true"}).json()["count"] == 1
    assert api.get("/api/demands", {"is_demo": "false"}).json()["count"] == 4
    make_demand(demander, status=DemandStatus.IN_TALKS, office=office)
    assert api.get("/api/demands", {"status": "in_talks"}).json()["count"] == 1
    assert api.get("/api/demands", {"status": "draft"}).json()["count"] == 0


def test_demand_list_query_count_is_constant(demander, office, django_assert_max_num_queries):
    for n in range(30):
        make_demand(
            demander,
            status=DemandStatus.PUBLISHED,
            office=office,
            title=f"场景{n}",
            tag_names=f"标签{n}、大模型",
        )
    anonymous = Api()
    with django_assert_max_num_queries(4):
        body = anonymous.get("/api/demands", {"limit": 50}).json()
    assert body["count"] == 30 and len(body["items"]) == 30
    assert all(len(item["tags"]) == 2 for item in body["items"])

    api = api_as(office)
    api.get("/api/me")  # the token's first use records last_used_at
    with django_assert_max_num_queries(6):
        assert api.get("/api/demands", {"limit": 50}).json()["count"] == 30


def test_demand_stats(demander, office):
    make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    make_demand(
        demander,
        status=DemandStatus.PUBLISHED,
        office=office,
        sector=Sector.objects.get(code="healthcare").pk,
    )
    make_demand(demander, status=DemandStatus.IN_TALKS, office=office)
    make_demand(demander, status=DemandStatus.PUBLISHED, office=office, visibility="registered")
    make_demand(demander, status=DemandStatus.SUBMITTED, office=office)
    make_demand(demander)

    body = Api().get("/api/stats/demands").json()
    assert body["total"] == 3
    sectors = {row["code"]: row for row in body["by_sector"]}
    assert sectors["manufacturing"]["count"] == 2
    assert sectors["manufacturing"]["name"] == "制造"
    assert sectors["healthcare"]["count"] == 1
    assert sum(row["count"] for row in body["by_sector"]) == 3
    statuses = {row["status"]: row for row in body["by_status"]}
    assert statuses["published"] == {"status": "published", "label": "已发布", "count": 2}
    assert statuses["in_talks"]["count"] == 1
    assert "draft" not in statuses
    # Bad credentials do not matter on a public endpoint.
    assert Api("bogus").get("/api/stats/demands").status_code == 200


# --- solutions and suppliers -----------------------------------------------------------------


def solution_payload(**overrides) -> dict:
    data = {
        "title": "工业视觉质检平台",
        "summary": "小样本缺陷检测",
        "description": "支持多种缺陷类型",
        "sectors": ["manufacturing"],
        "maturity": "product",
        "price_from": "200000",
        "tags": ["机器视觉"],
    }
    data.update(overrides)
    return data


def test_supplier_publishes_a_solution_with_cases(supplier, demander):
    api = api_as(supplier)
    Certification.objects.create(organisation=supplier.organisation, name="高新技术企业")
    AlgorithmFiling.objects.create(
        organisation=supplier.organisation,
        kind="generative",
        name="质检大模型",
        number="Jiangsu-001",
    )

    assert_error(api_as(demander).post("/api/solutions", solution_payload()), 403)
    body = assert_error(api.post("/api/solutions", solution_payload(sectors=["nope"])), 400)
    assert "sectors" in body["errors"]
    assert_error(api.post("/api/solutions", solution_payload(price_from="cheap")), 422)

    created = api.post("/api/solutions", solution_payload())
    assert created.status_code == 201, created.content
    solution = created.json()
    assert solution["price_from"] == "200000.00"
    assert [s["code"] for s in solution["sectors"]] == ["manufacturing"]
    assert solution["certifications"][0]["name"] == "高新技术企业"
    assert solution["filings"][0]["number"] == "Jiangsu-001"
    pk = solution["id"]

    case = api.post(
        f"/api/solutions/{pk}/cases",
        {
            "customer": "某汽车零部件厂",
            "customer_sector": "manufacturing",
            "year": 2024,
            "outcome": "漏检率下降90%",
            "metrics": [{"name": "检出率", "value": "99.2%"}],
        },
    )
    assert case.status_code == 201, case.content
    assert case.json()["metrics"] == [{"name": "检出率", "value": "99.2%"}]
    assert_error(
        api.post(
            f"/api/solutions/{pk}/cases",
            {"customer": "x", "outcome": "y", "customer_sector": "nope"},
        ),
        400,
    )

    patched = api.patch(f"/api/solutions/{pk}", {"summary": "少样本缺陷检测"})
    assert patched.status_code == 200, patched.content
    assert patched.json()["summary"] == "少样本缺陷检测"
    assert patched.json()["tags"] == ["机器视觉"]
    assert patched.json()["sectors"][0]["code"] == "manufacturing"
    assert_error(
        api_as(make_user(Role.SUPPLIER)).patch(f"/api/solutions/{pk}", {"title": "抢来的"}), 403
    )

    detail = Api().get(f"/api/solutions/{pk}").json()
    assert detail["cases"][0]["customer_sector"]["code"] == "manufacturing"
    assert Api().get("/api/solutions", {"sector": "manufacturing"}).json()["count"] == 1
    assert Api().get("/api/solutions", {"sector": "healthcare"}).json()["count"] == 0
    assert Api().get("/api/solutions", {"tag": "机器视觉"}).json()["count"] == 1
    assert Api().get("/api/solutions", {"q": "多种缺陷"}).json()["count"] == 1
    assert Api().get("/api/solutions", {"supplier": supplier.organisation_id}).json()["count"] == 1

    # Unpublished: the public no longer sees it; its supplier still does.
    api.patch(f"/api/solutions/{pk}", {"is_published": False})
    assert Api().get("/api/solutions").json()["count"] == 0
    assert_error(Api().get(f"/api/solutions/{pk}"), 404)
    assert api.get("/api/solutions").json()["count"] == 1


def test_suppliers_with_solution_counts(supplier, django_assert_max_num_queries):
    api = api_as(supplier)
    for n in range(3):
        api.post("/api/solutions", solution_payload(title=f"方案{n}"))
    for _ in range(5):
        other = make_user(Role.SUPPLIER)
        api_as(other).post("/api/solutions", solution_payload())
    with django_assert_max_num_queries(2):
        body = Api().get("/api/suppliers", {"limit": 50}).json()
    assert body["count"] == 6
    counts = {row["id"]: row["solution_count"] for row in body["items"]}
    assert counts[supplier.organisation_id] == 3
    assert Api().get("/api/suppliers", {"q": "不存在的公司"}).json()["count"] == 0


# --- roadshows -------------------------------------------------------------------------------


def test_roadshow_creation_and_registration(demander, supplier, office):
    demand = make_demand(demander, status=DemandStatus.PUBLISHED, office=office)
    draft = make_demand(demander)
    api = api_as(office)
    body = {
        "title": "制造业AI路演",
        "starts_at": "2026-05-20T14:00:00+08:00",
        "venue": "苏州国际博览中心",
        "sector": "manufacturing",
        "area": "sip",
        "capacity": 1,
        "demand_ids": [demand.pk],
    }
    assert_error(api_as(supplier).post("/api/roadshows", body), 403)
    assert_error(api.post("/api/roadshows", {**body, "area": "nowhere"}), 400)
    assert_error(api.post("/api/roadshows", {**body, "starts_at": "someday"}), 422)
    created = api.post("/api/roadshows", body)
    assert created.status_code == 201, created.content
    roadshow = created.json()
    assert [d["id"] for d in roadshow["demands"]] == [demand.pk]
    assert roadshow["sector"]["code"] == "manufacturing"

    listing = Api().get("/api/roadshows").json()
    assert listing["count"] == 1 and listing["items"][0]["registration_count"] == 0
    assert Api().get(f"/api/roadshows/{roadshow['id']}").json()["demands"][0]["id"] == demand.pk

    url = f"/api/roadshows/{roadshow['id']}/register"
    assert_error(api_as(demander).post(url, {}), 403)
    assert_error(api_as(supplier).post(url, {"meeting_demand_ids": [draft.pk]}), 400)
    registered = api_as(supplier).post(url, {"meeting_demand_ids": [demand.pk], "note": "希望洽谈"})
    assert registered.status_code == 201, registered.content
    assert registered.json()["meeting_demand_ids"] == [demand.pk]
    assert_error(api_as(supplier).post(url, {}), 409)
    assert_error(api_as(make_user(Role.SUPPLIER)).post(url, {}), 409)  # full
    assert Api().get("/api/roadshows").json()["items"][0]["registration_count"] == 1


def _workbook(rows):
    import io as _io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "场景名称", "需求单位", "所属领域", "所在板块", "需求描述"])
    for row in rows:
        ws.append(row)
    buf = _io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_office_imports_a_workbook_through_the_api(office):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _workbook([[1, "API导入的场景", "某API导入医院", "医疗", "姑苏区", "病历质控"]])
    response = Client().post(
        "/api/imports/demands",
        {"file": SimpleUploadedFile("list.xlsx", data), "list_name": "API导入清单"},
        HTTP_AUTHORIZATION=f"Bearer {token_for(office)}",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] == 1 and body["demand_list_id"]
    assert Demand.objects.get(pk=body["demand_ids"][0]).title == "API导入的场景"


def test_api_import_reports_row_errors_and_writes_nothing(office):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = Demand.objects.count()
    data = _workbook(
        [
            [1, "好的一行", "某单位", "医疗", "姑苏区", "描述"],
            [2, "坏的一行", "某单位", "航天", "姑苏区", "描述"],
        ]
    )
    response = Client().post(
        "/api/imports/demands",
        {"file": SimpleUploadedFile("l.xlsx", data)},
        HTTP_AUTHORIZATION=f"Bearer {token_for(office)}",
    )
    assert response.status_code == 400
    assert "第 3 行" in response.json()["errors"]
    assert Demand.objects.count() == before


def test_supplier_cannot_import(supplier):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _workbook([[1, "x", "某单位", "医疗", "姑苏区", "描述"]])
    response = Client().post(
        "/api/imports/demands",
        {"file": SimpleUploadedFile("l.xlsx", data)},
        HTTP_AUTHORIZATION=f"Bearer {token_for(supplier)}",
    )
    assert response.status_code == 403


def test_published_list_exports_as_xlsx_and_pdf_without_contacts_for_public(demander, office):
    demand = make_demand(
        demander, status=DemandStatus.PUBLISHED, office=office, contact_phone="0512-99999999"
    )
    demand_list = services.create_demand_list(actor=office, data={"name": "导出清单", "year": 2026})
    services.add_to_list(actor=office, demand_list=demand_list, demands=[demand])
    services.publish_demand_list(actor=office, demand_list=demand_list)
    xlsx = Client().get(f"/api/demand-lists/{demand_list.pk}/export?format=xlsx")
    assert xlsx.status_code == 200
    import io as _io

    from openpyxl import load_workbook

    cells = [
        str(c)
        for row in load_workbook(_io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert demand.title in cells
    assert "0512-99999999" not in cells
    pdf = Client().get(f"/api/demand-lists/{demand_list.pk}/export?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert Client().get(f"/api/demand-lists/{demand_list.pk}/export?format=doc").status_code == 422
