"""Every write to the catalogue. Views, the API and the CSV importer call these and nothing else.

Each service checks who is acting, validates with the module's forms, saves in one transaction
and records an audit entry (before/after for changes), like the other modules' services.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from aiplus.core import audit
from aiplus.core.actions import require_approved, snapshot, validated
from aiplus.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from aiplus.core.uploads import checked_upload, removed_unless_saved, store
from aiplus.scenarios.choices import PUBLIC_STATUSES
from aiplus.scenarios.forms import tags_from_names
from aiplus.scenarios.models import Demand, Solution
from aiplus.scenarios.permissions import demands_visible_to, solutions_visible_to

from . import permissions
from .choices import Access, Kind, RequestStatus, Status, grade_for
from .forms import (
    AccessRequestForm,
    DecisionForm,
    EntryForm,
    ExternalFileForm,
    QualityForm,
    VersionForm,
)
from .models import AccessRequest, Download, Entry, File, Version

ENTRY_AUDIT_FIELDS = [
    "kind",
    "title",
    "sector_id",
    "task",
    "licence",
    "access",
    "status",
    "quality_grade",
    "exchange",
    "exchange_code",
    "exchange_price",
    "is_vertical",
]
REQUEST_AUDIT_FIELDS = ["status", "valid_until", "decision_note"]
# Files a dataset, corpus or model may be published as.
FILE_TYPES = {
    ".csv",
    ".tsv",
    ".json",
    ".jsonl",
    ".parquet",
    ".xlsx",
    ".xml",
    ".txt",
    ".md",
    ".pdf",
    ".zip",
    ".gz",
    ".tgz",
    ".tar",
    ".7z",
    ".safetensors",
    ".onnx",
    ".gguf",
    ".bin",
    ".pt",
    ".png",
    ".jpg",
    ".jpeg",
    ".wav",
    ".mp3",
    ".mp4",
    ".yaml",
    ".yml",
}
MAX_RESTRICTED_DAYS = 366  # a restricted grant lasts at most a year


def max_upload_bytes() -> int:
    return getattr(settings, "CATALOGUE_MAX_UPLOAD_MB", 200) * 1024 * 1024


def _lock(entry: Entry) -> Entry:
    locked = Entry.objects.select_for_update().filter(pk=entry.pk).first()
    if locked is None:
        raise NotFound("该目录条目不存在或已删除。")
    return locked


def _require_editor(actor, entry: Entry) -> None:
    require_approved(actor)
    if not permissions.can_edit(actor, entry):
        raise PermissionDenied("只有条目所属单位可以修改该条目。")


def _save_entry_form(entry: Entry, form: EntryForm) -> Entry:
    entry = form.save(commit=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise Conflict("本单位已有同类型、同名称的条目。", {"title": "名称重复。"}) from exc
    form.save_m2m()
    entry.tags.set(tags_from_names(form.cleaned_data.get("tag_names") or []))
    return entry


# --- entries ---------------------------------------------------------------------------------


@transaction.atomic
def create_entry(*, actor, data: dict, is_demo: bool = False) -> Entry:
    """Register a dataset, corpus, model or demo of the actor's organisation, as a draft."""
    require_approved(actor)
    if not permissions.can_publish(actor):
        raise PermissionDenied("只有已通过审核的单位成员可以登记数据集和模型。")
    form = validated(EntryForm, data, organisation_id=actor.organisation_id)
    entry = form.instance
    entry.owner_id = actor.organisation_id
    entry.is_demo = is_demo
    entry = _save_entry_form(entry, form)
    audit.record(
        actor=actor,
        action="catalogue.create",
        obj=entry,
        summary=entry.title,
        after=snapshot(entry, ENTRY_AUDIT_FIELDS),
    )
    return entry


@transaction.atomic
def update_entry(*, actor, entry: Entry, data: dict) -> Entry:
    """Change an entry's metadata or card (members of the owner)."""
    entry = _lock(entry)
    _require_editor(actor, entry)
    before = snapshot(entry, ENTRY_AUDIT_FIELDS)
    form = validated(EntryForm, data, instance=entry)
    entry = _save_entry_form(entry, form)
    if entry.status == Status.PUBLISHED and (problems := publication_problems(entry)):
        # A published entry keeps what publication asked for (the transaction rolls back).
        raise ServiceError("已发布的条目须保持完整：" + "；".join(problems) + "。")
    audit.record(
        actor=actor,
        action="catalogue.update",
        obj=entry,
        summary=entry.title,
        before=before,
        after=snapshot(entry, ENTRY_AUDIT_FIELDS),
    )
    return entry


def publication_problems(entry: Entry) -> list[str]:
    """What an entry lacks before it can be published (empty when it is ready)."""
    problems = []
    if not entry.intended_use.strip():
        problems.append("卡片缺少“预期用途”")
    if entry.kind != Kind.DEMO and not entry.versions.exists():
        problems.append("尚未登记任何版本")
    if entry.kind == Kind.MODEL and not entry.evaluation.strip():
        problems.append("模型卡片缺少“评测结果”")
    if entry.kind in (Kind.DATASET, Kind.CORPUS) and not entry.data_sources.strip():
        problems.append("数据卡片缺少“数据来源”")
    return problems


@transaction.atomic
def publish_entry(*, actor, entry: Entry) -> Entry:
    """Make a draft (or withdrawn) entry public, once its card and a version are in place.
    An entry the office withdrew is reinstated by the office only."""
    require_approved(actor)
    entry = _lock(entry)
    office = permissions.is_office(actor)
    if entry.withdrawn_by_office and entry.status == Status.WITHDRAWN:
        if not office:
            raise Conflict(
                f"该条目已被专班下架（原因：{entry.withdrawn_note}），须专班恢复后方可重新发布。"
            )
    elif not permissions.can_edit(actor, entry):
        raise PermissionDenied("只有条目所属单位可以修改该条目。")
    if entry.status == Status.PUBLISHED:
        raise Conflict("该条目已经发布。")
    problems = publication_problems(entry)
    if problems:
        raise ServiceError("发布前请补全：" + "；".join(problems) + "。")
    before = snapshot(entry, ["status"])
    entry.status = Status.PUBLISHED
    entry.withdrawn_by_office, entry.withdrawn_note = False, ""
    if entry.published_at is None:
        entry.published_at = timezone.now()
    entry.save(
        update_fields=[
            "status",
            "published_at",
            "withdrawn_by_office",
            "withdrawn_note",
            "updated_at",
        ]
    )
    audit.record(
        actor=actor,
        action="catalogue.publish",
        obj=entry,
        summary=entry.title,
        before=before,
        after=snapshot(entry, ["status"]),
    )
    return entry


@transaction.atomic
def withdraw_entry(*, actor, entry: Entry, note: str = "") -> Entry:
    """Take an entry off the public catalogue: its owner, or the office (with a reason; then
    only the office can reinstate it)."""
    require_approved(actor)
    entry = _lock(entry)
    owner = permissions.can_edit(actor, entry)
    if not (owner or permissions.is_office(actor)):
        raise PermissionDenied("只有条目所属单位或专班办公室可以下架该条目。")
    if entry.status != Status.PUBLISHED:
        raise Conflict("该条目未发布，无需下架。")
    note = (note or "").strip()[:300]
    if not owner and not note:
        raise ServiceError("请填写下架原因。", {"note": "专班下架条目须说明原因。"})
    entry.status = Status.WITHDRAWN
    entry.withdrawn_by_office = not owner
    entry.withdrawn_note = note
    entry.save(update_fields=["status", "withdrawn_by_office", "withdrawn_note", "updated_at"])
    audit.record(
        actor=actor,
        action="catalogue.withdraw",
        obj=entry,
        summary=note or entry.title,
        before={"status": Status.PUBLISHED},
        after={"status": Status.WITHDRAWN, "note": note},
    )
    return entry


@transaction.atomic
def assess_quality(*, actor, entry: Entry, data: dict) -> Entry:
    """The office records a quality assessment (GB/T 36344 dimensions → grade)."""
    require_approved(actor)
    if not permissions.is_office(actor):
        raise PermissionDenied("只有专班办公室可以登记质量评估。")
    entry = _lock(entry)
    if entry.kind == Kind.DEMO:
        raise Conflict("应用示范不做数据质量评估。")
    form = validated(QualityForm, data)
    before = snapshot(entry, ["quality_grade", "quality_scores", "assessed_on"])
    entry.quality_scores = form.scores()
    entry.quality_grade = grade_for(entry.quality_scores)
    entry.quality_note = form.cleaned_data["note"].strip()
    entry.assessed_by = form.cleaned_data["assessed_by"].strip()
    entry.assessed_on = form.cleaned_data["assessed_on"]
    entry.save()
    audit.record(
        actor=actor,
        action="catalogue.assess",
        obj=entry,
        summary=entry.title,
        before=before,
        after=snapshot(entry, ["quality_grade", "quality_scores", "assessed_on"]),
    )
    return entry


# --- versions and files ----------------------------------------------------------------------


@transaction.atomic
def add_version(*, actor, entry: Entry, data: dict) -> Version:
    entry = _lock(entry)
    _require_editor(actor, entry)
    form = validated(VersionForm, data)
    if entry.versions.filter(version=form.cleaned_data["version"]).exists():
        raise Conflict("该版本号已存在。", {"version": "版本号重复。"})
    version = form.save(commit=False)
    version.entry = entry
    version.save()
    entry.save(update_fields=["updated_at"])
    audit.record(
        actor=actor,
        action="catalogue.version",
        obj=entry,
        summary=f"{entry.title} v{version.version}",
        after={"version": version.version},
    )
    return version


def _checked_file(upload) -> tuple[str, int]:
    name = Path(getattr(upload, "name", "") or "file").name[:200]
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_TYPES:
        raise ServiceError(f"不支持的文件类型：{name}。", {"file": "文件类型不支持。"})
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise ServiceError("文件为空。", {"file": "文件为空。"})
    limit = max_upload_bytes()
    if size > limit:
        raise ServiceError(
            f"文件不能超过 {limit // (1024 * 1024)} MB；更大的文件请登记外部地址。",
            {"file": "文件过大。"},
        )
    return name, size


@transaction.atomic
def add_file(*, actor, version: Version, upload) -> File:
    """Upload a file to a version (type and size checked; SHA-256 recorded)."""
    entry = _lock(version.entry)
    _require_editor(actor, entry)
    name, size = _checked_file(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    item = File(
        version=version,
        name=name,
        byte_size=size,
        sha256=digest.hexdigest(),
        media_type=getattr(upload, "content_type", "") or "",
    )
    with removed_unless_saved():
        store(item.file, name, upload)
        item.save()
        audit.record(
            actor=actor,
            action="catalogue.file.add",
            obj=entry,
            summary=f"{entry.title} v{version.version}: {name}",
            after={"file": name},
        )
    return item


@transaction.atomic
def add_external_file(*, actor, version: Version, data: dict) -> File:
    """Register a file kept elsewhere (object storage, a data exchange) by its URL."""
    entry = _lock(version.entry)
    _require_editor(actor, entry)
    form = validated(ExternalFileForm, data)
    item = form.save(commit=False)
    item.version = version
    item.save()
    audit.record(
        actor=actor,
        action="catalogue.file.add",
        obj=entry,
        summary=f"{entry.title} v{version.version}: {item.name}",
        after={"file": item.name, "url": item.url},
    )
    return item


@transaction.atomic
def remove_file(*, actor, item: File) -> None:
    entry = _lock(item.version.entry)
    _require_editor(actor, entry)
    audit.record(
        actor=actor,
        action="catalogue.file.remove",
        obj=entry,
        summary=f"{entry.title}: {item.name}",
        before={"file": item.name},
    )
    stored = item.file.name if item.file else ""
    item.delete()
    if stored:
        transaction.on_commit(lambda: item.file.storage.delete(stored))


def record_download(*, user, item: File, via: str = "web") -> Download:
    """Note who fetched a file (after `permissions.can_download` allowed it)."""
    authenticated = getattr(user, "is_authenticated", False)
    return Download.objects.create(
        file=item,
        user=user if authenticated else None,
        organisation_id=user.organisation_id if authenticated else None,
        via=via,
    )


# --- links to scenarios ----------------------------------------------------------------------


@transaction.atomic
def set_links(*, actor, entry: Entry, demand_ids: list[int], solution_ids: list[int]) -> Entry:
    """The owner says which public demands need the entry and which solutions use it."""
    entry = _lock(entry)
    _require_editor(actor, entry)
    demand_ids, solution_ids = sorted(set(demand_ids)), sorted(set(solution_ids))
    # Only demands and solutions the actor may see and that are public: a private (仅专班可见)
    # or draft demand of another body is neither linkable nor revealed by the link.
    demands = list(demands_visible_to(actor).filter(pk__in=demand_ids, status__in=PUBLIC_STATUSES))
    if len(demands) != len(demand_ids):
        raise ServiceError("所选场景需求不存在或未公开。", {"demand_ids": "需求有误。"})
    solutions = list(solutions_visible_to(actor).filter(pk__in=solution_ids, is_published=True))
    if len(solutions) != len(solution_ids):
        raise ServiceError("所选解决方案不存在或未公开。", {"solution_ids": "方案有误。"})
    before = {
        "demands": sorted(entry.demands.values_list("pk", flat=True)),
        "solutions": sorted(entry.solutions.values_list("pk", flat=True)),
    }
    entry.demands.set(demands)
    entry.solutions.set(solutions)
    audit.record(
        actor=actor,
        action="catalogue.links",
        obj=entry,
        summary=entry.title,
        before=before,
        after={"demands": demand_ids, "solutions": solution_ids},
    )
    return entry


@transaction.atomic
def link_own(
    *,
    actor,
    entry: Entry,
    demand: Demand | None = None,
    solution: Solution | None = None,
    linked: bool = True,
) -> Entry:
    """A demander marks that its demand needs a published entry, or a supplier that its
    solution uses one (or removes the mark)."""
    require_approved(actor)
    entry = _lock(entry)
    if entry.status != Status.PUBLISHED:
        raise Conflict("只能关联已发布的条目。")
    if demand is not None:
        if demand.demander_id != actor.organisation_id:
            raise PermissionDenied("只能为本单位的场景需求关联数据集或模型。")
        relation, obj = entry.demands, demand
    elif solution is not None:
        if solution.supplier_id != actor.organisation_id:
            raise PermissionDenied("只能为本单位的解决方案关联数据集或模型。")
        relation, obj = entry.solutions, solution
    else:
        raise ServiceError("请选择要关联的需求或方案。")
    key = "demand" if demand is not None else "solution"
    was_linked = relation.filter(pk=obj.pk).exists()
    (relation.add if linked else relation.remove)(obj)
    audit.record(
        actor=actor,
        action="catalogue.link" if linked else "catalogue.unlink",
        obj=entry,
        summary=f"{entry.title} ↔ {obj}",
        before={key: obj.pk, "linked": was_linked},
        after={key: obj.pk, "linked": linked},
    )
    return entry


# --- access requests -------------------------------------------------------------------------


@transaction.atomic
def request_access(*, actor, entry: Entry, data: dict, agreement=None) -> AccessRequest:
    """Ask the owner for the files of an entry "on request" or "restricted" (restricted ones
    need the signed data-use agreement attached)."""
    require_approved(actor)
    entry = _lock(entry)
    if entry.access == Access.OPEN:
        raise Conflict("该条目为开放数据，无需申请，可直接下载。")
    if not permissions.can_request(actor, entry):
        raise PermissionDenied("您不能申请使用该条目。")
    if AccessRequest.objects.filter(
        entry=entry, organisation_id=actor.organisation_id, status=RequestStatus.PENDING
    ).exists():
        raise Conflict("本单位已有待审批的申请，请等待所属单位处理。")
    if permissions.approved_request(actor, entry) is not None:
        raise Conflict("本单位已获批使用该条目。")
    form = validated(AccessRequestForm, data)
    req = form.save(commit=False)
    req.entry = entry
    req.organisation_id = actor.organisation_id
    req.requested_by = actor
    if entry.access == Access.RESTRICTED and agreement is None:
        raise ServiceError("受限数据须上传已签署的数据使用协议。", {"agreement": "请上传协议。"})
    with removed_unless_saved():
        if agreement is not None:
            name, _ = checked_upload(agreement)
            req.agreement_name = name
            store(req.agreement, name, agreement)
        req.save()
        audit.record(
            actor=actor,
            action="catalogue.request",
            obj=req,
            summary=f"{actor.organisation} → {entry.title}",
            after=snapshot(req, REQUEST_AUDIT_FIELDS),
        )
    return req


def _lock_request(req: AccessRequest) -> AccessRequest:
    locked = (
        AccessRequest.objects.select_for_update().select_related("entry").filter(pk=req.pk).first()
    )
    if locked is None:
        raise NotFound("该申请不存在。")
    return locked


@transaction.atomic
def decide_request(*, actor, request: AccessRequest, data: dict) -> AccessRequest:
    """The owner approves (until a date; required for restricted data) or refuses."""
    require_approved(actor)
    req = _lock_request(request)
    if not permissions.can_decide_requests(actor, req.entry):
        raise PermissionDenied("只有条目所属单位可以审批使用申请。")
    if req.status != RequestStatus.PENDING:
        raise Conflict("该申请已处理。")
    form = validated(DecisionForm, data)
    approve = form.cleaned_data["approve"]
    note = form.cleaned_data["note"].strip()
    valid_until = form.cleaned_data["valid_until"]
    today = timezone.localdate()
    if approve:
        if valid_until is not None and valid_until < today:
            raise ServiceError("有效期不能早于今天。", {"valid_until": "日期有误。"})
        if req.entry.access == Access.RESTRICTED:
            if not req.agreement:
                raise ServiceError(
                    "该申请未附已签署的数据使用协议，不能批准使用受限数据。",
                    {"agreement": "缺少数据使用协议。"},
                )
            if valid_until is None:
                raise ServiceError(
                    "受限数据的使用须设定有效期。", {"valid_until": "请填写有效期。"}
                )
            if valid_until > today + timedelta(days=MAX_RESTRICTED_DAYS):
                raise ServiceError(
                    "受限数据的使用有效期不能超过一年。", {"valid_until": "有效期过长。"}
                )
    elif not note:
        raise ServiceError("不予批准时请说明原因。", {"note": "请填写原因。"})
    before = snapshot(req, REQUEST_AUDIT_FIELDS)
    req.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    req.valid_until = valid_until if approve else None
    req.decision_note = note
    req.decided_by = actor
    req.decided_at = timezone.now()
    req.save()
    audit.record(
        actor=actor,
        action="catalogue.request.approve" if approve else "catalogue.request.reject",
        obj=req,
        summary=f"{req.organisation} → {req.entry.title}",
        before=before,
        after=snapshot(req, REQUEST_AUDIT_FIELDS),
    )
    return req


@transaction.atomic
def revoke_request(*, actor, request: AccessRequest, note: str) -> AccessRequest:
    """The owner ends an approved access (its files are no longer served to that body)."""
    require_approved(actor)
    req = _lock_request(request)
    if not permissions.can_decide_requests(actor, req.entry):
        raise PermissionDenied("只有条目所属单位可以撤销使用授权。")
    if req.status != RequestStatus.APPROVED:
        raise Conflict("只有已批准的申请可以撤销。")
    note = (note or "").strip()
    if not note:
        raise ServiceError("请说明撤销原因。", {"note": "请填写原因。"})
    before = snapshot(req, REQUEST_AUDIT_FIELDS)
    req.status = RequestStatus.REVOKED
    req.decision_note = note[:300]
    req.save(update_fields=["status", "decision_note"])
    audit.record(
        actor=actor,
        action="catalogue.request.revoke",
        obj=req,
        summary=f"{req.organisation} → {req.entry.title}",
        before=before,
        after=snapshot(req, REQUEST_AUDIT_FIELDS),
    )
    return req


@transaction.atomic
def withdraw_request(*, actor, request: AccessRequest) -> AccessRequest:
    """The requesting organisation withdraws its pending request."""
    require_approved(actor)
    req = _lock_request(request)
    if req.organisation_id != actor.organisation_id:
        raise PermissionDenied("只能撤回本单位的申请。")
    if req.status != RequestStatus.PENDING:
        raise Conflict("该申请已处理，不能撤回。")
    req.status = RequestStatus.WITHDRAWN
    req.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="catalogue.request.withdraw",
        obj=req,
        summary=f"{req.organisation} → {req.entry.title}",
        before={"status": RequestStatus.PENDING},
        after={"status": RequestStatus.WITHDRAWN},
    )
    return req
