"""Load a city pack (`citypacks/<code>/`) into the reference tables. Idempotent: rows are
matched by code, so loading the same pack twice changes nothing."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .errors import ServiceError
from .models import Area, Aspect, CityPack, DemanderType, Sector, Tag

CORE_FILES = ["pack.json", "sectors.csv", "areas.csv", "aspects.csv", "demander_types.csv"]


@dataclass
class LoadResult:
    city: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: bool = False


def pack_dir(code_or_path: str | Path) -> Path:
    path = Path(code_or_path)
    if not path.is_dir():
        path = Path(settings.CITYPACKS_DIR) / str(code_or_path)
    if not path.is_dir():
        raise ServiceError(f"找不到城市包：{code_or_path}")
    missing = [f for f in CORE_FILES if not (path / f).exists()]
    if missing:
        raise ServiceError(f"城市包 {path.name} 缺少文件：{', '.join(missing)}")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def pack_meta(code_or_path: str | Path) -> dict:
    return json.loads((pack_dir(code_or_path) / "pack.json").read_text(encoding="utf-8"))


def _digest(path: Path) -> str:
    """Of every file in the pack, sub-folders (such as rules/) included."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f.relative_to(path).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def upsert(model, key: dict, values: dict):
    """Create the row with `key`, or update it where `values` differ; (object, what happened)
    with what happened one of "created", "updated", None. Loaders use it so that loading the
    same pack twice writes nothing."""
    obj = model.objects.filter(**key).first()
    if obj is None:
        return model.objects.create(**key, **values), "created"
    if any(getattr(obj, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(obj, k, v)
        obj.save()
        return obj, "updated"
    return obj, None


def _sync(model, rows: list[dict], extra) -> tuple[int, int]:
    created = updated = 0
    for position, row in enumerate(rows, start=1):
        if not row.get("code") or not row.get("name"):
            raise ServiceError(f"{model._meta.verbose_name}第 {position} 行缺少 code 或 name。")
        values = {
            "name": row["name"],
            "name_en": row.get("name_en", ""),
            "position": position,
            "source": row.get("source", ""),
            **extra(row),
        }
        _obj, done = upsert(model, {"code": row["code"]}, values)
        created += done == "created"
        updated += done == "updated"
    return created, updated


def module_loaders():
    """Loaders of later modules' pack files (settings.CITYPACK_LOADERS: label → dotted path)."""
    return [(label, import_string(dotted)) for label, dotted in settings.CITYPACK_LOADERS.items()]


def _split(text: str) -> list[str]:
    return [s.strip() for s in text.replace(";", "；").split("；") if s.strip()]


@transaction.atomic
def load_citypack(code_or_path: str | Path) -> LoadResult:
    """Load sectors, areas, aspects, demander types and tags of a city pack."""
    path = pack_dir(code_or_path)
    meta = json.loads((path / "pack.json").read_text(encoding="utf-8"))
    digest = _digest(path)
    result = LoadResult(city=meta["name"])
    existing = CityPack.objects.filter(code=meta["code"]).first()
    if existing and existing.digest == digest:
        result.unchanged = True
        return result
    tables = [
        ("sectors", Sector, "sectors.csv", lambda r: {"keywords": r.get("keywords", "")}),
        (
            "areas",
            Area,
            "areas.csv",
            lambda r: {"kind": r["kind"], "specialisations": _split(r.get("specialisations", ""))},
        ),
        ("aspects", Aspect, "aspects.csv", lambda r: {}),
        ("demander_types", DemanderType, "demander_types.csv", lambda r: {}),
    ]
    for label, model, filename, extra in tables:
        c, u = _sync(model, read_csv(path / filename), extra)
        result.created[label], result.updated[label] = c, u
    if (path / "tags.csv").exists():
        before = Tag.objects.count()
        for row in read_csv(path / "tags.csv"):
            if row.get("name"):
                Tag.objects.get_or_create(name=row["name"][:50])
        result.created["tags"] = Tag.objects.count() - before
    for label, loader in module_loaders():
        result.created[label], result.updated[label] = loader(path, meta, read_csv)
    CityPack.objects.update_or_create(
        code=meta["code"],
        defaults={
            "name": meta["name"],
            "programme_name": meta.get("programme_name", ""),
            "digest": digest,
        },
    )
    return result
