"""The instance compiled to arrays: which (application, offer) pairs can work, and when.

Every solver works on the same compiled form, so the rules of the problem are written once:
a pair is a candidate when the offer's GPU model is one the application accepts, its price is
at most the application's maximum, it has at least the cards asked for, and some start day `s`
satisfies both windows,

    max(earliest_day, available_from_day) <= s <= min(latest_end_day, available_to_day) - days,

where `days = ceil(hours / 24)`. The application then holds `cards` cards of that offer on days
s, s+1, …, s+days-1. Building the pairs is vectorised per GPU model, so 20,000 applications
× 200 offers take well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .problem import Instance


@dataclass(frozen=True)
class Candidates:
    """Arrays over applications (a), offers (o), days (t) and candidate pairs (p).

    Pairs are sorted by application, so the pairs of application a are
    `pair_start[a]:pair_start[a + 1]`.
    """

    n_apps: int
    n_offers: int
    horizon: int  # days 0 … horizon-1 can be used by some offer
    app_cards: np.ndarray  # int64[a]
    app_days: np.ndarray  # int64[a]
    app_value: np.ndarray  # int64[a], card-hours if served
    offer_cards: np.ndarray  # int64[o]
    offer_from: np.ndarray  # int64[o]
    offer_to: np.ndarray  # int64[o]
    offer_price: np.ndarray  # float64[o]
    offer_model: np.ndarray  # int64[o], index into `models`
    models: tuple[str, ...]
    pair_app: np.ndarray  # int64[p]
    pair_offer: np.ndarray  # int64[p]
    pair_lo: np.ndarray  # int64[p], first allowed start day
    pair_hi: np.ndarray  # int64[p], last allowed start day (inclusive)
    pair_cost: np.ndarray  # float64[p], yuan: cards × hours × price
    pair_start: np.ndarray  # int64[a + 1]

    @property
    def n_pairs(self) -> int:
        return len(self.pair_app)

    def pairs_of(self, a: int) -> range:
        return range(int(self.pair_start[a]), int(self.pair_start[a + 1]))

    @property
    def servable(self) -> np.ndarray:
        """bool[a]: the application has at least one candidate pair."""
        return np.diff(self.pair_start) > 0


def build_candidates(instance: Instance) -> Candidates:
    """Compile `instance` (see the module docstring for the rules)."""
    apps, offers = instance.applications, instance.offers
    n_a, n_o = len(apps), len(offers)
    app_cards = np.array([a.cards for a in apps], dtype=np.int64)
    app_hours = np.array([a.hours for a in apps], dtype=np.int64)
    app_days = (app_hours + 23) // 24
    app_early = np.array([a.earliest_day for a in apps], dtype=np.int64)
    app_late = np.array([a.latest_end_day for a in apps], dtype=np.int64)
    offer_cards = np.array([o.cards for o in offers], dtype=np.int64)
    offer_from = np.array([o.available_from_day for o in offers], dtype=np.int64)
    offer_to = np.array([o.available_to_day for o in offers], dtype=np.int64)
    offer_price = np.array([float(o.price_per_card_hour) for o in offers], dtype=np.float64)
    # Prices compared exactly: Decimal ranks, so 8.45 <= 8.45 holds whatever floats say.
    price_rank = _price_ranks(instance)

    models = tuple(sorted({o.gpu_model for o in offers}))
    by_model: dict[str, list[int]] = {}
    for i, o in enumerate(offers):
        by_model.setdefault(o.gpu_model, []).append(i)
    apps_by_model: dict[str, list[int]] = {}
    for j, a in enumerate(apps):
        for m in a.accepted_models:
            apps_by_model.setdefault(m, []).append(j)

    parts_a, parts_o = [], []
    for model, offer_ids in by_model.items():
        if model not in apps_by_model:
            continue
        aa = np.array(apps_by_model[model], dtype=np.int64)[:, None]
        oo = np.array(offer_ids, dtype=np.int64)[None, :]
        lo = np.maximum(app_early[aa], offer_from[oo])
        hi = np.minimum(app_late[aa], offer_to[oo]) - app_days[aa]
        ok = (
            (price_rank[1][aa] >= price_rank[0][oo])
            & (app_cards[aa] <= offer_cards[oo])
            & (lo <= hi)
        )
        ia, io = np.nonzero(ok)
        parts_a.append(aa[ia, 0])
        parts_o.append(oo[0, io])
    pair_app = np.concatenate(parts_a) if parts_a else np.zeros(0, dtype=np.int64)
    pair_offer = np.concatenate(parts_o) if parts_o else np.zeros(0, dtype=np.int64)
    order = np.lexsort((pair_offer, pair_app))
    pair_app, pair_offer = pair_app[order], pair_offer[order]
    pair_lo = np.maximum(app_early[pair_app], offer_from[pair_offer])
    pair_hi = np.minimum(app_late[pair_app], offer_to[pair_offer]) - app_days[pair_app]
    pair_cost = app_cards[pair_app] * app_hours[pair_app] * offer_price[pair_offer]
    pair_start = np.searchsorted(pair_app, np.arange(n_a + 1)).astype(np.int64)
    horizon = int(max(offer_to.max(initial=0), 0))
    return Candidates(
        n_apps=n_a,
        n_offers=n_o,
        horizon=horizon,
        app_cards=app_cards,
        app_days=app_days,
        app_value=app_cards * app_hours,
        offer_cards=offer_cards,
        offer_from=offer_from,
        offer_to=offer_to,
        offer_price=offer_price,
        offer_model=np.array([models.index(o.gpu_model) for o in offers], dtype=np.int64),
        models=models,
        pair_app=pair_app,
        pair_offer=pair_offer,
        pair_lo=pair_lo,
        pair_hi=pair_hi,
        pair_cost=pair_cost,
        pair_start=pair_start,
    )


def _price_ranks(instance: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Integer ranks of offer prices and application maxima on one exact (Decimal) scale."""
    values = sorted(
        {o.price_per_card_hour for o in instance.offers}
        | {a.max_price_per_card_hour for a in instance.applications}
    )
    rank = {v: i for i, v in enumerate(values)}
    offer_rank = np.array([rank[o.price_per_card_hour] for o in instance.offers], dtype=np.int64)
    app_rank = np.array(
        [rank[a.max_price_per_card_hour] for a in instance.applications], dtype=np.int64
    )
    return offer_rank, app_rank
