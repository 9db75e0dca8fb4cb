"""Evidence files every module accepts: which types, how large, and how they are served.

Uploads are stored under MEDIA_ROOT (outside the static root) and only ever served through a
view that has checked the user may see them (`serve`). Every service stores them with `store`,
which turns a write the server refuses (disk full, quota, I/O error) into a clear message and
leaves no partial file behind."""

from __future__ import annotations

import errno
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from django.core.files.base import ContentFile
from django.http import FileResponse, Http404

from .errors import ServiceError
from .security import protect_download

EVIDENCE_TYPES = {".pdf", ".xlsx", ".xls", ".csv", ".docx", ".doc", ".png", ".jpg", ".jpeg", ".zip"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# A write refused for want of space: 507 Insufficient Storage. Any other failed write: 503.
STORAGE_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
STORAGE_FULL_MESSAGE = "服务器存储空间不足，文件未保存，请联系管理员。"
STORAGE_FAILED_MESSAGE = "服务器暂时无法保存文件，文件未保存，请稍后重试或联系管理员。"

logger = logging.getLogger(__name__)


class StorageFull(ServiceError):
    """The server has no room for the file: nothing was saved (API: 507)."""

    status_code = 507


class StorageFailed(ServiceError):
    """The server could not write the file (I/O error, permissions): nothing was saved (503)."""

    status_code = 503


def checked_upload(upload) -> tuple[str, int]:
    """(file name, size) of an acceptable evidence upload; ServiceError (field `file`) else."""
    name = Path(getattr(upload, "name", "") or "file").name[:200]
    if Path(name).suffix.lower() not in EVIDENCE_TYPES:
        allowed = "、".join(sorted(EVIDENCE_TYPES))
        raise ServiceError(
            f"不支持的文件类型：{name}。可上传 {allowed}。", {"file": "文件类型不支持。"}
        )
    size = getattr(upload, "size", None) or 0
    if size > EVIDENCE_MAX_BYTES:
        raise ServiceError("文件不能超过 10 MB。", {"file": "文件过大。"})
    if size == 0:
        raise ServiceError("文件为空。", {"file": "文件为空。"})
    return name, size


def serve(field_file, name: str) -> FileResponse:
    """A stored file as a download (404 if it is gone), never sniffed as something else."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件不存在。") from exc
    return protect_download(FileResponse(handle, as_attachment=True, filename=name))


def is_storage_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in STORAGE_FULL_ERRNOS


_stored_here: ContextVar[list | None] = ContextVar("aiplus_uploads_stored_here", default=None)


@contextmanager
def removed_unless_saved():
    """Files `store`d inside the block are removed again if the block raises: wrap a store
    and the writes that record it (row, audit), so that a write failing after the file was
    stored (the row refused, the database gone) leaves no orphan file behind."""
    stored: list = []
    token = _stored_here.set(stored)
    try:
        yield
    except BaseException:
        for storage, name in stored:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("could not remove the upload %s of a failed write", name)
        raise
    finally:
        _stored_here.reset(token)


def store(field_file, name: str, content) -> str:
    """Save `content` in a file field under `name`, as `field_file.save(name, content,
    save=False)` does, and return the stored name. If the server refuses the write (disk full,
    quota, I/O error), the partial file is removed and StorageFull / StorageFailed raised (field
    `file`, Chinese message); call it inside the transaction that saves the row, so that the row
    is not kept either, and inside `removed_unless_saved`, so that the file is not kept when
    the row is not."""
    field, storage, instance = field_file.field, field_file.storage, field_file.instance
    stored = None
    try:
        # Claim a name first (the storage creates the file exclusively, choosing another name
        # if it is taken), then fill it: if the write fails, the file to remove is surely ours.
        target = field.generate_filename(instance, name)
        stored = storage.save(target, ContentFile(b""), max_length=field.max_length)
        with storage.open(stored, "wb") as out:
            for chunk in content.chunks():
                out.write(chunk)
    except OSError as exc:
        if stored is not None:
            try:
                storage.delete(stored)
            except OSError:
                logger.exception("could not remove the partial upload %s", stored)
        logger.error("upload %s not saved: %s", name, exc)
        if is_storage_full(exc):
            raise StorageFull(STORAGE_FULL_MESSAGE, {"file": "服务器存储空间不足。"}) from exc
        raise StorageFailed(STORAGE_FAILED_MESSAGE, {"file": "文件未能保存。"}) from exc
    setattr(instance, field.attname, stored)
    pending = _stored_here.get()
    if pending is not None:
        pending.append((storage, stored))
    return stored
