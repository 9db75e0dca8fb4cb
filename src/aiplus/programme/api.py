"""Programme monitoring API: indicators and their progress, reporting periods, what each unit
owes, reported values and their review, spreadsheet import, target splits.

Every endpoint needs a signed-in user of an approved organisation who may see the programme
(`permissions.can_view_programme`: the office, district officers, responsible units); others get
a 403. Values a caller may not see are a 404. Handlers turn codes and period keys into objects,
call a service for every write and return a schema; refusals are `ServiceError`s, which the API
root renders as JSON.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Q, QuerySet
from django.shortcuts import get_object_or_404
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from aiplus.accounts.models import Organisation
from aiplus.core.errors import NotFound, PermissionDenied, ServiceError
from aiplus.core.models import Area, Sector
from aiplus.core.schemas import ErrorOut, Page
from aiplus.scenarios.downloads import XLSX, attachment

from . import derived, forecast, io, permissions, progress, services
from .models import Indicator, Split, Submission
from .obligations import OUTSTANDING, obligations_for
from .periods import Span, parse_key, spans
from .schemas import (
    IndicatorDetailOut,
    IndicatorFilter,
    IndicatorOut,
    ObligationOut,
    ObligationQuery,
    PeriodOut,
    PeriodQuery,
    ProgrammeProgressOut,
    ProgressOut,
    ProgressQuery,
    ResponsibleIn,
    SharesIn,
    SubmissionDetailOut,
    SubmissionIn,
    SubmissionOut,
    SubmissionQuery,
    SubmissionReviewIn,
    ValuesImportOut,
)

router = Router(tags=["programme"])

INVALID = "提交的内容有误，请按提示修改。"


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ErrorOut for code in codes}


# --- who is asking ---------------------------------------------------------------------------


def _viewer(request):
    user = request.user
    if not permissions.can_view_programme(user):
        raise PermissionDenied("您无权查看行动方案监测数据。")
    return user


def _office(request):
    user = _viewer(request)
    if not permissions.is_office(user):
        raise PermissionDenied("只有专班办公室可以进行此操作。")
    return user


# --- input conversion ------------------------------------------------------------------------


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _ref(model, code: str | None, field: str):
    """The reference row with this code (None when not given), or a 400 naming the field."""
    code = _clean(code)
    if not code:
        return None
    obj = model.objects.filter(code=code).first()
    if obj is None:
        raise ServiceError(INVALID, {field: f"未知的代码：{code}"})
    return obj


def _span(key: str | None, field: str = "period") -> Span | None:
    key = _clean(key)
    if not key:
        return None
    span = parse_key(key)
    if span is None:
        raise ServiceError(
            INVALID, {field: f"无法识别的报告期“{key}”，请填写如 2026-03、2026年3月 或 2026Q1。"}
        )
    return span


def _indicators() -> QuerySet[Indicator]:
    return Indicator.objects.select_related("aspect").prefetch_related(
        "responsible", "sectors", "shares__area", "shares__sector"
    )


def _indicator(code: str) -> Indicator:
    return get_object_or_404(_indicators(), code=code)


def _indicator_by_code(code: str | None, field: str = "indicator") -> Indicator | None:
    code = _clean(code)
    if not code:
        return None
    ind = _indicators().filter(code=code).first()
    if ind is None:
        raise ServiceError(INVALID, {field: f"未知的指标代码：{code}"})
    return ind


# --- output ----------------------------------------------------------------------------------


def _dec(value: Decimal | None) -> Decimal | None:
    """A Decimal without the database's trailing zeros (3000.0000 → 3000)."""
    return None if value is None else Decimal(format(value.normalize(), "f"))


def _slice(items: list, params) -> dict:
    return {"items": items[params.offset : params.offset + params.limit], "count": len(items)}


def _point(p: progress.Point | None) -> dict | None:
    if p is None:
        return None
    return {
        "key": p.key,
        "label": p.label,
        "end": p.end,
        "value": p.value,
        "reported": p.reported,
        "expected": p.expected,
    }


def _baseline(ind: Indicator) -> dict | None:
    if ind.baseline_value is None:
        return None
    return {
        "value": _dec(ind.baseline_value),
        "date": ind.baseline_date,
        "source": ind.baseline_source,
    }


def _status(p: progress.Progress | None) -> dict:
    status = p.status if p else forecast.NO_DATA
    return {"status": status, "status_label": str(progress.STATUS_LABELS[status])}


def _indicator_row(ind: Indicator, p: progress.Progress | None) -> dict:
    return {
        "code": ind.code,
        "name": ind.name,
        "group": ind.group_label,
        "aspect": ind.aspect,
        "unit": ind.unit,
        "direction": ind.direction,
        "direction_label": ind.get_direction_display(),
        "strict": ind.strict,
        "target_value": _dec(ind.target_value),
        "target_text": ind.target_text,
        "deadline": ind.deadline,
        "deadline_text": ind.deadline_text,
        "baseline": _baseline(ind),
        "kind": ind.kind,
        "kind_label": ind.get_kind_display(),
        "source_key": ind.source_key,
        "accumulation": ind.accumulation,
        "accumulation_label": ind.get_accumulation_display(),
        "frequency": ind.frequency,
        "frequency_label": ind.get_frequency_display(),
        "split": ind.split,
        "split_label": ind.get_split_display(),
        "responsible": [o.name for o in ind.responsible.all()],
        "responsible_text": ind.responsible_text,
        "latest": _point(p.latest) if p else None,
        "completion": p.completion if p else None,
        "forecast": p.forecast if p else None,
        **_status(p),
    }


def _city_progress() -> dict[int, progress.Progress]:
    return {p.indicator.pk: p for p in progress.programme_progress()}


def _one(ind: Indicator, *, area: Area | None = None, sector: Sector | None = None):
    found = progress.compute(
        [ind], area_id=area.pk if area else None, sector_id=sector.pk if sector else None
    )
    return found[0] if found else None


def _shares(ind: Indicator) -> list[dict]:
    """Each area's or sector's target (null without a split) and where it stands."""
    if ind.split not in (Split.AREA, Split.SECTOR):
        return []
    shares = list(ind.shares.all())
    if ind.split == Split.AREA:
        scopes = [(s.area, None, s.target_value) for s in shares if s.area_id] or [
            (a, None, None) for a in Area.objects.all()
        ]
    else:
        scopes = [(None, s.sector, s.target_value) for s in shares if s.sector_id] or [
            (None, s, None) for s in (list(ind.sectors.all()) or Sector.objects.all())
        ]
    out = []
    for area, sector, target in scopes:
        p = _one(ind, area=area, sector=sector)
        out.append(
            {
                "area": area,
                "sector": sector,
                "target": _dec(target),
                "latest": _point(p.latest) if p else None,
                "completion": p.completion if p else None,
                **_status(p),
            }
        )
    return out


def _indicator_detail(ind: Indicator) -> dict:
    p = _one(ind)
    src = derived.get(ind.source_key) if ind.is_derived else None
    return {
        **_indicator_row(ind, p),
        "focus": ind.focus,
        "sectors": list(ind.sectors.all()),
        "responsible_organisations": list(ind.responsible.all()),
        "start_date": ind.start_date,
        "jump_band": _dec(ind.jump_band),
        "due_days": ind.due_days,
        "source": ind.source,
        "note": ind.note,
        "series": [_point(x) for x in p.points] if p else [],
        "shares": _shares(ind),
        "derived": (
            {
                "source_key": src.key,
                "label": src.label,
                "description": src.description,
                "sql": src.query_sql(),
            }
            if src
            else None
        ),
        "method": progress.method_text(),
    }


def _period(span: Span) -> dict:
    return {
        "key": span.key,
        "label": span.label,
        "frequency": span.frequency,
        "start": span.start,
        "end": span.end,
    }


def _visible(request) -> QuerySet[Submission]:
    return permissions.submissions_visible_to(request.user).select_related(
        "indicator", "period", "area", "sector", "organisation", "created_by", "reviewed_by"
    )


def _submission(pk: int) -> Submission:
    return (
        Submission.objects.select_related(
            "indicator", "period", "area", "sector", "organisation", "created_by", "reviewed_by"
        )
        .prefetch_related("evidence")
        .get(pk=pk)
    )


# --- indicators and progress -----------------------------------------------------------------


@router.get(
    "/programme/indicators",
    response={200: Page[IndicatorOut], **_errors(401, 403, 422)},
    summary="行动方案指标及其进度（可按行动方面、领域、类型、进度状态筛选）",
)
def list_indicators(request, filters: Query[IndicatorFilter]):
    _viewer(request)
    # The cached city progress carries each indicator with its aspect, sectors and shares;
    # filter it and build rows only for the requested page.
    found = progress.programme_progress()
    if aspect := _clean(filters.aspect):
        found = [p for p in found if p.indicator.aspect and p.indicator.aspect.code == aspect]
    if sector := _clean(filters.sector):
        ids = set(
            Indicator.objects.filter(
                Q(sectors__code=sector) | Q(shares__sector__code=sector)
            ).values_list("pk", flat=True)
        )
        found = [p for p in found if p.indicator.pk in ids]
    if filters.kind:
        found = [p for p in found if p.indicator.kind == filters.kind]
    if filters.status:
        found = [p for p in found if p.status == filters.status]
    page = found[filters.offset : filters.offset + filters.limit]
    return {"items": [_indicator_row(p.indicator, p) for p in page], "count": len(found)}


@router.get(
    "/programme/indicators/{code}",
    response={200: IndicatorDetailOut, **_errors(401, 403, 404)},
    summary="指标详情：历次数值、目标分解、统计口径与预测方法",
)
def get_indicator(request, code: str):
    _viewer(request)
    return _indicator_detail(_indicator(code))


@router.get(
    "/programme/indicators/{code}/progress",
    response={200: ProgressOut, **_errors(400, 401, 403, 404, 422)},
    summary="指标进度：全市，或某板块/领域（其分解目标）",
)
def get_indicator_progress(request, code: str, query: Query[ProgressQuery]):
    _viewer(request)
    ind = _indicator(code)
    area = _ref(Area, query.area, "area")
    sector = _ref(Sector, query.sector, "sector")
    if area and sector:
        raise ServiceError(INVALID, {"sector": "板块和领域只能选择其一。"})
    p = _one(ind, area=area, sector=sector)
    if p is None:
        what = "板块" if area else "领域"
        raise ServiceError(
            f"“{ind.name}”不按{what}统计，或该{what}没有分解目标。",
            {"area" if area else "sector": f"该指标不按{what}统计。"},
        )
    assessment = p.assessment
    baseline = None
    if p.baseline:
        day, _value = p.baseline
        baseline = {"value": _dec(ind.baseline_value), "date": day, "source": ind.baseline_source}
    return {
        "indicator": ind,
        "scope": {
            "area": area,
            "sector": sector,
            "label": area.name if area else sector.name if sector else "全市",
        },
        "target": p.target,
        "baseline": baseline,
        "series": [_point(x) for x in p.points],
        "latest": _point(p.latest),
        "change": p.change,
        "completion": p.completion,
        "forecast": p.forecast,
        "progress": assessment.progress if assessment else None,
        "expected_progress": assessment.expected_progress if assessment else None,
        **_status(p),
        "method": progress.method_text(),
    }


@router.get(
    "/programme/progress",
    response={200: ProgrammeProgressOut, **_errors(401, 403)},
    summary="行动方案总体进度：按状态、按行动方面统计，及各指标简表",
)
def programme_progress(request):
    _viewer(request)
    progresses = progress.programme_progress()
    counts = progress.summary(progresses)
    groups: dict[tuple, dict] = {}
    by_group: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(counts, 0))
    items = []
    for p in progresses:
        ind = p.indicator
        key = (ind.aspect_id, ind.group_label)
        groups.setdefault(key, {"aspect": ind.aspect, "group": ind.group_label})
        by_group[key][p.status] += 1
        latest = p.latest
        items.append(
            {
                "code": ind.code,
                "name": ind.name,
                "group": ind.group_label,
                "unit": ind.unit,
                "target_value": _dec(ind.target_value),
                "deadline": ind.deadline,
                "latest_value": latest.value if latest else None,
                "latest_period": latest.key if latest else None,
                "completion": p.completion,
                "forecast": p.forecast,
                **_status(p),
            }
        )
    return {
        "total": len(progresses),
        "summary": [
            {"status": s, "label": str(progress.STATUS_LABELS[s]), "count": n}
            for s, n in counts.items()
        ],
        "aspects": [
            {**g, "total": sum(by_group[key].values()), "counts": by_group[key]}
            for key, g in groups.items()
        ],
        "items": items,
        "method": progress.method_text(),
    }


@router.put(
    "/programme/indicators/{code}/shares",
    response={200: IndicatorDetailOut, **_errors(400, 401, 403, 404, 422)},
    summary="专班分解指标目标到板块或领域（替换原有分解）",
)
def set_shares(request, code: str, payload: SharesIn):
    user = _office(request)
    ind = _indicator(code)
    shares: dict = {}
    errors: dict[str, str] = {}
    for i, share in enumerate(payload.shares):
        field = f"shares.{i}"
        area, sector = _clean(share.area), _clean(share.sector)
        if bool(area) == bool(sector):
            errors[field] = "请填写板块代码或领域代码之一。"
            continue
        model = Area if area else Sector
        scope = model.objects.filter(code=area or sector).first()
        if scope is None:
            errors[field] = f"未知的代码：{area or sector}"
        elif scope in shares:
            errors[field] = f"“{scope.name}”重复。"
        else:
            shares[scope] = share.target
    if errors:
        raise ServiceError(INVALID, errors)
    services.set_shares(actor=user, indicator=ind, shares=shares)
    return _indicator_detail(_indicator(code))


@router.put(
    "/programme/indicators/{code}/responsible",
    response={200: IndicatorDetailOut, **_errors(400, 401, 403, 404, 422)},
    summary="专班指定指标的责任单位",
)
def set_responsible(request, code: str, payload: ResponsibleIn):
    user = _office(request)
    ind = _indicator(code)
    ids = list(dict.fromkeys(payload.organisations))
    found = {o.pk: o for o in Organisation.objects.filter(pk__in=ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ServiceError(INVALID, {"organisations": "单位不存在：" + "、".join(missing)})
    services.set_responsible(
        actor=user, indicator=ind, organisations=[found[i] for i in ids], text=payload.text
    )
    return _indicator_detail(_indicator(code))


# --- periods and obligations -----------------------------------------------------------------


@router.get(
    "/programme/periods",
    response={200: Page[PeriodOut], **_errors(401, 403, 422)},
    summary="行动方案监测期内的报告期（按月、按季度）",
)
def list_periods(request, query: Query[PeriodQuery]):
    _viewer(request)
    window = Indicator.objects.aggregate(start=Min("start_date"), end=Max("deadline"))
    if window["start"] is None:
        return {"items": [], "count": 0}
    frequencies = [query.frequency] if query.frequency else ["monthly", "quarterly"]
    found = [s for f in frequencies for s in spans(f, window["start"], window["end"])]
    found.sort(key=lambda s: (s.end, s.frequency))
    return _slice([_period(s) for s in found], query)


@router.get(
    "/programme/obligations",
    response={200: Page[ObligationOut], **_errors(400, 401, 403, 422)},
    summary="我的报送任务（专班：全部）：缺报、迟报、待报及已报送数值的状态",
)
def list_obligations(request, query: Query[ObligationQuery]):
    user = _viewer(request)
    ind = _indicator_by_code(query.indicator)
    area = _ref(Area, query.area, "area")
    span = _span(query.period)
    rows = obligations_for(user, indicator=ind, area_id=area.pk if area else None)
    if query.state == "outstanding":
        rows = [o for o in rows if o.state in OUTSTANDING]
    elif query.state:
        rows = [o for o in rows if o.state == query.state]
    if span is not None:
        rows = [o for o in rows if o.span == span]
    window = rows[query.offset : query.offset + query.limit]
    submitted = dict(
        Submission.objects.filter(
            pk__in=[o.submission_id for o in window if o.submission_id]
        ).values_list("pk", "submitted_at")
    )
    return {
        "items": [
            {
                "indicator": o.indicator,
                "period": _period(o.span),
                "due": o.due,
                "area": o.area,
                "sector": o.sector,
                "scope_label": o.scope_label,
                "owner_label": o.owner_label,
                "state": o.state,
                "state_label": o.state_label,
                "submission_id": o.submission_id,
                "submitted_at": submitted.get(o.submission_id),
            }
            for o in window
        ],
        "count": len(rows),
    }


# --- submissions -----------------------------------------------------------------------------


@router.get(
    "/programme/submissions",
    response={200: Page[SubmissionOut], **_errors(400, 401, 403, 422)},
    summary="报送的数值（板块只能看到本板块的待审核数值和各方已审定的数值）",
)
def list_submissions(request, query: Query[SubmissionQuery]):
    _viewer(request)
    qs = _visible(request)
    if code := _clean(query.indicator):
        qs = qs.filter(indicator__code=code)
    if query.status:
        qs = qs.filter(status=query.status)
    if span := _span(query.period):
        qs = qs.filter(period__frequency=span.frequency, period__start=span.start)
    if area := _clean(query.area):
        qs = qs.filter(area__code=area)
    if sector := _clean(query.sector):
        qs = qs.filter(sector__code=sector)
    total = qs.count()
    return {"items": list(qs[query.offset : query.offset + query.limit]), "count": total}


@router.get(
    "/programme/submissions/{submission_id}",
    response={200: SubmissionDetailOut, **_errors(401, 403, 404)},
    summary="报送数值详情：历次被替代的数值、佐证材料",
)
def get_submission(request, submission_id: int):
    _viewer(request)
    sub = get_object_or_404(_visible(request), pk=submission_id)
    return _submission(sub.pk)


@router.post(
    "/programme/submissions",
    response={201: SubmissionDetailOut, **_errors(400, 401, 403, 404, 409, 422)},
    summary="报送（或保存草稿）某指标某报告期的数值",
)
def create_submission(request, payload: SubmissionIn):
    user = _viewer(request)
    code = _clean(payload.indicator)
    ind = Indicator.objects.filter(code=code).first()
    if ind is None:
        raise NotFound("指标不存在。", {"indicator": f"未知的指标代码：{code}"})
    span = _span(payload.period)
    if span is None:
        raise ServiceError(INVALID, {"period": "请填写报告期。"})
    area = _ref(Area, payload.area, "area")
    sector = _ref(Sector, payload.sector, "sector")
    with transaction.atomic():  # a refused value leaves no new period behind
        sub = services.save_value(
            actor=user,
            indicator=ind,
            period=services.period_for(span),
            value=payload.value,
            area=area,
            sector=sector,
            note=payload.note,
            explanation=payload.explanation,
            submit=payload.submit,
        )
    return Status(201, _submission(sub.pk))


def _action(request, submission_id: int, action, **kwargs) -> Submission:
    user = _viewer(request)
    sub = get_object_or_404(_visible(request), pk=submission_id)
    sub = action(actor=user, submission=sub, **kwargs)
    return _submission(sub.pk)


ACTION_RESPONSES = {200: SubmissionDetailOut, **_errors(400, 401, 403, 404, 409, 422)}


@router.post(
    "/programme/submissions/{submission_id}/submit",
    response=ACTION_RESPONSES,
    summary="提交草稿或已退回的数值",
)
def submit_submission(request, submission_id: int):
    return _action(request, submission_id, services.submit_draft)


@router.post(
    "/programme/submissions/{submission_id}/approve",
    response=ACTION_RESPONSES,
    summary="专班审定数值（不能审定本人报送的数值）",
)
def approve_submission(request, submission_id: int, payload: SubmissionReviewIn):
    return _action(request, submission_id, services.approve, note=payload.note)


@router.post(
    "/programme/submissions/{submission_id}/return",
    response=ACTION_RESPONSES,
    summary="专班退回数值（须填写原因）",
)
def return_submission(request, submission_id: int, payload: SubmissionReviewIn):
    return _action(request, submission_id, services.return_submission, note=payload.note)


# --- import ----------------------------------------------------------------------------------


@router.post(
    "/programme/imports",
    response={201: ValuesImportOut, **_errors(400, 401, 403, 422)},
    summary="从 Excel 批量报送数值（任一行有误则全部不导入，返回逐行错误）",
)
def import_values(request, file: File[UploadedFile], period: Form[str | None] = None):
    user = _viewer(request)
    try:
        result = io.import_values_xlsx(actor=user, file=file, period_key=_clean(period) or None)
    except io.ImportFailed as exc:
        return Status(400, {"message": exc.message, "errors": exc.as_dict()})
    return Status(201, {"created": result.created, "submission_ids": result.submission_ids})


@router.get(
    "/programme/imports/template",
    response={200: None, **_errors(400, 401, 403, 422)},
    summary="下载报送模板（xlsx）：列出我尚未报送的数值",
)
def import_template(request, period: str | None = None):
    user = _viewer(request)
    span = _span(period)
    body = io.template_xlsx(user=user, period_key=span.key if span else None)
    suffix = f"-{span.key}" if span else ""
    return attachment(
        body,
        content_type=XLSX,
        filename=f"指标报送模板{suffix}.xlsx",
        ascii_name=f"programme-template{suffix}.xlsx",
    )
