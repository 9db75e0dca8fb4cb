"""Load a city pack's voucher programmes (`voucher_programmes.csv`): code, name, the policy
rules (ids, `|`-separated) that decide eligibility and amounts, dates, and a planned pool where a
source gives one (blank: the office funds the pool). Called by `load_citypack` after the
measures, so the rules it names exist."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from aiplus.core.citypack import upsert
from aiplus.core.errors import ServiceError

from .models import VoucherProgramme

FILE = "voucher_programmes.csv"


def _day(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ServiceError(f"{FILE} {where}：“{value}”不是有效日期（YYYY-MM-DD）。") from exc


def load_programmes(path: Path, meta: dict, read_csv) -> tuple[int, int]:
    if not (path / FILE).exists():
        return 0, 0
    from aiplus.policies.models import Measure

    known = set(Measure.objects.values_list("rule_id", flat=True))
    created = updated = 0
    for n, row in enumerate(read_csv(path / FILE), start=2):
        where = f"第 {n} 行"
        if not row.get("code") or not row.get("name"):
            raise ServiceError(f"{FILE} {where}缺少 code 或 name。")
        rules = [r.strip() for r in (row.get("rules") or "").split("|") if r.strip()]
        unknown = [r for r in rules if r not in known]
        if unknown:
            raise ServiceError(f"{FILE} {where}引用了不存在的规则：{'、'.join(unknown)}。")
        start, end = _day(row["valid_from"], where), _day(row["valid_to"], where)
        if end < start:
            raise ServiceError(f"{FILE} {where}：截止日期早于开始日期。")
        try:
            pool = Decimal(row["pool"]) if (row.get("pool") or "").strip() else Decimal(0)
        except InvalidOperation as exc:
            raise ServiceError(f"{FILE} {where}：资金池“{row['pool']}”不是数字。") from exc
        values = {
            "name": row["name"],
            "rule_ids": rules,
            "valid_from": start,
            "valid_to": end,
            "description": row.get("description", ""),
            "source": row.get("source", "")[:500],
        }
        obj, done = upsert(VoucherProgramme, {"code": row["code"]}, values)
        if done == "created" and pool:
            obj.pool = pool
            obj.save(update_fields=["pool"])
        created += done == "created"
        updated += done == "updated"
    return created, updated
