"""The scenario services as a specification: each write validates, records its history and
audit entry, and keeps demands, proposals, lists and roadshows consistent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aiplus.accounts.choices import Role
from aiplus.core.errors import Conflict, PermissionDenied, ServiceError
from aiplus.core.models import AuditEntry, Sector
from aiplus.scenarios import services
from aiplus.scenarios.choices import DemandStatus as S
from aiplus.scenarios.choices import ListStatus, ProposalStatus, RoadshowStatus
from aiplus.scenarios.models import DemandTransition

from .factories import demand_data, make_demand, make_user, sign_checklist

pytestmark = pytest.mark.django_db


def audit_actions(obj):
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- creating and editing demands -------------------------------------------------------------


def test_a_new_demand_is_a_draft_of_the_actors_organisation(demander):
    demand = services.create_demand(actor=demander, data=demand_data())
    assert demand.status == S.DRAFT
    assert demand.demander == demander.organisation
    assert demand.created_by == demander
    assert demand.code.startswith("XQ") and str(demand.pk) in demand.code
    assert sorted(t.name for t in demand.tags.all()) == ["机器视觉", "缺陷检测"]


def test_creating_a_demand_records_history_and_audit(demander):
    demand = services.create_demand(actor=demander, data=demand_data())
    first = demand.transitions.get()
    assert (first.from_status, first.to_status, first.actor) == ("", S.DRAFT, demander)
    assert audit_actions(demand) == ["demand.create"]


@pytest.mark.parametrize("role", [Role.SUPPLIER, Role.DISTRICT, Role.COMPUTE_PROVIDER])
def test_only_demanders_and_the_office_create_demands(citypack, role):
    with pytest.raises(PermissionDenied):
        services.create_demand(actor=make_user(role), data=demand_data())


def test_a_pending_demander_cannot_create_a_demand(pending_demander):
    with pytest.raises(PermissionDenied):
        services.create_demand(actor=pending_demander, data=demand_data())


def test_the_office_may_create_a_demand_on_behalf_of_a_demander(office, demander):
    demand = services.create_demand(
        actor=office, data=demand_data(), demander=demander.organisation
    )
    assert demand.demander == demander.organisation


def test_a_demander_cannot_create_a_demand_for_another_organisation(demander, other_demander):
    demand = services.create_demand(
        actor=demander, data=demand_data(), demander=other_demander.organisation
    )
    assert demand.demander == demander.organisation


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"budget_min": "900000", "budget_max": "100000"}, "budget_max"),
        ({"budget_min": "-1", "budget_max": "100"}, "budget_min"),
        ({"start_date": "2026-06-01", "end_date": "2026-01-01"}, "end_date"),
        ({"title": ""}, "title"),
        ({"pain_point": ""}, "pain_point"),
    ],
)
def test_invalid_demand_data_is_refused_with_the_field_named(demander, overrides, field):
    with pytest.raises(ServiceError) as exc:
        services.create_demand(actor=demander, data=demand_data(**overrides))
    assert field in exc.value.errors


def test_budgets_are_kept_as_exact_decimal_yuan(demander):
    from decimal import Decimal

    demand = services.create_demand(
        actor=demander, data=demand_data(budget_min="500000.10", budget_max="1200000.25")
    )
    demand.refresh_from_db()
    assert demand.budget_min == Decimal("500000.10")
    assert demand.budget_max == Decimal("1200000.25")


def test_the_owner_edits_a_draft_and_the_change_is_audited(demander):
    demand = make_demand(demander)
    edited = services.update_demand(
        actor=demander,
        demand=demand,
        data=demand_data(title="注塑件外观缺陷检测", tag_names="大模型"),
    )
    assert edited.title == "注塑件外观缺陷检测"
    assert [t.name for t in edited.tags.all()] == ["大模型"]
    entry = AuditEntry.objects.get(action="demand.update", object_id=str(demand.pk))
    assert entry.before["title"] == "注塑件表面缺陷视觉检测"
    assert entry.after["title"] == "注塑件外观缺陷检测"


def test_the_owner_edits_a_returned_demand_and_resubmits_it(demander, office):
    demand = make_demand(demander, status=S.SUBMITTED, office=office)
    services.transition_demand(actor=office, demand=demand, to_status=S.RETURNED, note="请补充KPI")
    services.update_demand(actor=demander, demand=demand, data=demand_data(kpis="漏检率≤0.3%"))
    again = services.transition_demand(actor=demander, demand=demand, to_status=S.SUBMITTED)
    assert again.status == S.SUBMITTED
    assert again.kpis == "漏检率≤0.3%"


# --- lifecycle history ------------------------------------------------------------------------


def test_each_move_is_recorded_with_actor_organisation_and_note(demander, office):
    demand = make_demand(demander, status=S.SUBMITTED, office=office)
    services.transition_demand(
        actor=office, demand=demand, to_status=S.RETURNED, note="请补充数据说明"
    )
    last = DemandTransition.objects.filter(demand=demand).last()
    assert (last.from_status, last.to_status) == (S.SUBMITTED, S.RETURNED)
    assert last.actor == office
    assert last.organisation == office.organisation
    assert last.note == "请补充数据说明"


def test_the_history_lists_the_whole_path_in_order(demander, office):
    demand = make_demand(demander, status=S.PILOT, office=office)
    path = list(demand.transitions.values_list("to_status", flat=True))
    assert path == [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.PUBLISHED, S.IN_TALKS, S.PILOT]


def test_each_move_writes_an_audit_entry_with_before_and_after(demander):
    demand = make_demand(demander)
    services.transition_demand(actor=demander, demand=demand, to_status=S.SUBMITTED)
    entry = AuditEntry.objects.filter(action="demand.transition").get()
    assert entry.actor == demander
    assert entry.organisation == demander.organisation
    assert entry.before == {"status": S.DRAFT}
    assert entry.after["status"] == S.SUBMITTED


def test_a_refused_move_leaves_no_history_or_audit(demander, other_demander):
    demand = make_demand(demander)
    with pytest.raises(PermissionDenied):
        services.transition_demand(actor=other_demander, demand=demand, to_status=S.SUBMITTED)
    assert demand.transitions.count() == 1
    assert not AuditEntry.objects.filter(action="demand.transition").exists()


def test_published_at_is_set_when_published(demander, office):
    before = timezone.now()
    demand = make_demand(demander, status=S.PUBLISHED, office=office)
    assert demand.published_at is not None and demand.published_at >= before


def test_published_at_is_not_set_before_publication(demander, office):
    assert make_demand(demander, status=S.IN_REVIEW, office=office).published_at is None


def test_published_at_is_set_once_and_kept_through_later_moves(demander, office):
    demand = make_demand(demander, status=S.PUBLISHED, office=office)
    first = demand.published_at
    sign_checklist(demand, "pilot")
    sign_checklist(demand, "deployment")
    for status in (S.IN_TALKS, S.PILOT, S.DEPLOYED, S.PROMOTED):
        demand = services.transition_demand(actor=office, demand=demand, to_status=status)
    demand.refresh_from_db()
    assert demand.published_at == first


def test_an_unknown_status_is_refused(demander):
    with pytest.raises(ServiceError):
        services.transition_demand(
            actor=demander, demand=make_demand(demander), to_status="archived"
        )


def test_a_move_the_lifecycle_lacks_is_a_conflict(demander):
    with pytest.raises(Conflict):
        services.transition_demand(
            actor=demander, demand=make_demand(demander), to_status=S.PUBLISHED
        )


# --- proposals --------------------------------------------------------------------------------


def propose(supplier, demand, **data):
    return services.submit_proposal(
        actor=supplier, demand=demand, data={"approach": "视觉检测分三阶段实施", **data}
    )


@pytest.fixture
def published(demander, office):
    return make_demand(demander, status=S.PUBLISHED, office=office)


def test_a_supplier_answers_a_published_demand(supplier, published):
    proposal = propose(supplier, published, price="880000", duration_days="90")
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.supplier == supplier.organisation
    assert proposal.submitted_by == supplier
    assert audit_actions(proposal) == ["proposal.submit"]


def test_a_supplier_answers_a_demand_only_once(supplier, published):
    propose(supplier, published)
    with pytest.raises(Conflict):
        propose(supplier, published)


def test_a_supplier_may_not_answer_again_after_withdrawing(supplier, published):
    proposal = propose(supplier, published)
    services.withdraw_proposal(actor=supplier, proposal=proposal)
    with pytest.raises(Conflict):
        propose(supplier, published)


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.PILOT, S.DEPLOYED])
def test_proposals_are_accepted_only_on_published_or_in_talks_demands(
    demander, office, supplier, status
):
    demand = make_demand(demander, status=status, office=office)
    with pytest.raises(PermissionDenied):
        propose(supplier, demand)


def test_a_demand_in_talks_still_accepts_proposals(demander, office, supplier):
    demand = make_demand(demander, status=S.IN_TALKS, office=office)
    assert propose(supplier, demand).status == ProposalStatus.SUBMITTED


@pytest.mark.parametrize("role", [Role.DEMANDER, Role.OFFICE, Role.COMPUTE_PROVIDER])
def test_only_suppliers_answer_demands(published, role):
    with pytest.raises(PermissionDenied):
        propose(make_user(role), published)


def test_a_negative_price_is_refused(supplier, published):
    with pytest.raises(ServiceError) as exc:
        propose(supplier, published, price="-1")
    assert "price" in exc.value.errors


def test_a_proposal_may_name_only_the_suppliers_own_solution(supplier, published):
    rival = make_user(Role.SUPPLIER)
    theirs = services.save_solution(actor=rival, data=solution_data())
    with pytest.raises(ServiceError) as exc:
        propose(supplier, published, solution=theirs.pk)
    assert "solution" in exc.value.errors


def test_shortlisting_moves_a_published_demand_to_in_talks(demander, supplier, published):
    proposal = services.shortlist_proposal(actor=demander, proposal=propose(supplier, published))
    assert proposal.status == ProposalStatus.SHORTLISTED
    published.refresh_from_db()
    assert published.status == S.IN_TALKS
    assert published.transitions.last().actor == demander


def test_the_office_may_shortlist_too(office, supplier, published):
    services.shortlist_proposal(actor=office, proposal=propose(supplier, published))
    published.refresh_from_db()
    assert published.status == S.IN_TALKS


@pytest.mark.parametrize("who", ["other_demander", "supplier", "district_officer"])
def test_others_cannot_shortlist(request, published, supplier, who):
    proposal = propose(supplier, published)
    with pytest.raises(PermissionDenied):
        services.shortlist_proposal(actor=request.getfixturevalue(who), proposal=proposal)


def test_selecting_moves_the_demand_to_pilot_and_declines_the_others(demander, supplier, published):
    sign_checklist(published, "pilot", actor=demander)
    mine = propose(supplier, published)
    second = propose(make_user(Role.SUPPLIER), published)
    third = propose(make_user(Role.SUPPLIER), published)
    services.shortlist_proposal(actor=demander, proposal=mine)
    services.shortlist_proposal(actor=demander, proposal=second)
    services.select_proposal(actor=demander, proposal=mine)
    for p in (mine, second, third):
        p.refresh_from_db()
    assert (mine.status, second.status, third.status) == (
        ProposalStatus.SELECTED,
        ProposalStatus.DECLINED,
        ProposalStatus.DECLINED,
    )
    published.refresh_from_db()
    assert published.status == S.PILOT


def test_selecting_without_a_signed_pilot_checklist_keeps_the_demand_in_talks(
    demander, supplier, published
):
    mine = propose(supplier, published)
    services.shortlist_proposal(actor=demander, proposal=mine)
    services.select_proposal(actor=demander, proposal=mine)
    mine.refresh_from_db()
    published.refresh_from_db()
    assert mine.status == ProposalStatus.SELECTED
    assert published.status == S.IN_TALKS
    assert not published.transitions.filter(to_status=S.PILOT).exists()
    # once the demander signs the pilot checklist, the demand may go to pilot
    sign_checklist(published, "pilot", actor=demander)
    services.transition_demand(actor=demander, demand=published, to_status=S.PILOT)
    published.refresh_from_db()
    assert published.status == S.PILOT


def test_only_a_shortlisted_proposal_can_be_selected(demander, supplier, published):
    with pytest.raises(Conflict):
        services.select_proposal(actor=demander, proposal=propose(supplier, published))


def test_a_withdrawn_proposal_is_not_declined_by_a_selection(demander, supplier, published):
    mine = propose(supplier, published)
    gone = propose(make_user(Role.SUPPLIER), published)
    services.withdraw_proposal(actor=gone.submitted_by, proposal=gone)
    services.shortlist_proposal(actor=demander, proposal=mine)
    services.select_proposal(actor=demander, proposal=mine)
    gone.refresh_from_db()
    assert gone.status == ProposalStatus.WITHDRAWN


def test_the_supplier_withdraws_its_own_proposal(supplier, published):
    proposal = services.withdraw_proposal(actor=supplier, proposal=propose(supplier, published))
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert "proposal.withdraw" in audit_actions(proposal)


def test_a_supplier_cannot_withdraw_another_suppliers_proposal(supplier, published):
    proposal = propose(supplier, published)
    with pytest.raises(PermissionDenied):
        services.withdraw_proposal(actor=make_user(Role.SUPPLIER), proposal=proposal)


def test_a_selected_proposal_cannot_be_withdrawn(demander, supplier, published):
    proposal = propose(supplier, published)
    services.shortlist_proposal(actor=demander, proposal=proposal)
    services.select_proposal(actor=demander, proposal=proposal)
    with pytest.raises(Conflict):
        services.withdraw_proposal(actor=supplier, proposal=proposal)


def test_a_declined_proposal_cannot_be_shortlisted(demander, supplier, published):
    proposal = services.decline_proposal(actor=demander, proposal=propose(supplier, published))
    with pytest.raises(Conflict):
        services.shortlist_proposal(actor=demander, proposal=proposal)


# --- demand lists -----------------------------------------------------------------------------


def new_list(office, name="2025年人工智能应用场景需求清单"):
    return services.create_demand_list(
        actor=office, data={"name": name, "year": 2025, "issuer": "专班办公室"}
    )


def test_the_office_opens_a_list_in_draft(office):
    demand_list = new_list(office)
    assert demand_list.status == ListStatus.DRAFT
    assert audit_actions(demand_list) == ["demandlist.create"]


@pytest.mark.parametrize("who", ["demander", "supplier", "district_officer"])
def test_only_the_office_compiles_lists(request, who):
    with pytest.raises(PermissionDenied):
        new_list(request.getfixturevalue(who))


def test_published_demands_are_added_in_order_and_only_once(office, demander):
    demand_list = new_list(office)
    a, b = (make_demand(demander, status=S.PUBLISHED, office=office) for _ in range(2))
    assert services.add_to_list(actor=office, demand_list=demand_list, demands=[a, b]) == 2
    assert services.add_to_list(actor=office, demand_list=demand_list, demands=[a]) == 0
    assert list(demand_list.items.values_list("demand_id", "position")) == [(a.pk, 1), (b.pk, 2)]


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.IN_REVIEW])
def test_only_published_demands_can_be_added(office, demander, status):
    demand_list = new_list(office)
    demand = make_demand(demander, status=status, office=office)
    with pytest.raises(ServiceError):
        services.add_to_list(actor=office, demand_list=demand_list, demands=[demand])
    assert not demand_list.items.exists()


def test_a_closed_demand_cannot_be_added(office, demander):
    demand = make_demand(demander, status=S.PUBLISHED, office=office)
    services.transition_demand(actor=office, demand=demand, to_status=S.CLOSED, note="撤回")
    demand.refresh_from_db()
    with pytest.raises(ServiceError):
        services.add_to_list(actor=office, demand_list=new_list(office), demands=[demand])


def test_publishing_an_empty_list_is_refused(office):
    with pytest.raises(ServiceError):
        services.publish_demand_list(actor=office, demand_list=new_list(office))


def test_publishing_a_list_sets_status_and_date(office, demander):
    demand_list = new_list(office)
    services.add_to_list(
        actor=office,
        demand_list=demand_list,
        demands=[make_demand(demander, status=S.PUBLISHED, office=office)],
    )
    published = services.publish_demand_list(actor=office, demand_list=demand_list)
    assert published.status == ListStatus.PUBLISHED
    assert published.published_at is not None


def test_a_list_is_published_only_once(office, demander):
    demand_list = new_list(office)
    services.add_to_list(
        actor=office,
        demand_list=demand_list,
        demands=[make_demand(demander, status=S.PUBLISHED, office=office)],
    )
    services.publish_demand_list(actor=office, demand_list=demand_list)
    with pytest.raises(Conflict):
        services.publish_demand_list(actor=office, demand_list=demand_list)


def test_removing_a_demand_renumbers_the_rest(office, demander):
    demand_list = new_list(office)
    a, b, c = (make_demand(demander, status=S.PUBLISHED, office=office) for _ in range(3))
    services.add_to_list(actor=office, demand_list=demand_list, demands=[a, b, c])
    services.remove_from_list(actor=office, demand_list=demand_list, demand=a)
    assert list(demand_list.items.values_list("demand_id", "position")) == [(b.pk, 1), (c.pk, 2)]


def test_a_published_list_keeps_its_demands(office, demander):
    demand_list = new_list(office)
    demand = make_demand(demander, status=S.PUBLISHED, office=office)
    services.add_to_list(actor=office, demand_list=demand_list, demands=[demand])
    services.publish_demand_list(actor=office, demand_list=demand_list)
    with pytest.raises(Conflict):
        services.remove_from_list(actor=office, demand_list=demand_list, demand=demand)


# --- solutions --------------------------------------------------------------------------------


def solution_data(**overrides):
    data = {
        "title": "工业视觉缺陷检测平台",
        "summary": "小样本缺陷检测",
        "sectors": [Sector.objects.get(code="manufacturing").pk],
        "maturity": "product",
        "price_from": "300000",
        "is_published": True,
        "tag_names": "机器视觉、边缘计算",
    }
    data.update(overrides)
    return data


def test_a_supplier_publishes_a_solution_with_sectors_and_tags(supplier):
    solution = services.save_solution(actor=supplier, data=solution_data())
    assert solution.supplier == supplier.organisation
    assert [s.code for s in solution.sectors.all()] == ["manufacturing"]
    assert sorted(t.name for t in solution.tags.all()) == ["机器视觉", "边缘计算"]


def test_only_suppliers_publish_solutions(demander):
    with pytest.raises(PermissionDenied):
        services.save_solution(actor=demander, data=solution_data())


def test_a_supplier_cannot_edit_another_suppliers_solution(supplier):
    solution = services.save_solution(actor=supplier, data=solution_data())
    with pytest.raises(PermissionDenied):
        services.save_solution(
            actor=make_user(Role.SUPPLIER), solution=solution, data=solution_data(title="改名")
        )


def test_a_case_study_keeps_its_outcome_metrics(supplier):
    solution = services.save_solution(actor=supplier, data=solution_data())
    case = services.add_case_study(
        actor=supplier,
        solution=solution,
        data={"customer": "某汽车零部件企业", "year": 2024, "outcome": "替代人工目检"},
        metrics=[{"name": "漏检率", "value": "0.3%"}, {"name": "", "value": "丢弃"}],
    )
    assert case.metrics == [{"name": "漏检率", "value": "0.3%"}]


# --- roadshows --------------------------------------------------------------------------------


@pytest.fixture
def roadshow(office, published):
    return services.save_roadshow(
        actor=office,
        demands=[published],
        data={
            "title": "智能制造场景路演",
            "starts_at": (timezone.now() + timedelta(days=30)),
            "venue": "苏州工业园区",
            "capacity": 2,
            "status": RoadshowStatus.OPEN,
        },
    )


def test_only_public_demands_go_on_a_roadshow_agenda(office, demander):
    draft = make_demand(demander)
    with pytest.raises(ServiceError):
        services.save_roadshow(
            actor=office,
            demands=[draft],
            data={
                "title": "路演",
                "starts_at": timezone.now(),
                "venue": "园区",
                "capacity": 5,
                "status": RoadshowStatus.OPEN,
            },
        )


def test_a_supplier_registers_and_asks_to_meet_agenda_demands(supplier, roadshow, published):
    reg = services.register_for_roadshow(
        actor=supplier, roadshow=roadshow, meeting_demands=[published]
    )
    assert list(reg.meetings.all()) == [published]


def test_meetings_can_be_asked_only_for_agenda_demands(supplier, roadshow, demander, office):
    elsewhere = make_demand(demander, status=S.PUBLISHED, office=office)
    with pytest.raises(ServiceError):
        services.register_for_roadshow(
            actor=supplier, roadshow=roadshow, meeting_demands=[elsewhere]
        )
    assert not roadshow.registrations.exists()


@pytest.mark.parametrize("who", ["demander", "office", "district_officer", "pending_demander"])
def test_only_suppliers_register_for_roadshows(request, roadshow, who):
    with pytest.raises(PermissionDenied):
        services.register_for_roadshow(actor=request.getfixturevalue(who), roadshow=roadshow)


def test_a_supplier_registers_only_once(supplier, roadshow):
    services.register_for_roadshow(actor=supplier, roadshow=roadshow)
    with pytest.raises(Conflict):
        services.register_for_roadshow(actor=supplier, roadshow=roadshow)


def test_a_full_roadshow_refuses_more_suppliers(roadshow):
    for _ in range(roadshow.capacity):
        services.register_for_roadshow(actor=make_user(Role.SUPPLIER), roadshow=roadshow)
    with pytest.raises(Conflict):
        services.register_for_roadshow(actor=make_user(Role.SUPPLIER), roadshow=roadshow)


def test_a_roadshow_not_open_refuses_registrations(office, supplier, published):
    show = services.save_roadshow(
        actor=office,
        demands=[published],
        data={
            "title": "筹备中的路演",
            "starts_at": timezone.now(),
            "venue": "园区",
            "capacity": 5,
            "status": RoadshowStatus.PLANNED,
        },
    )
    with pytest.raises(Conflict):
        services.register_for_roadshow(actor=supplier, roadshow=show)


def test_registered_only_demand_cannot_go_on_a_public_list(demander, office):
    demand = make_demand(demander, status=S.PUBLISHED, office=office, visibility="registered")
    demand_list = services.create_demand_list(
        actor=office, data={"name": "公开清单X", "year": 2026}
    )
    with pytest.raises(ServiceError, match="公开可见"):
        services.add_to_list(actor=office, demand_list=demand_list, demands=[demand])
    assert not demand_list.items.exists()


def test_proposal_on_a_closed_demand_cannot_be_shortlisted(demander, office, supplier):
    demand = make_demand(demander, status=S.PUBLISHED, office=office)
    proposal = services.submit_proposal(actor=supplier, demand=demand, data={"approach": "方案"})
    services.transition_demand(actor=demander, demand=demand, to_status=S.CLOSED, note="需求取消")
    with pytest.raises(Conflict):
        services.shortlist_proposal(actor=demander, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == "submitted"


def test_office_invites_suppliers_once_each(demander, office, supplier):
    demand = make_demand(demander, status=S.PUBLISHED, office=office)
    org = supplier.organisation
    assert (
        services.invite_suppliers(actor=office, demand=demand, invitations=[(org, 0.8, "同领域")])
        == 1
    )
    assert (
        services.invite_suppliers(actor=office, demand=demand, invitations=[(org, 0.8, "同领域")])
        == 0
    )
    assert demand.invitations.get().reason == "同领域"
    assert AuditEntry.objects.filter(action="demand.invite").count() == 2


def test_only_the_office_invites_and_only_suppliers(demander, office, supplier, other_demander):
    demand = make_demand(demander, status=S.PUBLISHED, office=office)
    with pytest.raises(PermissionDenied):
        services.invite_suppliers(
            actor=demander, demand=demand, invitations=[(supplier.organisation, None, "")]
        )
    with pytest.raises(ServiceError):
        services.invite_suppliers(
            actor=office, demand=demand, invitations=[(other_demander.organisation, None, "")]
        )
    assert not demand.invitations.exists()
