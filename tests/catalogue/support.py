"""Builders for the catalogue's service, search and API tests: valid entry data, entries taken
through the services to any status, with a version and an uploaded or external file, and
access requests taken to any decision."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aiplus.accounts.choices import Role
from aiplus.catalogue import services
from aiplus.catalogue.choices import Access, RequestStatus
from aiplus.catalogue.models import AccessRequest, Entry, File

from ..factories import make_user

BYTES = b"image,label\nimg-0001.png,scratch\nimg-0002.png,sink-mark\n"
PURPOSE = "训练本单位注塑车间的表面缺陷检测模型，仅限内部使用。"
AGREEMENT = b"%PDF-1.4 signed data-use agreement"


def entry_data(**overrides) -> dict:
    """Form data of a valid, publishable-once-versioned open dataset."""
    data = {
        "kind": "dataset",
        "title": "注塑件表面图像数据集",
        "sector": "manufacturing",
        "summary": "12 万张注塑件表面图像，含划痕、缩痕、飞边标注",
        "description": "苏州工业园区三家注塑厂两年间采集的产线图像。",
        "task": "image-classification",
        "languages": ["zh"],
        "size": "12 万张图像、35 GB",
        "licence": "CC-BY-4.0",
        "access": "open",
        "tag_names": "机器视觉、工业质检",
        "intended_use": "训练和评测注塑件外观质量的分类模型。",
        "data_sources": "三家注塑厂的产线相机，已脱敏。",
        "risks": "仅覆盖三种材料，光照条件单一。",
    }
    data.update(overrides)
    return data


def upload(body: bytes = BYTES, name: str = "images.csv", content_type: str = "text/csv"):
    return SimpleUploadedFile(name, body, content_type=content_type)


def make_entry(
    owner,
    *,
    published: bool = True,
    version: str | None = "1.0",
    body: bytes | None = BYTES,
    url: str = "",
    **overrides,
) -> Entry:
    """An entry of `owner`'s organisation made through the services: with a version (and its
    uploaded file `body`, or an external file at `url`), published unless told otherwise."""
    entry = services.create_entry(actor=owner, data=entry_data(**overrides))
    if version:
        ver = services.add_version(actor=owner, entry=entry, data={"version": version})
        if body is not None:
            services.add_file(actor=owner, version=ver, upload=upload(body))
        if url:
            services.add_external_file(
                actor=owner, version=ver, data={"name": "全量数据包", "url": url}
            )
    if published:
        entry = services.publish_entry(actor=owner, entry=entry)
    return entry


def restricted(owner, **overrides) -> Entry:
    return make_entry(owner, access=Access.RESTRICTED, licence="agreement", **overrides)


def on_request(owner, **overrides) -> Entry:
    return make_entry(owner, access=Access.ON_REQUEST, licence="proprietary", **overrides)


def first_file(entry: Entry) -> File:
    return File.objects.filter(version__entry=entry).order_by("pk").first()


def ask(actor, entry: Entry, *, purpose: str = PURPOSE) -> AccessRequest:
    agreement = None
    if entry.access == Access.RESTRICTED:
        agreement = SimpleUploadedFile("agreement.pdf", AGREEMENT, "application/pdf")
    return services.request_access(
        actor=actor, entry=entry, data={"purpose": purpose}, agreement=agreement
    )


def a_year_from_today():
    return timezone.localdate() + timedelta(days=365)


def granted(actor, entry: Entry, *, status: str = RequestStatus.APPROVED) -> AccessRequest:
    """`actor`'s organisation's request for `entry`, decided by a member of the owner and then
    taken to `status` (approved, rejected, revoked, withdrawn, or "expired")."""
    req = ask(actor, entry)
    if status == RequestStatus.PENDING:
        return req
    if status == RequestStatus.WITHDRAWN:
        return services.withdraw_request(actor=actor, request=req)
    decider = make_user(Role.SUPPLIER, org=entry.owner)
    if status == RequestStatus.REJECTED:
        return services.decide_request(
            actor=decider, request=req, data={"approve": False, "note": "用途与许可不符。"}
        )
    req = services.decide_request(
        actor=decider,
        request=req,
        data={"approve": True, "valid_until": a_year_from_today()},
    )
    if status == RequestStatus.REVOKED:
        return services.revoke_request(actor=decider, request=req, note="协议已终止。")
    if status == "expired":
        AccessRequest.objects.filter(pk=req.pk).update(
            valid_until=timezone.localdate() - timedelta(days=1)
        )
        req.refresh_from_db()
    return req


def body_of(response) -> bytes:
    """The bytes of a streamed (file) or plain response."""
    if getattr(response, "streaming", False):
        out = io.BytesIO()
        for chunk in response.streaming_content:
            out.write(chunk)
        return out.getvalue()
    return response.content
