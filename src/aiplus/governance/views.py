"""Pages of safety governance (安全治理): the algorithm filing registry (public; the office
changes a filing's status there), a demand's risk checklists (the demander fills and signs;
the office, the area's officer and the selected supplier read) and the audit log (the office).

Thin like the other modules' pages: read through `permissions` querysets, write through
`services`, turn a ServiceError into a message (and field errors) on the page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aiplus.core.errors import ServiceError
from aiplus.core.models import Area
from aiplus.core.pagination import paginate, querystring_without_page
from aiplus.scenarios import permissions as scenario_permissions
from aiplus.scenarios.choices import DemandStatus

from . import auditlog, checklist, checklists, permissions, services
from .filters import filter_filings
from .forms import ChecklistForm
from .models import AlgorithmFiling, RiskChecklist

FILINGS_INDICATOR = "algorithm-filings"
FILINGS_SOURCE = "governance.filings"


def forbidden(request, message: str):
    return render(request, "governance/forbidden.html", {"message": message}, status=403)


def office_only(view):
    """Signed-in office users; others get a 403 page, anonymous users the login page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not permissions.is_office(request.user):
            return forbidden(request, str(gettext_lazy("此页面仅对专班办公室开放。")))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def nav(request) -> dict:
    return {"is_office": permissions.is_office(request.user)}


# --- algorithm filings ----------------------------------------------------------------------


def _filings_target() -> dict | None:
    """The programme indicator counting filings, with its current value (the same derived
    source the programme pages use), or None when the city pack has no such indicator."""
    from aiplus.programme import derived
    from aiplus.programme.models import Indicator

    indicator = Indicator.objects.filter(code=FILINGS_INDICATOR).first()
    if indicator is None:
        return None
    source = derived.get(indicator.source_key or FILINGS_SOURCE)
    current = derived.count_until(source.all_events(), timezone.localdate()) if source else None
    return {"indicator": indicator, "current": current}


def _counts(qs) -> dict:
    """Filings by kind, each with its numbers by status (the statuses the user sees)."""
    found = {
        (r["kind"], r["status"]): r["n"]
        for r in qs.order_by().values("kind", "status").annotate(n=Count("id"))
    }
    statuses = [s for s in AlgorithmFiling.Status if any(k[1] == s for k in found)]
    rows = []
    for kind in AlgorithmFiling.Kind:
        numbers = [(s.label, found.get((kind.value, s.value), 0)) for s in statuses]
        rows.append(
            {"label": kind.label, "by_status": numbers, "total": sum(n for _l, n in numbers)}
        )
    return {"rows": rows, "split": len(statuses) > 1, "total": sum(found.values())}


def filings(request):
    """The registry: filed filings for everyone (the office: all), searchable and filtered."""
    visible = permissions.filings_visible_to(request.user)
    params = {key: (request.GET.get(key) or "").strip() for key in ("q", "kind", "status", "area")}
    qs = filter_filings(visible.select_related("organisation__area"), **params)
    context = {
        "page_obj": paginate(request, qs.order_by("-filed_on", "-id")),
        "qs": querystring_without_page(request),
        "params": params,
        "kinds": AlgorithmFiling.Kind.choices,
        "statuses": AlgorithmFiling.Status.choices,
        "areas": Area.objects.all(),
        "counts": _counts(visible),
        "target": _filings_target(),
        "today": timezone.localdate(),
        **nav(request),
    }
    return render(request, "governance/filings.html", context)


@require_POST
@office_only
def filing_status(request, pk: int):
    """The office records a filing's outcome (filed with number and date, or revoked)."""
    filing = get_object_or_404(AlgorithmFiling, pk=pk)
    try:
        services.set_filing_status(actor=request.user, filing=filing, data=request.POST)
    except ServiceError as exc:
        messages.error(request, " ".join([exc.message, *exc.errors.values()]))
    else:
        filing.refresh_from_db()
        messages.success(
            request,
            _("“%(name)s”已变更为“%(status)s”。")
            % {"name": filing.name, "status": filing.get_status_display()},
        )
    back = reverse("governance:filings")
    qs = request.POST.get("qs", "")
    return redirect(f"{back}?{qs}" if qs else back)


# --- risk checklists ------------------------------------------------------------------------


def _demand_and_stage(request, pk: int, stage: str):
    if stage not in RiskChecklist.Stage.values:
        raise Http404
    demand = get_object_or_404(
        scenario_permissions.demands_visible_to(request.user).select_related(
            "demander", "sector", "area"
        ),
        pk=pk,
    )
    return demand, stage


def _blocks(found: RiskChecklist):
    """Each item with its stored answer and what is missing, for reading."""
    answers = checklist.normalise(found.answers)
    problems = dict(checklist.incomplete(answers))
    return [(item, answers[item.code], problems.get(item, "")) for item in checklist.ITEMS]


@login_required
def checklist_page(request, pk: int, stage: str):
    """A stage's checklist: the demander fills and saves it (a draft) and signs it; the office,
    the area's officer and the selected supplier read it."""
    demand, stage = _demand_and_stage(request, pk, stage)
    user = request.user
    if not permissions.can_view_checklist(user, demand):
        return forbidden(
            request,
            _("风险检查清单仅对需求单位、专班办公室、所在板块主管和选定的供给方开放。"),
        )
    found = checklists.current(demand, stage)
    can_edit = permissions.can_edit_checklist(user, demand) and demand.status != DemandStatus.CLOSED
    initial = ChecklistForm.initial_for(found.answers)
    form = ChecklistForm(request.POST if request.method == "POST" else None, initial=initial)
    here = reverse("governance:checklist", args=[demand.pk, stage])
    if request.method == "POST":
        if not can_edit:
            return forbidden(request, _("只有需求单位的成员可以填写风险检查清单。"))
        was_signed = found.is_signed
        try:
            saved = services.save_checklist(
                actor=user, demand=demand, stage=stage, data=request.POST
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            for field, msg in exc.errors.items():
                if field in form.fields and field not in form.errors:
                    form.add_error(field, msg)
        else:
            if was_signed and not saved.is_signed:
                messages.warning(request, _("清单已修改并改为草稿，请重新签署。"))
            else:
                messages.success(request, _("风险检查清单已保存。"))
            return redirect(here)
    blocks = _blocks(found)
    context = {
        "demand": demand,
        "stage": stage,
        "stage_label": RiskChecklist.Stage(stage).label,
        "checklist": found,
        "form": form,
        "blocks": blocks,
        "form_blocks": list(form.blocks()),
        "missing": [(item, why) for item, _answer, why in blocks if why],
        "can_edit": can_edit,
        "opens": DemandStatus(STAGE_MOVES[stage][1]).label,
    }
    return render(request, "governance/checklist.html", context)


# The move each stage's checklist opens: (the status it waits in, the status it may go to).
STAGE_MOVES = {
    RiskChecklist.Stage.PILOT: (DemandStatus.IN_TALKS, DemandStatus.PILOT),
    RiskChecklist.Stage.DEPLOYMENT: (DemandStatus.PILOT, DemandStatus.DEPLOYED),
}


@require_POST
@login_required
def checklist_sign(request, pk: int, stage: str):
    demand, stage = _demand_and_stage(request, pk, stage)
    if not permissions.can_view_checklist(request.user, demand):
        raise Http404
    try:
        services.sign_checklist(actor=request.user, demand=demand, stage=stage)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("风险检查清单已签署。"))
        waiting, opens = STAGE_MOVES[stage]
        demand.refresh_from_db(fields=["status"])
        if demand.status == waiting:
            messages.info(
                request,
                _("现在可以在需求页面将需求变更为“%(status)s”。")
                % {"status": DemandStatus(opens).label},
            )
    return redirect("governance:checklist", pk=demand.pk, stage=stage)


# --- the audit log --------------------------------------------------------------------------


def _audit_row(entry) -> dict:
    changes = auditlog.diff(entry)
    return {
        "entry": entry,
        "type_label": auditlog.type_label(entry.object_type),
        "changed": [c for c in changes if c.changed],
        "unchanged": [c for c in changes if not c.changed],
    }


AUDIT_FILTERS = ("actor", "action", "object_type", "date_from", "date_to", "q")


@office_only
def audit(request):
    """Every state change, newest first, searchable; before/after field by field."""
    params = {key: (request.GET.get(key) or "").strip() for key in AUDIT_FILTERS}
    qs = auditlog.filter_entries(
        auditlog.entries(),
        actor=params["actor"],
        action=params["action"],
        object_type=params["object_type"],
        date_from=auditlog.parse_date(params["date_from"]),
        date_to=auditlog.parse_date(params["date_to"]),
        q=params["q"],
    )
    page_obj = paginate(request, qs)
    context = {
        "page_obj": page_obj,
        "rows": [_audit_row(entry) for entry in page_obj],
        "qs": querystring_without_page(request),
        "params": params,
        "types": auditlog.type_choices(),
        "actions": auditlog.action_choices(),
        **nav(request),
    }
    return render(request, "governance/audit.html", context)
