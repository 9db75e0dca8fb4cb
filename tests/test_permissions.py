"""Who may do and see what: the demand lifecycle per role, editing, contacts, visibility, and
who gets in at all (registration review, login throttling, API tokens)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from aiplus.accounts import services as accounts
from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import ApiToken, LoginAttempt
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.models import Area
from aiplus.scenarios import permissions, services
from aiplus.scenarios.choices import DemandStatus as S
from aiplus.scenarios.choices import Visibility

from .factories import PASSWORD, make_demand, make_user, sign_checklist

pytestmark = pytest.mark.django_db

ROLES = [
    "office",
    "district_same_area",
    "district_other_area",
    "owner",
    "other_demander",
    "supplier",
    "pending",
    "anonymous",
]


@pytest.fixture
def actors(office, demander, other_demander, supplier, district_officer, pending_demander):
    """One user per role; `owner` owns the demands made in these tests (in 苏州工业园区)."""
    return {
        "office": office,
        "district_same_area": district_officer,
        "district_other_area": make_user(Role.DISTRICT, area=Area.objects.get(code="gusu")),
        "owner": demander,
        "other_demander": other_demander,
        "supplier": supplier,
        "pending": pending_demander,
        "anonymous": AnonymousUser(),
    }


def demand_in(status, actors, **overrides):
    return make_demand(actors["owner"], status=status, office=actors["office"], **overrides)


# --- lifecycle: each move, each role -----------------------------------------------------------

MOVES = [
    # action, from, to, roles that may make it
    ("submit", S.DRAFT, S.SUBMITTED, {"owner"}),
    ("resubmit", S.RETURNED, S.SUBMITTED, {"owner"}),
    ("start_review", S.SUBMITTED, S.IN_REVIEW, {"office", "district_same_area"}),
    ("return_submitted", S.SUBMITTED, S.RETURNED, {"office", "district_same_area"}),
    ("return_in_review", S.IN_REVIEW, S.RETURNED, {"office", "district_same_area"}),
    ("publish", S.IN_REVIEW, S.PUBLISHED, {"office"}),
    ("in_talks", S.PUBLISHED, S.IN_TALKS, {"owner", "office"}),
    ("pilot", S.IN_TALKS, S.PILOT, {"owner", "office"}),
    ("deployed", S.PILOT, S.DEPLOYED, {"owner", "office"}),
    ("promoted", S.DEPLOYED, S.PROMOTED, {"office"}),
    ("close", S.PUBLISHED, S.CLOSED, {"owner", "office"}),
]


def _at(status, actors):
    if status == S.RETURNED:
        demand = demand_in(S.SUBMITTED, actors)
        return services.transition_demand(
            actor=actors["office"], demand=demand, to_status=S.RETURNED, note="请补充数据说明"
        )
    demand = demand_in(status, actors)
    # the next move needs its risk checklist signed (see tests/governance for the gate itself)
    if stage := {S.IN_TALKS: "pilot", S.PILOT: "deployment"}.get(status):
        sign_checklist(demand, stage, actor=actors["owner"])
    return demand


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("action", "current", "target", "allowed"), MOVES, ids=[m[0] for m in MOVES]
)
def test_lifecycle_move_is_allowed_only_for_its_roles(
    actors, role, action, current, target, allowed
):
    demand = _at(current, actors)
    if role in allowed:
        moved = services.transition_demand(
            actor=actors[role], demand=demand, to_status=target, note="理由说明"
        )
        assert moved.status == target
    else:
        with pytest.raises(PermissionDenied):
            services.transition_demand(
                actor=actors[role], demand=demand, to_status=target, note="理由说明"
            )
        demand.refresh_from_db()
        assert demand.status == current


@pytest.mark.parametrize("current", [S.SUBMITTED, S.IN_REVIEW])
def test_returning_a_demand_needs_a_note(actors, current):
    demand = demand_in(current, actors)
    with pytest.raises(ServiceError) as exc:
        services.transition_demand(actor=actors["office"], demand=demand, to_status=S.RETURNED)
    assert "note" in exc.value.errors
    demand.refresh_from_db()
    assert demand.status == current


def test_closing_a_published_demand_needs_a_note(actors):
    demand = demand_in(S.PUBLISHED, actors)
    with pytest.raises(ServiceError):
        services.transition_demand(
            actor=actors["owner"], demand=demand, to_status=S.CLOSED, note="   "
        )


def test_the_return_note_is_kept_for_the_demander(actors):
    demand = demand_in(S.SUBMITTED, actors)
    returned = services.transition_demand(
        actor=actors["district_same_area"],
        demand=demand,
        to_status=S.RETURNED,
        note="预算区间不合理",
    )
    assert returned.review_note == "预算区间不合理"


def test_the_office_still_cannot_skip_review(actors):
    from aiplus.core.errors import Conflict

    demand = demand_in(S.SUBMITTED, actors)
    with pytest.raises(Conflict):
        services.transition_demand(actor=actors["office"], demand=demand, to_status=S.PUBLISHED)


def test_a_closed_demand_cannot_be_reopened(actors):
    from aiplus.core.errors import Conflict

    demand = services.transition_demand(
        actor=actors["owner"], demand=demand_in(S.DRAFT, actors), to_status=S.CLOSED
    )
    with pytest.raises(Conflict):
        services.transition_demand(actor=actors["owner"], demand=demand, to_status=S.SUBMITTED)


def test_a_suspended_organisation_can_no_longer_move_its_demands(actors):
    demand = demand_in(S.DRAFT, actors)
    org = actors["owner"].organisation
    org.status = OrgStatus.SUSPENDED
    org.save()
    actors["owner"].refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.transition_demand(actor=actors["owner"], demand=demand, to_status=S.SUBMITTED)


# --- editing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "editable"),
    [
        (S.DRAFT, True),
        (S.RETURNED, True),
        (S.SUBMITTED, False),
        (S.IN_REVIEW, False),
        (S.PUBLISHED, False),
        (S.IN_TALKS, False),
    ],
)
def test_owner_may_edit_only_a_draft_or_returned_demand(actors, status, editable):
    demand = _at(status, actors)
    assert permissions.can_edit_demand(actors["owner"], demand) is editable


@pytest.mark.parametrize(
    "role", ["other_demander", "supplier", "district_other_area", "pending", "anonymous"]
)
def test_nobody_else_may_edit_a_draft(actors, role):
    assert not permissions.can_edit_demand(actors[role], demand_in(S.DRAFT, actors))


@pytest.mark.parametrize(
    ("status", "editable"),
    [
        (S.DRAFT, False),
        (S.SUBMITTED, True),
        (S.IN_REVIEW, True),
        (S.PUBLISHED, False),
    ],
)
def test_office_may_edit_a_demand_only_while_reviewing_it(actors, status, editable):
    assert permissions.can_edit_demand(actors["office"], demand_in(status, actors)) is editable


def test_update_demand_refuses_an_edit_after_submission(actors):
    demand = demand_in(S.SUBMITTED, actors)
    from .factories import demand_data

    with pytest.raises(PermissionDenied):
        services.update_demand(
            actor=actors["owner"], demand=demand, data=demand_data(title="改过的标题")
        )
    demand.refresh_from_db()
    assert demand.title != "改过的标题"


# --- contacts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("anonymous", False),
        ("pending", False),
        ("other_demander", False),
        ("supplier", False),
        ("district_other_area", False),
        ("owner", True),
        ("office", True),
        ("district_same_area", True),
    ],
)
def test_contact_of_a_published_demand_is_shown_only_to_those_involved(actors, role, sees):
    demand = demand_in(S.PUBLISHED, actors)
    assert permissions.can_see_contact(actors[role], demand) is sees


def test_a_supplier_that_answered_the_demand_sees_the_contact(actors):
    demand = demand_in(S.PUBLISHED, actors)
    services.submit_proposal(
        actor=actors["supplier"],
        demand=demand,
        data={"approach": "视觉检测方案", "price": "800000"},
    )
    assert permissions.can_see_contact(actors["supplier"], demand)
    assert not permissions.can_see_contact(make_user(Role.SUPPLIER), demand)


def test_a_confidential_budget_is_hidden_from_the_public_but_not_the_owner(actors):
    demand = demand_in(S.PUBLISHED, actors, budget_confidential=True)
    assert not permissions.can_see_budget(actors["anonymous"], demand)
    assert not permissions.can_see_budget(actors["supplier"], demand)
    assert permissions.can_see_budget(actors["owner"], demand)
    assert permissions.can_see_budget(actors["office"], demand)


# --- which demands a list may hold ------------------------------------------------------------


@pytest.fixture
def catalogue(actors):
    """One demand of each kind a list must tell apart, named by what they are."""
    gusu = Area.objects.get(code="gusu").pk
    return {
        "draft": demand_in(S.DRAFT, actors),
        "submitted_here": demand_in(S.SUBMITTED, actors),
        "submitted_elsewhere": demand_in(S.SUBMITTED, actors, area=gusu),
        "public": demand_in(S.PUBLISHED, actors),
        "registered": demand_in(S.PUBLISHED, actors, visibility=Visibility.REGISTERED),
        "private": demand_in(S.PUBLISHED, actors, visibility=Visibility.PRIVATE),
        "closed": services.transition_demand(
            actor=actors["owner"],
            demand=demand_in(S.PUBLISHED, actors),
            to_status=S.CLOSED,
            note="已解决",
        ),
        "others_draft": make_demand(actors["other_demander"]),
    }


VISIBLE = {
    "anonymous": {"public"},
    "pending": {"public"},
    "other_demander": {"public", "registered", "others_draft"},
    "supplier": {"public", "registered"},
    "owner": {
        "draft",
        "submitted_here",
        "submitted_elsewhere",
        "public",
        "registered",
        "private",
        "closed",
    },
    "district_same_area": {"submitted_here", "public", "registered", "private", "closed"},
    "district_other_area": {"submitted_elsewhere", "public", "registered"},
    "office": {
        "submitted_here",
        "submitted_elsewhere",
        "public",
        "registered",
        "private",
        "closed",
    },
}


@pytest.mark.parametrize("role", ROLES)
def test_demands_visible_to_each_role(actors, catalogue, role):
    visible = set(permissions.demands_visible_to(actors[role]).values_list("pk", flat=True))
    expected = {catalogue[name].pk for name in VISIBLE[role]}
    names = {pk: name for name, d in catalogue.items() for pk in [d.pk]}
    assert {names[pk] for pk in visible if pk in names} == VISIBLE[role]
    assert visible & set(names) == expected


def test_a_supplier_keeps_seeing_a_demand_it_answered_after_it_closes(actors):
    demand = demand_in(S.PUBLISHED, actors)
    services.submit_proposal(actor=actors["supplier"], demand=demand, data={"approach": "方案"})
    services.transition_demand(
        actor=actors["owner"], demand=demand, to_status=S.CLOSED, note="已解决"
    )
    assert permissions.demands_visible_to(actors["supplier"]).filter(pk=demand.pk).exists()
    assert permissions.demands_visible_to(actors["supplier"]).filter(pk=demand.pk).count() == 1


def test_proposals_are_seen_by_the_demander_and_office_but_only_own_by_suppliers(actors):
    demand = demand_in(S.PUBLISHED, actors)
    rival = make_user(Role.SUPPLIER)
    mine = services.submit_proposal(
        actor=actors["supplier"], demand=demand, data={"approach": "方案甲"}
    )
    theirs = services.submit_proposal(actor=rival, demand=demand, data={"approach": "方案乙"})
    assert set(permissions.proposals_visible_to(actors["owner"], demand)) == {mine, theirs}
    assert set(permissions.proposals_visible_to(actors["office"], demand)) == {mine, theirs}
    assert list(permissions.proposals_visible_to(actors["supplier"], demand)) == [mine]
    assert not permissions.proposals_visible_to(actors["other_demander"], demand).exists()
    assert not permissions.proposals_visible_to(actors["anonymous"], demand).exists()


def test_a_supplier_cannot_answer_a_demand_only_the_office_may_see(actors):
    demand = demand_in(S.PUBLISHED, actors, visibility=Visibility.PRIVATE)
    assert not permissions.can_propose(actors["supplier"], demand)
    with pytest.raises(PermissionDenied):
        services.submit_proposal(actor=actors["supplier"], demand=demand, data={"approach": "方案"})


# --- accounts: who gets in --------------------------------------------------------------------


def _register(**overrides):
    data = {
        "name": "苏州示范科技有限公司",
        "kind": Role.SUPPLIER,
        "username": "newcomer",
        "password": "Strong-pass-2026!",
        "display_name": "新用户",
    }
    data.update(overrides)
    return accounts.register_organisation(**data)


def test_a_registered_organisation_waits_for_review_and_cannot_act(citypack):
    user = _register()
    assert user.organisation.status == OrgStatus.PENDING
    assert user.role is None
    assert not permissions.can_create_demand(user)


def test_registration_refuses_a_duplicate_organisation_name(citypack):
    _register()
    with pytest.raises(ServiceError) as exc:
        _register(username="another")
    assert "name" in exc.value.errors


def test_registration_refuses_a_taken_username(citypack):
    _register()
    with pytest.raises(ServiceError) as exc:
        _register(name="另一家科技有限公司")
    assert "username" in exc.value.errors


@pytest.mark.parametrize("password", ["123456", "short", "12345678901", "password"])
def test_registration_refuses_a_weak_password(citypack, password):
    with pytest.raises(ServiceError) as exc:
        _register(password=password)
    assert "password" in exc.value.errors


@pytest.mark.parametrize("kind", [Role.OFFICE, Role.DISTRICT, "superuser"])
def test_nobody_can_register_as_office_or_district(citypack, kind):
    with pytest.raises(ServiceError) as exc:
        _register(kind=kind)
    assert "kind" in exc.value.errors


def test_the_office_approves_a_registration_and_the_user_gets_the_role(office):
    user = _register()
    accounts.review_organisation(actor=office, organisation=user.organisation, approve=True)
    user.refresh_from_db()
    assert user.organisation.status == OrgStatus.APPROVED
    assert user.role == Role.SUPPLIER


def test_the_office_rejects_a_registration_with_a_note(office):
    user = _register()
    org = accounts.review_organisation(
        actor=office, organisation=user.organisation, approve=False, note="资料不全"
    )
    assert org.status == OrgStatus.REJECTED
    assert org.review_note == "资料不全"


@pytest.mark.parametrize("reviewer", ["district_same_area", "owner", "supplier", "pending"])
def test_only_the_office_reviews_registrations(actors, reviewer):
    user = _register()
    with pytest.raises(PermissionDenied):
        accounts.review_organisation(
            actor=actors[reviewer], organisation=user.organisation, approve=True
        )


def test_a_registration_is_reviewed_only_once(office):
    user = _register()
    accounts.review_organisation(actor=office, organisation=user.organisation, approve=True)
    with pytest.raises(ServiceError):
        accounts.review_organisation(actor=office, organisation=user.organisation, approve=False)


def _login(username, password, ip="10.0.0.1"):
    return accounts.authenticate_throttled(
        request=None, username=username, password=password, ip=ip
    )


def test_login_with_the_right_password_succeeds_and_is_recorded(demander):
    assert _login("demander", PASSWORD) == demander
    assert LoginAttempt.objects.filter(username="demander", succeeded=True).count() == 1


def test_login_with_a_wrong_password_is_refused_and_recorded(demander):
    with pytest.raises(ServiceError):
        _login("demander", "wrong")
    assert LoginAttempt.objects.filter(username="demander", succeeded=False).count() == 1


def test_after_too_many_failures_even_the_right_password_is_refused(demander, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        with pytest.raises(ServiceError):
            _login("demander", "wrong")
    with pytest.raises(PermissionDenied):
        _login("demander", PASSWORD)


def test_throttling_also_counts_failures_from_one_address_across_usernames(demander, settings):
    for n in range(settings.LOGIN_MAX_FAILURES):
        with pytest.raises(ServiceError):
            _login(f"guess{n}", "wrong", ip="10.9.9.9")
    with pytest.raises(PermissionDenied):
        _login("demander", PASSWORD, ip="10.9.9.9")
    assert _login("demander", PASSWORD, ip="10.0.0.2") == demander


def test_failures_older_than_the_window_no_longer_count(demander, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        with pytest.raises(ServiceError):
            _login("demander", "wrong")
    past = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 60)
    LoginAttempt.objects.update(at=past)
    assert _login("demander", PASSWORD) == demander


def test_an_api_token_is_stored_only_as_its_digest(demander):
    raw = accounts.issue_token(user=demander, name="脚本")
    token = ApiToken.objects.get(user=demander)
    assert token.digest == ApiToken.hash(raw)
    assert raw not in {token.digest, token.prefix, token.name}
    assert len(token.prefix) < len(raw)


def test_an_api_token_identifies_its_user(demander):
    raw = accounts.issue_token(user=demander)
    assert accounts.user_for_token(raw) == demander
    assert ApiToken.objects.get(user=demander).last_used_at is not None


def test_an_unknown_token_identifies_nobody(demander):
    accounts.issue_token(user=demander)
    assert accounts.user_for_token("not-a-token") is None


def test_the_token_of_a_deactivated_user_identifies_nobody(demander):
    raw = accounts.issue_token(user=demander)
    demander.is_active = False
    demander.save()
    assert accounts.user_for_token(raw) is None
