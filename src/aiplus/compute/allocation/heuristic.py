"""Fast constructive allocations: a portfolio of greedy rules, the best one kept.

Packing whole jobs into offers' day-by-card grids is a multi-dimensional knapsack. Two
families of rules come close on such problems and cost little, so `greedy` runs several and
keeps the best by the objective (card-hours served, then cost):

- *big first* (first fit decreasing): jobs by footprint (cards × days) or by cards, each on
  the slot a rule prefers — the quietest offer-days by expected demand (`pressure`, which
  keeps flexible jobs off the offers that inflexible ones need), the tightest fit, or the
  cheapest. Best when capacity roughly meets demand.
- *day by day* (`run_sweep`, list scheduling): offers filled from the first day on with
  jobs that may start that day. Best when demand far exceeds capacity (few holes in time).

For one application the free cards of its candidate offers are a small matrix (offers × days);
the cards free through a whole run of `days` days starting on each day is a sliding minimum,
computed by doubling (O(log days) numpy passes), so an application costs a handful of
vectorised operations whatever its window. 20,000 applications × 200 offers take seconds.

Then the kept allocation moves jobs to cheaper free slots and offers what is left to the
applications still out. The result respects every rule; the MILP starts from it and the bound
measures it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .candidates import Candidates


@dataclass(frozen=True)
class Placement:
    """Application `app` runs on the offer of candidate pair `pair` from day `start`."""

    app: int
    pair: int
    start: int


@dataclass(frozen=True)
class Allocation:
    placements: tuple[Placement, ...]
    value: int  # card-hours served
    cost: float  # yuan (float; exact figures are recomputed for the report)

    def key(self) -> tuple[int, float]:
        """Larger is better: card-hours first, then lower cost."""
        return (self.value, -self.cost)


def free_cards(c: Candidates) -> np.ndarray:
    """int64[offer, day]: cards free on each day; zero outside the offer's availability."""
    days = np.arange(c.horizon)
    open_ = (days[None, :] >= c.offer_from[:, None]) & (days[None, :] < c.offer_to[:, None])
    return np.where(open_, c.offer_cards[:, None], 0).astype(np.int64)


def sliding_min(rows: np.ndarray, width: int) -> np.ndarray:
    """out[:, s] = rows[:, s:s+width].min(axis=1) for every s with a full window."""
    level, span = rows, 1
    while span * 2 <= width:
        level = np.minimum(level[:, :-span], level[:, span:])
        span *= 2
    if span == width:
        return level
    shift = width - span
    return np.minimum(level[:, : level.shape[1] - shift], level[:, shift:])


def slots(c: Candidates, free: np.ndarray, a: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The feasible (pair, start) slots of application `a` given `free`, with the cards left
    free in the tightest day of each slot. Returns (pairs, starts, slack) arrays."""
    lo_p, hi_p = int(c.pair_start[a]), int(c.pair_start[a + 1])
    if lo_p == hi_p:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    d, k = int(c.app_days[a]), int(c.app_cards[a])
    lo, hi = c.pair_lo[lo_p:hi_p], c.pair_hi[lo_p:hi_p]
    first, last = int(lo.min()), int(hi.max())
    rows = free[c.pair_offer[lo_p:hi_p], first : last + d]
    window = sliding_min(rows, d)  # (pairs, last - first + 1)
    starts = np.arange(first, last + 1)
    ok = (window >= k) & (starts[None, :] >= lo[:, None]) & (starts[None, :] <= hi[:, None])
    ip, js = np.nonzero(ok)
    return ip + lo_p, starts[js], window[ip, js] - k


def place(c: Candidates, free: np.ndarray, p: int, s: int, sign: int = -1) -> None:
    """Take (sign=-1) or give back (sign=+1) the cards of pair `p` started on day `s`."""
    a = int(c.pair_app[p])
    free[int(c.pair_offer[p]), s : s + int(c.app_days[a])] += sign * int(c.app_cards[a])


def pressure(c: Candidates) -> np.ndarray:
    """float[offer, day]: the expected share of each offer-day that applications would ask
    for if each spread its cards evenly over all its candidate (offer, start) slots.

    Slots on contested offer-days are the ones other applications have few alternatives to;
    steering a flexible job to quieter offers and days (an A800|H20 job to the A800 offers
    when H20-only jobs crowd the H20 ones) leaves room for the less flexible. This is the
    demand-profile idea of resource-constrained scheduling; it needs no LP and costs two
    cumulative sums per job length.
    """
    horizon = c.horizon
    load = np.zeros((c.n_offers, horizon))
    if c.n_pairs == 0:
        return load
    days = c.app_days[c.pair_app]
    n_starts = c.pair_hi - c.pair_lo + 1
    n_pairs = np.diff(c.pair_start)[c.pair_app]
    weight = c.app_cards[c.pair_app] / (n_starts * n_pairs)
    t = np.arange(horizon)
    for d in np.unique(days):
        i = np.nonzero(days == d)[0]
        starts = np.zeros((c.n_offers, horizon + 2))
        np.add.at(starts, (c.pair_offer[i], c.pair_lo[i]), weight[i])
        np.add.at(starts, (c.pair_offer[i], c.pair_hi[i] + 1), -weight[i])
        density = np.cumsum(starts, axis=1)[:, : horizon + 1]  # start weight per day
        cum = np.zeros((c.n_offers, horizon + 2))
        np.cumsum(density, axis=1, out=cum[:, 1:])
        load += cum[:, t + 1] - cum[:, np.maximum(t + 1 - d, 0)]  # starts in (t-d, t]
    return load / c.offer_cards[:, None]


@dataclass(frozen=True)
class Rule:
    """How a job picks among its free slots: 'pressure' (quietest offer-days first), 'fit'
    (least slack left on the tightest day) or 'cost' (cheapest); ties broken by the others
    and then by the earliest start."""

    name: str
    pressure_prefix: np.ndarray | None = None  # float[offer, day + 1], cumulative pressure


def make_rule(c: Candidates, name: str) -> Rule:
    if name != "pressure":
        return Rule(name)
    prefix = np.zeros((c.n_offers, c.horizon + 1))
    np.cumsum(pressure(c), axis=1, out=prefix[:, 1:])
    return Rule(name, prefix)


def choose(c: Candidates, pairs, starts, slack, rule: Rule) -> int:
    """Index of the slot `rule` prefers (see `Rule`)."""
    cost = c.pair_cost[pairs]
    if rule.name == "cost":
        keys = (starts, slack, cost)
    elif rule.name == "fit":
        keys = (starts, cost, slack)
    else:
        assert rule.pressure_prefix is not None
        d = c.app_days[c.pair_app[pairs[0]]]
        offers = c.pair_offer[pairs]
        mean = (rule.pressure_prefix[offers, starts + d] - rule.pressure_prefix[offers, starts]) / d
        keys = (starts, cost, slack, np.round(mean, 2))
    return int(np.lexsort(keys)[0])


def run_greedy(c: Candidates, order: np.ndarray, rule: Rule, free=None) -> list[Placement]:
    """Place applications in `order`, each on the slot `rule` prefers, if any is free."""
    free = free_cards(c) if free is None else free
    out = []
    for a in order:
        pairs, starts, slack = slots(c, free, int(a))
        if len(pairs) == 0:
            continue
        i = choose(c, pairs, starts, slack, rule)
        p, s = int(pairs[i]), int(starts[i])
        place(c, free, p, s)
        out.append(Placement(int(a), p, s))
    return out


def evaluate(c: Candidates, placements) -> Allocation:
    placements = tuple(sorted(placements, key=lambda x: x.app))
    value = int(sum(int(c.app_value[x.app]) for x in placements))
    cost = float(sum(float(c.pair_cost[x.pair]) for x in placements))
    return Allocation(placements, value, cost)


def orders(c: Candidates) -> dict[str, np.ndarray]:
    """Orders worth trying, over servable applications only: biggest footprint (cards × days)
    first, most cards first, and most card-hours first (the same as footprint unless some
    hours are not whole days); among equals the scarcest (fewest candidate offers) first."""
    servable = np.nonzero(c.servable)[0]
    footprint = (c.app_cards * c.app_days)[servable]
    options = np.diff(c.pair_start)[servable]
    cards, days = c.app_cards[servable], c.app_days[servable]
    value = c.app_value[servable]
    return {
        "footprint": servable[np.lexsort((options, -footprint))],
        "cards": servable[np.lexsort((-days, options, -cards))],
        "value": servable[np.lexsort((options, -footprint, -value))],
    }


def occupancy(c: Candidates, placements) -> np.ndarray:
    """The free-cards matrix left by `placements`."""
    free = free_cards(c)
    for x in placements:
        place(c, free, x.pair, x.start)
    return free


def cheaper_slots(c: Candidates, placements: list[Placement]) -> list[Placement]:
    """Move each placed job, most expensive first, to its cheapest slot that is free once it
    is lifted out: card-hours stay the same and the cost never rises."""
    free = occupancy(c, placements)
    cost_rule = Rule("cost")
    out = {x.app: x for x in placements}
    for x in sorted(placements, key=lambda x: -float(c.pair_cost[x.pair])):
        place(c, free, x.pair, x.start, +1)
        pairs, starts, slack = slots(c, free, x.app)
        i = choose(c, pairs, starts, slack, cost_rule)
        p, s = int(pairs[i]), int(starts[i])
        if c.pair_cost[p] >= c.pair_cost[x.pair]:
            p, s = x.pair, x.start
        place(c, free, p, s)
        out[x.app] = Placement(x.app, p, s)
    return list(out.values())


def fill(c: Candidates, placements: list[Placement]) -> list[Placement]:
    """Offer every unplaced servable application, biggest first, whatever is still free."""
    free = occupancy(c, placements)
    placed = {x.app for x in placements}
    rest = np.array([a for a in orders(c)["footprint"] if int(a) not in placed], dtype=np.int64)
    return placements + run_greedy(c, rest, Rule("fit"), free)


def run_sweep(c: Candidates, urgent_days: int) -> list[Placement]:
    """Fill the offers day by day, left to right (list scheduling): on each day, each offer
    (cheapest first) takes jobs that may start that day — those whose last possible start
    is within `urgent_days` first, then the biggest footprint, then the cheapest — while its
    cards last. Schedules built this way leave few holes in time, which is what counts when
    demand exceeds capacity; when it does not, the greedy orders above do better, so both
    are in the portfolio."""
    free = free_cards(c)
    served = np.zeros(c.n_apps, dtype=bool)
    days, cards = c.app_days[c.pair_app], c.app_cards[c.pair_app]
    footprint = days * cards
    price_rank = np.argsort(np.argsort(c.offer_price, kind="stable"))
    out: list[Placement] = []
    for t in range(c.horizon):
        active = np.nonzero((c.pair_lo <= t) & (c.pair_hi >= t))[0]
        active = active[~served[c.pair_app[active]] & (free[c.pair_offer[active], t] > 0)]
        if len(active) == 0:
            continue
        later = (c.pair_hi[active] - t) > urgent_days
        order = active[
            np.lexsort(
                (c.pair_cost[active], -footprint[active], later, price_rank[c.pair_offer[active]])
            )
        ]
        cuts = np.nonzero(np.diff(c.pair_offer[order]))[0] + 1
        for group in np.split(order, cuts):
            _sweep_offer(c, free, served, group, t, out)
    return out


def _sweep_offer(c: Candidates, free, served, group: np.ndarray, t: int, out: list) -> None:
    """Jobs of `group` (pairs on one offer, in order) that start on day t while cards last."""
    o = int(c.pair_offer[group[0]])
    left = int(free[o, t])
    smallest = int(c.app_cards[c.pair_app[group]].min())
    for p in group:
        if left < smallest:
            return
        a = int(c.pair_app[p])
        k = int(c.app_cards[a])
        if served[a] or k > left:
            continue
        d = int(c.app_days[a])
        if free[o, t : t + d].min() >= k:
            free[o, t : t + d] -= k
            left -= k
            served[a] = True
            out.append(Placement(a, int(p), t))


VARIANTS = (
    ("footprint", "pressure"),
    ("value", "pressure"),
    ("sweep", 6),
    ("cards", "pressure"),
    ("sweep", 1),
    ("footprint", "cost"),
    ("footprint", "fit"),
    ("cards", "fit"),
)


def greedy(c: Candidates, *, time_limit: float | None = None) -> Allocation:
    """The best of the `VARIANTS` (greedy order × slot rule, or the day-by-day sweep) by
    card-hours then cost, then cheaper slots and a last fill. The first variant always runs; the others only while
    `time_limit` seconds have not passed."""
    t0 = time.perf_counter()
    all_orders = orders(c)
    rules: dict[str, Rule] = {}
    best: Allocation | None = None
    for order_name, rule_name in VARIANTS:
        if best is not None and time_limit is not None and time.perf_counter() - t0 > time_limit:
            break
        if order_name == "value" and np.array_equal(all_orders["value"], all_orders["footprint"]):
            continue
        if order_name == "sweep":
            found = evaluate(c, run_sweep(c, int(rule_name)))
        else:
            if rule_name not in rules:
                rules[rule_name] = make_rule(c, str(rule_name))
            found = evaluate(c, run_greedy(c, all_orders[order_name], rules[rule_name]))
        if best is None or found.key() > best.key():
            best = found
    assert best is not None
    return evaluate(c, fill(c, cheaper_slots(c, list(best.placements))))
