"""Pages of enterprise profiles and support measures: the organisation's facts (企业信息), what it
qualifies for and why, the public list of measures with each measure in words, the office's view
of the enterprises a measure would pay with the push of notices (免申即享), and the
organisation's notices.

Thin, like the other modules' views: read through `services`, write through `services`, turn a
ServiceError into a message on the page.
"""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from aiplus.accounts.models import Organisation
from aiplus.core import uploads
from aiplus.core.errors import ServiceError
from aiplus.core.models import Area
from aiplus.core.pagination import paginate, querystring_without_page

from . import engine, services
from . import facts as vocabulary
from .models import EnterpriseProfile, Measure, Notice, ProfileEvidence

BLANK_ROWS = 2  # empty rows offered under each list fact (more appear after saving)
SECTIONS = (
    (engine.ELIGIBLE, "符合条件", "按已填写的企业信息测算，符合以下措施的条件。"),
    (engine.NEEDS_INFO, "补充信息后可判断", "回答下列问题（补充企业信息）后即可判断是否符合。"),
    (
        engine.EXCLUDED,
        "就高不重复或叠加封顶，未计入",
        "同一事项适用多条措施的，按就高不重复原则只计金额最高的一条；可叠加的措施合计不超过规定比例。",
    ),
    (engine.MANUAL, "需评审认定", "以下措施的金额须经评审认定，不能按规则自动测算。"),
    (engine.NOT_ELIGIBLE, "不符合条件", "按已填写的企业信息，不符合以下措施的条件。"),
)


# --- access ---------------------------------------------------------------------------------


def _approved(request):
    """None when the user is an approved member, else a redirect with a message."""
    user = request.user
    if user.role is None and not user.is_superuser:
        messages.error(request, "您的单位尚未通过审核，审核通过后即可填写企业信息。")
        return redirect("core:home")
    if user.organisation is None and not user.is_office:
        messages.error(request, "您的账号未关联单位。")
        return redirect("core:home")
    return None


def _target(request) -> Organisation | None:
    """The organisation a page is about: the user's own; the office may name one (?org=)."""
    org = request.GET.get("org") or request.POST.get("org")
    if org and request.user.is_office:
        if not str(org).isdigit():
            raise Http404
        return get_object_or_404(Organisation, pk=int(org))
    return request.user.organisation


def _on(request) -> dt.date:
    raw = (request.GET.get("on") or "").strip()
    try:
        return dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        messages.warning(request, f"“{raw}”不是有效日期，已按今天测算。")
        return timezone.localdate()


def _here(request, organisation: Organisation | None) -> str:
    url = reverse("policies:profile")
    if organisation is not None and organisation.pk != request.user.organisation_id:
        url += f"?org={organisation.pk}"
    return url


# --- the profile form -----------------------------------------------------------------------


def _str(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _form(facts: dict, errors: dict[str, str]) -> dict:
    """What the profile template renders: the scalar facts as fields, the list facts as tables
    of rows (the filled ones, then blank ones), each with its error."""
    areas = list(Area.objects.values_list("code", "name"))
    scalars = []
    for fact in vocabulary.SCALARS:
        value = facts.get(fact.name)
        choices = areas if fact.kind == vocabulary.AREA else list(fact.choices)
        selected = [_str(v) for v in value] if isinstance(value, list) else []
        scalars.append(
            {
                "fact": fact,
                "value": _str(value) if not isinstance(value, list) else "",
                "selected": selected,
                "choices": choices,
                "none": value == [],
                "error": errors.get(fact.name, ""),
            }
        )
    lists = []
    for fact in vocabulary.LISTS:
        items = facts.get(fact.name)
        items = items if isinstance(items, list) else []
        rows = []
        for i, item in enumerate([*items, *([{}] * BLANK_ROWS)]):
            item = item if isinstance(item, dict) else {}
            cells = [
                {
                    "field": f,
                    "name": f"{fact.name}-{i}-{f.name}",
                    "value": _str(item.get(f.name)),
                    "error": errors.get(f"{fact.name}.{i}.{f.name}", ""),
                }
                for f in fact.fields
            ]
            rows.append({"cells": cells, "error": errors.get(f"{fact.name}.{i}", "")})
        lists.append(
            {
                "fact": fact,
                "rows": rows,
                "count": len(rows),
                "none": facts.get(fact.name) == [],
                "error": errors.get(fact.name, ""),
            }
        )
    shown = {f.name for f in vocabulary.VOCABULARY}
    rest = {k: v for k, v in errors.items() if k.split(".")[0] not in shown}
    return {"scalars": scalars, "lists": lists, "other_errors": rest}


def _facts_from_post(post) -> dict:
    """The facts as submitted (strings); `facts.clean` turns them into values."""
    raw: dict = {}
    for fact in vocabulary.SCALARS:
        if fact.kind == vocabulary.CHOICES:
            chosen = [v for v in post.getlist(fact.name) if v.strip()]
            if chosen or post.get(f"{fact.name}-none"):
                raw[fact.name] = chosen  # none ticked and "没有" ticked: an answer, []
        else:
            raw[fact.name] = post.get(fact.name, "").strip()
    for fact in vocabulary.LISTS:
        try:
            count = min(int(post.get(f"{fact.name}-rows", 0)), vocabulary.MAX_ITEMS + BLANK_ROWS)
        except ValueError:
            count = 0
        items = []
        for i in range(count):
            item = {}
            for f in fact.fields:
                value = post.get(f"{fact.name}-{i}-{f.name}", "").strip()
                if value:
                    item[f.name] = value
            if item:
                items.append(item)
        if items or post.get(f"{fact.name}-none"):
            raw[fact.name] = items
    return raw


@login_required
def profile(request):
    if (resp := _approved(request)) is not None:
        return resp
    if request.user.is_office and not (request.GET.get("org") or request.POST.get("org")):
        return _profiles_for_office(request)
    organisation = _target(request)
    if organisation is None:
        messages.error(request, "您的账号未关联单位。")
        return redirect("core:home")
    user = request.user
    profile_obj = services.profile_of(organisation)
    here = _here(request, organisation)
    can_edit = services.can_edit_profile(user, organisation)
    facts, errors = profile_obj.facts or {}, {}
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "save":
                raw = _facts_from_post(request.POST)
                facts = raw
                services.save_profile(actor=user, organisation=organisation, facts=raw)
                messages.success(request, "企业信息已保存。")
                return redirect(here)
            if action == "evidence":
                upload = request.FILES.get("file")
                if upload is None:
                    raise ServiceError("请选择要上传的文件。")
                services.add_evidence(actor=user, organisation=organisation, upload=upload)
                messages.success(request, "佐证材料已上传。")
                return redirect(here)
            if action == "remove_evidence":
                evidence = get_object_or_404(
                    ProfileEvidence, pk=request.POST.get("evidence") or 0, profile=profile_obj.pk
                )
                services.remove_evidence(actor=user, evidence=evidence)
                messages.success(request, "佐证材料已删除。")
                return redirect(here)
            if action in ("verify", "unverify"):
                if profile_obj.pk is None:
                    raise ServiceError("该单位尚未填写企业信息，不能核验。")
                services.verify_profile(
                    actor=user, profile=profile_obj, verified=action == "verify"
                )
                messages.success(
                    request, "已核验企业信息。" if action == "verify" else "已撤销核验。"
                )
                return redirect(here)
            raise ServiceError("未知的操作。")
        except ServiceError as exc:
            messages.error(request, exc.message)
            errors = exc.errors
    context = {
        "organisation": organisation,
        "profile": profile_obj,
        "own": organisation.pk == user.organisation_id,
        "can_edit": can_edit,
        "form": _form(facts, errors),
        "evidence": list(profile_obj.evidence.all()) if profile_obj.pk else [],
        "facts_json": json.dumps(profile_obj.facts or {}, ensure_ascii=False, indent=2),
        "max_mb": uploads.EVIDENCE_MAX_BYTES // (1024 * 1024),
        "evidence_types": "、".join(sorted(uploads.EVIDENCE_TYPES)),
    }
    return render(request, "policies/profile.html", context)


def _profiles_for_office(request):
    """The office's list of the organisations' profiles, unverified first, to check them."""
    qs = EnterpriseProfile.objects.select_related("organisation", "verified_by").exclude(facts={})
    state = request.GET.get("state", "")
    if state == "unverified":
        qs = qs.filter(verified=False)
    elif state == "verified":
        qs = qs.filter(verified=True)
    q = (request.GET.get("q") or "").replace("\x00", "").strip()
    if q:
        qs = qs.filter(organisation__name__icontains=q)
    context = {
        "page_obj": paginate(request, qs.order_by("verified", "-updated_at")),
        "qs": querystring_without_page(request),
        "state": state,
        "q": q,
        "waiting": EnterpriseProfile.objects.exclude(facts={}).filter(verified=False).count(),
    }
    return render(request, "policies/profile_list.html", context)


@login_required
def evidence_file(request, pk: int):
    """An evidence file, to the organisation's members and the office only."""
    if (resp := _approved(request)) is not None:
        return resp
    evidence = get_object_or_404(ProfileEvidence.objects.select_related("profile"), pk=pk)
    if not (
        request.user.is_office or evidence.profile.organisation_id == request.user.organisation_id
    ):
        raise Http404
    return uploads.serve(evidence.file, evidence.name)


# --- what the organisation qualifies for ----------------------------------------------------


@login_required
def qualify(request):
    if (resp := _approved(request)) is not None:
        return resp
    organisation = _target(request)
    if organisation is None:
        messages.error(request, "您的账号未关联单位。")
        return redirect("core:home")
    profile_obj = services.profile_of(organisation)
    on = _on(request)
    summary = services.summarise(services.evaluate(profile_obj.facts or {}, on=on))
    measures = {m.rule_id: m for m in Measure.objects.all()}
    sections = [
        {
            "status": status,
            "title": title,
            "help": help_text,
            "items": [
                {"result": r, "measure": measures.get(r.rule.id), "note": _note(r)}
                for r in getattr(summary, status)
            ],
        }
        for status, title, help_text in SECTIONS
    ]
    context = {
        "organisation": organisation,
        "profile": profile_obj,
        "own": organisation.pk == request.user.organisation_id,
        "summary": summary,
        "sections": sections,
        "on": on,
        "facts_rows": vocabulary.display(profile_obj.facts or {}),
    }
    return render(request, "policies/qualify.html", context)


def _note(result: engine.Result) -> str:
    """The last note of a trace (就高不重复, the reason a clause is manual …)."""
    notes = [s.text for s in result.steps if s.kind == "note"]
    return notes[-1] if notes else ""


# --- measures -------------------------------------------------------------------------------


def measure_list(request):
    qs = Measure.objects.all()
    instrument = (request.GET.get("instrument") or "").strip()
    document = (request.GET.get("document") or "").strip()
    q = (request.GET.get("q") or "").replace("\x00", "").strip()
    if instrument:
        qs = qs.filter(instrument=instrument)
    if document:
        qs = qs.filter(document_code=document)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(clause__icontains=q))
    context = {
        "page_obj": paginate(request, qs),
        "qs": querystring_without_page(request),
        "instruments": Measure.objects.exclude(instrument="")
        .order_by("instrument")
        .values_list("instrument", flat=True)
        .distinct(),
        "documents": Measure.objects.exclude(document_code="")
        .order_by("document_code")
        .values_list("document_code", flat=True)
        .distinct(),
        "params": {"instrument": instrument, "document": document, "q": q},
    }
    return render(request, "policies/measure_list.html", context)


def measure_detail(request, rule_id: str):
    measure = get_object_or_404(Measure.objects.select_related("document"), rule_id=rule_id)
    rule = services.rule_of(measure)
    user = request.user
    is_office = user.is_authenticated and user.is_office
    if request.method == "POST":
        if not is_office:
            messages.error(request, "只有专班办公室可以推送政策通知。")
            return redirect("policies:measure", rule_id=rule_id)
        try:
            created = services.push_notices(actor=user, measure=measure, on=_on(request))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            if created:
                messages.success(request, f"已向 {len(created)} 家单位推送通知（免申即享）。")
            else:
                messages.info(request, "没有新的可推送单位：已核验且符合条件的单位均已通知。")
        return redirect("policies:measure", rule_id=rule_id)
    context = {
        "measure": measure,
        "rule": rule,
        "words": services.describe(rule) if rule else None,
        "is_office": is_office,
    }
    if is_office and rule is not None and rule.ruleable:
        on = _on(request)
        result = services.qualifying(measure, on=on, actor=user)
        context.update(
            qualifying=result,
            on=on,
            can_push=any(r.verified and not r.notified for r in result.rows),
        )
    return render(request, "policies/measure_detail.html", context)


# --- notices --------------------------------------------------------------------------------


@login_required
def notices(request):
    if (resp := _approved(request)) is not None:
        return resp
    user = request.user
    if request.method == "POST":
        count = services.mark_notices_read(actor=user)
        messages.success(request, f"已将 {count} 条通知标为已读。")
        return redirect("policies:notices")
    if user.is_office:
        qs = Notice.objects.select_related("measure", "organisation", "sent_by")
    else:
        qs = services.notices_of(user.organisation)
    page_obj = paginate(request, qs)
    context = {
        "page_obj": page_obj,
        "qs": querystring_without_page(request),
        "all_sent": user.is_office,
        "unread": services.notices_of(user.organisation).filter(read_at__isnull=True).count(),
    }
    return render(request, "policies/notices.html", context)
