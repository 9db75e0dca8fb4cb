"""An independent feasibility checker for allocations (不依赖求解器的可行性校验).

Written apart from the solver on purpose: it imports nothing from `allocation` (no loader, no
candidate arrays, no voucher code), parses the raw rows itself and re-derives every rule from
the problem statement, so a bug shared by the solver's modules cannot hide here. It checks:

- every assignment names an existing application and offer, and no application twice
  (whole or nothing: one offer, one start, all its cards);
- the offer's GPU model is accepted, its price is at most the application's maximum, it has
  at least the cards asked for;
- the run of ceil(hours/24) days lies in the application's window (start >= earliest_day,
  start + days <= latest_end_day) and the offer's availability (same convention);
- on each day no offer has more cards in use than it has;
- vouchers: only to served voucher-eligible applications, whole fen, never negative, at most
  ratio × cost (opc_ratio for opc); per enterprise and rule (opc / standard) at most that
  rule's cap; per enterprise at most the higher cap of the rules it received vouchers under
  (就高不重复); all together at most the pool.

It recomputes served card-hours, cost and voucher totals from scratch and, when given the
figures a solver claimed, reports any that differ. Messages are in Chinese.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

CENT = Decimal("0.01")


@dataclass
class CheckReport:
    """What the checker found: violations (empty when feasible) and recomputed totals."""

    violations: list[str] = field(default_factory=list)
    served_applications: int = 0
    served_card_hours: int = 0
    cost_yuan: Decimal = Decimal(0)
    voucher_yuan: Decimal = Decimal(0)

    @property
    def ok(self) -> bool:
        return not self.violations


def check_folder(
    folder: str | Path,
    assignments: Iterable[Mapping[str, Any]],
    claimed: Mapping[str, Any] | None = None,
) -> CheckReport:
    """Check `assignments` against the instance files in `folder` (offers.csv,
    applications.csv, programme.json), read afresh."""
    folder = Path(folder)
    with (folder / "offers.csv").open(encoding="utf-8-sig", newline="") as f:
        offers = list(csv.DictReader(f))
    with (folder / "applications.csv").open(encoding="utf-8-sig", newline="") as f:
        applications = list(csv.DictReader(f))
    programme = json.loads((folder / "programme.json").read_text(encoding="utf-8"))
    return check(offers, applications, programme, assignments, claimed)


def check(
    offers: Iterable[Mapping[str, Any]],
    applications: Iterable[Mapping[str, Any]],
    programme: Mapping[str, Any],
    assignments: Iterable[Mapping[str, Any]],
    claimed: Mapping[str, Any] | None = None,
) -> CheckReport:
    """Check `assignments` (rows with app_id, offer_id, start_day, voucher_yuan) against the
    raw instance rows; see the module docstring for the rules."""
    report = CheckReport()
    offer_by_id = {str(o["offer_id"]).strip(): o for o in offers}
    app_by_id = {str(a["app_id"]).strip(): a for a in applications}
    usage: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    seen: set[str] = set()
    vouchers: list[tuple[Mapping[str, Any], Decimal, Decimal]] = []
    cost_total = Decimal(0)
    for n, row in enumerate(assignments, start=1):
        where = f"第 {n} 条分配"
        app_id = str(row.get("app_id", "")).strip()
        offer_id = str(row.get("offer_id", "")).strip()
        app, offer = app_by_id.get(app_id), offer_by_id.get(offer_id)
        if app is None:
            report.violations.append(f"{where}：申请 {app_id!r} 不存在")
            continue
        if offer is None:
            report.violations.append(f"{where}：算力资源 {offer_id!r} 不存在（申请 {app_id}）")
            continue
        if app_id in seen:
            report.violations.append(f"{where}：申请 {app_id} 被重复分配（须整体满足或不满足）")
            continue
        seen.add(app_id)
        try:
            start = _int(row.get("start_day"))
            cards, hours = _int(app["cards"]), _int(app["hours"])
            capacity = _int(offer["cards"])
            price, max_price = (
                _dec(offer["price_per_card_hour"]),
                _dec(app["max_price_per_card_hour"]),
            )
            earliest, latest = _int(app["earliest_day"]), _int(app["latest_end_day"])
            open_from, open_to = _int(offer["available_from_day"]), _int(offer["available_to_day"])
        except ValueError as exc:
            report.violations.append(f"{where}（申请 {app_id}）：数据无法解析：{exc}")
            continue
        days = math.ceil(hours / 24)
        tag = f"申请 {app_id} → 资源 {offer_id}，第 {start} 天起 {days} 天"
        accepted = {m.strip() for m in str(app["accepted_models"]).split("|")}
        if str(offer["gpu_model"]).strip() not in accepted:
            report.violations.append(
                f"{tag}：GPU 型号 {offer['gpu_model']} 不在可接受型号 {app['accepted_models']} 中"
            )
        if price > max_price:
            report.violations.append(f"{tag}：单价 {price} 元/卡时 高于申请上限 {max_price}")
        if cards > capacity:
            report.violations.append(f"{tag}：需 {cards} 卡，资源仅有 {capacity} 卡")
        if start < earliest or start + days > latest:
            report.violations.append(
                f"{tag}：超出申请时间窗 [{earliest}, {latest}]（需 起始 ≥ {earliest} 且 "
                f"起始 + 天数 ≤ {latest}）"
            )
        if start < open_from or start + days > open_to:
            report.violations.append(f"{tag}：超出资源可用期 [{open_from}, {open_to}]")
        for day in range(start, start + days):
            usage[offer_id][day] += cards
        cost = cards * hours * price
        cost_total += cost
        report.served_applications += 1
        report.served_card_hours += cards * hours
        amount = _check_voucher(report, tag, app, cost, row.get("voucher_yuan"), programme)
        vouchers.append((app, cost, amount))
    for offer_id, days_used in usage.items():
        capacity = _int(offer_by_id[offer_id]["cards"])
        over = sorted(d for d, used in days_used.items() if used > capacity)
        if over:
            worst = max(days_used[d] for d in over)
            report.violations.append(
                f"资源 {offer_id}：第 {_days(over)} 天占用超过 {capacity} 卡（最多 {worst} 卡）"
            )
    report.cost_yuan = cost_total.quantize(CENT, rounding=ROUND_HALF_UP)
    _check_voucher_limits(report, programme, vouchers)
    if claimed is not None:
        _check_claims(report, claimed)
    return report


def _check_voucher(report, tag, app, cost, raw, programme) -> Decimal:
    """One application's voucher: a whole-fen, non-negative amount within ratio × cost.
    Returns the amount (0 when missing or unreadable)."""
    try:
        amount = _dec(raw if raw not in (None, "") else 0)
    except ValueError:
        report.violations.append(f"{tag}：算力券金额 {raw!r} 无法解析")
        return Decimal(0)
    if amount == 0:
        return amount
    if amount < 0:
        report.violations.append(f"{tag}：算力券金额为负（{amount}）")
    if amount != amount.quantize(CENT):
        report.violations.append(f"{tag}：算力券金额 {amount} 不是整分")
    if str(app["voucher_eligible"]).strip().lower() not in ("1", "true", "yes", "是"):
        report.violations.append(f"{tag}：申请不符合算力券条件，却获得 {amount} 元")
    opc = str(app["enterprise_kind"]).strip().lower() == "opc"
    ratio = _dec(programme["opc_ratio" if opc else "ratio"])
    if amount > ratio * cost:
        report.violations.append(
            f"{tag}：算力券 {amount} 元超过补贴比例上限 {ratio} × 费用 {cost} = {ratio * cost} 元"
        )
    return amount


def _check_voucher_limits(report, programme, vouchers) -> None:
    """Per enterprise × rule, per enterprise (higher cap), and the pool."""
    caps = {
        "opc": _dec(programme["opc_cap_per_enterprise_yuan"]),
        "standard": _dec(programme["cap_per_enterprise_yuan"]),
    }
    by_rule: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for app, _cost, amount in vouchers:
        if amount > 0:
            kind = str(app["enterprise_kind"]).strip().lower()
            by_rule[(str(app["enterprise"]).strip(), "opc" if kind == "opc" else "standard")] += (
                amount
            )
    by_enterprise: dict[str, Decimal] = defaultdict(Decimal)
    ceiling: dict[str, Decimal] = defaultdict(Decimal)
    for (enterprise, rule), amount in sorted(by_rule.items()):
        if amount > caps[rule]:
            label = "OPC 社区企业" if rule == "opc" else "企业"
            report.violations.append(
                f"企业 {enterprise}：{label}算力券合计 {amount} 元，超过单个企业上限 {caps[rule]} 元"
            )
        by_enterprise[enterprise] += amount
        ceiling[enterprise] = max(ceiling[enterprise], caps[rule])
    for enterprise, amount in sorted(by_enterprise.items()):
        if amount > ceiling[enterprise]:
            report.violations.append(
                f"企业 {enterprise}：算力券合计 {amount} 元，超过就高上限 {ceiling[enterprise]} 元"
            )
    total = sum((amount for *_, amount in vouchers), Decimal(0))
    report.voucher_yuan = total
    pool = _dec(programme["pool_yuan"])
    if total > pool:
        report.violations.append(f"算力券合计 {total} 元，超过资金池 {pool} 元")


def _check_claims(report: CheckReport, claimed: Mapping[str, Any]) -> None:
    """Compare the solver's reported totals with the recomputed ones."""
    if "served_card_hours" in claimed and int(claimed["served_card_hours"]) != (
        report.served_card_hours
    ):
        report.violations.append(
            f"报告的满足卡时 {claimed['served_card_hours']} 与复算值 "
            f"{report.served_card_hours} 不符"
        )
    for key, label, recomputed in (
        ("cost_yuan", "总费用", report.cost_yuan),
        ("voucher_yuan", "算力券总额", report.voucher_yuan),
    ):
        if key in claimed and abs(_dec(claimed[key]) - recomputed) > CENT / 2:
            report.violations.append(f"报告的{label} {claimed[key]} 元与复算值 {recomputed} 元不符")


def _int(value: Any) -> int:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{value!r} 不是整数") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"{value!r} 不是整数")
    return int(number)


def _dec(value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{value!r} 不是数值") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} 不是有限数值")
    return number


def _days(days: list[int]) -> str:
    """Days as ranges: [3, 4, 5, 9] → '3–5、9'."""
    parts, start = [], days[0]
    for prev, day in zip(days, [*days[1:], None], strict=True):
        if day != prev + 1:
            parts.append(str(start) if start == prev else f"{start}–{prev}")
            start = day
    return "、".join(parts)
