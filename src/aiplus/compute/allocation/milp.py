"""MILP improvement of an allocation: large-neighbourhood search with HiGHS sub-MIPs.

The exact model is the time-indexed MILP (one binary per application, offer and start day,
capacity rows per offer and day; see `bound`). For 2,000 applications it has about 350,000
columns and HiGHS cannot solve it whole in a minute, so we solve many small pieces of it
exactly instead, always from a feasible allocation (the greedy's):

1. pick a *neighbourhood*: a seed application, a time window around its own window, a few
   offers it could use and a few offers the jobs sitting there could move to;
2. free the jobs placed on those offers entirely inside that window; keep every other job
   fixed (its cards are simply not available);
3. solve the time-indexed MILP of the freed jobs over the columns (application, offer,
   start) inside the window with HiGHS, warm-started from where the freed jobs are now, in
   one of two modes:
   - *value* (seed: an application left out): the left-out applications that could run
     there are invited too and the sub-MIP maximises card-hours; HiGHS stops as soon as it
     proves that no better whole number of units can be reached (absolute gap < 1 unit);
   - *cost* (seed: an expensive placed job): every freed job must stay served and the
     sub-MIP minimises their cost (to 0.1 %, or the best found within a second);
4. accept the new placement when it serves more card-hours, or as many for less money.

Every accepted step keeps the allocation feasible and the objective (card-hours, then cost)
never gets worse, so the result is at least the greedy's. Separating the modes matters: a
single weighted objective forces HiGHS to prove cost-optimality of every value neighbourhood,
which on these packing problems takes tens of seconds instead of a fraction of one.
Neighbourhood sizes adapt: smaller after a sub-MIP hits its time limit, larger after a quick
one. `improve_parallel` runs independent searches (other random seeds) on several cores.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import highspy
import numpy as np

from . import _highs
from ._highs import new_highs
from .bound import value_unit
from .candidates import Candidates
from .heuristic import (
    Allocation,
    Placement,
    cheaper_slots,
    evaluate,
    fill,
    occupancy,
    place,
    sliding_min,
)


@dataclass
class Settings:
    """Neighbourhood sizes; adapted as the search goes (smaller when sub-MIPs time out)."""

    seed_offers: int = 4
    escape_offers: int = 3
    margin: int = 4  # days added on each side of the seed's window
    window: int = 30  # longest window in days (beyond one run of the seed), margins aside
    max_columns: int = 2500
    max_extra_apps: int = 40
    sub_time: float = 2.0


@dataclass
class SearchLog:
    """What the search did: neighbourhoods tried, improvements, time spent in HiGHS."""

    tried: int = 0
    improved: int = 0
    timeouts: int = 0
    mip_seconds: float = 0.0
    history: list[tuple[float, int, float]] = field(default_factory=list)


class State:
    """The current allocation with its free-cards matrix and who sits on which offer."""

    def __init__(self, c: Candidates, start: Allocation):
        self.c = c
        self.placed: dict[int, Placement] = {x.app: x for x in start.placements}
        self.free = occupancy(c, start.placements)
        self.on_offer: list[set[int]] = [set() for _ in range(c.n_offers)]
        for x in start.placements:
            self.on_offer[int(c.pair_offer[x.pair])].add(x.app)
        self.value = start.value
        self.cost = start.cost

    def placed_mask(self) -> np.ndarray:
        mask = np.zeros(self.c.n_apps, dtype=bool)
        mask[list(self.placed)] = True
        return mask

    def unserved(self) -> np.ndarray:
        return np.nonzero(self.c.servable & ~self.placed_mask())[0]

    def replace(self, freed: list[int], chosen: list[Placement]) -> None:
        c = self.c
        for a in freed:
            x = self.placed.pop(a)
            place(c, self.free, x.pair, x.start, +1)
            self.on_offer[int(c.pair_offer[x.pair])].discard(a)
            self.value -= int(c.app_value[a])
            self.cost -= float(c.pair_cost[x.pair])
        for x in chosen:
            place(c, self.free, x.pair, x.start)
            self.placed[x.app] = x
            self.on_offer[int(c.pair_offer[x.pair])].add(x.app)
            self.value += int(c.app_value[x.app])
            self.cost += float(c.pair_cost[x.pair])

    def allocation(self) -> Allocation:
        return evaluate(self.c, self.placed.values())


@dataclass
class Neighbourhood:
    offers: np.ndarray  # offer indices
    t1: int
    t2: int  # days t1 … t2-1
    freed: list[int]
    extra: list[int]  # left-out applications invited in


def pick_neighbourhood(
    state: State, rng: random.Random, s: Settings, seed_app: int, *, invite: bool = True
) -> Neighbourhood:
    c = state.c
    pairs = range(int(c.pair_start[seed_app]), int(c.pair_start[seed_app + 1]))
    t1, t2 = _window(state, rng, s, seed_app)
    own = sorted({int(c.pair_offer[p]) for p in pairs})
    chosen = set(rng.sample(own, min(len(own), s.seed_offers)))
    if seed_app in state.placed:  # a placed seed is freed with the others
        chosen.add(int(c.pair_offer[state.placed[seed_app].pair]))
    freed = _inside(state, chosen, t1, t2)
    escape: dict[int, int] = {}
    for a in freed:
        for p in state.c.pairs_of(a):
            o = int(c.pair_offer[p])
            if o not in chosen:
                escape[o] = escape.get(o, 0) + 1
    if escape:
        ranked = sorted(escape, key=lambda o: (-escape[o], rng.random()))
        extra_offers = ranked[: s.escape_offers * 2]
        chosen |= set(rng.sample(extra_offers, min(len(extra_offers), s.escape_offers)))
        freed = _inside(state, chosen, t1, t2)
    offers = np.array(sorted(chosen), dtype=np.int64)
    extra = _invited(state, offers, t1, t2, seed_app, s.max_extra_apps, rng) if invite else []
    return Neighbourhood(offers, t1, t2, freed, extra)


def _window(state: State, rng: random.Random, s: Settings, seed_app: int) -> tuple[int, int]:
    """Days t1 … t2-1 around the seed: its whole window if short enough, else a random
    stretch of it (holding the seed's current run, if placed), plus random margins."""
    c = state.c
    pairs = slice(int(c.pair_start[seed_app]), int(c.pair_start[seed_app + 1]))
    d = int(c.app_days[seed_app])
    lo, hi = int(c.pair_lo[pairs].min()), int(c.pair_hi[pairs].max()) + d
    if hi - lo > d + s.window:
        if seed_app in state.placed:
            anchor = state.placed[seed_app].start
        else:
            anchor = rng.randint(lo, hi - d)
        lo = max(lo, anchor - rng.randint(0, s.window))
        hi = min(hi, lo + d + s.window)
        lo = min(lo, anchor)
        hi = max(hi, anchor + d)
    return max(0, lo - rng.randint(0, s.margin)), min(c.horizon, hi + rng.randint(0, s.margin))


def _inside(state: State, offers: set[int], t1: int, t2: int) -> list[int]:
    """Jobs placed on `offers` whose whole run lies in days t1 … t2-1."""
    c, out = state.c, []
    for o in offers:
        for a in state.on_offer[o]:
            x = state.placed[a]
            if x.start >= t1 and x.start + int(c.app_days[a]) <= t2:
                out.append(a)
    return sorted(out)


def _invited(
    state: State, offers: np.ndarray, t1: int, t2: int, seed_app: int, limit: int, rng
) -> list[int]:
    """Left-out applications with a candidate start on `offers` inside the window."""
    c = state.c
    if seed_app in state.placed:
        out: list[int] = []
    else:
        out = [seed_app]
    rest = state.unserved()
    if len(rest) == 0:
        return out
    in_set = np.zeros(c.n_offers, dtype=bool)
    in_set[offers] = True
    d = c.app_days[c.pair_app]
    ok = (
        in_set[c.pair_offer]
        & (np.maximum(c.pair_lo, t1) <= np.minimum(c.pair_hi, t2 - d))
        & ~state.placed_mask()[c.pair_app]
    )
    apps = np.unique(c.pair_app[ok])
    apps = [int(a) for a in apps if a != seed_app]
    rng.shuffle(apps)
    return out + apps[: max(0, limit - len(out))]


@dataclass
class SubModel:
    apps: np.ndarray
    col_pair: np.ndarray
    col_start: np.ndarray


def columns(state: State, nb: Neighbourhood) -> tuple[SubModel, np.ndarray]:
    """The candidate columns of the neighbourhood whose run fits the cards left free by
    the jobs kept fixed; also returns that residual free matrix (offers of nb × window)."""
    c = state.c
    residual = state.free[nb.offers, nb.t1 : nb.t2].copy()
    row_of = np.full(c.n_offers, -1, dtype=np.int64)
    row_of[nb.offers] = np.arange(len(nb.offers))
    for a in nb.freed:
        x = state.placed[a]
        r = row_of[int(c.pair_offer[x.pair])]
        residual[r, x.start - nb.t1 : x.start - nb.t1 + int(c.app_days[a])] += int(c.app_cards[a])
    apps = np.array(nb.freed + nb.extra, dtype=np.int64)
    if len(apps) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return SubModel(apps, empty, empty), residual
    pairs = np.concatenate(
        [np.arange(c.pair_start[a], c.pair_start[a + 1], dtype=np.int64) for a in apps]
    )
    pairs = pairs[row_of[c.pair_offer[pairs]] >= 0]
    d = c.app_days[c.pair_app[pairs]]
    lo = np.maximum(c.pair_lo[pairs], nb.t1)
    hi = np.minimum(c.pair_hi[pairs], nb.t2 - d)
    keep = lo <= hi
    pairs, d, lo, hi = pairs[keep], d[keep], lo[keep], hi[keep]
    counts = hi - lo + 1
    col_pair = np.repeat(pairs, counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    col_start = np.repeat(lo, counts) + np.arange(int(counts.sum())) - first
    col_d = np.repeat(d, counts)
    fits = np.zeros(len(col_pair), dtype=bool)
    rows = row_of[c.pair_offer[col_pair]]
    need = c.app_cards[c.pair_app[col_pair]]
    for length in np.unique(col_d):
        sel = np.nonzero(col_d == length)[0]
        window = sliding_min(residual, int(length))
        fits[sel] = window[rows[sel], col_start[sel] - nb.t1] >= need[sel]
    return SubModel(apps, col_pair[fits], col_start[fits]), residual


def solve_sub(
    state: State,
    nb: Neighbourhood,
    model: SubModel,
    residual: np.ndarray,
    time_limit: float,
    mode: str,
) -> tuple[list[Placement] | None, bool]:
    """Solve the neighbourhood's MILP in `mode` ('value' or 'cost', see the module doc);
    returns (placements of the apps it serves, whether it hit the time limit), or
    (None, …) if HiGHS gave no solution."""
    c = state.c
    n = len(model.col_pair)
    col_app = c.pair_app[model.col_pair]
    n_apps = len(model.apps)
    width = nb.t2 - nb.t1
    row_of = np.full(c.n_offers, -1, dtype=np.int64)
    row_of[nb.offers] = np.arange(len(nb.offers))
    order = np.argsort(model.apps)
    app_row = order[np.searchsorted(model.apps, col_app, sorter=order)]
    lengths = 1 + c.app_days[col_app]
    first = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    total = int(lengths.sum())
    col = np.repeat(np.arange(n), lengths)
    within = np.arange(total) - first[col]
    day_row = (
        n_apps
        + row_of[c.pair_offer[model.col_pair]][col] * width
        + (model.col_start[col] - nb.t1)
        + within
        - 1
    )
    index = np.where(within == 0, app_row[col], day_row)
    coeff = np.where(within == 0, 1.0, c.app_cards[col_app][col].astype(float))

    h = new_highs()
    n_rows = n_apps + len(nb.offers) * width
    must = 1.0 if mode == "cost" else -h.inf  # cost mode: every freed job stays served
    lower = np.concatenate([np.full(n_apps, must), np.full(n_rows - n_apps, -h.inf)])
    upper = np.concatenate([np.ones(n_apps), residual.ravel().astype(float)])
    h.addRows(
        n_rows,
        lower,
        upper,
        0,
        np.zeros(n_rows, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    if mode == "cost":
        cost = c.pair_cost[model.col_pair]
        objective = cost / max(1.0, float(cost.max()))
        sense = highspy.ObjSense.kMinimize
        h.setOptionValue("mip_rel_gap", 1e-3)
    else:
        objective = (c.app_value[col_app] // value_unit(c)).astype(float)
        sense = highspy.ObjSense.kMaximize
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.99)  # whole units: < 1 left means proven
    h.addCols(
        n,
        objective,
        np.zeros(n),
        np.ones(n),
        total,
        first.astype(np.int32),
        index.astype(np.int32),
        coeff,
    )
    h.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger)
    )
    h.changeObjectiveSense(sense)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", 1)
    _warm_start(h, state, nb, model)
    h.run()
    timed_out = h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    if h.getInfo().primal_solution_status == 0:
        return None, timed_out
    x = np.asarray(h.getSolution().col_value)
    picked = np.nonzero(x > 0.5)[0]
    return [
        Placement(int(col_app[i]), int(model.col_pair[i]), int(model.col_start[i])) for i in picked
    ], timed_out


def _warm_start(h, state: State, nb: Neighbourhood, model: SubModel) -> None:
    """The freed jobs where they are now: a feasible point HiGHS can start from."""
    where = {
        (int(p), int(s)): i
        for i, (p, s) in enumerate(zip(model.col_pair, model.col_start, strict=True))
    }
    x = np.zeros(len(model.col_pair))
    for a in nb.freed:
        placed = state.placed[a]
        i = where.get((placed.pair, placed.start))
        if i is None:
            return
        x[i] = 1.0
    solution = highspy.HighsSolution()
    solution.col_value = list(x)
    solution.value_valid = True
    h.setSolution(solution)


def better(c: Candidates, old: list[Placement], new: list[Placement]) -> bool:
    value_old = sum(int(c.app_value[x.app]) for x in old)
    value_new = sum(int(c.app_value[x.app]) for x in new)
    if value_new != value_old:
        return value_new > value_old
    cost_old = sum(float(c.pair_cost[x.pair]) for x in old)
    cost_new = sum(float(c.pair_cost[x.pair]) for x in new)
    return cost_new < cost_old - 1e-6 * max(1.0, cost_old)


def improve(
    c: Candidates,
    start: Allocation,
    *,
    time_limit: float,
    upper_bound: int | None = None,
    seed: int = 0,
    stall: int = 400,
) -> tuple[Allocation, SearchLog]:
    """Large-neighbourhood search from `start` for `time_limit` seconds (see module doc).

    Value neighbourhoods are tried while applications are left out and the bound leaves room,
    less often after each one that fails (a left-out job the bound counts may simply not
    fit); cost neighbourhoods otherwise. Stops early after `stall` neighbourhoods in a row
    without improvement."""
    t0 = time.perf_counter()
    rng = random.Random(seed)
    settings = {"value": Settings(max_columns=6000, sub_time=5.0), "cost": Settings(sub_time=1.0)}
    state = State(c, start)
    log = SearchLog()
    log.history.append((0.0, state.value, state.cost))
    since, p_value = 0, 0.5
    while time.perf_counter() - t0 < time_limit and since < stall:
        since += 1
        unserved = state.unserved()
        room = upper_bound is None or state.value < upper_bound
        mode = "value" if len(unserved) and room and rng.random() < p_value else "cost"
        seed_app = _seed(state, rng, mode, unserved)
        if seed_app is None:
            break
        s = settings[mode]
        nb = pick_neighbourhood(state, rng, s, seed_app, invite=mode == "value")
        model, residual = columns(state, nb)
        log.tried += 1
        if len(model.col_pair) == 0 or (mode == "cost" and not nb.freed):
            continue
        if len(model.col_pair) > s.max_columns:
            _shrink(s)
            continue
        left = time_limit - (time.perf_counter() - t0)
        t_sub = time.perf_counter()
        chosen, timed_out = solve_sub(state, nb, model, residual, min(s.sub_time, left), mode)
        log.mip_seconds += time.perf_counter() - t_sub
        if timed_out:
            log.timeouts += 1
            _shrink(s)
        elif time.perf_counter() - t_sub < s.sub_time / 4:
            _grow(s)
        old = [state.placed[a] for a in nb.freed]
        if chosen is not None and better(c, old, chosen):
            state.replace(nb.freed, chosen)
            log.improved += 1
            log.history.append((time.perf_counter() - t0, state.value, state.cost))
            since = 0
            if mode == "value":
                p_value = 0.5
        elif mode == "value":
            p_value = max(0.05, p_value * 0.9)
    found = state.allocation()
    polished = evaluate(c, fill(c, cheaper_slots(c, list(found.placements))))
    return (polished if polished.key() > found.key() else found), log


def _seed(state: State, rng: random.Random, mode: str, unserved: np.ndarray) -> int | None:
    """A left-out application (value-weighted) or a placed job (cost-weighted)."""
    c = state.c
    if mode == "value":
        weights = c.app_value[unserved].astype(float)
        return int(rng.choices(list(unserved), weights=list(weights))[0])
    if not state.placed:
        return None
    placed = list(state.placed.values())
    weights = [float(c.pair_cost[x.pair]) + 1.0 for x in placed]
    return rng.choices(placed, weights=weights)[0].app


def _shrink(s: Settings) -> None:
    s.window = max(7, s.window - 3)
    s.margin = max(0, s.margin - 1)
    s.seed_offers = max(1, s.seed_offers - 1)
    s.escape_offers = max(0, s.escape_offers - 1)


def _grow(s: Settings) -> None:
    s.window = min(60, s.window + 3)
    s.margin = min(10, s.margin + 1)
    s.seed_offers = min(8, s.seed_offers + 1)
    s.escape_offers = min(6, s.escape_offers + 1)


def improve_parallel(
    c: Candidates,
    start: Allocation,
    *,
    time_limit: float,
    upper_bound: int | None = None,
    seed: int = 0,
    workers: int = 1,
) -> tuple[Allocation, SearchLog]:
    """`improve` with `workers` independent searches (different random seeds) in separate
    processes, keeping the best: the searches are randomised and their results spread, so
    the best of two is worth a second core. Processes are spawned, not forked (HiGHS keeps
    threads a fork would not carry); if they cannot be started, one search runs here."""
    if workers <= 1:
        return improve(c, start, time_limit=time_limit, upper_bound=upper_bound, seed=seed)
    t0 = time.perf_counter()
    time_limit -= min(1.0, time_limit / 10)  # for the processes to hand back and stop
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(_search_process, c, start, t0, time_limit, upper_bound, seed + i)
                for i in range(workers)
            ]
            found = [f.result() for f in futures]
    except (OSError, BrokenProcessPool):
        left = max(0.0, time_limit - (time.perf_counter() - t0))
        return improve(c, start, time_limit=left, upper_bound=upper_bound, seed=seed)
    best, log = max(found, key=lambda pair: pair[0].key())
    log.tried = sum(one.tried for _, one in found)
    log.improved = sum(one.improved for _, one in found)
    log.timeouts = sum(one.timeouts for _, one in found)
    return best, log


def _search_process(c, start, t0, time_limit, upper_bound, seed):
    """One search in a worker process, for what is left of the time once it has started
    (the parent's perf_counter is system-wide on Linux; elsewhere, a second of start-up)."""
    _highs.THREADS = 1  # one search per core: HiGHS's own threads would only contend
    elapsed = time.perf_counter() - t0
    left = time_limit - (elapsed if 0 <= elapsed < time_limit else 1.0)
    return improve(c, start, time_limit=max(0.0, left), upper_bound=upper_bound, seed=seed)
