"""Enterprise profiles and what they qualify for: saving and verifying facts, evaluating the
measures against them, the enterprises a measure would pay, and the office's notices
(免申即享).

Writes follow the platform's services: keyword-only arguments, access checked first, facts
validated against the vocabulary (`facts.py`), one transaction, one audit entry. Reads that
evaluate rules use the measures' specs, parsed once per process and re-parsed when the measures
change (see `rules()`).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from aiplus.accounts.choices import OrgStatus
from aiplus.accounts.models import Organisation
from aiplus.core import audit
from aiplus.core.actions import require_approved
from aiplus.core.errors import Conflict, PermissionDenied, ServiceError
from aiplus.core.uploads import checked_upload, removed_unless_saved, store

from . import engine, loader
from . import facts as vocabulary
from .models import EnterpriseProfile, Measure, Notice, ProfileEvidence

# --- the rules, parsed once per process -----------------------------------------------------

_cache: dict[str, Any] = {"key": None, "rules": (), "by_id": {}}
_lock = threading.Lock()
_version = [0]  # bumped when a Measure is saved or deleted in this process


def _measures_changed(**kwargs) -> None:
    _version[0] += 1


post_save.connect(_measures_changed, sender=Measure, dispatch_uid="policies.rules_cache.save")
post_delete.connect(_measures_changed, sender=Measure, dispatch_uid="policies.rules_cache.delete")


def rules() -> tuple[engine.Rule, ...]:
    """The engine rules of all measures, in the measures' order. Cached per process, keyed by
    (number of measures, highest id, latest change, local change counter): a measure added,
    removed or edited by this or another process (a city pack reload) parses them again."""
    agg = Measure.objects.aggregate(n=Count("id"), last=Max("id"), changed=Max("updated_at"))
    key = (agg["n"], agg["last"], agg["changed"], _version[0])
    with _lock:
        if _cache["key"] != key:
            parsed = tuple(loader.rules_of_measures(Measure.objects.order_by("position", "id")))
            _cache.update(key=key, rules=parsed, by_id={r.id: r for r in parsed})
        return _cache["rules"]


def rule_of(measure: Measure) -> engine.Rule | None:
    rules()
    return _cache["by_id"].get(measure.rule_id)


def clear_cache() -> None:
    with _lock:
        _cache.update(key=None, rules=(), by_id={})


# --- access ---------------------------------------------------------------------------------


def _require_office(actor, message: str = "只有专班办公室可以执行此操作。") -> None:
    require_approved(actor)
    if not actor.is_office:
        raise PermissionDenied(message)


def can_edit_profile(actor, organisation: Organisation) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.role is None and not actor.is_superuser:
        return False
    return actor.is_office or actor.organisation_id == organisation.pk


def _require_own_or_office(actor, organisation: Organisation, message: str) -> None:
    require_approved(actor)
    if not can_edit_profile(actor, organisation):
        raise PermissionDenied(message)


def profile_of(organisation: Organisation) -> EnterpriseProfile:
    """The organisation's profile; an unsaved empty one if it has none yet."""
    profile = EnterpriseProfile.objects.filter(organisation=organisation).first()
    return profile or EnterpriseProfile(organisation=organisation, facts={})


# --- profiles -------------------------------------------------------------------------------


@transaction.atomic
def save_profile(*, actor, organisation: Organisation, facts: Any) -> EnterpriseProfile:
    """Replace an organisation's facts (its own members, or the office). Validated against the
    vocabulary; a change of facts withdraws the office's verification."""
    _require_own_or_office(actor, organisation, "只能填写本单位的企业信息。")
    cleaned = vocabulary.validated(facts)
    profile, _ = EnterpriseProfile.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    before = profile.facts or {}
    changed = [f.name for f in vocabulary.VOCABULARY if before.get(f.name) != cleaned.get(f.name)]
    changed += sorted(k for k in before if k not in vocabulary.BY_NAME)  # keys since retired
    was_verified = profile.verified
    profile.facts = cleaned
    profile.updated_by = actor
    if changed and profile.verified:
        profile.verified = False
        profile.verified_by = None
        profile.verified_at = None
    profile.save()
    audit.record(
        actor=actor,
        action="policies.profile.save",
        obj=profile,
        summary=organisation.name,
        before={"verified": was_verified, "facts": {k: before.get(k) for k in changed}},
        after={"verified": profile.verified, "facts": {k: cleaned.get(k) for k in changed}},
    )
    return profile


@transaction.atomic
def verify_profile(*, actor, profile: EnterpriseProfile, verified: bool = True):
    """The office confirms (or withdraws confirmation of) an organisation's facts; verified
    profiles that qualify for a measure can be told so without applying (免申即享)."""
    _require_office(actor, "只有专班办公室可以核验企业信息。")
    profile = EnterpriseProfile.objects.select_for_update().get(pk=profile.pk)
    if verified and not profile.facts:
        raise ServiceError("该单位尚未填写企业信息，不能核验。")
    if profile.verified == verified:
        raise Conflict("企业信息已核验。" if verified else "企业信息尚未核验。")
    profile.verified = verified
    profile.verified_by = actor if verified else None
    profile.verified_at = timezone.now() if verified else None
    profile.save(update_fields=["verified", "verified_by", "verified_at"])
    audit.record(
        actor=actor,
        action="policies.profile.verify" if verified else "policies.profile.unverify",
        obj=profile,
        summary=str(profile.organisation),
        before={"verified": not verified},
        after={"verified": verified},
    )
    return profile


def add_evidence(*, actor, organisation: Organisation, upload) -> ProfileEvidence:
    """Attach a file backing an organisation's facts (type and size checked)."""
    _require_own_or_office(actor, organisation, "只能为本单位的企业信息上传佐证材料。")
    name, size = checked_upload(upload)
    with transaction.atomic():
        profile, _ = EnterpriseProfile.objects.get_or_create(organisation=organisation)
        evidence = ProfileEvidence(profile=profile, name=name, size=size, uploaded_by=actor)
        with removed_unless_saved():
            store(evidence.file, name, upload)
            evidence.save()
            audit.record(actor=actor, action="policies.evidence", obj=profile, summary=name)
    return evidence


@transaction.atomic
def remove_evidence(*, actor, evidence: ProfileEvidence) -> None:
    organisation = evidence.profile.organisation
    _require_own_or_office(actor, organisation, "只能删除本单位的佐证材料。")
    name = evidence.name
    profile = evidence.profile
    evidence.file.delete(save=False)
    evidence.delete()
    audit.record(actor=actor, action="policies.evidence.remove", obj=profile, summary=name)


# --- evaluation -----------------------------------------------------------------------------


def evaluate(facts: dict, *, on: dt.date | None = None, trace: bool = True) -> list[engine.Result]:
    """Every measure for one enterprise's facts on a date (today by default), with 就高不重复."""
    return engine.evaluate_all(rules(), facts or {}, on=on or timezone.localdate(), trace=trace)


@dataclass
class Summary:
    """Results grouped for a page or the API."""

    results: list[engine.Result]
    eligible: list[engine.Result] = field(default_factory=list)
    needs_info: list[engine.Result] = field(default_factory=list)
    excluded: list[engine.Result] = field(default_factory=list)
    manual: list[engine.Result] = field(default_factory=list)
    not_eligible: list[engine.Result] = field(default_factory=list)
    total: Decimal = Decimal(0)
    total_up_to: bool = False  # some of the total is a ceiling (最高)
    questions: list[str] = field(default_factory=list)


def summarise(results: list[engine.Result]) -> Summary:
    summary = Summary(results)
    for result in results:
        getattr(summary, result.status).append(result)
        for question in result.needs:
            if question not in summary.questions:
                summary.questions.append(question)
    summary.eligible.sort(key=lambda r: r.amount, reverse=True)
    summary.total = engine.total(results)
    summary.total_up_to = any(r.rule.up_to for r in summary.eligible)
    return summary


@dataclass
class Qualifier:
    organisation: Organisation
    profile: EnterpriseProfile
    result: engine.Result
    notified: bool = False

    @property
    def amount(self) -> Decimal:
        return self.result.amount

    @property
    def verified(self) -> bool:
        return self.profile.verified


@dataclass
class Qualifying:
    measure: Measure
    on: dt.date
    rows: list[Qualifier]
    total: Decimal
    verified_total: Decimal

    @property
    def count(self) -> int:
        return len(self.rows)


def qualifying(measure: Measure, *, on: dt.date | None = None, actor=None) -> Qualifying:
    """The approved organisations whose profile makes the measure eligible (after 就高不重复
    within its group), with the estimated amounts, highest first, and their total. With `actor`,
    only the office may ask."""
    if actor is not None:
        _require_office(actor, "只有专班办公室可以查看符合条件的企业。")
    on = on or timezone.localdate()
    rule = rule_of(measure)
    rows: list[Qualifier] = []
    if rule is not None and rule.ruleable:
        group = [r for r in rules() if r.exclusive == rule.exclusive]
        notified = set(
            Notice.objects.filter(measure=measure).values_list("organisation_id", flat=True)
        )
        profiles = (
            EnterpriseProfile.objects.filter(organisation__status=OrgStatus.APPROVED)
            .exclude(facts={})
            .select_related("organisation")
        )
        for profile in profiles:
            results = engine.evaluate_all(group, profile.facts, on=on, trace=False)
            result = next(r for r in results if r.rule.id == rule.id)
            if result.status == engine.ELIGIBLE:
                rows.append(
                    Qualifier(
                        profile.organisation,
                        profile,
                        result,
                        profile.organisation_id in notified,
                    )
                )
    rows.sort(key=lambda q: (-q.amount, q.organisation.name))
    return Qualifying(
        measure,
        on,
        rows,
        sum((q.amount for q in rows), Decimal(0)),
        sum((q.amount for q in rows if q.verified), Decimal(0)),
    )


# --- notices (免申即享) ----------------------------------------------------------------------


def notice_message(measure: Measure, amount: Decimal, up_to: bool) -> str:
    sum_text = f"{'最高' if up_to else ''}{engine.yuan(amount)} 元"
    who = f"，请留意{measure.responsible}的后续通知" if measure.responsible else ""
    return (
        f"根据贵单位经核验的企业信息，贵单位符合“{measure.title}”的支持条件，"
        f"预计可获 {sum_text}（免申即享，无需另行申报）{who}。"
    )


@transaction.atomic
def push_notices(
    *, actor, measure: Measure, organisations=None, on: dt.date | None = None
) -> list[Notice]:
    """The office tells the organisations that qualify for a measure, on verified facts only.
    One notice per organisation and measure: pushing again sends nothing twice. `organisations`
    (organisations or ids) narrows the push. Returns the notices created now."""
    _require_office(actor, "只有专班办公室可以推送政策通知。")
    if measure.manual:
        raise ServiceError(f"该措施需评审认定（{measure.manual}），不能免申即享推送。")
    wanted = None
    if organisations is not None:
        wanted = {getattr(o, "pk", o) for o in organisations}
    created = []
    for row in qualifying(measure, on=on).rows:
        if not row.verified or row.notified:
            continue
        if wanted is not None and row.organisation.pk not in wanted:
            continue
        up_to = row.result.rule.up_to
        notice, made = Notice.objects.get_or_create(
            organisation=row.organisation,
            measure=measure,
            defaults={
                "amount": row.amount,
                "up_to": up_to,
                "message": notice_message(measure, row.amount, up_to),
                "sent_by": actor,
            },
        )
        if made:
            created.append(notice)
    audit.record(
        actor=actor,
        action="policies.notices",
        obj=measure,
        summary=f"{measure.title}：{len(created)} 家",
        after={"organisations": [n.organisation_id for n in created]},
    )
    return created


def notices_of(organisation: Organisation | None):
    if organisation is None:
        return Notice.objects.none()
    return Notice.objects.filter(organisation=organisation).select_related("measure")


@transaction.atomic
def mark_notices_read(*, actor, notices=None) -> int:
    """Mark the actor's organisation's notices (all unread ones, or those given) as read."""
    require_approved(actor)
    qs = notices_of(actor.organisation).filter(read_at__isnull=True)
    if notices is not None:
        qs = qs.filter(pk__in=[getattr(n, "pk", n) for n in notices])
    return qs.update(read_at=timezone.now())


# --- measures in words ----------------------------------------------------------------------

OP_WORDS = {
    "eq": "为",
    "ne": "不为",
    "in": "属于",
    "has": "包含",
    "has_any": "包含其一",
    "is": "为",
    "gte": "不低于",
    "lte": "不高于",
    "before": "早于",
    "after": "晚于",
}


def _value_words(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(_value_words(v) for v in value)
    return str(value)


def _field_label(fact_name: str, field_name: str | None = None) -> str:
    fact = vocabulary.BY_NAME.get(fact_name)
    if fact is None:
        return field_name or fact_name
    if field_name is None:
        return fact.label
    spec = fact.item_field(field_name)
    return spec.label if spec else field_name


def _choice_words(fact_name: str, field_name: str | None, value: Any) -> str:
    fact = vocabulary.BY_NAME.get(fact_name)
    spec = fact.item_field(field_name) if fact and field_name else fact
    if spec is None or not spec.choices:
        return _value_words(value)
    values = value if isinstance(value, list | tuple) else [value]
    labels = dict(spec.choices)
    return "、".join(labels.get(v, _value_words(v)) for v in values)


def param_words(name: str, value: Any) -> str:
    if value is None:
        return "无"
    if isinstance(value, dict):
        return "；".join(f"{k}：{param_words(name, v)}" for k, v in value.items())
    if isinstance(value, Decimal) and (0 < value < 1 or "ratio" in name):
        percent = f"{value * 100:f}".rstrip("0").rstrip(".")
        return f"{percent}%"
    if isinstance(value, Decimal):
        return f"{engine.yuan(value)} 元"
    return str(value)


def describe(rule: engine.Rule) -> dict:
    """The rule in words for the measure's page: conditions, what is counted, how the amount is
    computed, and the dated parameters."""
    conditions = [
        {
            "label": c.label,
            "text": f"{_field_label(c.fact)}{OP_WORDS.get(c.op, c.op)}"
            f"{_choice_words(c.fact, None, c.value)}",
            "question": c.question,
        }
        for c in rule.conditions
    ]
    claims = ""
    if rule.claims:
        spec = rule.claims
        wheres = "，".join(
            f"{_field_label(spec.source, k)}为{_choice_words(spec.source, k, v)}"
            for k, v in spec.where
        )
        start = spec.since or rule.valid_from
        window = f"{start or '…'} 至 {rule.valid_to or '…'}"
        claims = (
            f"按企业信息“{_field_label(spec.source)}”中"
            f"{('（' + wheres + '）') if wheres else ''}的每{spec.each}计算，"
            f"{spec.each}日期须在 {window} 内"
        )
    amount = ""
    a = rule.amount
    if a is not None:
        parts = []
        if a.fixed:
            parts.append(f"定额（参数 {a.fixed}）")
        elif a.lookup:
            source = rule.claims.source if rule.claims else ""
            parts.append(f"按{_field_label(source, a.lookup_field)}查表（参数 {a.lookup}）")
        else:
            base = _field_label(rule.claims.source, a.base) if rule.claims else a.base
            parts.append(f"{base} × 比例（参数 {a.ratio}）")
        if a.cap:
            parts.append(f"单项上限（参数 {a.cap}）")
        if a.annual_cap:
            parts.append(f"每年上限（参数 {a.annual_cap}，扣减当年已获支持）")
        if a.total_cap:
            parts.append(f"政策期内上限（参数 {a.total_cap}，扣减已获支持）")
        if a.once:
            parts.append("每家企业计一次")
        if rule.up_to:
            parts.append("金额为上限（最高），具体经评审认定")
        amount = "；".join(parts)
    parameters = [
        {
            "name": name,
            "values": [
                {"since": start, "value": param_words(name, value)} for start, value in p.values
            ],
        }
        for name, p in rule.parameters.items()
    ]
    return {"conditions": conditions, "claims": claims, "amount": amount, "parameters": parameters}
