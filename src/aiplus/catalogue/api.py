"""Catalogue API (`/api/catalogue/…`): faceted search and entry cards (public), entries, versions
and files (owners), quality assessments (the office), access requests and their decisions, the
access record, and the DCAT-AP / Croissant exports for harvesters.

A file of an entry that is not open is served only to whom `permissions.can_download` allows —
the same rule as the pages; everyone else gets 403 and the entry's file list without URLs.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from ninja import File as FileParam
from ninja import Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from aiplus.core import uploads
from aiplus.core.auth import OptionalAuth
from aiplus.core.errors import PermissionDenied
from aiplus.core.schemas import ErrorOut, Id, Page, PageParams, page

from . import permissions, search, services
from .choices import QUALITY_DIMENSIONS, RequestStatus
from .models import AccessRequest, Download, Entry, File, Version

router = Router(tags=["catalogue"])


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ErrorOut for code in codes}


# --- schemas --------------------------------------------------------------------------------


class EntryIn(Schema):
    kind: str = Field(description="dataset | corpus | model | demo")
    title: str
    sector: str | None = Field(None, description="领域代码，如 manufacturing")
    summary: str
    description: str = ""
    task: str = Field(description="任务代码，如 object-detection")
    languages: list[str] = Field(default_factory=list, description='如 ["zh", "en"]')
    size: str = ""
    record_count: int | None = None
    byte_size: int | None = None
    licence: str = Field(description="如 CC-BY-4.0、Apache-2.0、proprietary")
    access: str = Field("open", description="open | on_request | restricted")
    landing_page: str = ""
    tag_names: list[str] = Field(default_factory=list)
    base_model: str = ""
    parameters: str = ""
    is_vertical: bool = False
    filing: int | None = Field(None, description="本单位算法备案的 id（仅模型）")
    intended_use: str = ""
    out_of_scope: str = ""
    data_sources: str = ""
    evaluation: str = ""
    risks: str = ""
    exchange: str = ""
    exchange_code: str = ""
    exchange_price: Decimal | None = None
    exchange_listed_on: date | None = None
    exchange_url: str = ""

    def form_data(self) -> dict:
        data = self.model_dump()
        data["tag_names"] = "、".join(data["tag_names"])
        data["sector"] = data["sector"] or ""
        return {k: ("" if v is None else v) for k, v in data.items()}


class FileOut(Schema):
    id: int
    name: str
    byte_size: int | None
    media_type: str
    sha256: str
    external: bool
    download_url: str | None = Field(None, description="仅对有权获取文件的用户给出")


class VersionOut(Schema):
    id: int
    version: str
    released_on: date
    notes: str
    files: list[FileOut]


class LinkOut(Schema):
    id: int
    title: str


class EntrySummaryOut(Schema):
    id: int
    kind: str
    title: str
    owner: str
    sector: str | None
    summary: str
    task: str
    licence: str
    access: str
    status: str
    quality_grade: str
    is_vertical: bool
    is_demo: bool
    published_at: datetime | None
    score: float | None = Field(None, description="全文检索得分（有检索词时）")


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchOut(Schema):
    items: list[EntrySummaryOut]
    count: int
    facets: dict[str, list[FacetValueOut]]


class EntryOut(EntrySummaryOut):
    description: str
    languages: list[str]
    size: str
    record_count: int | None
    byte_size: int | None
    landing_page: str
    tags: list[str]
    base_model: str
    parameters: str
    filing: str | None
    card: dict[str, str]
    quality_scores: dict[str, int]
    quality_note: str
    assessed_by: str
    assessed_on: date | None
    exchange: str
    exchange_code: str
    exchange_price: Decimal | None
    exchange_listed_on: date | None
    exchange_url: str
    versions: list[VersionOut]
    demands: list[LinkOut]
    solutions: list[LinkOut]
    can_download: bool
    can_request: bool
    my_request: str | None = Field(None, description="本单位最近一次申请的状态")


class VersionIn(Schema):
    version: str
    released_on: date | None = None
    notes: str = ""


class ExternalFileIn(Schema):
    name: str
    url: str
    byte_size: int | None = None
    media_type: str = ""
    sha256: str = ""


class NoteIn(Schema):
    note: str = ""


class QualityIn(Schema):
    scores: dict[str, int] = Field(description="、".join(QUALITY_DIMENSIONS) + "，各 0–100")
    assessed_by: str
    assessed_on: date
    note: str = ""


class LinksIn(Schema):
    demand_ids: list[Id] = Field(default_factory=list)
    solution_ids: list[Id] = Field(default_factory=list)


class RequestOut(Schema):
    id: int
    entry_id: int
    entry: str = Field(alias="entry.title")
    organisation: str = Field(alias="organisation.name")
    purpose: str
    has_agreement: bool
    status: str
    decision_note: str
    valid_until: date | None
    decided_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_has_agreement(obj) -> bool:
        return bool(obj.agreement)


class DecisionIn(Schema):
    approve: bool
    note: str = ""
    valid_until: date | None = None


class DownloadOut(Schema):
    at: datetime
    file: str = Field(alias="file.name")
    organisation: str | None = Field(None, alias="organisation.name")
    user: str | None = Field(None, alias="user.username")
    via: str


class AccessLogOut(Schema):
    grants: list[RequestOut]
    downloads: Page[DownloadOut]


# --- shaping ---------------------------------------------------------------------------------


def _summary(entry: Entry, score: float | None = None) -> dict:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "title": entry.title,
        "owner": entry.owner.name,
        "sector": entry.sector.code if entry.sector else None,
        "summary": entry.summary,
        "task": entry.task,
        "licence": entry.licence,
        "access": entry.access,
        "status": entry.status,
        "quality_grade": entry.quality_grade,
        "is_vertical": entry.is_vertical,
        "is_demo": entry.is_demo,
        "published_at": entry.published_at,
        "score": score,
    }


def _file(item: File, allowed: bool) -> dict:
    return {
        "id": item.pk,
        "name": item.name,
        "byte_size": item.byte_size,
        "media_type": item.media_type,
        "sha256": item.sha256,
        "external": not item.file,
        "download_url": f"/api/catalogue/files/{item.pk}/download" if allowed else None,
    }


def _detail(request, entry: Entry) -> dict:
    user = request.user
    allowed = permissions.can_download(user, entry)
    mine = None
    if getattr(user, "is_authenticated", False) and user.organisation_id:
        last = entry.access_requests.filter(organisation_id=user.organisation_id).first()
        mine = last.status if last else None
    from aiplus.scenarios.permissions import demands_visible_to, solutions_visible_to

    return {
        **_summary(entry),
        "description": entry.description,
        "languages": entry.languages,
        "size": entry.size,
        "record_count": entry.record_count,
        "byte_size": entry.byte_size,
        "landing_page": entry.landing_page,
        "tags": [t.name for t in entry.tags.all()],
        "base_model": entry.base_model,
        "parameters": entry.parameters,
        "filing": str(entry.filing) if entry.filing else None,
        "card": {
            name: getattr(entry, name)
            for name in ("intended_use", "out_of_scope", "data_sources", "evaluation", "risks")
        },
        "quality_scores": entry.quality_scores,
        "quality_note": entry.quality_note,
        "assessed_by": entry.assessed_by,
        "assessed_on": entry.assessed_on,
        "exchange": entry.exchange,
        "exchange_code": entry.exchange_code,
        "exchange_price": entry.exchange_price,
        "exchange_listed_on": entry.exchange_listed_on,
        "exchange_url": entry.exchange_url,
        "versions": [
            {
                "id": v.pk,
                "version": v.version,
                "released_on": v.released_on,
                "notes": v.notes,
                "files": [_file(f, allowed) for f in v.files.all()],
            }
            for v in entry.versions.prefetch_related("files")
        ],
        "demands": [
            {"id": d.pk, "title": d.title}
            for d in demands_visible_to(user).filter(catalogue_entries=entry)
        ],
        "solutions": [
            {"id": s.pk, "title": s.title}
            for s in solutions_visible_to(user).filter(catalogue_entries=entry)
        ],
        "can_download": allowed,
        "can_request": permissions.can_request(user, entry),
        "my_request": mine,
    }


def _entry(request, entry_id: int) -> Entry:
    qs = permissions.entries_visible_to(request.user).select_related("owner", "sector", "filing")
    return get_object_or_404(qs, pk=entry_id)


def _visible_file(request, file_id: int) -> File:
    """A file of an entry the user may see (404 otherwise, as for the entry itself)."""
    visible = permissions.entries_visible_to(request.user)
    return get_object_or_404(
        File.objects.select_related("version__entry"), pk=file_id, version__entry__in=visible
    )


def _editable_version(request, version_id: int) -> Version:
    visible = permissions.entries_visible_to(request.user)
    version = get_object_or_404(
        Version.objects.select_related("entry"), pk=version_id, entry__in=visible
    )
    if not permissions.can_edit(request.user, version.entry):
        raise PermissionDenied("只有条目所属单位可以管理其文件。")
    return version


# --- search and cards ------------------------------------------------------------------------


@router.get(
    "/catalogue/entries",
    response={200: SearchOut, **_errors(401)},
    auth=OptionalAuth(),
    summary="检索数据集、模型与应用示范（中文全文 + 分面）",
)
def list_entries(
    request,
    params: Query[PageParams],
    q: str = "",
    kind: str = "",
    sector: str = "",
    task: str = "",
    licence: str = "",
    access: str = "",
    language: str = "",
    sort: str = "",
    mine: bool = False,
):
    query = search.Query(
        q=q.strip()[:200],
        kind=kind,
        sector=sector,
        task=task,
        licence=licence,
        access=access,
        language=language,
        sort=sort,
    )
    result = search.search(request.user, query)
    entries = result.entries
    if mine:
        org = getattr(request.user, "organisation_id", None)
        entries = [e for e in entries if e.owner_id == org]
    window = list(entries[params.offset : params.offset + params.limit])
    return {
        "items": [_summary(e, result.scores.get(e.pk)) for e in window],
        "count": len(entries) if isinstance(entries, list) else result.count,
        "facets": result.facets,
    }


@router.get(
    "/catalogue/entries/{entry_id}",
    response={200: EntryOut, **_errors(401, 404)},
    auth=OptionalAuth(),
    summary="条目详情：卡片、版本与文件、质量评估、挂牌信息、关联场景",
)
def get_entry(request, entry_id: int):
    return _detail(request, _entry(request, entry_id))


@router.post(
    "/catalogue/entries",
    response={201: EntryOut, **_errors(400, 401, 403, 409, 422)},
    summary="登记本单位的数据集、模型或应用示范（草稿）",
)
def create_entry(request, payload: EntryIn):
    entry = services.create_entry(actor=request.user, data=payload.form_data())
    return Status(201, _detail(request, entry))


@router.put(
    "/catalogue/entries/{entry_id}",
    response={200: EntryOut, **_errors(400, 401, 403, 404, 409, 422)},
)
def update_entry(request, entry_id: int, payload: EntryIn):
    entry = services.update_entry(
        actor=request.user, entry=_entry(request, entry_id), data=payload.form_data()
    )
    return _detail(request, entry)


@router.post(
    "/catalogue/entries/{entry_id}/publish",
    response={200: EntryOut, **_errors(400, 401, 403, 404, 409)},
    summary="发布条目",
)
def publish_entry(request, entry_id: int):
    entry = services.publish_entry(actor=request.user, entry=_entry(request, entry_id))
    return _detail(request, entry)


@router.post(
    "/catalogue/entries/{entry_id}/withdraw",
    response={200: EntryOut, **_errors(400, 401, 403, 404, 409)},
    summary="下架条目（所属单位，或专班说明原因）",
)
def withdraw_entry(request, entry_id: int, payload: NoteIn):
    entry = services.withdraw_entry(
        actor=request.user, entry=_entry(request, entry_id), note=payload.note
    )
    return _detail(request, entry)


@router.post(
    "/catalogue/entries/{entry_id}/quality",
    response={200: EntryOut, **_errors(400, 401, 403, 404, 409)},
    summary="专班登记质量评估（GB/T 36344 六个维度）",
)
def assess_quality(request, entry_id: int, payload: QualityIn):
    data = {f"score_{k}": v for k, v in payload.scores.items()}
    data.update(assessed_by=payload.assessed_by, assessed_on=payload.assessed_on, note=payload.note)
    entry = services.assess_quality(actor=request.user, entry=_entry(request, entry_id), data=data)
    return _detail(request, entry)


@router.put(
    "/catalogue/entries/{entry_id}/links",
    response={200: EntryOut, **_errors(400, 401, 403, 404)},
    summary="设置需要该条目的场景需求与使用它的解决方案",
)
def set_links(request, entry_id: int, payload: LinksIn):
    entry = services.set_links(
        actor=request.user,
        entry=_entry(request, entry_id),
        demand_ids=payload.demand_ids,
        solution_ids=payload.solution_ids,
    )
    return _detail(request, entry)


# --- versions and files ----------------------------------------------------------------------


@router.post(
    "/catalogue/entries/{entry_id}/versions",
    response={201: VersionOut, **_errors(400, 401, 403, 404, 409)},
)
def add_version(request, entry_id: int, payload: VersionIn):
    data = payload.model_dump()
    if data["released_on"] is None:
        data.pop("released_on")
    version = services.add_version(actor=request.user, entry=_entry(request, entry_id), data=data)
    return Status(
        201,
        {
            "id": version.pk,
            "version": version.version,
            "released_on": version.released_on,
            "notes": version.notes,
            "files": [],
        },
    )


@router.post(
    "/catalogue/versions/{version_id}/files",
    response={201: FileOut, **_errors(400, 401, 403, 404)},
    summary="上传文件（类型、大小校验，记录 SHA-256）",
)
def upload_file(request, version_id: int, file: FileParam[UploadedFile]):
    version = _editable_version(request, version_id)
    item = services.add_file(actor=request.user, version=version, upload=file)
    return Status(201, _file(item, True))


@router.post(
    "/catalogue/versions/{version_id}/external-files",
    response={201: FileOut, **_errors(400, 401, 403, 404)},
    summary="登记外部存储的文件地址",
)
def add_external_file(request, version_id: int, payload: ExternalFileIn):
    version = _editable_version(request, version_id)
    item = services.add_external_file(
        actor=request.user, version=version, data=payload.model_dump()
    )
    return Status(201, _file(item, True))


@router.delete("/catalogue/files/{file_id}", response={204: None, **_errors(401, 403, 404)})
def remove_file(request, file_id: int):
    item = _visible_file(request, file_id)
    if not permissions.can_edit(request.user, item.version.entry):
        raise PermissionDenied("只有条目所属单位可以删除文件。")
    services.remove_file(actor=request.user, item=item)
    return Status(204, None)


@router.get(
    "/catalogue/files/{file_id}/download",
    response={200: None, 302: None, **_errors(401, 403, 404)},
    auth=OptionalAuth(),
    summary="获取文件（开放条目任何人可取；其余须为所属单位、专班或获批申请单位）",
)
def download_file(request, file_id: int):
    item = _visible_file(request, file_id)
    permissions.require_download(request.user, item.version.entry)
    # Opened before the download is recorded, so a file gone from storage (404) is not counted.
    response = (
        HttpResponseRedirect(item.url) if not item.file else uploads.serve(item.file, item.name)
    )
    services.record_download(user=request.user, item=item, via="api")
    return response


# --- access requests -------------------------------------------------------------------------


@router.post(
    "/catalogue/entries/{entry_id}/requests",
    response={201: RequestOut, **_errors(400, 401, 403, 404, 409)},
    summary="申请使用（受限数据须附已签署的数据使用协议）",
)
def request_access(
    request, entry_id: int, purpose: Form[str], agreement: FileParam[UploadedFile | None] = None
):
    req = services.request_access(
        actor=request.user,
        entry=_entry(request, entry_id),
        data={"purpose": purpose},
        agreement=agreement,
    )
    return Status(201, req)


def _requests_for(user):
    qs = AccessRequest.objects.select_related("entry", "organisation")
    if permissions.is_office(user):
        return qs
    org = user.organisation_id
    return qs.filter(Q(entry__owner_id=org) | Q(organisation_id=org))


@router.get(
    "/catalogue/requests",
    response={200: Page[RequestOut], **_errors(401)},
    summary="使用申请：本单位发出的和收到的（专班：全部）",
)
def list_requests(request, params: Query[PageParams], direction: str = "", status: str = ""):
    qs = _requests_for(request.user)
    if direction == "incoming":
        qs = qs.filter(entry__owner_id=request.user.organisation_id)
    elif direction == "outgoing":
        qs = qs.filter(organisation_id=request.user.organisation_id)
    if status in RequestStatus.values:
        qs = qs.filter(status=status)
    return page(qs, params)


def _request(request, request_id: int) -> AccessRequest:
    return get_object_or_404(_requests_for(request.user), pk=request_id)


@router.post(
    "/catalogue/requests/{request_id}/decision",
    response={200: RequestOut, **_errors(400, 401, 403, 404, 409)},
    summary="所属单位审批使用申请",
)
def decide_request(request, request_id: int, payload: DecisionIn):
    data = payload.model_dump()
    data["valid_until"] = data["valid_until"] or ""
    return services.decide_request(
        actor=request.user, request=_request(request, request_id), data=data
    )


@router.post(
    "/catalogue/requests/{request_id}/revoke",
    response={200: RequestOut, **_errors(400, 401, 403, 404, 409)},
)
def revoke_request(request, request_id: int, payload: NoteIn):
    return services.revoke_request(
        actor=request.user, request=_request(request, request_id), note=payload.note
    )


@router.post(
    "/catalogue/requests/{request_id}/withdraw",
    response={200: RequestOut, **_errors(401, 403, 404, 409)},
)
def withdraw_request(request, request_id: int):
    return services.withdraw_request(actor=request.user, request=_request(request, request_id))


@router.get(
    "/catalogue/entries/{entry_id}/access-log",
    response={200: AccessLogOut, **_errors(401, 403, 404)},
    summary="谁获得了使用授权、谁下载了文件（所属单位与专班）",
)
def access_log(request, entry_id: int, params: Query[PageParams]):
    entry = _entry(request, entry_id)
    if not permissions.can_see_requests(request.user, entry):
        raise PermissionDenied("只有所属单位和专班可以查看使用记录。")
    grants = entry.access_requests.select_related("entry", "organisation").exclude(
        status__in=[RequestStatus.PENDING, RequestStatus.WITHDRAWN]
    )
    downloads = Download.objects.filter(file__version__entry=entry).select_related(
        "file", "organisation", "user"
    )
    return {"grants": list(grants), "downloads": page(downloads, params)}
