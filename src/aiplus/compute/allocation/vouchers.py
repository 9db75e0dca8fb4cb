"""Compute vouchers (算力券) for the served applications, in whole fen.

Rules, as the platform applies them:

- an application gets a voucher only if it is served and `voucher_eligible`;
- at most `ratio × cost` (`opc_ratio` for enterprise_kind opc), rounded *down* to the fen;
- per enterprise and rule ("standard" for rd_company/sme/lab, "opc" for opc), at most that
  rule's cap over the quarter (`cap_per_enterprise_yuan`, `opc_cap_per_enterprise_yuan`);
- an enterprise with applications under both rules gets at most the higher of the two caps in
  all (就高不重复: the higher applies, never both) — so no reading of "each enterprise at most
  its cap" is exceeded;
- all vouchers together at most `pool_yuan`.

These limits nest (pool ⊇ enterprise ⊇ enterprise × rule ⊇ application), and the objective
after card-hours and cost is: as many applications as possible receive their *full* voucher,
then as many yuan as possible are granted. For nested budgets, taking full vouchers smallest
first (skipping any that no longer fits some level) maximises their number — an exchange
argument: swapping a larger chosen voucher for a smaller skipped one never breaks a budget
along the chain of levels the smaller one belongs to. The rest of each budget then goes to the
remaining applications as partial vouchers (smallest remainder first); on nested budgets every
such maximal filling reaches the largest total, min(pool, Σ over enterprises of their capped
demand), so the second criterion holds too. Everything is in integer fen: nothing can exceed
a limit after rounding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from .problem import OPC, Application, Programme

FEN = Decimal("0.01")
STANDARD = "standard"


def to_fen(amount: Decimal) -> int:
    """Whole fen, rounded down (a limit is never exceeded by rounding)."""
    return int((amount / FEN).to_integral_value(rounding=ROUND_DOWN))


def rule_of(app: Application) -> str:
    return OPC if app.enterprise_kind == OPC else STANDARD


@dataclass(frozen=True)
class VoucherPlan:
    """Voucher fen per application id (served, eligible ones only; others get nothing)."""

    fen: dict[str, int]
    full: int  # applications granted their whole voucher
    requested_fen: int  # Σ of the per-application maxima (ratio × cost)

    @property
    def total_fen(self) -> int:
        return sum(self.fen.values())


def assign_vouchers(
    served: Iterable[tuple[Application, Decimal]], programme: Programme
) -> VoucherPlan:
    """Vouchers for the served `(application, cost in yuan)` pairs under `programme`."""
    limits: dict[str, int] = {}
    apps: dict[str, Application] = {}
    for app, cost in served:
        if app.voucher_eligible:
            limits[app.app_id] = to_fen(programme.ratio_for(app.enterprise_kind) * cost)
            apps[app.app_id] = app
    room = _budgets(apps.values(), programme)
    granted: dict[str, int] = {}
    full = 0
    for app_id in sorted(limits, key=lambda i: (limits[i], i)):
        want, chain = limits[app_id], _chain(apps[app_id])
        if want > 0 and all(room[level] >= want for level in chain):
            for level in chain:
                room[level] -= want
            granted[app_id] = want
            full += 1
    for app_id in sorted(limits, key=lambda i: (limits[i], i)):
        if app_id in granted:
            continue
        chain = _chain(apps[app_id])
        amount = min([limits[app_id], *(room[level] for level in chain)])
        if amount > 0:
            for level in chain:
                room[level] -= amount
            granted[app_id] = amount
    return VoucherPlan(granted, full, sum(limits.values()))


def _chain(app: Application) -> tuple[tuple, ...]:
    """The budgets an application's voucher counts against, outermost first."""
    return (("pool",), ("enterprise", app.enterprise), ("rule", app.enterprise, rule_of(app)))


def _budgets(apps: Iterable[Application], programme: Programme) -> dict[tuple, int]:
    room: dict[tuple, int] = {("pool",): to_fen(programme.pool_yuan)}
    for app in apps:
        rule = rule_of(app)
        cap = to_fen(programme.cap_for(app.enterprise_kind))
        room[("rule", app.enterprise, rule)] = cap
        key = ("enterprise", app.enterprise)
        room[key] = max(room.get(key, 0), cap)
    return room
