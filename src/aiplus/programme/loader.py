"""Load a city pack's targets into indicators (called by `load_citypack`).

`targets.csv` is the plan's list of targets exactly as sourced (aspect, indicator, target, unit,
deadline, source). `indicators.csv` (optional) configures each one by name: code, reported or
derived, cumulative or level, monthly or quarterly, split by area or sector, related sectors,
baseline with its source; a row whose name is not in `targets.csv` is an extra indicator and
brings its own target, unit, deadline and source. A target without configuration is loaded as
a monthly, cumulative, reported city indicator.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from aiplus.core.citypack import upsert
from aiplus.core.errors import ServiceError
from aiplus.core.models import Aspect, Sector

from . import derived, series
from .models import Accumulation, Direction, Frequency, Indicator, Kind, Split

_PREFIX = re.compile(r"^[一二三四五六七八九十]+、")
_FOCUS = re.compile(r"[（(](.+?)[）)]\s*$")
_YEAR = re.compile(r"(\d{4})")


def parse_target(text: str) -> tuple[Decimal, str, bool]:
    """'>3000' → (3000, at_least, strict); '≤5' → (5, at_most, False); '300' → (300, at_least, False)."""
    raw = text.strip().replace("＞", ">").replace("＜", "<").replace("≥", ">=").replace("≤", "<=")
    raw = (
        raw.replace("超过", ">").replace("超", ">").replace("不低于", ">=").replace("不高于", "<=")
    )
    m = re.fullmatch(r"(>=|<=|>|<)?\s*([0-9][0-9,]*(?:\.[0-9]+)?)", raw)
    if not m:
        raise ValueError(text)
    op, number = m.group(1) or "", m.group(2).replace(",", "")
    direction = Direction.AT_MOST if op.startswith("<") else Direction.AT_LEAST
    return Decimal(number), direction, op in (">", "<")


def parse_deadline(text: str, default: date) -> date:
    """'2026年底' / '2025-2026' / '2026年' → 31 December of the last year named; else `default`."""
    years = _YEAR.findall(text or "")
    return date(int(years[-1]), 12, 31) if years else default


def _aspect(text: str) -> tuple[Aspect | None, str, str]:
    """'四、加快重点领域应用推广（AI+科学技术）' → (aspect, group, focus)."""
    name = _PREFIX.sub("", text.strip())
    focus = ""
    m = _FOCUS.search(name)
    if m:
        focus, name = m.group(1), name[: m.start()].strip()
    aspect = Aspect.objects.filter(name=name).first() or Aspect.objects.filter(code=name).first()
    return aspect, ("" if aspect else name), focus


def _decimal(text: str, what: str) -> Decimal | None:
    if not text:
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise ServiceError(f"indicators.csv：{what}“{text}”不是数字。") from exc


def load_indicators(path: Path, meta: dict, read_csv) -> tuple[int, int]:
    """Create or update the indicators of the pack at `path`; returns (created, updated)."""
    if not (path / "targets.csv").exists():
        return 0, 0
    start = date.fromisoformat(meta.get("programme_start", "2025-01-01"))
    end = date.fromisoformat(meta.get("programme_end", f"{start.year + 1}-12-31"))
    targets = read_csv(path / "targets.csv")
    config = (
        {r["name"]: r for r in read_csv(path / "indicators.csv")}
        if (path / "indicators.csv").exists()
        else {}
    )
    names = {t["indicator"] for t in targets}
    rows = [
        {
            **config.get(t["indicator"], {}),
            "name": t["indicator"],
            "aspect": t["aspect"],
            "target": t["target"],
            "unit": t["unit"],
            "deadline": t["deadline"],
            "source": t.get("source", ""),
        }
        for t in targets
    ] + [r for name, r in config.items() if name not in names]
    created = updated = 0
    seen: set[str] = set()
    for position, row in enumerate(rows, start=1):
        label = f"指标“{row['name']}”"
        code = row.get("code") or f"target-{position:02d}"
        if code in seen:
            raise ServiceError(f"{label}的代码 {code} 重复。")
        seen.add(code)
        try:
            target, direction, strict = parse_target(row.get("target", ""))
        except ValueError as exc:
            raise ServiceError(f"{label}的目标值“{row.get('target')}”无法识别。") from exc
        if not row.get("unit"):
            raise ServiceError(f"{label}缺少单位。")
        kind = row.get("kind") or Kind.REPORTED
        accumulation = row.get("accumulation") or Accumulation.CUMULATIVE
        frequency = row.get("frequency") or Frequency.MONTHLY
        split = row.get("split") or Split.NONE
        for value, choices, what in (
            (kind, Kind, "类型"),
            (accumulation, Accumulation, "数值性质"),
            (frequency, Frequency, "报送频率"),
            (split, Split, "分解方式"),
        ):
            if value not in choices.values:
                raise ServiceError(f"{label}的{what}“{value}”无效。")
        if kind == Kind.DERIVED and derived.get(row.get("source_key", "")) is None:
            raise ServiceError(f"{label}的统计口径“{row.get('source_key')}”不存在。")
        if split and accumulation == Accumulation.LEVEL:
            raise ServiceError(f"{label}为时点/比率值，不能按板块或领域分解求和。")
        aspect, group, focus = _aspect(row.get("aspect", ""))
        sector_codes = [c for c in re.split(r"[;；]", row.get("sectors", "")) if c.strip()]
        sectors = list(Sector.objects.filter(code__in=sector_codes))
        if len(sectors) != len(set(sector_codes)):
            raise ServiceError(f"{label}的领域代码有误：{row.get('sectors')}")
        baseline_date = row.get("baseline_date") or None
        values = {
            "name": row["name"],
            "aspect": aspect,
            "group": group,
            "focus": focus,
            "unit": row["unit"],
            "direction": direction,
            "strict": strict,
            "target_value": target,
            "target_text": row.get("target", ""),
            "start_date": start,
            "deadline": parse_deadline(row.get("deadline", ""), end),
            "deadline_text": row.get("deadline", ""),
            "baseline_value": _decimal(row.get("baseline_value", ""), "基线值"),
            "baseline_date": date.fromisoformat(baseline_date) if baseline_date else None,
            "baseline_source": row.get("baseline_source", ""),
            "kind": kind,
            "source_key": row.get("source_key", "") if kind == Kind.DERIVED else "",
            "accumulation": accumulation,
            "frequency": frequency,
            "split": split,
            "source": row.get("source", ""),
            "note": row.get("note", "")[:300],
            "position": position,
        }
        obj, done = upsert(Indicator, {"code": code}, values)
        created += done == "created"
        updated += done == "updated"
        if {s.pk for s in obj.sectors.all()} != {s.pk for s in sectors}:
            obj.sectors.set(sectors)
    if created or updated:
        series.refresh_all()
    return created, updated
