"""One entry point: `solve(instance, method=...)` → a `SolveResult` with plain fields.

Objective, lexicographic: (1) most card-hours served, (2) least cost, (3) vouchers that reach
the most applications in full, then the most yuan (see `vouchers`). Levels 1–2 are the
allocation's (greedy, then MILP neighbourhoods); level 3 is solved exactly once the
allocation is fixed.

Figures: card-hours are integers; yuan are `Decimal`, rounded to the fen — cost half-up from
the exact cards × hours × price, vouchers always down, so no limit is exceeded by rounding.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import bound as bound_module
from .candidates import Candidates, build_candidates
from .heuristic import Allocation, greedy
from .milp import improve_parallel
from .problem import Instance
from .vouchers import FEN, assign_vouchers

METHODS = ("milp", "heuristic")


@dataclass(frozen=True)
class Assignment:
    """Application `app_id` runs on offer `offer_id` from `start_day`."""

    app_id: str
    offer_id: str
    start_day: int
    cost_yuan: Decimal
    voucher_yuan: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "offer_id": self.offer_id,
            "start_day": self.start_day,
            "cost_yuan": float(self.cost_yuan),
            "voucher_yuan": float(self.voucher_yuan),
        }


@dataclass
class SolveResult:
    method: str
    seconds: float
    served_card_hours: int
    served_applications: int
    cost_yuan: Decimal
    voucher_yuan: Decimal
    vouchers_in_full: int
    upper_bound_card_hours: int | None
    bound_seconds: float | None
    assignments: list[Assignment]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """(bound − served) / bound: how far from the best any allocation could do."""
        if self.upper_bound_card_hours is None:
            return None
        if self.upper_bound_card_hours == 0:
            return 0.0
        ub = self.upper_bound_card_hours
        return (ub - self.served_card_hours) / ub

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "seconds": round(self.seconds, 3),
            "served_card_hours": self.served_card_hours,
            "served_applications": self.served_applications,
            "cost_yuan": float(self.cost_yuan),
            "voucher_yuan": float(self.voucher_yuan),
            "vouchers_in_full": self.vouchers_in_full,
            "upper_bound_card_hours": self.upper_bound_card_hours,
            "bound_seconds": None if self.bound_seconds is None else round(self.bound_seconds, 3),
            "gap": None if self.gap is None else round(self.gap, 6),
            "details": self.details,
            "assignments": [a.to_dict() for a in self.assignments],
        }


def solve(
    instance: Instance,
    method: str = "milp",
    *,
    time_limit: float = 50.0,
    bound: bound_module.BoundResult | bool = True,
    seed: int = 0,
    workers: int = 1,
) -> SolveResult:
    """Allocate `instance` with `method`:

    - "heuristic": the greedy variants of `heuristic` (a few seconds even for 20,000
      applications); `seconds` is that time alone.
    - "milp": the greedy, the LP bound, then HiGHS neighbourhood search (`milp`) until
      `time_limit` seconds in all, or until it stalls; `seconds` counts all of it.

    `bound=True` computes the upper bound (for the "heuristic" method after the clock has
    stopped; its time is `bound_seconds`), `False` skips it, and a `BoundResult` from an
    earlier call on the same instance is reused. `workers` > 1 runs that many independent
    MILP searches in parallel processes and keeps the best (see `milp.improve_parallel`)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    t0 = time.perf_counter()
    c = build_candidates(instance)
    details: dict[str, Any] = {}
    found = greedy(c, time_limit=time_limit / 2)
    details["greedy_card_hours"] = found.value
    result_bound = bound if isinstance(bound, bound_module.BoundResult) else None
    if method == "milp":
        if result_bound is None:
            result_bound = _bound(c, found, time_limit=max(1.0, time_limit * 0.3))
        left = time_limit - (time.perf_counter() - t0)
        found, log = improve_parallel(
            c, found, time_limit=left, upper_bound=result_bound.bound, seed=seed, workers=workers
        )
        details.update(
            neighbourhoods=log.tried, improvements=log.improved, sub_mip_timeouts=log.timeouts
        )
    seconds = time.perf_counter() - t0
    if result_bound is None and bound is True:
        result_bound = _bound(c, found, time_limit=max(1.0, time_limit))
    return _result(instance, c, found, method, seconds, result_bound, details)


def compute_bound(instance: Instance, *, time_limit: float = 30.0) -> bound_module.BoundResult:
    """The upper bound alone (see `bound`), started from the greedy's columns."""
    c = build_candidates(instance)
    return _bound(c, greedy(c, time_limit=time_limit / 4), time_limit=time_limit)


def _bound(c: Candidates, found: Allocation, *, time_limit: float) -> bound_module.BoundResult:
    result = bound_module.lp_bound(c, found.placements, time_limit=time_limit)
    if result.bound < found.value:  # the bound is valid on its own: this would be a bug
        raise RuntimeError(f"upper bound {result.bound} below a found value {found.value}")
    return result


def _result(
    instance: Instance,
    c: Candidates,
    found: Allocation,
    method: str,
    seconds: float,
    result_bound: bound_module.BoundResult | None,
    details: dict[str, Any],
) -> SolveResult:
    served = []
    for x in found.placements:
        app = instance.applications[x.app]
        offer = instance.offers[int(c.pair_offer[x.pair])]
        cost = app.cards * app.hours * offer.price_per_card_hour
        served.append((app, offer, x.start, cost))
    plan = assign_vouchers(((app, cost) for app, _, _, cost in served), instance.programme)
    assignments = [
        Assignment(
            app_id=app.app_id,
            offer_id=offer.offer_id,
            start_day=start,
            cost_yuan=cost.quantize(FEN, rounding=ROUND_HALF_UP),
            voucher_yuan=Decimal(plan.fen.get(app.app_id, 0)) * FEN,
        )
        for app, offer, start, cost in served
    ]
    total_cost = sum((cost for *_, cost in served), Decimal(0))
    return SolveResult(
        method=method,
        seconds=seconds,
        served_card_hours=found.value,
        served_applications=len(served),
        cost_yuan=total_cost.quantize(FEN, rounding=ROUND_HALF_UP),
        voucher_yuan=Decimal(plan.total_fen) * FEN,
        vouchers_in_full=plan.full,
        upper_bound_card_hours=None if result_bound is None else result_bound.bound,
        bound_seconds=None if result_bound is None else result_bound.seconds,
        assignments=assignments,
        details=details,
    )
