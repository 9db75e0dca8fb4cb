"""Enterprise profiles and what they qualify for: the facts vocabulary, saving and verifying
profiles, evaluating facts through the API (amounts, traces, questions), the enterprises a
measure would pay and the office's notices (免申即享), and the pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, include, path, reverse

from aiplus import urls as root_urls
from aiplus.accounts.choices import Role
from aiplus.core.errors import Conflict, PermissionDenied, ServiceError
from aiplus.core.models import AuditEntry
from aiplus.policies import facts as vocabulary
from aiplus.policies import services, urls_profile
from aiplus.policies.models import EnterpriseProfile, Measure, Notice, ProfileEvidence

from ..apiclient import api_as

ON = dt.date(2026, 6, 30)
RENTAL = "js003-02-1-compute-rental"
RENTAL_FACTS = {
    "registered_city": "苏州",
    "roles": ["科技研发企业"],
    "contracts": [
        {"kind": "compute_rental", "amount": 1200000, "date": "2026-03-01", "related_party": False}
    ],
}


# --- URLs: the `policies` namespace is wired by urls.py; until it includes urls_profile, the
# tests use this module as the URL conf (the documents' patterns plus the profile ones) -----


def _policies_patterns() -> list:
    try:
        from aiplus.policies import urls as documents_urls

        patterns = list(documents_urls.urlpatterns)
    except ImportError:
        patterns = []
    return [*patterns, *urls_profile.urlpatterns]


urlpatterns = [
    path("", include((_policies_patterns(), "policies"))),
    *[p for p in root_urls.urlpatterns if getattr(p, "namespace", None) != "policies"],
]


@pytest.fixture(autouse=True)
def _urls(settings):
    try:
        reverse("policies:profile")
    except NoReverseMatch:
        settings.ROOT_URLCONF = __name__


@pytest.fixture(autouse=True)
def _fresh_rules():
    services.clear_cache()


# --- helpers --------------------------------------------------------------------------------


def rental(amount: int, **facts) -> dict:
    return {
        **RENTAL_FACTS,
        "contracts": [{**RENTAL_FACTS["contracts"][0], "amount": amount}],
        **facts,
    }


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the facts vocabulary -------------------------------------------------------------------


def test_clean_facts_normalises_values():
    facts, errors = vocabulary.clean(
        {
            "registered_city": " 苏州 ",
            "size": "小型",
            "roles": "科技研发企业、算力供给方",
            "opc_member": "是",
            "contracts": [
                {
                    "kind": "compute_rental",
                    "amount": "1,200,000",
                    "date": dt.date(2026, 3, 1),
                    "related_party": "false",
                },
                {},
            ],
            "grants": [{"rule": "compute-rental", "year": "2026", "amount": 500000.5}],
            "filings": [],
        },
        areas=None,
    )
    assert errors == {}
    assert facts == {
        "registered_city": "苏州",
        "size": "small",
        "roles": ["科技研发企业", "算力供给方"],
        "opc_member": True,
        "contracts": [
            {
                "kind": "compute_rental",
                "amount": 1200000,
                "date": "2026-03-01",
                "related_party": False,
            }
        ],
        "filings": [],  # an answer: none
        "grants": [{"rule": "compute-rental", "year": 2026, "amount": 500000.5}],
    }


def test_unknown_key_is_refused_with_the_known_ones():
    _, errors = vocabulary.clean({"registered_city": "苏州", "revenue": 100}, areas=None)
    assert list(errors) == ["revenue"]
    assert "未知的企业信息项“revenue”" in errors["revenue"]
    assert "registered_city" in errors["revenue"]
    _, errors = vocabulary.clean(
        {"contracts": [{"kind": "compute_rental", "price": 1}]}, areas=None
    )
    assert "未知字段：price" in errors["contracts.0"]


def test_bad_date_negative_amount_and_bad_choices_are_named():
    _, errors = vocabulary.clean(
        {
            "size": "huge",
            "roles": ["科技研发企业", "外星企业"],
            "opc_member": "maybe",
            "contracts": [
                {"kind": "compute_rental", "amount": -5, "date": "2026-13-01"},
                {"kind": "lease", "amount": "abc", "date": "2026/03/01"},
            ],
            "grants": [{"year": 1800}],
            "honours": "数据要素×大赛",
        },
        areas=None,
    )
    assert "负数" in errors["contracts.0.amount"]
    assert "合同第 1 条" in errors["contracts.0.amount"]
    assert "YYYY-MM-DD" in errors["contracts.0.date"]
    assert "YYYY-MM-DD" in errors["contracts.1.date"]
    assert "不是数字" in errors["contracts.1.amount"]
    assert "不是可选值" in errors["contracts.1.kind"]
    assert "外星企业" in errors["roles"]
    assert set(errors) >= {"size", "opc_member", "grants.0.year", "honours"}
    with pytest.raises(ServiceError) as exc:
        vocabulary.validated({"contracts": [{"amount": -1}]}, areas=None)
    assert exc.value.errors["contracts.0.amount"]


@pytest.mark.django_db
def test_area_is_checked_against_the_city_pack(citypack):
    assert vocabulary.clean({"area": "sip"})[1] == {}
    assert "未知的板块代码" in vocabulary.clean({"area": "atlantis"})[1]["area"]


def test_vocabulary_covers_every_rule_and_its_test_facts():
    """Every fact, item field and `where` value the Suzhou rules use is in the vocabulary, and
    the facts of every YAML test case validate."""
    from .test_rule_cases import RULES

    for rule in RULES:
        for cond in rule.conditions:
            fact = vocabulary.BY_NAME[cond.fact]
            if fact.choices and cond.op in ("has", "has_any", "eq"):
                wanted = cond.value if isinstance(cond.value, list) else [cond.value]
                assert set(wanted) <= set(fact.values), (rule.id, cond.fact, cond.value)
        if rule.claims:
            fact = vocabulary.BY_NAME[rule.claims.source]
            assert fact.is_list, rule.id
            for key, want in rule.claims.where:
                spec = fact.item_field(key)
                assert spec is not None, (rule.id, key)
                values = want if isinstance(want, list) else [want]
                if spec.choices:
                    assert set(values) <= set(spec.values), (rule.id, key, want)
            for name in (rule.amount.base, rule.amount.lookup_field) if rule.amount else ():
                if name:
                    assert fact.item_field(name) is not None, (rule.id, name)
        for case in rule.tests:
            _, errors = vocabulary.clean(case.get("facts") or {}, areas=None)
            assert errors == {}, (rule.id, case.get("name"), errors)


# --- saving and verifying profiles ----------------------------------------------------------


@pytest.mark.django_db
def test_members_save_their_own_profile_only(demander, other_demander, pending_demander):
    profile = services.save_profile(
        actor=demander, organisation=demander.organisation, facts=RENTAL_FACTS
    )
    assert profile.facts["contracts"][0]["amount"] == 1200000
    assert not profile.verified
    entry = AuditEntry.objects.get(action="policies.profile.save")
    assert entry.after["facts"]["roles"] == ["科技研发企业"]
    with pytest.raises(PermissionDenied):
        services.save_profile(
            actor=other_demander, organisation=demander.organisation, facts=RENTAL_FACTS
        )
    with pytest.raises(PermissionDenied):
        services.save_profile(
            actor=pending_demander, organisation=pending_demander.organisation, facts={}
        )
    with pytest.raises(ServiceError) as exc:
        services.save_profile(
            actor=demander, organisation=demander.organisation, facts={"revenue": 1}
        )
    assert "revenue" in exc.value.errors
    assert EnterpriseProfile.objects.get().facts == profile.facts


@pytest.mark.django_db
def test_office_verifies_and_a_change_of_facts_withdraws_it(office, demander, supplier):
    org = demander.organisation
    profile = services.save_profile(actor=demander, organisation=org, facts=RENTAL_FACTS)
    with pytest.raises(PermissionDenied):
        services.verify_profile(actor=demander, profile=profile)
    with pytest.raises(PermissionDenied):
        services.verify_profile(actor=supplier, profile=profile)
    profile = services.verify_profile(actor=office, profile=profile)
    assert profile.verified and profile.verified_by == office and profile.verified_at
    with pytest.raises(Conflict):
        services.verify_profile(actor=office, profile=profile)
    # saving the same facts keeps the verification; other facts withdraw it
    assert services.save_profile(actor=demander, organisation=org, facts=RENTAL_FACTS).verified
    profile = services.save_profile(actor=demander, organisation=org, facts=rental(900000))
    assert not profile.verified and profile.verified_by is None
    # the office may correct an enterprise's facts
    profile = services.save_profile(actor=office, organisation=org, facts=RENTAL_FACTS)
    assert profile.updated_by == office
    empty = services.save_profile(actor=supplier, organisation=supplier.organisation, facts={})
    with pytest.raises(ServiceError, match="尚未填写"):
        services.verify_profile(actor=office, profile=empty)
    assert AuditEntry.objects.filter(action="policies.profile.verify").count() == 1


@pytest.mark.django_db
def test_evidence_type_and_size_are_checked(demander, other_demander, office, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    org = demander.organisation
    good = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    evidence = services.add_evidence(actor=demander, organisation=org, upload=good)
    assert evidence.size == len(b"%PDF-1.4 test") and evidence.profile.organisation == org
    with pytest.raises(ServiceError, match="不支持的文件类型"):
        services.add_evidence(
            actor=demander, organisation=org, upload=SimpleUploadedFile("x.exe", b"MZ")
        )
    with pytest.raises(ServiceError, match="文件为空"):
        services.add_evidence(
            actor=demander, organisation=org, upload=SimpleUploadedFile("x.pdf", b"")
        )
    with pytest.raises(PermissionDenied):
        services.add_evidence(
            actor=other_demander, organisation=org, upload=SimpleUploadedFile("y.pdf", b"1")
        )
    services.add_evidence(actor=office, organisation=org, upload=SimpleUploadedFile("z.png", b"1"))
    assert ProfileEvidence.objects.count() == 2


# --- evaluating through the API -------------------------------------------------------------


@pytest.mark.django_db
def test_evaluate_compute_rental_with_trace(citypack):
    response = api_as().post("/api/policies/evaluate", {"facts": RENTAL_FACTS, "on": str(ON)})
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["results"]) == Measure.objects.count() == 36
    result = next(r for r in body["results"] if r["rule"] == RENTAL)
    assert result["status"] == "eligible"
    assert Decimal(result["amount"]) == Decimal("360000")
    assert result["up_to"] is False
    texts = [s["text"] for s in result["steps"]]
    assert "✓ 在苏州市注册（苏州）" in texts
    assert "✓ 科技研发企业（科技研发企业）" in texts
    assert any("30% × 1,200,000 = 360,000 元" in t for t in texts), texts
    assert Decimal(body["total"]) >= Decimal("360000")
    assert body["on"] == str(ON)


@pytest.mark.django_db
def test_a_missing_fact_asks_its_question(citypack):
    facts = {k: v for k, v in RENTAL_FACTS.items() if k != "roles"}
    body = api_as().post("/api/policies/evaluate", {"facts": facts, "on": str(ON)}).json()
    result = next(r for r in body["results"] if r["rule"] == RENTAL)
    assert result["status"] == "needs_info"
    assert result["needs"] == ["企业是否为科技研发企业？"]
    assert "企业是否为科技研发企业？" in body["questions"]
    assert Decimal(result["amount"]) == 0


@pytest.mark.django_db
def test_evaluate_api_applies_annual_cap_dates_of_force_and_highest_only(citypack):
    """The issue's cases through `POST /api/policies/evaluate` on the real city pack."""
    contracts = [
        {"kind": "compute_rental", "amount": 4_000_000, "date": d, "related_party": False}
        for d in ("2026-03-01", "2026-09-01", "2027-02-01")  # the last after 2027-01-30
    ]
    facts = {
        "registered_city": "苏州",
        "roles": ["科技研发企业", "小微企业"],
        "opc_member": True,
        "contracts": contracts,
    }
    body = api_as().post("/api/policies/evaluate", {"facts": facts, "on": "2027-01-30"}).json()
    by_rule = {r["rule"]: r for r in body["results"]}
    rental_ = by_rule[RENTAL]
    texts = " ".join(s["text"] for s in rental_["steps"])
    # two claims of 2026 (1.2m each) meet the annual cap; the 2027 contract is out of force
    assert rental_["status"] == "eligible" and Decimal(rental_["amount"]) == 2_000_000, texts
    assert "2026 年度上限 2,000,000 元：2,400,000 → 2,000,000 元" in texts
    assert "不在政策有效期" in texts
    # the OPC compute voucher shares the group: only the higher (the rental subsidy) counts
    voucher = by_rule["js003-09-3-opc-compute-voucher"]
    assert voucher["status"] == "excluded"
    assert any("就高不重复" in s["text"] for s in voucher["steps"])
    assert Decimal(body["total"]) == sum(
        Decimal(r["amount"]) for r in body["results"] if r["status"] == "eligible"
    )


@pytest.mark.django_db
def test_evaluate_refuses_bad_facts_in_chinese(citypack):
    api = api_as()
    response = api.post("/api/policies/evaluate", {"facts": {"revenue": 1}})
    assert response.status_code == 400
    assert response.json()["message"] == vocabulary.INVALID
    assert "未知的企业信息项" in response.json()["errors"]["revenue"]
    bad = rental(-1)
    bad["contracts"][0]["date"] = "2026-02-30"
    errors = api.post("/api/policies/evaluate", {"facts": bad}).json()["errors"]
    assert "负数" in errors["contracts.0.amount"] and "有效日期" in errors["contracts.0.date"]
    assert api.post("/api/policies/evaluate", {"facts": [1, 2]}).status_code == 422
    assert api.post("/api/policies/evaluate", {"facts": {}, "on": "soon"}).status_code == 422


@pytest.mark.django_db
def test_measures_api_lists_and_describes(citypack):
    api = api_as()
    body = api.get("/api/policies/measures", {"limit": 5}).json()
    assert body["count"] == 36 and len(body["items"]) == 5
    subsidies = api.get("/api/policies/measures", {"instrument": "补贴"}).json()
    assert subsidies["count"] and all(m["instrument"] == "补贴" for m in subsidies["items"])
    detail = api.get(f"/api/policies/measures/{RENTAL}").json()
    assert "30%" in detail["clause"]
    assert [c["label"] for c in detail["conditions"]] == ["在苏州市注册", "科技研发企业"]
    assert any(v["value"] == "30%" for p in detail["parameters"] for v in p["values"])
    assert "合同" in detail["claims"]
    assert api.get("/api/policies/measures/no-such-rule").status_code == 404


@pytest.mark.django_db
def test_profile_api_reads_and_writes_own_organisation(demander, pending_demander):
    api = api_as(demander)
    body = api.get("/api/policies/profile").json()
    assert body["facts"] == {} and body["organisation"]["name"] == demander.organisation.name
    response = api.put("/api/policies/profile", {"facts": RENTAL_FACTS})
    assert response.status_code == 200, response.content
    assert response.json()["facts"]["roles"] == ["科技研发企业"]
    assert api.put("/api/policies/profile", {"facts": {"x": 1}}).status_code == 400
    assert api_as().get("/api/policies/profile").status_code == 401
    assert api_as(pending_demander).get("/api/policies/profile").status_code == 403


# --- qualifying enterprises and notices -----------------------------------------------------


@pytest.fixture
def enterprises(office, demander, other_demander, supplier):
    """demander: verified, 1,200,000 of rental; other_demander: unverified, 2,000,000;
    supplier: not a research enterprise."""
    a = services.save_profile(
        actor=demander, organisation=demander.organisation, facts=rental(1200000)
    )
    services.verify_profile(actor=office, profile=a)
    services.save_profile(
        actor=other_demander, organisation=other_demander.organisation, facts=rental(2000000)
    )
    services.save_profile(
        actor=supplier,
        organisation=supplier.organisation,
        facts=rental(5000000, roles=["人工智能企业"]),
    )
    return Measure.objects.get(rule_id=RENTAL)


@pytest.mark.django_db
def test_qualifying_lists_eligible_enterprises_with_amounts(
    enterprises, office, demander, other_demander
):
    result = services.qualifying(enterprises, on=ON, actor=office)
    assert [(q.organisation, q.amount, q.verified) for q in result.rows] == [
        (other_demander.organisation, Decimal("600000.00"), False),
        (demander.organisation, Decimal("360000.00"), True),
    ]
    assert result.total == Decimal("960000") and result.verified_total == Decimal("360000")
    with pytest.raises(PermissionDenied):
        services.qualifying(enterprises, on=ON, actor=demander)


@pytest.mark.django_db
def test_push_notices_only_to_verified_and_only_once(enterprises, office, demander, other_demander):
    with pytest.raises(PermissionDenied):
        services.push_notices(actor=demander, measure=enterprises, on=ON)
    created = services.push_notices(actor=office, measure=enterprises, on=ON)
    assert [n.organisation for n in created] == [demander.organisation]
    notice = created[0]
    assert notice.amount == Decimal("360000") and "免申即享" in notice.message
    assert services.push_notices(actor=office, measure=enterprises, on=ON) == []
    # once verified, the other enterprise is told too; the first is not told twice
    profile = EnterpriseProfile.objects.get(organisation=other_demander.organisation)
    services.verify_profile(actor=office, profile=profile)
    again = services.push_notices(actor=office, measure=enterprises, on=ON)
    assert [n.organisation for n in again] == [other_demander.organisation]
    assert Notice.objects.count() == 2
    manual = Measure.objects.exclude(manual="").first()
    with pytest.raises(ServiceError, match="评审认定"):
        services.push_notices(actor=office, measure=manual, on=ON)
    assert services.mark_notices_read(actor=demander) == 1
    assert Notice.objects.get(organisation=demander.organisation).read_at is not None


@pytest.mark.django_db
def test_qualifying_and_notices_api_are_for_the_office(enterprises, office, demander):
    url = f"/api/policies/measures/{RENTAL}"
    assert api_as(demander).get(f"{url}/qualifying", {"on": str(ON)}).status_code == 403
    assert api_as(demander).post(f"{url}/notices", {"on": str(ON)}).status_code == 403
    api = api_as(office)
    body = api.get(f"{url}/qualifying", {"on": str(ON)}).json()
    assert body["count"] == 2 and Decimal(body["total"]) == Decimal("960000")
    pushed = api.post(f"{url}/notices", {"on": str(ON)}).json()
    assert pushed["created"] == 1
    assert pushed["items"][0]["organisation"]["id"] == demander.organisation_id
    assert api.post(f"{url}/notices", {"on": str(ON)}).json()["created"] == 0
    notices = api_as(demander).get("/api/policies/notices").json()
    assert notices["count"] == 1 and Decimal(notices["items"][0]["amount"]) == 360000


@pytest.mark.django_db
def test_rules_are_cached_until_the_measures_change(citypack):
    first = services.rules()
    assert len(first) == 36
    assert services.rules() is first
    measure = Measure.objects.get(rule_id=RENTAL)
    original = measure.spec
    measure.spec = {**original, "title": "改过的标题"}
    measure.save()
    assert services.rule_of(measure).title == "改过的标题"
    measure.spec = original  # the test's transaction is rolled back; the cache is not
    measure.save()
    assert services.rule_of(measure).title != "改过的标题"


@pytest.mark.django_db
def test_rules_are_parsed_again_when_another_process_edits_a_measure(citypack):
    """An edit without this process's signals (a pack reload elsewhere: a queryset update
    here) still reaches the cache through the measures' latest change time."""
    import datetime as dt

    from django.utils import timezone

    services.rules()
    measure = Measure.objects.get(rule_id=RENTAL)
    original = measure.spec
    later = timezone.now() + dt.timedelta(seconds=5)
    Measure.objects.filter(pk=measure.pk).update(
        spec={**original, "title": "别处改过的标题"}, updated_at=later
    )
    assert services.rule_of(measure).title == "别处改过的标题"
    Measure.objects.filter(pk=measure.pk).update(spec=original, updated_at=later + later.resolution)
    assert services.rule_of(measure).title != "别处改过的标题"


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["demander", "supplier", "office"])
def test_pages_render_for_members(request, enterprises, who):
    user = request.getfixturevalue(who)
    client = browser(user)
    for name in ("policies:profile", "policies:qualify", "policies:notices"):
        response = client.get(reverse(name))
        assert response.status_code == 200, (name, response.status_code)
    html = client.get(reverse("policies:qualify"), {"on": str(ON)}).content.decode()
    assert "可享受的支持" in html
    detail = client.get(reverse("policies:measure", args=[RENTAL]), {"on": str(ON)})
    assert detail.status_code == 200
    assert ("推送通知（免申即享）" in detail.content.decode()) == (user.role == Role.OFFICE)


@pytest.mark.django_db
def test_qualify_page_shows_amount_trace_and_questions(enterprises, demander):
    html = browser(demander).get(reverse("policies:qualify"), {"on": str(ON)}).content.decode()
    assert "智能算力租用补贴" in html
    assert "36万元" in html
    assert "30% × 1,200,000 = 360,000 元" in html
    assert "回答这些问题" in html and "企业是否获授市级人才计划自主认定权？" in html
    assert "需评审认定" in html


@pytest.mark.django_db
def test_profile_form_saves_rows(demander):
    client = browser(demander)
    data = {
        "action": "save",
        "registered_city": "苏州",
        "area": "sip",
        "size": "small",
        "roles": ["科技研发企业"],
        "opc_member": "false",
        "contracts-rows": "3",
        "contracts-0-kind": "compute_rental",
        "contracts-0-amount": "1,200,000",
        "contracts-0-date": "2026-03-01",
        "contracts-0-related_party": "false",
        "contracts-1-kind": "",
        "qualifications-none": "1",
        "filings-rows": "2",
        "filings-none": "1",
        "honours-rows": "2",
    }
    response = client.post(reverse("policies:profile"), data)
    assert response.status_code == 302
    facts = EnterpriseProfile.objects.get(organisation=demander.organisation).facts
    assert facts == {
        "registered_city": "苏州",
        "area": "sip",
        "size": "small",
        "roles": ["科技研发企业"],
        "qualifications": [],
        "opc_member": False,
        "contracts": [
            {
                "kind": "compute_rental",
                "amount": 1200000,
                "date": "2026-03-01",
                "related_party": False,
            }
        ],
        "filings": [],
    }
    data["contracts-0-amount"] = "-3"
    response = client.post(reverse("policies:profile"), data)
    assert response.status_code == 200
    assert "金额不能为负数" in response.content.decode()
    assert EnterpriseProfile.objects.get().facts["contracts"][0]["amount"] == 1200000


@pytest.mark.django_db
def test_office_verifies_and_pushes_from_the_pages(enterprises, office, demander, settings):
    client = browser(office)
    org = demander.organisation
    profile = EnterpriseProfile.objects.get(organisation=org)
    services.save_profile(actor=office, organisation=org, facts=profile.facts)
    overview = client.get(reverse("policies:profile")).content.decode()
    assert "各单位企业信息" in overview and org.name in overview and "2 家待核验" in overview
    html = client.get(reverse("policies:profile"), {"org": org.pk}).content.decode()
    assert org.name in html and "核验通过" not in html  # still verified: same facts
    response = client.post(reverse("policies:profile") + f"?org={org.pk}", {"action": "unverify"})
    assert response.status_code == 302
    assert not EnterpriseProfile.objects.get(organisation=org).verified
    client.post(reverse("policies:profile") + f"?org={org.pk}", {"action": "verify"})
    assert EnterpriseProfile.objects.get(organisation=org).verified
    url = reverse("policies:measure", args=[RENTAL])
    assert client.post(url + f"?on={ON}").status_code == 302
    assert Notice.objects.filter(organisation=org).count() == 1
    client.post(url + f"?on={ON}")
    assert Notice.objects.count() == 1
    html = browser(demander).get(reverse("policies:notices")).content.decode()
    assert "智能算力租用补贴" in html and "免申即享" in html
    # members of other organisations cannot push
    browser(demander).post(url)
    assert Notice.objects.count() == 1


@pytest.mark.django_db
def test_evidence_upload_and_download(demander, other_demander, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = browser(demander)
    upload = io.BytesIO(b"%PDF-1.4 contract")
    upload.name = "合同.pdf"
    response = client.post(reverse("policies:profile"), {"action": "evidence", "file": upload})
    assert response.status_code == 302
    evidence = ProfileEvidence.objects.get()
    url = reverse("policies:profile_evidence", args=[evidence.pk])
    assert client.get(url).status_code == 200
    assert browser(other_demander).get(url).status_code == 404


@pytest.mark.django_db
def test_measure_pages_are_public(citypack):
    client = Client()
    html = client.get(reverse("policies:measure_list")).content.decode()
    assert "智能算力租用补贴" in html or "共 36 条" in html
    filtered = client.get(reverse("policies:measure_list"), {"instrument": "补贴"})
    assert filtered.status_code == 200
    detail = client.get(reverse("policies:measure", args=[RENTAL])).content.decode()
    assert "在苏州市注册" in detail and "30%" in detail
    assert "推送通知" not in detail
    assert client.get(reverse("policies:measure", args=["nope"])).status_code == 404


@pytest.mark.django_db
def test_anonymous_and_pending_users_are_sent_away(citypack, pending_demander):
    client = Client()
    for name in ("policies:profile", "policies:qualify", "policies:notices"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    pending = browser(pending_demander)
    for name in ("policies:profile", "policies:qualify", "policies:notices"):
        assert pending.get(reverse(name)).status_code == 302
