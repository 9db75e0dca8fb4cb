"""Pages of programme monitoring: dashboards, indicators, reporting, review, late reports,
briefings. Writes go through `services`; what a user sees is filtered by `permissions`."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from aiplus.core import uploads
from aiplus.core.errors import ServiceError
from aiplus.core.models import Area, Aspect, Sector
from aiplus.core.pagination import paginate, querystring_without_page
from aiplus.scenarios.downloads import XLSX, attachment

from . import derived, forecast, obligations, permissions, progress, services
from .forms import ReportingForm, ResponsibleForm, ReturnForm, SharesForm, ValueForm
from .models import Evidence, Indicator, Split, Submission
from .models import SubmissionStatus as S
from .periods import parse_key, spans

LABELS = {"value": _("实际值"), "forecast": _("预测"), "target": _("目标")}


LATE_STATES = {obligations.MISSING, obligations.LATE}


def _guard(request):
    """None if the user may see programme monitoring, else a redirect with a message."""
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.get_full_path()}")
    if not permissions.can_view_programme(request.user):
        messages.error(request, "目标监测仅对专班办公室、板块主管和指标责任单位开放。")
        return redirect("core:home")
    return None


def _today(request) -> date:
    return timezone.localdate()


def _num(value) -> float | None:
    return None if value is None else round(float(value), 4)


def _series_chart(p: progress.Progress) -> dict:
    """ECharts data for one indicator: values, target line, forecast to the deadline."""
    points = [[pt.end.isoformat(), _num(pt.value)] for pt in p.points]
    if p.baseline:
        points.insert(0, [p.baseline[0].isoformat(), _num(p.baseline[1])])
    fc = []
    a = p.assessment
    if a and a.fit and p.points:
        last = p.points[-1]
        fc = [
            [last.end.isoformat(), _num(a.fit.at(last.end))],
            [p.indicator.deadline.isoformat(), _num(a.forecast)],
        ]
    return {
        "name": p.indicator.name,
        "unit": p.indicator.unit,
        "points": points,
        "forecast": fc,
        "target": _num(p.target),
        "deadline": p.indicator.deadline.isoformat(),
        "labels": LABELS,
    }


def _aspect_chart(items: list[progress.Progress]) -> dict:
    groups: dict[str, dict[str, int]] = {}
    for p in items:
        groups.setdefault(p.indicator.group_label, {s: 0 for s in forecast.STATUSES})
        groups[p.indicator.group_label][p.status] += 1
    names = list(groups)
    return {
        "groups": names,
        "series": [
            {
                "name": str(progress.STATUS_LABELS[s]),
                "colour": progress.STATUS_COLOURS[s],
                "data": [groups[g][s] for g in names],
            }
            for s in forecast.STATUSES
        ],
    }


@login_required
def dashboard(request):
    if (resp := _guard(request)) is not None:
        return resp
    today = _today(request)
    items = progress.programme_progress(today=today)
    counts = progress.summary(items)
    attention = [p for p in items if p.status in (forecast.BEHIND, forecast.AT_RISK)]
    attention.sort(key=lambda p: (p.status != forecast.BEHIND, p.completion or 0))
    headline = [p for p in items if not p.indicator.aspect_id][:4]
    owed = obligations.summary_for(request.user, today=today)
    pending = Submission.objects.none()
    if permissions.is_office(request.user):
        pending = permissions.submissions_visible_to(request.user).filter(status=S.SUBMITTED)
    return render(
        request,
        "programme/dashboard.html",
        {
            "items": items,
            "counts": [(s, progress.STATUS_LABELS[s], counts[s]) for s in forecast.STATUSES],
            "attention": attention[:10],
            "headline": headline,
            "headline_charts": [
                {"id": f"headline-{n}", "data": _series_chart(p)}
                for n, p in enumerate(headline, start=1)
            ],
            "aspect_chart": _aspect_chart(items),
            "n_late": owed["late_or_missing"],
            "n_outstanding": owed["outstanding"],
            "n_pending": pending.count(),
            "method": progress.method_text(),
            "is_office": permissions.is_office(request.user),
            "today": today,
            "areas": Area.objects.all(),
            "sectors": Sector.objects.all(),
        },
    )


@login_required
def indicator_list(request):
    if (resp := _guard(request)) is not None:
        return resp
    items = progress.programme_progress(today=_today(request))
    aspect, sector = request.GET.get("aspect", ""), request.GET.get("sector", "")
    status, kind, q = (
        request.GET.get("status", ""),
        request.GET.get("kind", ""),
        request.GET.get("q", ""),
    )
    if aspect == "overall":
        items = [p for p in items if not p.indicator.aspect_id]
    elif aspect:
        items = [p for p in items if p.indicator.aspect and p.indicator.aspect.code == aspect]
    if sector:
        items = [p for p in items if sector in {s.code for s in p.indicator.sectors.all()}]
    if status:
        items = [p for p in items if p.status == status]
    if kind:
        items = [p for p in items if p.indicator.kind == kind]
    if q.strip():
        items = [p for p in items if q.strip() in p.indicator.name]
    page_obj = paginate(request, items)
    return render(
        request,
        "programme/indicator_list.html",
        {
            "page_obj": page_obj,
            "qs": querystring_without_page(request),
            "aspects": Aspect.objects.all(),
            "sectors": Sector.objects.all(),
            "statuses": [(s, progress.STATUS_LABELS[s]) for s in forecast.STATUSES],
            "f": {"aspect": aspect, "sector": sector, "status": status, "kind": kind, "q": q},
        },
    )


def _indicator(code: str) -> Indicator:
    return get_object_or_404(
        Indicator.objects.select_related("aspect").prefetch_related(
            "sectors", "responsible", "shares__area", "shares__sector"
        ),
        code=code,
    )


def _value_form(request, indicator: Indicator, today: date, data=None, files=None):
    user = request.user
    periods = [
        s
        for s in spans(indicator.frequency, indicator.start_date, indicator.deadline)
        if s.start <= today
    ][::-1]
    areas = sectors = None
    if indicator.split == Split.AREA:
        areas = Area.objects.all()
        if not permissions.is_office(user):
            areas = areas.filter(pk=permissions.user_area_id(user))
    elif indicator.split == Split.SECTOR:
        shares = [s.sector_id for s in indicator.shares.all() if s.sector_id]
        ids = shares or [s.pk for s in indicator.sectors.all()]
        sectors = Sector.objects.filter(pk__in=ids) if ids else Sector.objects.all()
    initial = {"period": request.GET.get("period") or (periods[1].key if len(periods) > 1 else "")}
    if request.GET.get("area"):
        initial["area"] = request.GET["area"]
    return ValueForm(
        data=data,
        files=files,
        periods=periods,
        areas=areas,
        sectors=sectors,
        initial=initial,
        unit=indicator.unit,
    )


def indicator_detail(request, code: str):
    if (resp := _guard(request)) is not None:
        return resp
    today = _today(request)
    ind = _indicator(code)
    city = progress.compute([ind], today=today)[0]
    form = None
    can_report = not ind.is_derived and (
        permissions.is_office(request.user)
        or (ind.split == Split.AREA and permissions.user_area_id(request.user) is not None)
        or permissions.can_report(request.user, ind)
    )
    if can_report:
        if request.method == "POST":
            form = _value_form(request, ind, today, request.POST, request.FILES)
            if form.is_valid():
                try:
                    span = parse_key(form.cleaned_data["period"])
                    # one form: a refused evidence file must not leave the value saved
                    with transaction.atomic():
                        sub = services.save_value(
                            actor=request.user,
                            indicator=ind,
                            period=services.period_for(span),
                            value=form.cleaned_data["value"],
                            area=form.cleaned_data.get("area"),
                            sector=form.cleaned_data.get("sector"),
                            note=form.cleaned_data["note"],
                            explanation=form.cleaned_data["explanation"],
                            submit="save_draft" not in request.POST,
                        )
                        if form.cleaned_data.get("evidence"):
                            services.add_evidence(
                                actor=request.user,
                                submission=sub,
                                upload=form.cleaned_data["evidence"],
                            )
                    messages.success(
                        request,
                        "已保存草稿。" if sub.status == S.DRAFT else "已提交，等待专班办公室审核。",
                    )
                    return redirect("programme:submission", pk=sub.pk)
                except ServiceError as exc:
                    form.add_error(None, exc.message)
                    for field, msg in exc.errors.items():
                        if field in form.fields:
                            form.add_error(field, msg)
        else:
            form = _value_form(request, ind, today)
    # scopes: the split across areas (all read at once) or sectors, with each one's progress
    scope_rows = []
    if ind.split == Split.SECTOR:
        sectors = Sector.objects.filter(
            Q(pk__in=[sh.sector_id for sh in ind.shares.all()])
            | Q(pk__in=[x.pk for x in ind.sectors.all()])
        )
        scope_rows = [
            {"name": s.name, "p": p}
            for s in sectors
            for p in progress.compute([ind], today=today, sector_id=s.pk)
        ]
    elif ind.split or ind.is_derived:
        by_area = progress.compute_areas([ind], today=today)
        scope_rows = [
            {"name": a.name, "p": by_area[a.pk][ind.pk]}
            for a in Area.objects.all()
            if ind.pk in by_area.get(a.pk, {})
        ]
    history = (
        permissions.submissions_visible_to(request.user)
        .filter(indicator=ind)
        .select_related("period", "area", "sector", "organisation", "reviewed_by", "created_by")
        .order_by("-period__end", "-id")
    )
    page_obj = paginate(request, history)
    source = derived.get(ind.source_key) if ind.is_derived else None
    return render(
        request,
        "programme/indicator_detail.html",
        {
            "ind": ind,
            "p": city,
            "chart": _series_chart(city),
            "scope_rows": scope_rows,
            "scope_chart": {
                "names": [r["name"] for r in scope_rows],
                "values": [_num(r["p"].latest.value) if r["p"].latest else 0 for r in scope_rows],
                "targets": [_num(r["p"].target) for r in scope_rows],
                "unit": ind.unit,
                "labels": LABELS,
            },
            "page_obj": page_obj,
            "form": form,
            "source": source,
            "source_sql": source.query_sql() if source else "",
            "method": progress.method_text(),
            "today": today,
        },
    )


def _pipeline(user, **filters) -> list[tuple]:
    """Scenario demands the user may see, by pipeline stage, within an area or a sector."""
    from django.db.models import Count

    from aiplus.scenarios.choices import PIPELINE
    from aiplus.scenarios.permissions import demands_visible_to

    counts = dict(
        demands_visible_to(user)
        .filter(**filters)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [(s.value, s.label, counts.get(s.value, 0)) for s in PIPELINE]


def indicator_settings(request, code: str):
    """The office names the responsible units and splits a city target across areas/sectors."""
    if (resp := _guard(request)) is not None:
        return resp
    if not permissions.is_office(request.user):
        messages.error(request, "只有专班办公室可以设置责任单位和目标分解。")
        return redirect("programme:indicator", code=code)
    ind = _indicator(code)
    scopes = []
    if ind.split == Split.AREA:
        scopes = list(Area.objects.all())
    elif ind.split == Split.SECTOR:
        scopes = list(ind.sectors.all()) or list(Sector.objects.all())
    current = {(s.area_id or s.sector_id): s.target_value for s in ind.shares.all()}
    data = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if data else None
    responsible = ResponsibleForm(
        data if which == "responsible" else None,
        initial={"organisations": list(ind.responsible.all()), "text": ind.responsible_text},
    )
    shares = SharesForm(
        data if which == "shares" else None, scopes=scopes, current=current, unit=ind.unit
    )
    locked = ind.submissions.exists()
    reporting = ReportingForm(data if which == "reporting" else None, instance=ind, locked=locked)
    try:
        if which == "reporting":
            services.set_reporting(actor=request.user, indicator=ind, data=request.POST)
            messages.success(request, "已保存报送设置。")
            return redirect("programme:indicator", code=code)
        if which == "responsible" and responsible.is_valid():
            services.set_responsible(
                actor=request.user,
                indicator=ind,
                organisations=list(responsible.cleaned_data["organisations"]),
                text=responsible.cleaned_data["text"],
            )
            messages.success(request, "已保存责任单位。")
            return redirect("programme:indicator", code=code)
        if which == "shares" and scopes and shares.is_valid():
            services.set_shares(actor=request.user, indicator=ind, shares=shares.shares())
            messages.success(request, "已保存目标分解。")
            return redirect("programme:indicator", code=code)
    except ServiceError as exc:
        messages.error(request, exc.message)
        for field, msg in exc.errors.items():
            if field in reporting.fields:
                reporting.add_error(field, msg)
    total = sum((v for v in current.values()), Decimal(0))
    return render(
        request,
        "programme/indicator_settings.html",
        {
            "ind": ind,
            "responsible_form": responsible,
            "shares_form": shares if scopes else None,
            "reporting_form": reporting,
            "share_total": total,
        },
    )


def _progress_rows(items, prefix: str = "row"):
    return [
        {"p": p, "chart": _series_chart(p), "id": f"{prefix}-{n}"}
        for n, p in enumerate(items, start=1)
    ]


def area_compare(request):
    """The ten areas side by side: one indicator's values against each area's share, and
    each area's count of indicators by status."""
    if (resp := _guard(request)) is not None:
        return resp
    today = _today(request)
    areas = list(Area.objects.all())
    split, by_area = progress.area_progress(today=today)
    code = request.GET.get("indicator") or (split[0].code if split else "")
    chosen = next((i for i in split if i.code == code), split[0] if split else None)
    summary_rows = []
    for a in areas:
        mine = [p for p in by_area.get(a.pk, {}).values() if p.target is not None]
        summary_rows.append({"area": a, "counts": progress.summary(mine), "n": len(mine)})
    chosen_rows = []
    chart = {
        "names": [a.name for a in areas],
        "values": [],
        "targets": [],
        "unit": "",
        "labels": LABELS,
    }
    if chosen:
        chart["unit"] = chosen.unit
        for a in areas:
            p = by_area.get(a.pk, {}).get(chosen.pk)
            chosen_rows.append({"area": a, "p": p})
            chart["values"].append(_num(p.latest.value) if p and p.latest else 0)
            chart["targets"].append(_num(p.target) if p and p.target is not None else None)
    return render(
        request,
        "programme/areas.html",
        {
            "indicators": split,
            "chosen": chosen,
            "chosen_rows": chosen_rows,
            "summary_rows": summary_rows,
            "statuses": [(s, progress.STATUS_LABELS[s]) for s in forecast.STATUSES],
            "chart": chart,
        },
    )


def area_detail(request, code: str):
    if (resp := _guard(request)) is not None:
        return resp
    area = get_object_or_404(Area, code=code)
    today = _today(request)
    inds = list(
        Indicator.objects.filter(Q(split=Split.AREA) | Q(kind="derived"))
        .prefetch_related("shares", "sectors")
        .select_related("aspect")
    )
    items = progress.compute(inds, today=today, area_id=area.pk)
    late = obligations.obligations_for(
        request.user, today=today, area_id=area.pk, states=LATE_STATES
    )
    return render(
        request,
        "programme/area_detail.html",
        {
            "area": area,
            "rows": _progress_rows(items),
            "late": late[:20],
            "n_late": len(late),
            "pipeline": _pipeline(request.user, area=area),
        },
    )


def sector_index(request):
    if (resp := _guard(request)) is not None:
        return resp
    items = progress.programme_progress(today=_today(request))
    rows = []
    for s in Sector.objects.all():
        mine = [p for p in items if s in p.indicator.sectors.all()]
        counts = progress.summary(mine)
        rows.append({"sector": s, "n": len(mine), "counts": counts})
    page_obj = paginate(request, rows)
    return render(request, "programme/sectors.html", {"page_obj": page_obj})


def sector_detail(request, code: str):
    if (resp := _guard(request)) is not None:
        return resp
    sector = get_object_or_404(Sector, code=code)
    today = _today(request)
    related = list(
        Indicator.objects.filter(Q(sectors=sector) | Q(split=Split.SECTOR) | Q(kind="derived"))
        .distinct()
        .prefetch_related("shares", "sectors")
        .select_related("aspect")
    )
    city = [
        p for p in progress.compute(related, today=today) if sector in p.indicator.sectors.all()
    ]
    own = progress.compute(
        [i for i in related if i.split == Split.SECTOR or i.is_derived],
        today=today,
        sector_id=sector.pk,
    )
    return render(
        request,
        "programme/sector_detail.html",
        {
            "sector": sector,
            "rows": _progress_rows(city, "city"),
            "own_rows": _progress_rows(own, "own"),
            "pipeline": _pipeline(request.user, sector=sector),
        },
    )


def reports(request):
    """What the user owes, most urgent first, with links to report each one."""
    if (resp := _guard(request)) is not None:
        return resp
    today = _today(request)
    state = request.GET.get("state", "outstanding")
    if state == "outstanding":
        wanted = set(obligations.OUTSTANDING)
    elif state in obligations.STATE_LABELS:
        wanted = {state}
    else:
        state, wanted = "", None
    owed = obligations.obligations_for(request.user, today=today, states=wanted)
    page_obj = paginate(request, owed)
    mine = (
        Submission.objects.filter(organisation_id=request.user.organisation_id)
        .select_related("indicator", "period", "area", "sector")
        .order_by("-updated_at")
    )
    return render(
        request,
        "programme/reports.html",
        {
            "page_obj": page_obj,
            "qs": querystring_without_page(request),
            "state": state,
            "states": [("outstanding", "待办")] + list(obligations.STATE_LABELS.items()),
            "mine": paginate(request, mine, param="mine"),
            "today": today,
        },
    )


def late(request):
    """Missing and late reports (office: everyone's; an area officer: its own)."""
    if (resp := _guard(request)) is not None:
        return resp
    today = _today(request)
    kind = request.GET.get("state", "")
    wanted = {kind} if kind in LATE_STATES else LATE_STATES
    rows = obligations.obligations_for(request.user, today=today, states=wanted)
    by_owner: dict[str, int] = defaultdict(int)
    for o in rows:
        by_owner[o.owner_label] += 1
    return render(
        request,
        "programme/late.html",
        {
            "page_obj": paginate(request, rows),
            "qs": querystring_without_page(request),
            "state": kind,
            "by_owner": sorted(by_owner.items(), key=lambda kv: -kv[1])[:15],
            "today": today,
        },
    )


def review(request):
    if (resp := _guard(request)) is not None:
        return resp
    if not permissions.is_office(request.user):
        messages.error(request, "审核仅对专班办公室开放。")
        return redirect("programme:dashboard")
    queue = (
        permissions.submissions_visible_to(request.user)
        .filter(status=S.SUBMITTED)
        .select_related("indicator", "period", "area", "sector", "organisation", "created_by")
        .order_by("submitted_at")
    )
    return render(
        request,
        "programme/review.html",
        {"page_obj": paginate(request, queue), "return_form": ReturnForm()},
    )


def _visible_submission(request, pk: int) -> Submission:
    sub = (
        permissions.submissions_visible_to(request.user)
        .select_related("indicator", "period", "area", "sector", "organisation", "replaces")
        .filter(pk=pk)
        .first()
    )
    if sub is None:
        raise Http404("没有找到该报送记录，或您无权查看。")
    return sub


def submission_detail(request, pk: int):
    if (resp := _guard(request)) is not None:
        return resp
    sub = _visible_submission(request, pk)
    chain, node = [], sub.replaces
    while node is not None and len(chain) < 50:
        chain.append(node)
        node = node.replaces
    later = list(
        permissions.submissions_visible_to(request.user)
        .filter(replaces=sub)
        .select_related("period")
    )
    mine = sub.organisation_id == request.user.organisation_id or permissions.is_office(
        request.user
    )
    return render(
        request,
        "programme/submission_detail.html",
        {
            "sub": sub,
            "chain": chain,
            "later": later,
            "evidence": sub.evidence.all(),
            "can_review": sub.status == S.SUBMITTED and permissions.can_review(request.user, sub),
            "can_submit": mine and sub.status in (S.DRAFT, S.RETURNED),
            "can_upload": mine and sub.status in (S.DRAFT, S.SUBMITTED, S.RETURNED),
            "return_form": ReturnForm(),
        },
    )


@require_POST
def submission_action(request, pk: int, action: str):
    if (resp := _guard(request)) is not None:
        return resp
    sub = _visible_submission(request, pk)
    note = request.POST.get("note", "")
    try:
        if action == "approve":
            services.approve(actor=request.user, submission=sub, note=note)
            messages.success(request, f"已审定：{sub}")
        elif action == "return":
            services.return_submission(actor=request.user, submission=sub, note=note)
            messages.success(request, f"已退回：{sub}")
        elif action == "submit":
            sub = services.submit_draft(actor=request.user, submission=sub)
            messages.success(request, "已提交，等待专班办公室审核。")
        elif action == "evidence":
            upload = request.FILES.get("file")
            if upload is None:
                raise ServiceError("请选择要上传的文件。")
            services.add_evidence(actor=request.user, submission=sub, upload=upload)
            messages.success(request, "已上传佐证材料。")
        else:
            raise Http404
    except ServiceError as exc:
        detail = "；".join(exc.errors.values()) if exc.errors else ""
        messages.error(
            request,
            f"{exc.message}{(' ' + detail) if detail and detail not in exc.message else ''}",
        )
    if request.POST.get("next") == "review":
        return redirect("programme:review")
    return redirect("programme:submission", pk=sub.pk)


def evidence_file(request, pk: int):
    """An evidence file, only to users who may see its submission."""
    if (resp := _guard(request)) is not None:
        return resp
    evidence = get_object_or_404(Evidence.objects.select_related("submission"), pk=pk)
    _visible_submission(request, evidence.submission_id)
    return uploads.serve(evidence.file, evidence.name)


def briefing(request, fmt: str):
    if (resp := _guard(request)) is not None:
        return resp
    from . import briefing as brief

    if fmt not in ("docx", "pdf"):
        raise Http404("简报仅提供 docx 和 pdf 格式。")
    today = _today(request)
    owed = obligations.obligations_for(request.user, today=today, states=LATE_STATES)
    content = brief.build_briefing(today=today, user=request.user, obligations=owed)
    if fmt == "docx":
        body = brief.briefing_docx(content)
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        body = brief.briefing_pdf(content)
        ctype = "application/pdf"
    return attachment(
        body,
        content_type=ctype,
        filename=f"工作简报-{today:%Y%m%d}.{fmt}",
        ascii_name=f"briefing-{today:%Y%m%d}.{fmt}",
    )


def figures(request):
    if (resp := _guard(request)) is not None:
        return resp
    from . import briefing as brief

    body = brief.figures_xlsx(user=request.user)
    today = _today(request)
    return attachment(
        body,
        content_type=XLSX,
        filename=f"指标数据-{today:%Y%m%d}.xlsx",
        ascii_name=f"programme-figures-{today:%Y%m%d}.xlsx",
    )


def import_values(request):
    if (resp := _guard(request)) is not None:
        return resp
    from . import io as pio

    errors = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要导入的 .xlsx 文件。")
        else:
            try:
                result = pio.import_values_xlsx(
                    actor=request.user, file=upload, period_key=request.POST.get("period") or None
                )
                messages.success(request, f"已导入 {result.created} 条数值，等待专班办公室审核。")
                return redirect("programme:reports")
            except ServiceError as exc:
                messages.error(request, exc.message)
                errors = getattr(exc, "errors", None) or []
                if isinstance(errors, dict):
                    errors = [f"{k}：{v}" for k, v in errors.items()]
    return render(request, "programme/import.html", {"errors": errors})


def import_template(request):
    if (resp := _guard(request)) is not None:
        return resp
    from . import io as pio

    body = pio.template_xlsx(user=request.user)
    return attachment(
        body, content_type=XLSX, filename="指标报送模板.xlsx", ascii_name="programme-template.xlsx"
    )
