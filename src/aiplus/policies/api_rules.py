"""Policy rules API: the support measures (public), evaluating facts against them (public: a
calculator), the caller's organisation's profile, and for the office the enterprises a measure
would pay and the notices telling them so (免申即享).

Facts follow the vocabulary of `citypacks/<city>/rules/README.md`; an unknown key, a bad date or
a negative amount is a 400 naming the field (`contracts.0.amount`). Amounts are yuan, as JSON
strings (Decimal).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from aiplus.accounts.models import Organisation
from aiplus.core.actions import require_approved
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.schemas import ErrorOut, Id, Page, PageParams, page

from . import engine, services
from . import facts as vocabulary
from .models import EnterpriseProfile, Measure

router = Router(tags=["policies"])


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ErrorOut for code in codes}


def _clean(value: str | None) -> str:
    return (value or "").replace("\x00", "").strip()


# --- schemas --------------------------------------------------------------------------------


class RuleMeasureOut(Schema):
    rule_id: str
    row: int | None
    title: str
    document_code: str
    article: str
    beneficiary: str
    instrument: str
    responsible: str
    valid_from: date | None
    valid_to: date | None
    exclusive: str
    up_to: bool
    ruleable: bool
    manual: str


class ConditionOut(Schema):
    label: str
    text: str = Field(description="条件的文字表述")
    question: str = Field(description="缺少该项信息时提出的问题")


class ParameterValueOut(Schema):
    since: date = Field(description="自该日起适用")
    value: str


class ParameterOut(Schema):
    name: str
    values: list[ParameterValueOut]


class RuleMeasureDetailOut(RuleMeasureOut):
    clause: str
    conditions: list[ConditionOut]
    claims: str = Field(description="按哪些事项计算")
    amount: str = Field(description="金额如何计算")
    parameters: list[ParameterOut]


class EvaluateIn(Schema):
    facts: dict[str, Any] = Field(description="企业信息，字段见城市包 rules/README.md 的事实词表")
    on: date | None = Field(None, description="评估日期，默认今天")


class TraceStepOut(Schema):
    kind: str = Field(description="condition / claim / formula / cap / note")
    text: str
    fact: str
    ok: bool | None


class RuleResultOut(Schema):
    rule: str
    title: str
    status: str = Field(description="eligible / not_eligible / needs_info / excluded / manual")
    status_label: str
    amount: Decimal
    up_to: bool = Field(description="金额为上限（最高），具体经评审认定")
    exclusive: str
    manual: str
    steps: list[TraceStepOut]
    needs: list[str] = Field(description="补充后可判断的问题")


class EvaluationOut(Schema):
    on: date
    total: Decimal = Field(description="符合条件的金额合计（就高不重复后）")
    total_up_to: bool = Field(description="合计中含上限金额（最高）")
    questions: list[str]
    results: list[RuleResultOut]


class OrgOut(Schema):
    id: int
    name: str


class ProfileEvidenceOut(Schema):
    id: int
    name: str
    size: int
    uploaded_at: datetime


class ProfileOut(Schema):
    organisation: OrgOut
    facts: dict[str, Any]
    verified: bool
    verified_at: datetime | None
    updated_at: datetime | None
    evidence: list[ProfileEvidenceOut]


class ProfileIn(Schema):
    facts: dict[str, Any] = Field(description="企业信息（整体替换），字段见事实词表")


class VerifyIn(Schema):
    verified: bool = True


class QualifierOut(Schema):
    organisation: OrgOut
    amount: Decimal
    up_to: bool
    verified: bool
    notified: bool


class QualifyingOut(Schema):
    rule_id: str
    on: date
    count: int
    total: Decimal
    verified_total: Decimal
    items: list[QualifierOut]


class NoticesIn(Schema):
    organisations: list[Id] | None = Field(
        None, description="只通知这些单位（id）；默认通知所有已核验且符合条件的单位"
    )
    on: date | None = None


class NoticeOut(Schema):
    id: int
    organisation: OrgOut
    rule_id: str
    title: str
    amount: Decimal
    up_to: bool
    message: str
    sent_at: datetime
    read_at: datetime | None


class NoticePushOut(Schema):
    created: int
    items: list[NoticeOut]


# --- helpers --------------------------------------------------------------------------------


def _measure_out(m: Measure) -> dict:
    return {f: getattr(m, f) for f in RuleMeasureOut.model_fields}


def _result_out(r: engine.Result) -> dict:
    return {
        **r.as_dict(),
        "amount": r.amount.quantize(engine.CENT),
        "exclusive": r.rule.exclusive,
        "manual": r.rule.manual,
    }


def _profile_out(profile: EnterpriseProfile) -> dict:
    org = profile.organisation
    return {
        "organisation": {"id": org.pk, "name": org.name},
        "facts": profile.facts or {},
        "verified": profile.verified,
        "verified_at": profile.verified_at,
        "updated_at": profile.updated_at,
        "evidence": list(profile.evidence.all()) if profile.pk else [],
    }


def _notice_out(n) -> dict:
    return {
        "id": n.pk,
        "organisation": {"id": n.organisation_id, "name": n.organisation.name},
        "rule_id": n.measure.rule_id,
        "title": n.measure.title,
        "amount": n.amount,
        "up_to": n.up_to,
        "message": n.message,
        "sent_at": n.sent_at,
        "read_at": n.read_at,
    }


def _own_organisation(request) -> Organisation:
    require_approved(request.user)
    if request.user.organisation is None:
        raise ServiceError("您的账号未关联单位。")
    return request.user.organisation


# --- measures -------------------------------------------------------------------------------


@router.get(
    "/policies/measures",
    response={200: Page[RuleMeasureOut], **_errors(422)},
    auth=None,
    summary="支持措施列表（可按支持方式、政策文件筛选）",
)
def list_measures(
    request,
    params: Query[PageParams],
    instrument: str | None = None,
    document: str | None = None,
    q: str | None = None,
):
    qs = Measure.objects.all()
    if instrument := _clean(instrument):
        qs = qs.filter(instrument=instrument)
    if document := _clean(document):
        qs = qs.filter(document_code=document)
    if q := _clean(q):
        qs = qs.filter(Q(title__icontains=q) | Q(clause__icontains=q))
    result = page(qs, params)
    result["items"] = [_measure_out(m) for m in result["items"]]
    return result


@router.get(
    "/policies/measures/{rule_id}",
    response={200: RuleMeasureDetailOut, **_errors(404)},
    auth=None,
    summary="支持措施详情：条款原文、条件、计算方式与参数",
)
def get_measure(request, rule_id: str):
    measure = get_object_or_404(Measure, rule_id=rule_id)
    out = _measure_out(measure)
    out["clause"] = measure.clause
    rule = services.rule_of(measure)
    words = services.describe(rule) if rule else {}
    out["conditions"] = words.get("conditions", [])
    out["claims"] = words.get("claims", "")
    out["amount"] = words.get("amount", "") or measure.manual
    out["parameters"] = words.get("parameters", [])
    return out


@router.post(
    "/policies/evaluate",
    response={200: EvaluationOut, **_errors(400, 422)},
    auth=None,
    summary="按企业信息测算可享受的支持（含判断过程、待补充的问题、就高不重复）",
)
def evaluate(request, payload: EvaluateIn):
    facts = vocabulary.validated(payload.facts)
    on = payload.on or timezone.localdate()
    summary = services.summarise(services.evaluate(facts, on=on))
    return {
        "on": on,
        "total": summary.total,
        "total_up_to": summary.total_up_to,
        "questions": summary.questions,
        "results": [_result_out(r) for r in summary.results],
    }


# --- profiles -------------------------------------------------------------------------------


@router.get(
    "/policies/profile",
    response={200: ProfileOut, **_errors(400, 401, 403)},
    summary="本单位的企业信息（画像）",
)
def get_profile(request):
    return _profile_out(services.profile_of(_own_organisation(request)))


@router.put(
    "/policies/profile",
    response={200: ProfileOut, **_errors(400, 401, 403, 422)},
    summary="保存本单位的企业信息（整体替换；信息变更后需专班重新核验）",
)
def put_profile(request, payload: ProfileIn):
    organisation = _own_organisation(request)
    profile = services.save_profile(
        actor=request.user, organisation=organisation, facts=payload.facts
    )
    return _profile_out(profile)


@router.post(
    "/policies/profiles/{organisation_id}/verify",
    response={200: ProfileOut, **_errors(400, 401, 403, 404, 409, 422)},
    summary="专班核验（或撤销核验）单位的企业信息",
)
def verify_profile(request, organisation_id: int, payload: VerifyIn | None = None):
    require_approved(request.user)
    if not request.user.is_office:
        raise PermissionDenied("只有专班办公室可以核验企业信息。")
    profile = get_object_or_404(EnterpriseProfile, organisation_id=organisation_id)
    profile = services.verify_profile(
        actor=request.user, profile=profile, verified=payload.verified if payload else True
    )
    return _profile_out(profile)


# --- the office: qualifying enterprises and notices ----------------------------------------


@router.get(
    "/policies/measures/{rule_id}/qualifying",
    response={200: QualifyingOut, **_errors(401, 403, 404, 422)},
    summary="专班：按企业信息符合该措施条件的单位及预计金额",
)
def measure_qualifying(request, rule_id: str, on: date | None = None):
    require_approved(request.user)
    if not request.user.is_office:
        raise PermissionDenied("只有专班办公室可以查看符合条件的企业。")
    measure = get_object_or_404(Measure, rule_id=rule_id)
    result = services.qualifying(measure, on=on, actor=request.user)
    return {
        "rule_id": measure.rule_id,
        "on": result.on,
        "count": result.count,
        "total": result.total,
        "verified_total": result.verified_total,
        "items": [
            {
                "organisation": {"id": q.organisation.pk, "name": q.organisation.name},
                "amount": q.amount,
                "up_to": q.result.rule.up_to,
                "verified": q.verified,
                "notified": q.notified,
            }
            for q in result.rows
        ],
    }


@router.post(
    "/policies/measures/{rule_id}/notices",
    response={200: NoticePushOut, **_errors(400, 401, 403, 404, 422)},
    summary="专班：向已核验且符合条件的单位推送通知（免申即享；同一单位同一措施只推送一次）",
)
def push_notices(request, rule_id: str, payload: NoticesIn | None = None):
    require_approved(request.user)
    if not request.user.is_office:
        raise PermissionDenied("只有专班办公室可以推送政策通知。")
    measure = get_object_or_404(Measure, rule_id=rule_id)
    payload = payload or NoticesIn()
    created = services.push_notices(
        actor=request.user, measure=measure, organisations=payload.organisations, on=payload.on
    )
    return {"created": len(created), "items": [_notice_out(n) for n in created]}


@router.get(
    "/policies/notices",
    response={200: Page[NoticeOut], **_errors(400, 401, 403, 422)},
    summary="本单位收到的政策通知",
)
def list_notices(request, params: Query[PageParams]):
    qs = services.notices_of(_own_organisation(request)).select_related("organisation")
    result = page(qs, params)
    result["items"] = [_notice_out(n) for n in result["items"]]
    return result
