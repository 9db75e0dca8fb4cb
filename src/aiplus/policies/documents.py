"""Import policy documents (metadata and full text) from a folder like
`shared/reference/policies/`.

The folder holds `policies.csv` (tab-separated despite the name, quoted fields) with the columns
doc_id, title, region, level, issuer, publish_date, policy_type, theme, tier, status,
source_format, doc_no, source_url, notes, and one `<doc_id>.txt` (UTF-8) per document whose text
is available. A row without a text file is imported with its metadata only.

The import is all-or-nothing and idempotent: each document keeps a digest of its metadata and
text, and a document whose digest (and dates of force) are unchanged is not written. Afterwards
the city pack's measures are linked to their document (`Measure.document_code`), and a document
with measures takes its dates of force from them (earliest valid_from, latest valid_to).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.db.models import Max, Min

from aiplus.core.errors import ServiceError

from .models import Measure, PolicyDocument

CSV_NAME = "policies.csv"
REQUIRED_COLUMNS = ("doc_id", "title")
KNOWN_COLUMNS = (
    "doc_id",
    "title",
    "region",
    "level",
    "issuer",
    "publish_date",
    "policy_type",
    "theme",
    "tier",
    "status",
    "source_format",
    "doc_no",
    "source_url",
    "notes",
)
# CSV column → model field, with the field's maximum length.
FIELDS = {
    "title": ("title", 300),
    "region": ("region", 50),
    "level": ("level", 20),
    "issuer": ("issuer", 200),
    "doc_no": ("number", 100),
    "policy_type": ("policy_type", 50),
    "theme": ("theme", 100),
    "source_url": ("source_url", 500),
    "notes": ("notes", None),
}
_FULL_DATE = re.compile(r"^(\d{4})\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})\s*日?$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[/\-.年]\s*(\d{1,2})\s*月?$")
_YEAR = re.compile(r"^(\d{4})\s*年?$")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    metadata_only: list[str] = field(default_factory=list)  # codes without a text file
    linked: int = 0  # measures newly linked to their document

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def parse_publish_date(value: str) -> tuple[dt.date | None, str]:
    """(date, note): "2025/12/31" → the date; "2024" or "2025/7" → no date and a note that keeps
    what is known. Raises ValueError for anything else."""
    value = value.strip()
    if not value:
        return None, ""
    if m := _FULL_DATE.match(value):
        return dt.date(int(m[1]), int(m[2]), int(m[3])), ""
    if m := _YEAR_MONTH.match(value):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(value)
        return None, f"发布时间：{m[1]}年{month}月（未注明具体日期）。"
    if m := _YEAR.match(value):
        return None, f"发布年份：{m[1]}年（未注明具体日期）。"
    raise ValueError(value)


def clean_text(raw: str) -> str:
    """Unix line ends, no trailing spaces, at most one blank line between paragraphs."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise ServiceError(f"找不到政策文件目录清单：{path}")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t", strict=True)
            columns = [c.strip() for c in reader.fieldnames or []]
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise ServiceError(
                    f"{path.name} 缺少列：{'、'.join(missing)}（应为制表符分隔，首行为列名）。"
                )
            reader.fieldnames = columns
            rows = []
            for row in reader:
                line = reader.line_num
                if None in row or any(v is None for v in row.values()):
                    raise ServiceError(f"{path.name} 第 {line} 行的列数与表头不一致。")
                rows.append((line, {k: v.strip() for k, v in row.items()}))
    except UnicodeDecodeError as exc:
        raise ServiceError(f"{path.name} 不是 UTF-8 编码的文本文件。") from exc
    except csv.Error as exc:
        raise ServiceError(f"{path.name} 格式有误：{exc}") from exc
    if not rows:
        raise ServiceError(f"{path.name} 没有任何政策文件。")
    return rows


def _read_text(folder: Path, code: str) -> str | None:
    path = folder / f"{code}.txt"
    if not path.is_file():
        return None
    try:
        return clean_text(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ServiceError(f"全文文件 {path.name} 不是 UTF-8 编码。") from exc


def _values(line: int, row: dict[str, str], name: str) -> dict:
    """Model values of one CSV row, or a ServiceError naming the line and column."""
    code = row["doc_id"]
    if not code:
        raise ServiceError(f"{name} 第 {line} 行缺少 doc_id。")
    try:
        validate_slug(code)
    except ValidationError as exc:
        raise ServiceError(
            f"{name} 第 {line} 行的 doc_id“{code}”只能包含字母、数字、下划线或连字符。"
        ) from exc
    if len(code) > 32:
        raise ServiceError(f"{name} 第 {line} 行的 doc_id 超过 32 个字符。")
    if not row.get("title"):
        raise ServiceError(f"{name} 第 {line} 行（{code}）缺少标题。")
    values: dict = {}
    for column, (model_field, max_length) in FIELDS.items():
        value = row.get(column, "")
        if max_length and len(value) > max_length:
            raise ServiceError(
                f"{name} 第 {line} 行（{code}）的 {column} 超过 {max_length} 个字符。"
            )
        values[model_field] = value
    if values["source_url"]:
        try:
            URLValidator()(values["source_url"])
        except ValidationError as exc:
            raise ServiceError(f"{name} 第 {line} 行（{code}）的来源网址无效。") from exc
    try:
        published, note = parse_publish_date(row.get("publish_date", ""))
    except ValueError as exc:
        raise ServiceError(
            f"{name} 第 {line} 行（{code}）的发布日期“{row.get('publish_date')}”无法识别，"
            "应为 2025/12/31 或 2025 这样的格式。"
        ) from exc
    values["published"] = published
    values["notes"] = note + values["notes"]
    return values


def _digest(code: str, values: dict) -> str:
    data = {"code": code, **{k: str(v or "") for k, v in sorted(values.items())}}
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def _dates_of_force(code: str) -> tuple[dt.date | None, dt.date | None]:
    agg = Measure.objects.filter(document_code=code).aggregate(
        start=Min("valid_from"), end=Max("valid_to")
    )
    return agg["start"], agg["end"]


def import_documents(folder: str | Path) -> ImportResult:
    """Create or update the documents listed in `<folder>/policies.csv` (see module doc)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ServiceError(f"找不到政策文件目录：{folder}")
    csv_path = folder / CSV_NAME
    rows = _read_rows(csv_path)
    prepared: dict[str, dict] = {}
    result = ImportResult()
    for line, row in rows:
        values = _values(line, row, csv_path.name)
        code = row["doc_id"]
        if code in prepared:
            raise ServiceError(f"{csv_path.name} 第 {line} 行的 doc_id“{code}”重复。")
        text = _read_text(folder, code)
        if text is None:
            result.metadata_only.append(code)
        values["text"] = text or ""
        values["digest"] = _digest(code, values)
        prepared[code] = values

    with transaction.atomic():
        existing = {d.code: d for d in PolicyDocument.objects.filter(code__in=list(prepared))}
        for code, values in prepared.items():
            values["effective_from"], values["effective_to"] = _dates_of_force(code)
            doc = existing.get(code)
            if doc is None:
                doc = PolicyDocument.objects.create(code=code, **values)
                result.created += 1
            elif any(getattr(doc, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(doc, k, v)
                doc.save()
                result.updated += 1
            else:
                result.unchanged += 1
            result.linked += (
                Measure.objects.filter(document_code=code)
                .exclude(document=doc)
                .update(document=doc)
            )
    return result
