"""Risk checklists (风险检查清单) and the lifecycle gate: members of the demander organisation
fill and sign a scenario's checklist; a demand moves to 试点 only with its signed pilot
checklist and to 落地 only with its signed deployment checklist; changing a signed checklist
reopens it (and closes the gate again); the office, the area's officer and the selected
supplier read it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aiplus.accounts.choices import Role
from aiplus.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from aiplus.core.models import AuditEntry
from aiplus.governance import checklist, checklists, services
from aiplus.governance.models import RiskChecklist
from aiplus.scenarios import services as scenario_services
from aiplus.scenarios.choices import DemandStatus as S
from aiplus.scenarios.choices import ProposalStatus

from ..apiclient import api_as
from ..factories import checklist_data, make_demand, make_user, sign_checklist
from .conftest import propose

pytestmark = pytest.mark.django_db

Status = RiskChecklist.Status


def save(actor, demand, stage="pilot", **answers):
    return services.save_checklist(
        actor=actor, demand=demand, stage=stage, data=checklist_data(demand, **answers)
    )


def move(actor, demand, to):
    return scenario_services.transition_demand(actor=actor, demand=demand, to_status=to)


# --- the items ----------------------------------------------------------------------------------


def test_every_item_names_its_legal_basis():
    codes = [item.code for item in checklist.ITEMS]
    assert codes == [
        "personal_info",
        "medical_data",
        "minors",
        "safety_critical",
        "data_outbound",
        "ai_labelling",
    ]
    assert all(str(item.basis) for item in checklist.ITEMS)
    assert "个人信息保护法" in str(checklist.BY_CODE["personal_info"].basis)
    assert "2025年9月1日" in str(checklist.BY_CODE["ai_labelling"].basis)
    assert "PIPIA" in str(checklist.BY_CODE["personal_info"].confirm)


def test_answers_are_prefilled_from_the_demands_flags(demander, office):
    demand = make_demand(
        demander,
        status=S.PUBLISHED,
        office=office,
        involves_personal_info="on",
        involves_minors="on",
    )
    draft = checklists.current(demand, "pilot")
    assert draft.pk is None
    assert draft.answers["personal_info"]["involved"] is True
    assert draft.answers["minors"]["involved"] is True
    # an unset flag, or an item without one, is left for the demander to answer
    assert draft.answers["medical_data"]["involved"] is None
    assert draft.answers["safety_critical"]["involved"] is None


def test_the_deployment_checklist_starts_from_the_pilot_answers(demander, in_talks):
    save(demander, in_talks, safety_critical={"involved": True, "measures": "急停", "confirmed": 1})
    draft = checklists.current(in_talks, "deployment")
    assert draft.answers["safety_critical"] == {
        "involved": True,
        "measures": "急停",
        "confirmed": True,
    }


# --- who fills and signs ------------------------------------------------------------------------


def test_a_demander_member_saves_a_draft_then_signs_it(demander, in_talks):
    saved = save(demander, in_talks)
    assert saved.status == Status.DRAFT
    signed = services.sign_checklist(actor=demander, demand=in_talks, stage="pilot")
    assert signed.status == Status.SIGNED
    assert signed.signed_by == demander and signed.signed_at is not None


def test_another_member_of_the_demander_organisation_may_sign(demander, in_talks):
    colleague = make_user(org=demander.organisation)
    save(demander, in_talks)
    assert services.sign_checklist(actor=colleague, demand=in_talks, stage="pilot").is_signed


@pytest.mark.parametrize(
    "who", ["office", "district_officer", "supplier", "other_demander", "pending_demander"]
)
def test_only_demander_members_save_and_sign(request, demander, in_talks, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        save(actor, in_talks)
    save(demander, in_talks)
    with pytest.raises(PermissionDenied):
        services.sign_checklist(actor=actor, demand=in_talks, stage="pilot")
    assert not RiskChecklist.objects.get().is_signed


def test_an_incomplete_checklist_is_saved_but_cannot_be_signed(demander, in_talks):
    save(
        demander,
        in_talks,
        personal_info={"involved": True, "measures": "", "confirmed": False},
        minors={"involved": None},
        data_outbound={"involved": True, "measures": "数据不出园区", "confirmed": False},
    )
    with pytest.raises(ServiceError) as exc:
        services.sign_checklist(actor=demander, demand=in_talks, stage="pilot")
    message = exc.value.message
    assert "个人信息（未填写防控措施）" in message
    assert "未成年人（未回答是否涉及）" in message
    assert "数据出域与跨境（未确认" in message
    assert "医疗健康数据" not in message
    assert set(exc.value.errors) == {"personal_info", "minors", "data_outbound"}
    assert RiskChecklist.objects.get().status == Status.DRAFT


def test_a_checklist_never_saved_cannot_be_signed(demander, in_talks):
    with pytest.raises(ServiceError) as exc:
        services.sign_checklist(actor=demander, demand=in_talks, stage="pilot")
    assert all(str(item.title) in exc.value.message for item in checklist.ITEMS)


def test_a_signed_checklist_is_not_signed_twice(demander, in_talks):
    sign_checklist(in_talks, "pilot", actor=demander)
    with pytest.raises(Conflict):
        services.sign_checklist(actor=demander, demand=in_talks, stage="pilot")


def test_an_unknown_stage_is_refused(demander, in_talks):
    with pytest.raises(NotFound):
        save(demander, in_talks, stage="promotion")


def test_a_closed_demands_checklist_cannot_be_changed(demander, in_talks):
    scenario_services.transition_demand(
        actor=demander, demand=in_talks, to_status=S.CLOSED, note="项目取消"
    )
    with pytest.raises(Conflict):
        save(demander, in_talks)


# --- the gate -------------------------------------------------------------------------------------


def test_the_demand_cannot_go_to_pilot_without_a_checklist(demander, in_talks):
    with pytest.raises(Conflict) as exc:
        move(demander, in_talks, S.PILOT)
    assert "试点前风险检查清单" in exc.value.message and "尚未填写" in exc.value.message
    in_talks.refresh_from_db()
    assert in_talks.status == S.IN_TALKS


def test_an_unsigned_checklist_keeps_the_gate_closed_and_says_what_is_missing(demander, in_talks):
    save(demander, in_talks, minors={"involved": None})
    with pytest.raises(Conflict) as exc:
        move(demander, in_talks, S.PILOT)
    assert "尚未签署" in exc.value.message and "未成年人" in exc.value.message


def test_the_office_cannot_bypass_the_gate(office, demander, in_talks):
    save(demander, in_talks)
    with pytest.raises(Conflict):
        move(office, in_talks, S.PILOT)


def test_a_signed_pilot_checklist_opens_the_way_to_pilot(demander, in_talks):
    sign_checklist(in_talks, "pilot", actor=demander)
    assert move(demander, in_talks, S.PILOT).status == S.PILOT


def test_who_may_move_is_checked_before_the_gate(other_demander, in_talks):
    with pytest.raises(PermissionDenied):
        move(other_demander, in_talks, S.PILOT)


def test_editing_a_signed_checklist_reopens_it_and_closes_the_gate(demander, in_talks):
    sign_checklist(in_talks, "pilot", actor=demander)
    reopened = save(
        demander, in_talks, data_outbound={"involved": True, "measures": "仅上传统计结果"}
    )
    assert reopened.status == Status.DRAFT
    assert reopened.signed_by is None and reopened.signed_at is None
    with pytest.raises(Conflict):
        move(demander, in_talks, S.PILOT)
    entry = AuditEntry.objects.filter(action="checklist.save").latest("id")
    assert (entry.before["status"], entry.after["status"]) == ("signed", "draft")
    assert entry.before["data_outbound.involved"] is False
    assert entry.after["data_outbound.involved"] is True
    assert "重新签署" in entry.summary


def test_saving_the_same_answers_keeps_the_signature(demander, in_talks):
    sign_checklist(in_talks, "pilot", actor=demander)
    entries = AuditEntry.objects.count()
    assert save(demander, in_talks).is_signed
    assert AuditEntry.objects.count() == entries


def test_deployment_needs_the_signed_deployment_checklist(demander, office):
    demand = make_demand(demander, status=S.PILOT, office=office)
    assert RiskChecklist.objects.get(demand=demand, stage="pilot").is_signed
    with pytest.raises(Conflict) as exc:
        move(demander, demand, S.DEPLOYED)
    assert "落地前风险检查清单" in exc.value.message
    sign_checklist(demand, "deployment", actor=demander)
    assert move(demander, demand, S.DEPLOYED).status == S.DEPLOYED


def test_the_gate_does_not_touch_other_moves(demander, office, in_talks):
    # closing needs no checklist; nor does promotion after deployment
    demand = make_demand(demander, status=S.DEPLOYED, office=office)
    assert move(office, demand, S.PROMOTED).status == S.PROMOTED
    closed = scenario_services.transition_demand(
        actor=demander, demand=in_talks, to_status=S.CLOSED, note="预算取消"
    )
    assert closed.status == S.CLOSED


# --- selecting a proposal -------------------------------------------------------------------------


def test_selecting_a_proposal_without_the_checklist_keeps_the_demand_in_talks(demander, in_talks):
    proposal = scenario_services.select_proposal(actor=demander, proposal=in_talks.proposal)
    assert proposal.status == ProposalStatus.SELECTED
    in_talks.refresh_from_db()
    assert in_talks.status == S.IN_TALKS


def test_selecting_a_proposal_with_the_signed_checklist_starts_the_pilot(demander, in_talks):
    sign_checklist(in_talks, "pilot", actor=demander)
    scenario_services.select_proposal(actor=demander, proposal=in_talks.proposal)
    in_talks.refresh_from_db()
    assert in_talks.status == S.PILOT
    assert in_talks.transitions.last().note.startswith("选定方案")


def test_the_demand_page_asks_the_demander_to_sign_after_selection(client, demander, in_talks):
    client.force_login(demander)
    response = client.post(
        reverse("scenarios:proposal_action", args=[in_talks.proposal.pk, "select"]), follow=True
    )
    body = response.content.decode()
    assert "试点前风险检查清单" in body
    assert 'id="pilot-waits"' in body
    assert reverse("governance:checklist", args=[in_talks.pk, "pilot"]) in body
    sign_checklist(in_talks, "pilot", actor=demander)
    body = client.get(in_talks.get_absolute_url()).content.decode()
    assert 'id="pilot-waits"' not in body and 'id="pilot-ready"' in body


# --- pages ----------------------------------------------------------------------------------------


def checklist_url(demand, stage="pilot"):
    return reverse("governance:checklist", args=[demand.pk, stage])


def test_the_demand_page_shows_each_stages_checklist_status(client, demander, in_talks):
    client.force_login(demander)
    body = client.get(in_talks.get_absolute_url()).content.decode()
    assert 'id="checklists"' in body
    assert checklist_url(in_talks) in body and checklist_url(in_talks, "deployment") in body
    assert "未填写" in body
    sign_checklist(in_talks, "pilot", actor=demander)
    body = client.get(in_talks.get_absolute_url()).content.decode()
    assert "已签署" in body


def test_the_demand_page_disables_the_move_to_pilot_until_the_checklist_is_signed(
    client, demander, in_talks
):
    client.force_login(demander)
    body = client.get(in_talks.get_absolute_url()).content.decode()
    assert 'disabled title="需求进入“试点”前' in body
    sign_checklist(in_talks, "pilot", actor=demander)
    body = client.get(in_talks.get_absolute_url()).content.decode()
    assert 'disabled title="需求进入“试点”前' not in body
    assert '<button class="btn " data-to="pilot">' in body


def test_the_public_does_not_see_the_checklists_on_the_demand_page(client, in_talks):
    body = client.get(in_talks.get_absolute_url()).content.decode()
    assert 'id="checklists"' not in body


def test_the_demander_fills_and_signs_the_checklist_on_its_page(client, demander, in_talks):
    client.force_login(demander)
    page = client.get(checklist_url(in_talks)).content.decode()
    assert 'id="checklist-form"' in page and "个人信息保护法" in page
    data = checklist_data(in_talks, minors={"involved": True, "measures": ""})
    assert client.post(checklist_url(in_talks), data).status_code == 302
    found = RiskChecklist.objects.get(demand=in_talks, stage="pilot")
    assert found.answers["minors"]["involved"] is True and found.status == Status.DRAFT
    sign_url = reverse("governance:checklist_sign", args=[in_talks.pk, "pilot"])
    refused = client.post(sign_url, follow=True).content.decode()
    assert "未成年人（未填写防控措施）" in refused
    client.post(checklist_url(in_talks), checklist_data(in_talks))
    client.post(sign_url)
    found.refresh_from_db()
    assert found.is_signed and found.signed_by == demander


@pytest.mark.parametrize("who", ["office", "district_officer"])
def test_the_office_and_the_area_officer_read_the_checklist(
    client, request, demander, in_talks, who
):
    sign_checklist(in_talks, "pilot", actor=demander)
    client.force_login(request.getfixturevalue(who))
    response = client.get(checklist_url(in_talks))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="checklist-form"' not in body and "仅供查看" in body
    assert client.post(checklist_url(in_talks), checklist_data(in_talks)).status_code == 403


def test_the_selected_supplier_reads_the_checklist_others_do_not(client, demander, in_talks):
    rival = make_user(Role.SUPPLIER)
    propose(rival, in_talks)
    scenario_services.select_proposal(actor=demander, proposal=in_talks.proposal)
    client.force_login(in_talks.proposal.submitted_by)
    assert client.get(checklist_url(in_talks)).status_code == 200
    client.force_login(rival)
    assert client.get(checklist_url(in_talks)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, in_talks):
    response = client.get(checklist_url(in_talks))
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_unknown_stage_page_is_not_found(client, demander, in_talks):
    client.force_login(demander)
    assert client.get(checklist_url(in_talks, "promotion")).status_code == 404


# --- API ------------------------------------------------------------------------------------------


def api_url(demand, stage="pilot"):
    return f"/api/governance/demands/{demand.pk}/checklists/{stage}"


def answers(demand, **overrides):
    out = {}
    for item in checklist.ITEMS:
        involved = bool(item.flag and getattr(demand, item.flag))
        out[item.code] = {"involved": involved, "measures": "", "confirmed": False}
    out.update(overrides)
    return {"answers": out}


def test_the_api_reads_a_prefilled_checklist_before_it_is_saved(demander, in_talks):
    body = api_as(demander).get(api_url(in_talks)).json()
    assert body["saved"] is False and body["status"] == "draft"
    assert body["complete"] is False
    assert [i["code"] for i in body["items"]] == [item.code for item in checklist.ITEMS]
    assert "个人信息保护法" in body["items"][0]["basis"]


def test_the_api_saves_and_signs(demander, in_talks):
    api = api_as(demander)
    minors = {"involved": True, "measures": "取得监护人同意", "confirmed": False}
    saved = api.put(api_url(in_talks), answers(in_talks, minors=minors))
    assert saved.status_code == 200, saved.content
    assert saved.json()["saved"] is True and saved.json()["incomplete"] == ["未成年人"]
    refused = api.post(api_url(in_talks) + "/sign")
    assert refused.status_code == 400 and "未成年人" in refused.json()["message"]
    minors["confirmed"] = True
    api.put(api_url(in_talks), answers(in_talks, minors=minors))
    signed = api.post(api_url(in_talks) + "/sign")
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert signed.json()["signed_by"] == str(demander)
    moved = api.post(f"/api/demands/{in_talks.pk}/transition", {"to": "pilot"})
    assert moved.status_code == 200, moved.content


def test_the_api_refuses_the_move_to_pilot_with_a_409(demander, in_talks):
    response = api_as(demander).post(f"/api/demands/{in_talks.pk}/transition", {"to": "pilot"})
    assert response.status_code == 409
    assert "风险检查清单" in response.json()["message"]


def test_the_api_lets_readers_read_but_only_the_demander_write(
    office, other_demander, supplier, demander, in_talks
):
    assert api_as(office).get(api_url(in_talks)).status_code == 200
    assert api_as(office).put(api_url(in_talks), answers(in_talks)).status_code == 403
    assert api_as(office).post(api_url(in_talks) + "/sign").status_code == 403
    # a supplier whose proposal was not selected, another demander: not theirs to read
    assert api_as(supplier).get(api_url(in_talks)).status_code == 404
    assert api_as(other_demander).put(api_url(in_talks), answers(in_talks)).status_code == 404
    assert api_as().get(api_url(in_talks)).status_code == 401


def test_the_api_refuses_unknown_items_and_stages(demander, in_talks):
    api = api_as(demander)
    bad = api.put(api_url(in_talks), {"answers": {"weather": {"involved": False}}})
    assert bad.status_code == 400 and "weather" in bad.json()["errors"]
    assert api.get(api_url(in_talks, "promotion")).status_code == 404
