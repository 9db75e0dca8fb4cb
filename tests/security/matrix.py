"""The permission matrix: for every page and every API operation, what each role gets.

Each expectation is a string of outcome letters (walk.py) in the role order of world.ROLES:

    anonymous  pending  demander  supplier  compute  district  office

e.g. "LDODDDO" reads: anonymous is sent to log in, the pending organisation is refused, the
demander gets the page, supplier/compute/district are refused, the office gets it.

Page rules give the GET outcome and, for pages that accept a POST, the outcome of an empty POST
(a refused role must change nothing; a permitted one gets a form error or a redirect). API rules
give the outcome of a call with a small schema-valid body. Objects in URLs come from world.py.

A URL pattern or API operation missing here fails test_matrix_covers_every_url /
test_matrix_covers_every_operation: a new endpoint needs a rule before it can ship.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    get: str
    post: str | None = None
    kwargs: object = None  # world -> URL kwargs


def _pk(name):
    return lambda w: {"pk": getattr(w, name).pk}


def _code(name):
    return lambda w: {"code": getattr(w, name).code}


# Admin pages: Django's admin, for superusers only; nobody in the matrix is staff.
ADMIN_PREFIX = "admin:"
ADMIN_EXPECT = "LLLLLLL"  # everyone is sent to the admin's own login page

PAGES: dict[str, Page] = {
    # set_language
    "set_language": Page("RRRRRRR", "RRRRRRR"),
    # accounts
    "accounts:login": Page("OOOOOOO", "OOOOOOO"),
    "accounts:logout": Page("MMMMMMM", "RRRRRRR"),
    "accounts:register": Page("OOOOOOO", "OOOOOOO"),
    "accounts:review": Page("MMMMMMM", "LRRRRRR"),
    # scenarios
    "scenarios:demand_list": Page("OOOOOOO"),
    "scenarios:demand_create": Page("LRORRRO", "LRORRRO"),
    "scenarios:similar_demands": Page("OOOOOOO"),
    "scenarios:suggest_tags": Page("OOOOOOO"),
    "scenarios:demand_detail": Page("DDODDDD"),
    "scenarios:demand_edit": Page("LDODDDD", "LDODDDD"),
    "scenarios:demand_transition": Page("MMMMMMM", "LDRDDDD"),
    "scenarios:demand_invite": Page("MMMMMMM", "LRRRRRr"),
    "scenarios:proposal_create": Page("LRRORRR", "LRRORRR"),
    "scenarios:proposal_action": Page("MMMMMMM", "LDrRDRr"),
    "scenarios:list_index": Page("OOOOOOO"),
    "scenarios:list_create": Page("LRRRRRO", "LRRRRRO"),
    "scenarios:list_detail": Page("OOOOOOO"),
    "scenarios:list_add": Page("MMMMMMM", "LRRRRRR"),
    "scenarios:list_remove": Page("MMMMMMM", "LRRRRRR"),
    "scenarios:list_publish": Page("MMMMMMM", "LRRRRRR"),
    "scenarios:list_export": Page("OOOOOOO"),
    "scenarios:solution_list": Page("OOOOOOO"),
    "scenarios:solution_create": Page("LRRORRR", "LRRORRR"),
    "scenarios:solution_detail": Page("OOOOOOO"),
    "scenarios:solution_edit": Page("LDDODDO", "LDDODDO"),
    "scenarios:case_create": Page("LDDODDO", "LDDODDO"),
    "scenarios:supplier_list": Page("OOOOOOO"),
    "scenarios:supplier_detail": Page("OOOOOOO"),
    "scenarios:roadshow_list": Page("OOOOOOO"),
    "scenarios:roadshow_create": Page("LRRRRRO", "LRRRRRO"),
    "scenarios:roadshow_detail": Page("OOOOOOO"),
    "scenarios:roadshow_register": Page("MMMMMMM", "LRRRRRR"),
    "scenarios:workbench": Page("LRRRROO"),
    "scenarios:import_demands": Page("LRRRRRO", "LRRRRRO"),
    "scenarios:my": Page("LOOOOOO"),
    "scenarios:credentials": Page("LROOOOO", "LROOOOO"),
    "scenarios:certification_delete": Page("MMMMMMM", "LDDrDDr"),
    "scenarios:filing_delete": Page("MMMMMMM", "LDDrDDr"),
    # programme
    "programme:dashboard": Page("LRRRROO"),
    "programme:indicator_list": Page("LRRRROO"),
    "programme:indicator": Page("LRRRROO"),
    "programme:indicator_settings": Page("LRRRRRO", "LRRRRRO"),
    "programme:areas": Page("LRRRROO"),
    "programme:area": Page("LRRRROO"),
    "programme:sectors": Page("LRRRROO"),
    "programme:sector": Page("LRRRROO"),
    "programme:reports": Page("LRRRROO", "LRRRROO"),
    "programme:import": Page("LRRRROO", "LRRRROO"),
    "programme:template": Page("LRRRROO"),
    "programme:late": Page("LRRRROO"),
    "programme:review": Page("LRRRRRO", "LRRRRRO"),
    "programme:submission": Page("LRRRROO"),
    "programme:submission_action": Page("MMMMMMM", "LRRRRRR"),
    "programme:evidence": Page("LRRRROO"),
    "programme:briefing": Page("LRRRROO"),
    "programme:figures": Page("LRRRROO"),
    # policies
    "policies:document_list": Page("OOOOOOO"),
    "policies:document": Page("OOOOOOO"),
    "policies:profile": Page("LROOOOO", "LRrrrrO"),
    "policies:profile_evidence": Page("LRODDDO"),
    "policies:qualify": Page("LROOOOO", "LROOOOO"),
    "policies:measure_list": Page("OOOOOOO"),
    "policies:measure": Page("OOOOOOO", "RRRRRRr"),
    "policies:notices": Page("LROOOOO", "LRRRRRR"),
    # compute
    "compute:overview": Page("OOOOOOO"),
    "compute:offers": Page("OOOOOOO"),
    "compute:centres": Page("LDDDODO", "LDDDODR"),
    "compute:my_offers": Page("LDDDODO"),
    "compute:offer_edit": Page("LDDDODO", "LDDDODO"),
    "compute:offer_close": Page("MMMMMMM", "LDDDrDr"),
    "compute:provider_orders": Page("LDDDODO"),
    "compute:order_usage": Page("LDDDODO", "LDDDODO"),
    "compute:usage_import": Page("LDDDODO", "LDDDODO"),
    "compute:usage_template": Page("LDDDODO"),
    "compute:run_export": Page("LDDDODO"),
    "compute:applications": Page("LDOODOO", "LDOODOR"),
    "compute:application_withdraw": Page("MMMMMMM", "LDRDDDR"),
    "compute:calculator": Page("LDOODOO"),
    "compute:my_orders": Page("LDOODOO"),
    "compute:runs": Page("LDDDDDO"),
    "compute:run": Page("LDDDDDO", "LDDDDDR"),
    "compute:item_flag": Page("MMMMMMM", "LDDDDDR"),
    "compute:orders": Page("LDDDDDO"),
    "compute:order_complete": Page("MMMMMMM", "LDDDDDR"),
    "compute:ledger": Page("LDDDDDO", "LDDDDDR"),
    "compute:reports": Page("LDDDDDO"),
    # catalogue
    "catalogue:index": Page("OOOOOOO"),
    "catalogue:detail": Page("OOOOOOO"),
    "catalogue:file_download": Page("DDOODDO"),
    "catalogue:dcat": Page("OOOOOOO"),
    "catalogue:croissant": Page("OOOOOOO"),
    "catalogue:create": Page("LDOOOOO", "LDOOOOO"),
    "catalogue:edit": Page("LDODDDD", "LDODDDD"),
    "catalogue:publish": Page("MMMMMMM", "LDDRDDD"),
    "catalogue:withdraw": Page("MMMMMMM", "LDrDDDO"),
    "catalogue:version_add": Page("MMMMMMM", "LDODDDD"),
    "catalogue:file_upload": Page("MMMMMMM", "LDODDDD"),
    "catalogue:file_external": Page("MMMMMMM", "LDODDDD"),
    "catalogue:file_remove": Page("MMMMMMM", "LDrDDDD"),
    "catalogue:links": Page("MMMMMMM", "LDrDDDD"),
    "catalogue:import": Page("LDOOOOO", "LDOOOOO"),
    "catalogue:import_template": Page("LOOOOOO"),
    "catalogue:request_access": Page("MMMMMMM", "LDDOOOD"),
    "catalogue:requests": Page("LOOOOOO"),
    "catalogue:request_agreement": Page("LDDDDDO"),
    "catalogue:request_decide": Page("MMMMMMM", "LDDDDDD"),
    "catalogue:request_revoke": Page("MMMMMMM", "LDDDDDD"),
    "catalogue:request_withdraw": Page("MMMMMMM", "LDDrDDD"),
    "catalogue:assess": Page("MMMMMMM", "LDDDDDO"),
    "catalogue:link_own": Page("MMMMMMM", "LDDDDDD"),
    # governance
    "governance:filings": Page("OOOOOOO"),
    "governance:filing_status": Page("MMMMMMM", "LDDDDDR"),
    "governance:checklist": Page("LDODDOO", "LDrDDDD"),
    "governance:checklist_sign": Page("MMMMMMM", "LDRDDRR"),
    "governance:audit": Page("LDDDDDO"),
    # core
    "core:home": Page("OOOOOOO"),
    "core:healthz": Page("OOOOOOO"),
    "core:readyz": Page("OOOOOOO"),
}

# API operations: "METHOD /api/path" -> expectation
API: dict[str, str] = {
    # auth
    "POST /api/auth/token": "VVVVVVV",
    # me
    "GET /api/me": "UOOOOOO",
    # organisations
    "POST /api/organisations/register": "VVVVVVV",
    "GET /api/organisations": "OOOOOOO",
    "POST /api/organisations/{org_id}/review": "UDDDDDV",
    # sectors
    "GET /api/sectors": "OOOOOOO",
    # areas
    "GET /api/areas": "OOOOOOO",
    # aspects
    "GET /api/aspects": "OOOOOOO",
    # demander-types
    "GET /api/demander-types": "OOOOOOO",
    # tags
    "GET /api/tags": "OOOOOOO",
    # demands
    "GET /api/demands": "OOOOOOO",
    "POST /api/demands": "UDoDDDo",
    "GET /api/demands/{demand_id}": "DDODDDD",
    "PATCH /api/demands/{demand_id}": "UDoDDDD",
    "POST /api/demands/{demand_id}/transition": "UDVDDDD",
    # stats
    "GET /api/stats/demands": "OOOOOOO",
    # demands
    "GET /api/demands/{demand_id}/proposals": "UOOOOOO",
    "POST /api/demands/{demand_id}/proposals": "UDDVDDD",
    # proposals
    "GET /api/proposals": "UOOOOOO",
    "POST /api/proposals/{proposal_id}/shortlist": "UDoDDDo",
    "POST /api/proposals/{proposal_id}/select": "UDVDDDV",
    "POST /api/proposals/{proposal_id}/decline": "UDoDDDo",
    "POST /api/proposals/{proposal_id}/withdraw": "UDDoDDD",
    # demand-lists
    "GET /api/demand-lists": "OOOOOOO",
    "POST /api/demand-lists": "UDDDDDo",
    "GET /api/demand-lists/{list_id}": "OOOOOOO",
    "POST /api/demand-lists/{list_id}/items": "UDDDDDV",
    "POST /api/demand-lists/{list_id}/publish": "UDDDDDV",
    "GET /api/demand-lists/{list_id}/export": "OOOOOOO",
    # imports
    "POST /api/imports/demands": "UDDDDDV",
    # solutions
    "GET /api/solutions": "OOOOOOO",
    "POST /api/solutions": "UDDoDDD",
    "GET /api/solutions/{solution_id}": "OOOOOOO",
    "PATCH /api/solutions/{solution_id}": "UDDoDDo",
    "POST /api/solutions/{solution_id}/cases": "UDDoDDo",
    # suppliers
    "GET /api/suppliers": "OOOOOOO",
    # organisations
    "GET /api/organisations/{org_id}/credentials": "OOOOOOO",
    # certifications
    "POST /api/certifications": "UDooooo",
    "DELETE /api/certifications/{certification_id}": "UDDoDDo",
    # filings
    "POST /api/filings": "UDVVVVV",
    "DELETE /api/filings/{filing_id}": "UDDoDDo",
    # roadshows
    "GET /api/roadshows": "OOOOOOO",
    "POST /api/roadshows": "UDDDDDo",
    "GET /api/roadshows/{roadshow_id}": "OOOOOOO",
    "POST /api/roadshows/{roadshow_id}/register": "UDDVDDD",
    # match
    "GET /api/match/demands/{demand_id}": "OOOOOOO",
    "GET /api/match/solutions/{solution_id}": "OOOOOOO",
    # search
    "GET /api/search": "OOOOOOO",
    # similar
    "POST /api/similar": "OOOOOOO",
    # suggest-tags
    "POST /api/suggest-tags": "OOOOOOO",
    # programme
    "GET /api/programme/indicators": "UDDDDOO",
    "GET /api/programme/indicators/{code}": "UDDDDOO",
    "GET /api/programme/indicators/{code}/progress": "UDDDDOO",
    "GET /api/programme/progress": "UDDDDOO",
    "PUT /api/programme/indicators/{code}/shares": "UDDDDDo",
    "PUT /api/programme/indicators/{code}/responsible": "UDDDDDo",
    "GET /api/programme/periods": "UDDDDOO",
    "GET /api/programme/obligations": "UDDDDOO",
    "GET /api/programme/submissions": "UDDDDOO",
    "POST /api/programme/submissions": "UDDDDVV",
    "GET /api/programme/submissions/{submission_id}": "UDDDDOO",
    "POST /api/programme/submissions/{submission_id}/submit": "UDDDDVV",
    "POST /api/programme/submissions/{submission_id}/approve": "UDDDDDV",
    "POST /api/programme/submissions/{submission_id}/return": "UDDDDDV",
    "POST /api/programme/imports": "UDDDDVV",
    "GET /api/programme/imports/template": "UDDDDOO",
    # policies
    "GET /api/policies/documents": "OOOOOOO",
    "GET /api/policies/documents/{code}": "OOOOOOO",
    "GET /api/policies/measures": "OOOOOOO",
    "GET /api/policies/measures/{rule_id}": "OOOOOOO",
    "POST /api/policies/evaluate": "OOOOOOO",
    "GET /api/policies/profile": "UDOOOOO",
    "PUT /api/policies/profile": "UDooooo",
    "POST /api/policies/profiles/{organisation_id}/verify": "UDDDDDo",
    "GET /api/policies/measures/{rule_id}/qualifying": "UDDDDDO",
    "POST /api/policies/measures/{rule_id}/notices": "UDDDDDo",
    "GET /api/policies/notices": "UDOOOOO",
    # compute
    "GET /api/compute/offers": "OOOOOOO",
    "POST /api/compute/offers": "UDDDVDV",
    "GET /api/compute/programmes": "OOOOOOO",
    "POST /api/compute/quote": "UDVVVVV",
    "POST /api/compute/centres": "UDDDoDD",
    "GET /api/compute/centres": "UOOOOOO",
    "PUT /api/compute/offers/{offer_id}": "UDDDVDV",
    "POST /api/compute/offers/{offer_id}/close": "UDDDoDo",
    "POST /api/compute/applications": "UDVVDVV",
    "GET /api/compute/applications": "UDOOOOO",
    "POST /api/compute/applications/{app_id}/withdraw": "UDVDDDV",
    "POST /api/compute/runs": "UDDDDDo",
    "GET /api/compute/runs": "UDDDDDO",
    "GET /api/compute/runs/{run_id}/items": "UDDDDDO",
    "PATCH /api/compute/runs/{run_id}/items/{item_id}": "UDDDDDV",
    "POST /api/compute/runs/{run_id}/approve": "UDDDDDV",
    "GET /api/compute/runs/{run_id}/export": "UDDDODO",
    "GET /api/compute/orders": "UDOOOOO",
    "POST /api/compute/usage": "UDDDVDV",
    "POST /api/compute/usage/import": "UDDDVDV",
    "POST /api/compute/orders/{order_id}/complete": "UDDDDDV",
    "GET /api/compute/ledger": "UDDDDDO",
    "GET /api/compute/reports": "UDDDDDO",
    "POST /api/compute/programmes/{code}/fund": "UDDDDDo",
    # governance
    "GET /api/governance/filings": "OOOOOOO",
    "GET /api/governance/filings/{filing_id}": "OOOOOOO",
    "POST /api/governance/filings/{filing_id}/status": "UDDDDDV",
    "GET /api/governance/demands/{demand_id}/checklists/{stage}": "UDODDOO",
    "PUT /api/governance/demands/{demand_id}/checklists/{stage}": "UDoDDDD",
    "POST /api/governance/demands/{demand_id}/checklists/{stage}/sign": "UDVDDDD",
    "GET /api/governance/audit": "UDDDDDO",
    # catalogue
    "GET /api/catalogue/entries": "OOOOOOO",
    "POST /api/catalogue/entries": "UDooooo",
    "GET /api/catalogue/entries/{entry_id}": "OOOOOOO",
    "PUT /api/catalogue/entries/{entry_id}": "UDVDDDD",
    "POST /api/catalogue/entries/{entry_id}/publish": "UDVDDDD",
    "POST /api/catalogue/entries/{entry_id}/withdraw": "UDoDDDV",
    "POST /api/catalogue/entries/{entry_id}/quality": "UDDDDDV",
    "PUT /api/catalogue/entries/{entry_id}/links": "UDoDDDD",
    "POST /api/catalogue/entries/{entry_id}/versions": "UDVDDDD",
    "POST /api/catalogue/versions/{version_id}/files": "UDoDDDD",
    "POST /api/catalogue/versions/{version_id}/external-files": "UDVDDDD",
    "DELETE /api/catalogue/files/{file_id}": "UDoDDDD",
    "GET /api/catalogue/files/{file_id}/download": "DDOODDO",
    "POST /api/catalogue/entries/{entry_id}/requests": "UDDVVVD",
    "GET /api/catalogue/requests": "UOOOOOO",
    "POST /api/catalogue/requests/{request_id}/decision": "UDDDDDD",
    "POST /api/catalogue/requests/{request_id}/revoke": "UDDDDDD",
    "POST /api/catalogue/requests/{request_id}/withdraw": "UDDoDDD",
    "GET /api/catalogue/entries/{entry_id}/access-log": "UDODDDO",
}

# Path parameters by name, unless an operation says otherwise.
API_PARAMS = {
    "org_id": lambda w: w.supplier_org.pk,
    "demand_id": lambda w: w.demand_draft.pk,
    "proposal_id": lambda w: w.proposal.pk,
    "list_id": lambda w: w.demand_list.pk,
    "solution_id": lambda w: w.solution.pk,
    "certification_id": lambda w: w.certification.pk,
    "filing_id": lambda w: w.filing.pk,
    "roadshow_id": lambda w: w.roadshow.pk,
    "code": lambda w: w.indicator.code,
    "submission_id": lambda w: w.submission.pk,
    "rule_id": lambda w: w.measure.rule_id,
    "organisation_id": lambda w: w.demander_org.pk,
    "offer_id": lambda w: w.offer.pk,
    "order_id": lambda w: w.order.pk,
    "app_id": lambda w: w.application.pk,
    "run_id": lambda w: w.run.pk,
    "item_id": lambda w: w.run_item.pk,
    "entry_id": lambda w: w.entry_restricted.pk,
    "version_id": lambda w: w.version.pk,
    "file_id": lambda w: w.file_restricted.pk,
    "request_id": lambda w: w.access_request.pk,
    "stage": lambda w: "pilot",
}


def _with(**fns):
    return lambda w: {key: fn(w) for key, fn in fns.items()}


# URL kwargs of the pages that need them.
KWARGS = {
    "accounts:review": _pk("org_for_review"),
    "scenarios:demand_detail": _pk("demand_draft"),
    "scenarios:demand_edit": _pk("demand_draft"),
    "scenarios:demand_transition": _pk("demand_draft"),
    "scenarios:demand_invite": _pk("demand_public"),
    "scenarios:proposal_create": _pk("demand_public"),
    "scenarios:proposal_action": _with(pk=lambda w: w.proposal.pk, action=lambda w: "shortlist"),
    "scenarios:list_detail": _pk("demand_list"),
    "scenarios:list_add": _pk("demand_list"),
    "scenarios:list_remove": _with(
        pk=lambda w: w.demand_list.pk, demand_pk=lambda w: w.demand_list_item.pk
    ),
    "scenarios:list_publish": _pk("demand_list"),
    "scenarios:list_export": _with(pk=lambda w: w.demand_list.pk, fmt=lambda w: "xlsx"),
    "scenarios:solution_detail": _pk("solution"),
    "scenarios:solution_edit": _pk("solution"),
    "scenarios:case_create": _pk("solution"),
    "scenarios:supplier_detail": _pk("supplier_org"),
    "scenarios:roadshow_detail": _pk("roadshow"),
    "scenarios:roadshow_register": _pk("roadshow"),
    "scenarios:certification_delete": _pk("certification"),
    "scenarios:filing_delete": _pk("filing"),
    "programme:indicator": _code("indicator"),
    "programme:indicator_settings": _code("indicator"),
    "programme:area": lambda w: {"code": w.area.code},
    "programme:sector": _code("sector"),
    "programme:submission": _pk("submission"),
    "programme:submission_action": _with(pk=lambda w: w.submission.pk, action=lambda w: "approve"),
    "programme:evidence": _pk("evidence"),
    "programme:briefing": lambda w: {"fmt": "docx"},
    "policies:document": _code("policy_document"),
    "policies:profile_evidence": _pk("profile_evidence"),
    "policies:measure": lambda w: {"rule_id": w.measure.rule_id},
    "compute:offer_edit": _pk("offer"),
    "compute:offer_close": _pk("offer"),
    "compute:order_usage": _pk("order"),
    "compute:run_export": _with(pk=lambda w: w.run.pk, fmt=lambda w: "slurm"),
    "compute:application_withdraw": _pk("application"),
    "compute:run": _pk("run"),
    "compute:item_flag": _with(pk=lambda w: w.run.pk, item_pk=lambda w: w.run_item.pk),
    "compute:order_complete": _pk("order"),
    "catalogue:detail": _pk("entry_restricted"),
    "catalogue:file_download": _pk("file_restricted"),
    "catalogue:croissant": _pk("entry_restricted"),
    "catalogue:edit": _pk("entry_restricted"),
    "catalogue:publish": _pk("entry_draft"),
    "catalogue:withdraw": _pk("entry_restricted"),
    "catalogue:version_add": _pk("entry_restricted"),
    "catalogue:file_upload": _pk("entry_restricted"),
    "catalogue:file_external": _pk("entry_restricted"),
    "catalogue:file_remove": _pk("file_restricted"),
    "catalogue:links": _pk("entry_restricted"),
    "catalogue:request_access": _pk("entry_restricted"),
    "catalogue:request_agreement": _pk("access_request"),
    "catalogue:request_decide": _pk("access_request"),
    "catalogue:request_revoke": _pk("access_request"),
    "catalogue:request_withdraw": _pk("access_request"),
    "catalogue:assess": _pk("entry_restricted"),
    "governance:filing_status": _pk("filing"),
    "governance:checklist": _with(pk=lambda w: w.checklist_demand.pk, stage=lambda w: "pilot"),
    "governance:checklist_sign": _with(pk=lambda w: w.checklist_demand.pk, stage=lambda w: "pilot"),
}

# Operations whose path parameters differ from API_PARAMS.
API_PARAM_OVERRIDES = {
    "POST /api/organisations/{org_id}/review": {"org_id": lambda w: w.org_for_review.pk},
    "POST /api/demands/{demand_id}/proposals": {"demand_id": lambda w: w.demand_public.pk},
    "GET /api/demands/{demand_id}/proposals": {"demand_id": lambda w: w.demand_talks.pk},
    "GET /api/match/demands/{demand_id}": {"demand_id": lambda w: w.demand_public.pk},
    "GET /api/policies/documents/{code}": {"code": lambda w: w.policy_document.code},
    "POST /api/compute/programmes/{code}/fund": {"code": lambda w: w.voucher_programme.code},
}
for _op in (
    "GET /api/governance/demands/{demand_id}/checklists/{stage}",
    "PUT /api/governance/demands/{demand_id}/checklists/{stage}",
    "POST /api/governance/demands/{demand_id}/checklists/{stage}/sign",
):
    API_PARAM_OVERRIDES[_op] = {"demand_id": lambda w: w.checklist_demand.pk}

# Bodies that name real things, where a made-up code would be refused before the permission
# check could speak (references are resolved first; they are public data).
API_BODIES = {
    "POST /api/demands": lambda w: {
        "title": "矩阵·测试需求",
        "sector": w.sector.code,
        "area": w.area.code,
        "demander_type": w.demand_public.demander_type.code,
        "pain_point": "质检依靠人工，漏检率高，需要视觉检测方案。",
    },
    "POST /api/demand-lists/{list_id}/items": lambda w: {"demand_ids": [w.demand_public.pk]},
    "POST /api/programme/submissions": lambda w: {
        "indicator": w.indicator.code,
        "period": "2026-06",
        "area": w.area.code,
        "value": "1",
    },
    "POST /api/catalogue/entries": lambda w: {
        "kind": "dataset",
        "title": "矩阵·测试数据集",
        "summary": "测试用数据集",
        "task": w.entry_restricted.task,
        "licence": "CC-BY-4.0",
    },
}
