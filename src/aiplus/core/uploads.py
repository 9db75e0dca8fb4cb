"""Evidence files every module accepts: which types, how large, and how they are served.

Uploads are stored under MEDIA_ROOT (outside the static root) and only ever served through a
view that has checked the user may see them (`serve`)."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, Http404

from .errors import ServiceError

EVIDENCE_TYPES = {".pdf", ".xlsx", ".xls", ".csv", ".docx", ".doc", ".png", ".jpg", ".jpeg", ".zip"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


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
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
