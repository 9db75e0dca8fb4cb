"""The accounts API: tokens and their throttling, registration, review, /api/me."""

from __future__ import annotations

import re

from django.test import Client

from aiplus.accounts.choices import OrgStatus
from aiplus.accounts.models import ApiToken, Organisation, User
from aiplus.core.models import Area, AuditEntry

from .factories import PASSWORD

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def post(path, data, token: str | None = None, **extra):
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client().post(path, data, content_type="application/json", **extra)


def get(path, token: str | None = None, params=None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().get(path, params or {}, **extra)


def token(username: str, password: str = PASSWORD, name: str | None = None, **extra):
    data = {"username": username, "password": password}
    if name is not None:
        data["name"] = name
    return post("/api/auth/token", data, **extra)


def token_for(user) -> str:
    response = token(user.username)
    assert response.status_code == 201, response.content
    return response.json()["token"]


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"message", "errors"}
    assert CHINESE.search(body["message"]), body
    return body


def registration(**overrides) -> dict:
    data = {
        "name": "苏州某智能科技有限公司",
        "kind": "supplier",
        "username": "newcomer",
        "password": "Strong-pass-2026!",
        "display_name": "李经理",
        "email": "li@example.com",
        "credit_code": "91320594MA1XXXXX0X",
        "area_id": Area.objects.get(code="sip").pk,
        "description": "工业视觉",
    }
    data.update(overrides)
    return data


# --- tokens ----------------------------------------------------------------------------------


def test_token_creation(demander):
    response = token("demander", name="cli")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "demander"
    assert body["role"] == "demander"
    raw = body["token"]
    assert len(raw) >= 32
    stored = ApiToken.objects.get(user=demander)
    assert stored.name == "cli"
    assert stored.digest == ApiToken.hash(raw) and raw not in stored.digest
    (event,) = AuditEntry.objects.filter(action="token.issue")
    assert event.actor == demander and raw not in event.summary  # only the prefix is kept

    assert get("/api/me", raw).status_code == 200


def test_wrong_password_and_bad_input(demander):
    assert_error(token("demander", "wrong-password"), 400)
    assert_error(token("nobody"), 400)
    assert_error(post("/api/auth/token", {"username": "demander"}), 422)
    assert_error(post("/api/auth/token", {"username": "", "password": "x"}), 422)
    assert_error(post("/api/auth/token", {"username": ["demander"], "password": PASSWORD}), 422)
    assert not ApiToken.objects.exists()


def test_token_creation_is_throttled_after_repeated_failures(demander, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert_error(token("demander", "wrong-password"), 400)
    # Even the right password is now refused, with a message saying why.
    body = assert_error(token("demander"), 403)
    assert "次数过多" in body["message"]
    assert not ApiToken.objects.exists()


def test_throttling_also_counts_by_address(demander, other_demander, settings):
    for n in range(settings.LOGIN_MAX_FAILURES):
        assert_error(token(f"guess{n}", "x", REMOTE_ADDR="203.0.113.9"), 400)
    assert_error(token("other_demander", REMOTE_ADDR="203.0.113.9"), 403)
    # Another address is not affected.
    assert token("other_demander", REMOTE_ADDR="198.51.100.1").status_code == 201


def test_inactive_user_gets_no_token_and_its_token_stops_working(demander):
    raw = token_for(demander)
    User.objects.filter(pk=demander.pk).update(is_active=False)
    assert_error(get("/api/me", raw), 401)
    assert_error(token("demander"), 400)


# --- /api/me ---------------------------------------------------------------------------------


def test_me(office, supplier):
    assert_error(get("/api/me"), 401)
    assert_error(get("/api/me", "bogus-token"), 401)

    me = get("/api/me", token_for(supplier)).json()
    assert me["username"] == "supplier"
    assert me["role"] == "supplier"
    assert me["organisation"]["id"] == supplier.organisation_id
    assert me["organisation"]["status"] == "approved"

    assert get("/api/me", token_for(office)).json()["role"] == "office"


def test_me_of_a_pending_member_has_no_role(pending_demander):
    me = get("/api/me", token_for(pending_demander)).json()
    assert me["role"] is None
    assert me["organisation"]["status"] == "pending"


# --- registration and review -----------------------------------------------------------------


def test_register_organisation_then_office_approves(office):
    response = post("/api/organisations/register", registration())
    assert response.status_code == 201, response.content
    org = response.json()
    assert org["status"] == "pending"
    assert org["kind"] == "supplier"
    user = User.objects.get(username="newcomer")
    assert user.organisation_id == org["id"] and user.role is None

    # The public directory does not list a pending organisation.
    public_ids = [o["id"] for o in get("/api/organisations").json()["items"]]
    assert org["id"] not in public_ids
    office_token = token_for(office)

    newcomer_token = token("newcomer", "Strong-pass-2026!").json()["token"]
    assert get("/api/me", newcomer_token).json()["role"] is None

    reviewed = post(
        f"/api/organisations/{org['id']}/review",
        {"approve": True, "note": "材料齐全"},
        office_token,
    )
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["status"] == "approved"
    assert get("/api/me", newcomer_token).json()["role"] == "supplier"
    assert org["id"] in [o["id"] for o in get("/api/organisations").json()["items"]]

    # Reviewing twice is refused.
    assert_error(
        post(f"/api/organisations/{org['id']}/review", {"approve": False}, office_token), 400
    )


def test_office_lists_pending_organisations_with_a_token(office):
    org = post("/api/organisations/register", registration()).json()
    pending = get("/api/organisations", token_for(office), {"status": "pending"}).json()
    assert [o["id"] for o in pending["items"]] == [org["id"]]


def test_office_rejects(office):
    org = post("/api/organisations/register", registration()).json()
    response = post(
        f"/api/organisations/{org['id']}/review",
        {"approve": False, "note": "信息不全"},
        token_for(office),
    )
    assert response.json()["status"] == "rejected"
    assert Organisation.objects.get(pk=org["id"]).review_note == "信息不全"


def test_non_office_review_is_refused(demander, supplier):
    org = post("/api/organisations/register", registration()).json()
    for user in (demander, supplier):
        assert_error(
            post(f"/api/organisations/{org['id']}/review", {"approve": True}, token_for(user)), 403
        )
    assert_error(post(f"/api/organisations/{org['id']}/review", {"approve": True}), 401)
    assert Organisation.objects.get(pk=org["id"]).status == OrgStatus.PENDING


def test_review_input_errors(office):
    office_token = token_for(office)
    assert_error(post("/api/organisations/999999/review", {"approve": True}, office_token), 404)
    org = post("/api/organisations/register", registration()).json()
    assert_error(
        post(f"/api/organisations/{org['id']}/review", {"approve": "perhaps"}, office_token), 422
    )


def test_registration_errors(citypack):
    body = assert_error(post("/api/organisations/register", registration(kind="office")), 400)
    assert "kind" in body["errors"]
    body = assert_error(post("/api/organisations/register", registration(password="123")), 400)
    assert "password" in body["errors"]
    body = assert_error(post("/api/organisations/register", registration(area_id=999999)), 400)
    assert body["errors"]
    assert_error(post("/api/organisations/register", registration(area_id="sip")), 422)
    assert_error(post("/api/organisations/register", {"name": "缺字段"}), 422)
    assert not Organisation.objects.exists()

    assert post("/api/organisations/register", registration()).status_code == 201
    body = assert_error(post("/api/organisations/register", registration(username="second")), 400)
    assert "name" in body["errors"]
