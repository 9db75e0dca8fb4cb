"""CSV import of catalogue entries for an organisation that registers many at once.

`import_entries_csv` reads a CSV (UTF-8 with or without BOM, or GB18030 as Chinese Excel saves
it) with Chinese or English headers in any order, one entry a row: its metadata and card, and
optionally a version, an external file of that version, and whether to publish it. Values may
be codes or the Chinese labels the pages show (数据集, 申请使用, 文本生成, 中文、英文 …).

All-or-nothing: every row goes through the same services as the pages (`create_entry`, then
`add_version`, `add_external_file`, `publish_entry`) inside one transaction; if any row is bad
nothing is kept, and the result lists every row's problems (row number as a spreadsheet shows
it — the header is row 1 —, the column, and a Chinese message).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from django.db import transaction
from django.utils import timezone, translation

from aiplus.core import faults
from aiplus.core.actions import require_approved
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.models import Sector
from aiplus.core.spreadsheets import cell_text

from . import permissions, services
from .choices import LICENCE_URLS, Access, Kind, Language, Licence, Task
from .forms import LANG_SPLIT
from .models import Entry

__all__ = [
    "COLUMNS",
    "ImportFailed",
    "ImportResult",
    "RowError",
    "import_entries_csv",
    "template_csv",
]

MAX_ROWS = 1000
MAX_PRICE = Decimal(10) ** 14  # exchange_price: max_digits=16, decimal_places=2

# (key, Chinese header of the template, other accepted headers); headers are compared after
# NFKC, lower case, without spaces, "_", "-" and anything in parentheses.
COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("kind", "类型", ("kind", "type", "条目类型", "类别")),
    ("title", "名称", ("title", "name", "标题", "条目名称")),
    ("sector", "领域", ("sector", "所属领域", "行业", "重点领域")),
    ("summary", "一句话介绍", ("summary", "简介", "摘要")),
    ("description", "详细介绍", ("description", "介绍", "描述")),
    ("task", "任务", ("task", "任务类型")),
    ("languages", "语言", ("languages", "language", "语种")),
    ("size", "规模", ("size",)),
    ("record_count", "记录数", ("record_count", "records", "记录/样本数", "样本数")),
    ("byte_size", "数据量（字节）", ("byte_size", "bytes", "数据量")),
    ("licence", "许可", ("licence", "license", "许可证", "许可协议")),
    ("access", "开放级别", ("access", "开放方式", "访问级别")),
    ("landing_page", "主页", ("landing_page", "homepage", "网址")),
    ("tags", "技术标签", ("tags", "tag_names", "标签", "keywords", "关键词")),
    ("base_model", "基础模型", ("base_model",)),
    ("parameters", "参数规模", ("parameters", "参数")),
    ("is_vertical", "垂类模型", ("is_vertical", "vertical", "是否垂类模型")),
    ("intended_use", "预期用途", ("intended_use",)),
    ("out_of_scope", "不适用范围", ("out_of_scope",)),
    ("data_sources", "数据来源", ("data_sources",)),
    ("evaluation", "评测结果", ("evaluation",)),
    ("risks", "风险与局限", ("risks", "风险")),
    ("exchange", "挂牌交易所", ("exchange", "交易所")),
    ("exchange_code", "挂牌编号", ("exchange_code",)),
    ("exchange_price", "挂牌价格（元）", ("exchange_price",)),
    ("exchange_listed_on", "挂牌日期", ("exchange_listed_on",)),
    ("exchange_url", "挂牌链接", ("exchange_url",)),
    ("version", "版本号", ("version", "版本")),
    ("released_on", "版本日期", ("released_on", "版本发布日期")),
    ("version_notes", "更新说明", ("version_notes", "notes", "版本说明")),
    ("file_url", "文件地址", ("file_url", "url", "下载地址")),
    ("file_name", "文件名", ("file_name",)),
    ("file_size", "文件大小（字节）", ("file_size",)),
    ("media_type", "文件格式", ("media_type", "mime_type")),
    ("sha256", "SHA-256", ("sha256", "checksum")),
    ("publish", "发布", ("publish", "是否发布")),
]
LABELS = {key: label for key, label, _ in COLUMNS}
REQUIRED = ("kind", "title", "summary", "task", "licence", "access")
IGNORED_HEADERS = ("序号", "编号", "no", "#")

# Where a service's form field errors belong in the file, per step.
ENTRY_FIELDS = {"tag_names": "tags"}
VERSION_FIELDS = {"version": "version", "released_on": "released_on", "notes": "version_notes"}
FILE_FIELDS = {
    "name": "file_name",
    "url": "file_url",
    "byte_size": "file_size",
    "media_type": "media_type",
    "sha256": "sha256",
}

TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "对"}
FALSE = {"否", "n", "no", "false", "0", "×", "✗", "不"}
LANGUAGE_SYNONYMS = {
    "汉语": "zh",
    "简体中文": "zh",
    "繁体中文": "zh",
    "中": "zh",
    "chinese": "zh",
    "英语": "en",
    "英": "en",
    "english": "en",
    "日语": "ja",
    "韩语": "ko",
    "德语": "de",
    "法语": "fr",
    "多语言": "mul",
}
KIND_SYNONYMS = {"大模型": "model", "语料": "corpus", "示范": "demo", "应用": "demo"}
ACCESS_SYNONYMS = {
    "公开": "open",
    "开放下载": "open",
    "public": "open",
    "申请": "on_request",
    "依申请": "on_request",
    "依申请开放": "on_request",
    "有条件开放": "on_request",
    "受限使用": "restricted",
}
LICENCE_SYNONYMS = {
    "商业许可": "proprietary",
    "数据使用协议": "agreement",
    "协议授权": "agreement",
    "apache": "Apache-2.0",
    "cc0": "CC0-1.0",
}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_PARENS = re.compile(r"\(.*?\)|\[.*?\]|【.*?】")


# --- results -------------------------------------------------------------------------------


class RowError(NamedTuple):
    """One problem of one row: the row number (header = row 1), the column key ("" for the
    row as a whole) and a Chinese message."""

    row: int
    field: str
    message: str

    @property
    def column(self) -> str:
        """The column's Chinese header."""
        return LABELS.get(self.field, "")

    def __str__(self) -> str:
        where = f"第 {self.row} 行" + (f"“{self.column}”" if self.column else "")
        return f"{where}：{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "field": self.field,
            "column": self.column,
            "message": self.message,
        }


class ImportFailed(ServiceError):
    """Raised by `ImportResult.raise_for_errors`: nothing was imported. `as_dict` gives
    {"第 3 行": "…；…"} for the API's error body, like the other importers."""

    def __init__(self, errors: list[RowError]) -> None:
        rows = len({e.row for e in errors})
        super().__init__(f"导入失败：共 {rows} 行有误，未导入任何条目。")
        self.errors = errors  # type: ignore[assignment]

    def as_dict(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for err in self.errors:
            key = f"第 {err.row} 行"
            text = f"{err.column}：{err.message}" if err.column else err.message
            out[key] = f"{out[key]}；{text}" if key in out else text
        return out


@dataclass
class ImportResult:
    """What an import did: the entries created (and how many published), or, when any row was
    bad, no entries and every row's errors."""

    rows: int = 0
    created: list[Entry] = field(default_factory=list)
    published: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def entry_ids(self) -> list[int]:
        return [e.pk for e in self.created]

    def raise_for_errors(self) -> None:
        if self.errors:
            raise ImportFailed(self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "created": len(self.created),
            "published": self.published,
            "entry_ids": self.entry_ids,
            "dry_run": self.dry_run,
            "errors": [e.as_dict() for e in self.errors],
        }


# --- reading -------------------------------------------------------------------------------


def _key(text: Any) -> str:
    """Text compared loosely: NFKC, lower case, no spaces, "_", "-" or "·"."""
    return re.sub(r"[\s_\-·]+", "", unicodedata.normalize("NFKC", str(text))).lower()


def _header_key(text: str) -> str:
    """A header compared loosely, without what is in parentheses ("挂牌价格（元）")."""
    return _key(_PARENS.sub("", unicodedata.normalize("NFKC", text)).strip().strip("*:："))


HEADER_INDEX = {_header_key(name): key for key, label, names in COLUMNS for name in (label, *names)}


def _header(cell: str) -> str | None:
    """The column key of a header cell; "" for a known column to ignore; None if unknown."""
    key = _header_key(cell)
    if key in HEADER_INDEX:
        return HEADER_INDEX[key]
    if not key or key in IGNORED_HEADERS:
        return ""
    return None


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ServiceError(
            "无法识别文件编码：请将文件另存为 UTF-8 或 GB18030 编码的 CSV。"
        ) from exc


def _read(data: bytes) -> tuple[dict[int, str], list[tuple[int, dict[str, str]]]]:
    """(columns {index: key}, [(row number, {key: text})]) of the non-blank data rows."""
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        raise ServiceError("无法识别文件编码：请将文件另存为 UTF-8 编码的 CSV。") from exc
    if "\x00" in text:
        raise ServiceError("文件不是文本格式的 CSV，请从表格软件另存为 CSV 后再导入。")
    first = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ServiceError(f"CSV 格式有误：{exc}。") from exc
    numbered = [(n, r) for n, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not numbered:
        raise ServiceError("文件是空的。")
    _, head = numbered[0]
    columns: dict[int, str] = {}
    unknown = []
    for index, cell in enumerate(head):
        key = _header(cell)
        if key is None:
            unknown.append(cell.strip())
        elif key:
            if key in columns.values():
                raise ServiceError(f"列“{LABELS[key]}”重复出现，请只保留一列。")
            columns[index] = key
    if unknown:
        raise ServiceError(
            f"无法识别的列：{'、'.join(unknown)}。请使用导入模板中的列名（中文或英文）。"
        )
    missing = [LABELS[k] for k in REQUIRED if k not in columns.values()]
    if missing:
        raise ServiceError(f"缺少必需的列：{'、'.join(missing)}。")
    rows = []
    for number, record in numbered[1:]:
        values = {}
        for index, key in columns.items():
            value = cell_text(record[index]) if index < len(record) else ""
            if value:
                values[key] = value
        rows.append((number, values))
    if not rows:
        raise ServiceError("文件中没有数据行。")
    if len(rows) > MAX_ROWS:
        raise ServiceError(f"一次最多导入 {MAX_ROWS} 行，请分批导入。")
    return columns, rows


# --- values --------------------------------------------------------------------------------


def _choice_index(choices, synonyms: dict[str, str] | None = None) -> dict[str, str]:
    """Loose key → value for a TextChoices: its codes, its Chinese and English labels."""
    index: dict[str, str] = {}
    for value, label in choices.choices:
        index[_key(value)] = value
        for language in (None, "en"):
            with translation.override(language):
                index.setdefault(_key(str(label)), value)
    for name, value in (synonyms or {}).items():
        index.setdefault(_key(name), value)
    return index


def _options(choices) -> str:
    with translation.override(None):
        return "、".join(str(label) for _, label in choices.choices)


class _Values:
    """Turns a row's texts into the services' data, noting problems."""

    def __init__(self) -> None:
        self.kinds = _choice_index(Kind, KIND_SYNONYMS)
        self.tasks = _choice_index(Task)
        self.access = _choice_index(Access, ACCESS_SYNONYMS)
        self.licences = _choice_index(Licence, LICENCE_SYNONYMS)
        for code, url in LICENCE_URLS.items():
            self.licences.setdefault(_key(url.rstrip("/")), code)
        self.language_index = _choice_index(Language, LANGUAGE_SYNONYMS)
        self.sectors: dict[str, Sector] = {}
        self.sector_names: list[str] = []
        for sector in Sector.objects.all():
            self.sector_names.append(sector.name)
            for name in (sector.code, sector.name, sector.name_en):
                if name:
                    self.sectors.setdefault(_key(name), sector)

    def choice(self, index: dict, text: str, key: str, choices, errors: list) -> str:
        found = index.get(_key(text))
        if found is None:
            errors.append((key, f"“{text}”不是有效的{LABELS[key]}（可选：{_options(choices)}）"))
            return ""
        return found

    def sector(self, text: str, errors: list) -> str:
        key = _key(text)
        sector = self.sectors.get(key)
        for suffix in ("领域", "行业", "业"):
            if sector is None and key.endswith(suffix) and len(key) > len(suffix):
                sector = self.sectors.get(key[: -len(suffix)])
        if sector is None:
            errors.append(("sector", f"领域“{text}”不存在（可选：{'、'.join(self.sector_names)}）"))
            return ""
        return sector.code

    def languages(self, text: str, errors: list) -> list[str]:
        codes = []
        for token in (t for t in LANG_SPLIT.split(text.replace("|", " ")) if t):
            code = self.language_index.get(_key(token))
            if code is None and re.match(r"^zh[-_]", token, re.I):
                code = "zh"
            if code is None:
                errors.append(("languages", f"语言“{token}”无法识别（可选：{_options(Language)}）"))
            elif code not in codes:
                codes.append(code)
        return codes


def _flag(text: str, key: str, errors: list) -> bool:
    value = _key(text)
    if not value or value in FALSE:
        return False
    if value in TRUE:
        return True
    errors.append((key, f"“{text}”无法识别，请填写“是”或“否”"))
    return False


def _number(text: str, key: str, errors: list, *, units: bool = True) -> Decimal | None:
    raw = unicodedata.normalize("NFKC", text)
    clean = re.sub(r"[\s,，¥￥]", "", raw)
    multiplier = Decimal(1)
    for suffix in ("元", "条", "个", "张", "字节", "B"):
        clean = clean.removesuffix(suffix)
    if units and clean.endswith("亿"):
        clean, multiplier = clean[:-1], Decimal(10) ** 8
    elif units and clean.endswith("万"):
        clean, multiplier = clean[:-1], Decimal(10) ** 4
    try:
        value = Decimal(clean) * multiplier
    except InvalidOperation:
        errors.append((key, f"“{text}”不是有效的数字"))
        return None
    if not value.is_finite() or value < 0:
        errors.append((key, f"“{text}”须为不小于 0 的数"))
        return None
    return value


def _integer(text: str, key: str, errors: list) -> str:
    value = _number(text, key, errors)
    if value is None:
        return ""
    if value != value.to_integral_value():
        errors.append((key, f"“{text}”须为整数"))
        return ""
    return str(int(value))


def _date(text: str, key: str, errors: list) -> str:
    match = _DATE.match(unicodedata.normalize("NFKC", text).strip())
    try:
        if match is None:
            raise ValueError(text)
        return date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        errors.append((key, f"日期“{text}”无法识别，请填写如 2025-03-01"))
        return ""


@dataclass
class _Row:
    number: int
    entry: dict[str, Any] = field(default_factory=dict)
    version: dict[str, Any] | None = None
    file: dict[str, Any] | None = None
    publish: bool = False
    errors: list[tuple[str, str]] = field(default_factory=list)


def _file_name(url: str) -> str:
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return name[:200] or "文件"


def _parse(number: int, v: dict[str, str], values: _Values) -> _Row:
    row = _Row(number)
    bad = row.errors
    for key in REQUIRED:
        if not v.get(key):
            bad.append((key, f"请填写{LABELS[key]}"))
    kind = values.choice(values.kinds, v["kind"], "kind", Kind, bad) if v.get("kind") else ""
    entry: dict[str, Any] = {
        "kind": kind,
        "title": v.get("title", ""),
        "summary": v.get("summary", ""),
        "description": v.get("description", ""),
        "size": v.get("size", ""),
        "landing_page": v.get("landing_page", ""),
        "tag_names": v.get("tags", "").replace("|", "、"),
        "base_model": v.get("base_model", ""),
        "parameters": v.get("parameters", ""),
        "is_vertical": _flag(v.get("is_vertical", ""), "is_vertical", bad),
        "exchange": v.get("exchange", ""),
        "exchange_code": v.get("exchange_code", ""),
        "exchange_url": v.get("exchange_url", ""),
        "sector": values.sector(v["sector"], bad) if v.get("sector") else "",
        "languages": values.languages(v.get("languages", ""), bad),
        "record_count": _integer(v["record_count"], "record_count", bad)
        if v.get("record_count")
        else "",
        "byte_size": _integer(v["byte_size"], "byte_size", bad) if v.get("byte_size") else "",
        "exchange_listed_on": _date(v["exchange_listed_on"], "exchange_listed_on", bad)
        if v.get("exchange_listed_on")
        else "",
    }
    for name in ("intended_use", "out_of_scope", "data_sources", "evaluation", "risks"):
        entry[name] = v.get(name, "")
    for key, choices, index in (
        ("task", Task, values.tasks),
        ("licence", Licence, values.licences),
        ("access", Access, values.access),
    ):
        entry[key] = values.choice(index, v[key], key, choices, bad) if v.get(key) else ""
    price = v.get("exchange_price")
    amount = _number(price, "exchange_price", bad) if price else None
    if amount is not None and amount >= MAX_PRICE:
        bad.append(("exchange_price", f"挂牌价格“{price}”过大"))
        amount = None
    entry["exchange_price"] = "" if amount is None else str(amount.quantize(Decimal("0.01")))
    row.entry = entry

    if v.get("version"):
        released = v.get("released_on")
        row.version = {
            "version": v["version"],
            "released_on": _date(released, "released_on", bad)
            if released
            else timezone.localdate().isoformat(),
            "notes": v.get("version_notes", ""),
        }
    else:
        for key in ("released_on", "version_notes"):
            if v.get(key):
                bad.append((key, f"填写{LABELS[key]}时须同时填写版本号"))
    if v.get("file_url"):
        if row.version is None:
            bad.append(("file_url", "登记文件地址时须同时填写版本号（文件属于某一版本）"))
        row.file = {
            "name": v.get("file_name") or _file_name(v["file_url"]),
            "url": v["file_url"],
            "byte_size": _integer(v["file_size"], "file_size", bad) if v.get("file_size") else "",
            "media_type": v.get("media_type", ""),
            "sha256": v.get("sha256", ""),
        }
    else:
        for key in ("file_name", "file_size", "media_type", "sha256"):
            if v.get(key):
                bad.append((key, f"填写{LABELS[key]}时须同时填写文件地址"))
    row.publish = _flag(v.get("publish", ""), "publish", bad)
    return row


def _service_errors(exc: ServiceError, fields: dict[str, str], default: str) -> list[tuple]:
    """A service's refusal as (column key, message) pairs."""
    if not exc.errors:
        return [(default, exc.message.rstrip("。"))]
    out = []
    for name, message in exc.errors.items():
        key = fields.get(name, name)
        out.append((key if key in LABELS else default, str(message).rstrip("。")))
    return out


# --- import --------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def import_entries_csv(
    *, actor, data: bytes, is_demo: bool = False, dry_run: bool = False
) -> ImportResult:
    """Import entries of the actor's organisation from a CSV, all-or-nothing.

    Refuses (PermissionDenied) users who may not register entries and (ServiceError) files
    that cannot be read (encoding, unknown or missing columns, no rows). Otherwise returns an
    ImportResult: the entries created, or — nothing saved — every row's errors. With
    `dry_run` every row is checked the same way and nothing is kept either way."""
    require_approved(actor)
    if not permissions.can_publish(actor):
        raise PermissionDenied("只有已通过审核的单位成员可以导入数据集和模型。")
    _, records = _read(bytes(data))
    values = _Values()
    rows = [_parse(number, v, values) for number, v in records]

    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        kind, title = row.entry["kind"], row.entry["title"].strip()
        if not kind or not title:
            continue
        if (kind, title) in seen:
            row.errors.append(("title", f"与第 {seen[kind, title]} 行重复（同一类型、同一名称）"))
            continue
        seen[kind, title] = row.number
    existing = set(
        Entry.objects.filter(
            owner_id=actor.organisation_id, title__in=[t for _, t in seen]
        ).values_list("kind", "title")
    )
    for row in rows:
        if (row.entry["kind"], row.entry["title"].strip()) in existing:
            row.errors.append(("title", "本单位已有同类型、同名称的条目"))

    result = ImportResult(rows=len(rows), dry_run=dry_run)
    try:
        with transaction.atomic():
            for row in rows:
                if not row.errors:
                    _write(actor, row, result, is_demo=is_demo)
                    faults.pause("catalogue-import")  # test hook (issue #8): no-op unless asked
            errors = [RowError(r.number, k, m) for r in rows for k, m in r.errors]
            if errors or dry_run:
                raise _Rollback
    except _Rollback:
        # nothing was kept: no entry ids to report (a clean dry run reports `rows` only)
        result.errors = errors
        result.created, result.published = [], 0
    return result


def _write(actor, row: _Row, result: ImportResult, *, is_demo: bool) -> None:
    """One row through the services, in a savepoint: a refusal is noted on the row and the
    other rows still run, so the result lists every row's problems."""
    step, fields = "", ENTRY_FIELDS
    try:
        with transaction.atomic():
            entry = services.create_entry(actor=actor, data=row.entry, is_demo=is_demo)
            if row.version is not None:
                step, fields = "version", VERSION_FIELDS
                version = services.add_version(actor=actor, entry=entry, data=row.version)
                if row.file is not None:
                    step, fields = "file_url", FILE_FIELDS
                    services.add_external_file(actor=actor, version=version, data=row.file)
            if row.publish:
                step, fields = "publish", {}
                services.publish_entry(actor=actor, entry=entry)
    except ServiceError as exc:
        row.errors.extend(_service_errors(exc, fields, step))
        return
    result.created.append(entry)
    result.published += row.publish


# --- template ------------------------------------------------------------------------------


def _example_sector() -> str:
    sector = Sector.objects.filter(code="transport").first() or Sector.objects.first()
    return sector.name if sector else ""


def template_csv() -> bytes:
    """The import template: every column with its Chinese header, and one example row (UTF-8
    with BOM so spreadsheet programs show the Chinese)."""
    example = {
        "kind": "数据集",
        "title": "城市道路交通流量数据集（示例）",
        "sector": _example_sector(),
        "summary": "主要路口分时段机动车流量，按 5 分钟汇总",
        "description": "覆盖城区 120 个信号控制路口，2024 年全年数据。",
        "task": "时序预测",
        "languages": "中文、英文",
        "size": "120 个路口，全年 5 分钟粒度",
        "record_count": "12614400",
        "byte_size": "",
        "licence": "CC-BY-4.0",
        "access": "开放",
        "landing_page": "https://example.com/traffic",
        "tags": "交通流量、时序预测",
        "base_model": "",
        "parameters": "",
        "is_vertical": "否",
        "intended_use": "交通流量预测、信号配时优化的模型训练与评测",
        "out_of_scope": "不适用于识别个人或车辆轨迹",
        "data_sources": "交通信号控制系统线圈检测器",
        "evaluation": "",
        "risks": "个别检测器故障时段有缺失，已标注",
        "exchange": "",
        "exchange_code": "",
        "exchange_price": "",
        "exchange_listed_on": "",
        "exchange_url": "",
        "version": "1.0",
        "released_on": "2025-01-15",
        "version_notes": "首次发布",
        "file_url": "https://example.com/traffic/flow-2024.csv",
        "file_name": "flow-2024.csv",
        "file_size": "",
        "media_type": "text/csv",
        "sha256": "",
        "publish": "否",
    }
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for _, label, _ in COLUMNS])
    writer.writerow([example[key] for key, _, _ in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")
