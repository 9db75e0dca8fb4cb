"""A provably valid upper bound on the card-hours any allocation can serve.

The bound is the linear-programming relaxation of the time-indexed formulation, with every
(application a, offer o, start day s) as a column:

    maximise    Σ v_a x_aos                         v_a = cards_a × hours_a
    subject to  Σ_{o,s} x_aos <= 1                  for every application a        (dual u_a)
                Σ_{a, s <= t < s + d_a} k_a x_aos <= K_o
                                                    for every offer o, day t       (dual π_ot)
                x >= 0,

where k_a is the cards asked for, d_a = ceil(hours/24) and K_o the offer's cards; only the
columns allowed by the rules exist (model accepted, price at most the maximum, both windows;
see `candidates`). Every feasible allocation is a 0/1 point of this polytope, so its value is
at most the LP optimum.

We never build all columns (1,000,000 and more for 2,000 applications). Instead we use the
Lagrangian (LP dual) function, which is a valid bound for *any* prices π >= 0:

    L(π) = Σ_a max(0, max_{o,s} (v_a - k_a Σ_{t=s}^{s+d_a-1} π_ot)) + Σ_{o,t} K_o π_ot.

Why it is valid: for any allocation x (integral or not) that meets the constraints,
Σ v x = Σ (v_a - k_a Σπ) x + Σ_{o,t} π_ot (Σ k_a x) <= Σ_a max(0, max(...)) · 1 + Σ K_o π_ot,
using Σ_{o,s} x_aos <= 1, x >= 0 and π >= 0 with the capacity rows. The inner maximum runs
over *every* candidate column, computed exactly by range-minimum queries over prefix sums of
π (`window_minima`), so no column is forgotten. Column generation on a restricted master LP
supplies ever better π; `L` is evaluated at each and the smallest value is the bound. When
pricing finds no column with positive reduced cost, L(π) equals the full LP optimum.

Two stages keep this fast at 20,000 applications (`lp_bound`): first the LP with all offers
of a GPU model merged into one resource (`merged_by_model`; a relaxation, a few hundred
capacity rows), whose π — one price per model and day, the same for each of its offers — goes
straight into the exact L(π) above; then the time-indexed LP itself, started from there, for
the time left. A stage cut short still leaves a valid bound: L is valid at every π.

Floating point: the served value is a multiple of g = gcd of the v_a, so the bound is reported
as the largest multiple of g not above L(π)·(1 + 1e-9) — the tiny inflation covers rounding in
the float sums, in the safe direction.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from functools import reduce

import highspy
import numpy as np

from ._highs import new_highs
from .candidates import Candidates
from .heuristic import Placement

FLOAT_SLACK = 1e-9


@dataclass
class BoundResult:
    bound: int  # card-hours, valid for the real problem
    lp_value: float  # value of the last restricted master LP (a lower bound on the full LP)
    iterations: int
    seconds: float
    columns: list[tuple[int, int]] = field(default_factory=list)  # (pair, start) generated
    day_duals: np.ndarray | None = None  # float[offer, day]: the π of the bound


def open_days(c: Candidates) -> np.ndarray:
    """bool[offer, day]: the offer can be used that day."""
    days = np.arange(c.horizon)
    return (days[None, :] >= c.offer_from[:, None]) & (days[None, :] < c.offer_to[:, None])


def window_minima(c: Candidates, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every candidate pair: the least Σ π over the application's run of days, among its
    allowed start days, and the start day that attains it (earliest on ties)."""
    horizon = c.horizon
    prefix = np.zeros((c.n_offers, horizon + 1))
    np.cumsum(pi, axis=1, out=prefix[:, 1:])
    minw = np.zeros(c.n_pairs)
    arg = np.zeros(c.n_pairs, dtype=np.int64)
    pair_days = c.app_days[c.pair_app]
    for d in np.unique(pair_days):
        idx = np.nonzero(pair_days == d)[0]
        sums = prefix[:, d:] - prefix[:, : horizon + 1 - d]  # sums[o, s] = Σ π[o, s:s+d]
        minw[idx], arg[idx] = range_min(sums, c.pair_offer[idx], c.pair_lo[idx], c.pair_hi[idx])
    return minw, arg


def range_min(
    values: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """min and argmin of values[rows[i], lo[i]:hi[i]+1] for every i (a sparse table: one
    O(n log n) build, then two lookups per query)."""
    levels_v = [values]
    levels_i = [np.broadcast_to(np.arange(values.shape[1]), values.shape)]
    longest = int((hi - lo).max(initial=0)) + 1
    span = 1
    while span * 2 <= longest:
        v, i = levels_v[-1], levels_i[-1]
        left, right = v[:, :-span], v[:, span:]
        take_right = right < left
        levels_v.append(np.where(take_right, right, left))
        levels_i.append(np.where(take_right, i[:, span:], i[:, :-span]))
        span *= 2
    length = hi - lo + 1
    level = np.floor(np.log2(length)).astype(np.int64)
    # guard against log2 rounding at exact powers of two
    level -= (1 << level) > length
    level += (1 << (level + 1)) <= length
    out_v = np.empty(len(rows))
    out_i = np.empty(len(rows), dtype=np.int64)
    for k in np.unique(level):
        sel = np.nonzero(level == k)[0]
        v, i = levels_v[k], levels_i[k]
        r, a, b = rows[sel], lo[sel], hi[sel] - (1 << k) + 1
        va, vb = v[r, a], v[r, b]
        take_b = vb < va
        out_v[sel] = np.where(take_b, vb, va)
        out_i[sel] = np.where(take_b, i[r, b], i[r, a])
    return out_v, out_i


def capacity(c: Candidates) -> np.ndarray:
    """float[offer, day]: the cards each offer has each day (0 when it is not available)."""
    return np.where(open_days(c), c.offer_cards[:, None], 0).astype(float)


def lagrangian(
    c: Candidates, pi: np.ndarray, cap: np.ndarray | None = None
) -> tuple[float, np.ndarray, np.ndarray]:
    """L(π) (see the module docstring) and, per pair, the gain v - k Σπ at its best start
    and that start."""
    cap = capacity(c) if cap is None else cap
    pi = np.where(cap > 0, np.maximum(pi, 0.0), 0.0)
    minw, arg = window_minima(c, pi)
    gain = c.app_value[c.pair_app] - c.app_cards[c.pair_app] * minw
    best = np.zeros(c.n_apps)
    np.maximum.at(best, c.pair_app, gain)
    return float(best.sum() + (cap * pi).sum()), gain, arg


def value_unit(c: Candidates) -> int:
    """g: every served total is a multiple of the gcd of the applications' card-hours."""
    values = [int(v) for v in np.unique(c.app_value[c.servable])]
    return reduce(math.gcd, values, 0) or 1


def as_valid_integer(c: Candidates, bound: float) -> int:
    """The bound as a whole number of card-hours, never below the float value's true one."""
    g = value_unit(c)
    total = int(c.app_value[c.servable].sum())
    return min(total, int(math.floor(bound * (1 + FLOAT_SLACK) / g)) * g)


class MasterLP:
    """The restricted master LP: the time-indexed relaxation over the columns added so far.

    Capacity is written in flow form to keep columns short: u_ot (0 <= u_ot <= K_o, the cards
    in use on day t) follows u_ot - u_o,t-1 = (cards starting on t) - (cards ending on t), so a
    job column has 3 non-zeros (its application row, its start day, its end day) instead of
    one per day it runs; simplex is many times faster. It is the same polytope: summing the
    flow rows up to day t gives u_ot = Σ_{s <= t < s+d} k x. With w the flow rows' duals, the
    capacity duals of the day-by-day form are π_ot = w_o,t+1 - w_ot (w beyond the horizon = 0).
    """

    def __init__(self, c: Candidates, cap: np.ndarray | None = None):
        self.c = c
        self.cap = capacity(c) if cap is None else cap
        self.h = new_highs()
        self.h.setOptionValue("solver", "simplex")
        self.columns: list[tuple[int, int]] = []
        self.known: set[tuple[int, int]] = set()
        n_flow = c.n_offers * c.horizon
        n_rows = c.n_apps + n_flow
        lower = np.concatenate([np.full(c.n_apps, -self.h.inf), np.zeros(n_flow)])
        upper = np.concatenate([np.ones(c.n_apps), np.zeros(n_flow)])
        self.h.addRows(
            n_rows,
            lower,
            upper,
            0,
            np.zeros(n_rows, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        self._add_usage()
        self.h.changeObjectiveSense(_maximize())

    def _add_usage(self) -> None:
        """u_ot: +1 in the flow row of day t, -1 in that of day t+1; fixed at 0 when closed."""
        c, horizon = self.c, self.c.horizon
        n = c.n_offers * horizon
        day = np.tile(np.arange(horizon), c.n_offers)
        row = c.n_apps + np.arange(n)
        has_next = day + 1 < horizon
        lengths = 1 + has_next.astype(np.int64)
        starts = np.zeros(n, dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        index = np.empty(int(lengths.sum()), dtype=np.int64)
        value = np.empty(len(index))
        index[starts], value[starts] = row, 1.0
        index[starts[has_next] + 1], value[starts[has_next] + 1] = row[has_next] + 1, -1.0
        upper = self.cap.ravel().astype(float)
        self.h.addCols(
            n,
            np.zeros(n),
            np.zeros(n),
            upper,
            len(index),
            starts.astype(np.int32),
            index.astype(np.int32),
            value,
        )
        self.n_usage = n

    def add(self, pairs: np.ndarray, starts: np.ndarray) -> int:
        """Add the columns (pair, start) not already present; returns how many were new."""
        new = [
            (int(p), int(s))
            for p, s in zip(pairs, starts, strict=True)
            if (int(p), int(s)) not in self.known
        ]
        if not new:
            return 0
        c, horizon = self.c, self.c.horizon
        p = np.array([x[0] for x in new], dtype=np.int64)
        s = np.array([x[1] for x in new], dtype=np.int64)
        a, o = c.pair_app[p], c.pair_offer[p]
        end = s + c.app_days[a]
        has_end = end < horizon
        lengths = 2 + has_end.astype(np.int64)
        first = np.zeros(len(new), dtype=np.int64)
        np.cumsum(lengths[:-1], out=first[1:])
        index = np.empty(int(lengths.sum()), dtype=np.int64)
        value = np.empty(len(index))
        k = c.app_cards[a].astype(float)
        base = c.n_apps + o * horizon
        index[first], value[first] = a, 1.0
        index[first + 1], value[first + 1] = base + s, -k
        tail = first[has_end] + 2
        index[tail], value[tail] = (base + end)[has_end], k[has_end]
        self.h.addCols(
            len(new),
            c.app_value[a].astype(float),
            np.zeros(len(new)),
            np.ones(len(new)),
            len(index),
            first.astype(np.int32),
            index.astype(np.int32),
            value,
        )
        self.columns.extend(new)
        self.known.update(new)
        return len(new)

    def solve(self) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """Objective, x (job columns only), app duals u and capacity duals π (offer × day)."""
        if self.h.run() == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS could not solve the master LP")
        sol = self.h.getSolution()
        duals = np.asarray(sol.row_dual)
        c = self.c
        u = np.maximum(duals[: c.n_apps], 0.0)
        w = np.zeros((c.n_offers, c.horizon + 1))
        w[:, : c.horizon] = duals[c.n_apps :].reshape(c.n_offers, c.horizon)
        pi = np.maximum(w[:, 1:] - w[:, :-1], 0.0)
        x = np.asarray(sol.col_value)[self.n_usage :]
        return self.h.getObjectiveValue(), x, u, pi


def _maximize():
    return highspy.ObjSense.kMaximize


def columns_to_add(
    c: Candidates, gain: np.ndarray, arg: np.ndarray, u: np.ndarray, per_app: int
) -> tuple[np.ndarray, np.ndarray]:
    """Up to `per_app` columns with positive reduced cost v - kΣπ - u per application (the
    best start of each of its best offers)."""
    reduced = gain - u[c.pair_app]
    cand = np.nonzero(reduced > 1e-6 * np.maximum(1.0, c.app_value[c.pair_app]))[0]
    if len(cand) == 0:
        return cand, cand
    order = cand[np.lexsort((-reduced[cand], c.pair_app[cand]))]
    apps = c.pair_app[order]
    first = np.searchsorted(apps, apps, side="left")
    rank = np.arange(len(order)) - first
    keep = order[rank < per_app]
    return keep, arg[keep]


def merged_by_model(c: Candidates) -> tuple[Candidates, np.ndarray]:
    """The relaxation where all offers of one GPU model form a single resource: its cards on
    a day are the sum of the model's offers open that day, and an application may start on
    any day in the union of its start ranges over those offers. Any allocation of the real
    problem is feasible here, so the LP of this relaxation bounds the real one from above;
    with one capacity row per model and day its master LP is small and solves in seconds
    even for 20,000 applications. Returns the merged candidates and their capacity."""
    n_models = len(c.models)
    cap = np.zeros((n_models, c.horizon))
    np.add.at(cap, c.offer_model, capacity(c))
    key = c.pair_app * n_models + c.offer_model[c.pair_offer]
    keys, inverse = np.unique(key, return_inverse=True)
    lo = np.full(len(keys), np.iinfo(np.int64).max)
    hi = np.full(len(keys), np.iinfo(np.int64).min)
    np.minimum.at(lo, inverse, c.pair_lo)
    np.maximum.at(hi, inverse, c.pair_hi)
    cost = np.zeros(len(keys))
    np.minimum.at(cost, inverse, 0.0)
    pair_app = keys // n_models
    merged = replace(
        c,
        n_offers=n_models,
        offer_cards=cap.max(axis=1).astype(np.int64),
        offer_from=np.zeros(n_models, dtype=np.int64),
        offer_to=np.full(n_models, c.horizon, dtype=np.int64),
        offer_price=np.zeros(n_models),
        offer_model=np.arange(n_models, dtype=np.int64),
        pair_app=pair_app,
        pair_offer=keys % n_models,
        pair_lo=lo,
        pair_hi=hi,
        pair_cost=cost,
        pair_start=np.searchsorted(pair_app, np.arange(c.n_apps + 1)).astype(np.int64),
    )
    return merged, cap


@dataclass
class _Search:
    """The best Lagrangian value found so far, and where."""

    value: float
    pi: np.ndarray


def column_generation(
    c: Candidates,
    cap: np.ndarray,
    best: _Search,
    *,
    start_pairs: np.ndarray,
    start_days: np.ndarray,
    deadline: float,
    tolerance: float,
    smoothing: float,
    per_app: int = 2,
    evaluate=None,
) -> tuple[MasterLP, int, float]:
    """Column generation with Wentges smoothing: columns are priced at α·(best π so far) +
    (1-α)·(master's π), which keeps the duals from swinging; if that finds nothing the
    master's own π is priced (then nothing found means the LP is solved). `evaluate(π)`
    turns this LP's π into a valid bound for the real problem (identity by default) and
    `best` keeps the smallest. Returns the master, the iterations and its last value."""
    evaluate = evaluate or (lambda pi: lagrangian(c, pi, cap)[0])
    master = MasterLP(c, cap)
    master.add(start_pairs, start_days)
    _, _, arg = lagrangian(c, best.pi, cap)
    first = c.pair_start[:-1][c.servable]
    master.add(first, arg[first])
    iterations, lp_value = 0, 0.0
    while True:
        iterations += 1
        # A master solve cut short by the deadline still has duals π >= 0: still a bound.
        master.h.setOptionValue("time_limit", max(1.0, deadline - time.perf_counter()))
        lp_value, _, u, pi = master.solve()
        if best.value - lp_value <= tolerance * max(best.value, 1.0):
            break
        if time.perf_counter() > deadline:
            value = evaluate(pi)
            if value < best.value:
                best.value, best.pi = value, pi
            break
        added = 0
        for alpha in (smoothing, 0.0) if smoothing else (0.0,):
            probe = alpha * best.pi + (1 - alpha) * pi
            _, gain, arg = lagrangian(c, probe, cap)
            value = evaluate(probe)
            if value < best.value:
                best.value, best.pi = value, probe
            added = master.add(*columns_to_add(c, gain, arg, u, per_app))
            if added:
                break
        if not added:
            break
    return master, iterations, lp_value


def lp_bound(
    c: Candidates,
    start: list[Placement] | tuple[Placement, ...] = (),
    *,
    time_limit: float = 30.0,
    tolerance: float = 1e-5,
    smoothing: float = 0.5,
) -> BoundResult:
    """A valid upper bound in two stages, each a column generation (see the module doc):

    1. the LP of offers merged by GPU model (`merged_by_model`): small, fast, and its prices
       π (the same for every offer of a model) already give L(π) close to the LP optimum;
    2. the time-indexed LP itself, started from those prices, until it is solved or
       `time_limit` is spent.

    Whatever stops the search, the bound is the least L(π) evaluated, so it is valid."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    total = float(c.app_value[c.servable].sum())
    if c.n_pairs == 0:
        return BoundResult(0, 0.0, 0, time.perf_counter() - t0)
    cap = capacity(c)
    best = _Search(total, np.zeros((c.n_offers, c.horizon)))
    merged, merged_cap = merged_by_model(c)
    merged_best = _Search(total, np.zeros((merged.n_offers, c.horizon)))

    def on_real(pi_model: np.ndarray) -> float:
        pi = pi_model[c.offer_model]
        value = lagrangian(c, pi, cap)[0]
        if value < best.value:
            best.value, best.pi = value, pi
        return value

    empty = np.zeros(0, dtype=np.int64)
    _, it1, _ = column_generation(
        merged,
        merged_cap,
        merged_best,
        start_pairs=empty,
        start_days=empty,
        deadline=t0 + 0.75 * time_limit,
        tolerance=tolerance / 10,
        smoothing=0.0,
        evaluate=on_real,
    )
    master, it2, lp_value = column_generation(
        c,
        cap,
        best,
        start_pairs=np.array([x.pair for x in start], dtype=np.int64),
        start_days=np.array([x.start for x in start], dtype=np.int64),
        deadline=deadline,
        tolerance=tolerance,
        smoothing=smoothing,
    )
    return BoundResult(
        bound=as_valid_integer(c, best.value),
        lp_value=lp_value,
        iterations=it1 + it2,
        seconds=time.perf_counter() - t0,
        columns=list(master.columns),
        day_duals=best.pi,
    )
