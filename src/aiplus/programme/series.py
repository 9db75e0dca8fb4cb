"""Keep `ScopeSeries` in step with approved submissions.

`refresh(indicator_ids)` rebuilds the series of those indicators from their approved values:
one row per scope that has values, plus the city row. A signal refreshes an indicator whenever
one of its approved (or superseded) values is saved or deleted and whenever its target split
changes; bulk writers (the demo, benchmarks) call `refresh` themselves.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import (
    Accumulation,
    Indicator,
    IndicatorShare,
    Revision,
    ScopeSeries,
    Split,
    Submission,
)
from .models import SubmissionStatus as S
from .periods import spans


def _scope_keys(indicator: Indicator, rows: dict, all_areas, all_sectors) -> list[tuple]:
    """The scopes the city value of a split indicator is summed over."""
    shares = list(indicator.shares.all())
    if indicator.split == Split.AREA:
        keys = [(s.area_id, None) for s in shares if s.area_id] or [(a, None) for a in all_areas]
    elif indicator.split == Split.SECTOR:
        keys = [(None, s.sector_id) for s in shares if s.sector_id]
        if not keys:
            sectors = [s.pk for s in indicator.sectors.all()] or all_sectors
            keys = [(None, s) for s in sectors]
    else:
        return [(None, None)]
    # a scope that reported without a share still counts towards the city total
    extra = sorted({(a, s) for (_end, a, s) in rows} - set(keys), key=str)
    return keys + extra


def build(indicator: Indicator, rows: dict, all_areas, all_sectors) -> list[ScopeSeries]:
    """Series rows of one indicator from {(end, area_id, sector_id): value}."""
    keys = _scope_keys(indicator, rows, all_areas, all_sectors)
    carry = indicator.accumulation == Accumulation.CUMULATIVE
    periods = spans(indicator.frequency, indicator.start_date, indicator.deadline)
    scoped: dict[tuple, list] = defaultdict(list)
    city: list = []
    last: dict[tuple, float] = {}
    for span in periods:
        total, reported = 0.0, 0
        for key in keys:
            value = rows.get((span.end, *key))
            if value is not None:
                reported += 1
                last[key] = value
                if indicator.split:
                    scoped[key].append([span.end.isoformat(), value, 1, 1])
            elif carry:
                value = last.get(key)
            if value is not None:
                total += value
        if reported:
            city.append([span.end.isoformat(), total, reported, len(keys)])
    out = [ScopeSeries(indicator=indicator, points=city)]
    out += [
        ScopeSeries(indicator=indicator, area_id=a, sector_id=s, points=points)
        for (a, s), points in scoped.items()
    ]
    return out


REVISION = "programme"  # raised on any change to values, splits, indicators or derived data

_deferred = threading.local()


@contextmanager
def deferred():
    """Within this block, refresh each touched indicator once, at the end, rather than after
    every change: for bulk loads (the demo, imports) that change hundreds of values. Nothing is
    refreshed if the block raises (its transaction is being rolled back anyway)."""
    stack = _deferred.__dict__.setdefault("stack", [])
    pending: set[int] = set()
    stack.append(pending)
    try:
        yield
    finally:
        stack.pop()
    refresh(pending)


def refresh(indicator_ids) -> None:
    from aiplus.core.models import Area, Sector

    ids = list(indicator_ids)
    if not ids:
        return
    stack = getattr(_deferred, "stack", None)
    if stack:
        stack[-1].update(ids)
        return
    indicators = list(
        Indicator.objects.filter(pk__in=ids, kind="reported").prefetch_related("shares", "sectors")
    )
    all_areas = list(Area.objects.values_list("pk", flat=True))
    all_sectors = list(Sector.objects.values_list("pk", flat=True))
    rows: dict[int, dict] = defaultdict(dict)
    for ind_id, end, a, s, value in (
        Submission.objects.filter(indicator_id__in=ids, status=S.APPROVED)
        .values_list("indicator_id", "period__end", "area_id", "sector_id", "value")
        .order_by()
    ):
        rows[ind_id][(end, a, s)] = float(value)
    with transaction.atomic():
        Revision.bump(REVISION)
        ScopeSeries.objects.filter(indicator_id__in=ids).delete()
        new = []
        for ind in indicators:
            new += build(ind, rows[ind.pk], all_areas, all_sectors)
        ScopeSeries.objects.bulk_create(new, batch_size=500)


def refresh_all() -> None:
    ids = list(Indicator.objects.values_list("pk", flat=True))
    for i in range(0, len(ids), 50):
        refresh(ids[i : i + 50])


@receiver(post_save, sender=Submission)
@receiver(post_delete, sender=Submission)
def _submission_changed(sender, instance: Submission, **kwargs) -> None:
    Revision.bump(REVISION)
    if instance.status in (S.APPROVED, S.SUPERSEDED) or kwargs.get("signal") is post_delete:
        refresh([instance.indicator_id])


@receiver(post_save, sender=IndicatorShare)
@receiver(post_delete, sender=IndicatorShare)
def _share_changed(sender, instance: IndicatorShare, **kwargs) -> None:
    refresh([instance.indicator_id])


@receiver(post_save, sender=Indicator)
@receiver(post_delete, sender=Indicator)
def _indicator_changed(sender, instance: Indicator, **kwargs) -> None:
    Revision.bump(REVISION)


def watch(model) -> None:
    """Raise the revision when `model` (data a derived indicator counts) changes."""

    def changed(sender, instance, **kwargs):
        Revision.bump(REVISION)

    post_save.connect(
        changed, sender=model, weak=False, dispatch_uid=f"programme-{model._meta.label}"
    )
    post_delete.connect(
        changed, sender=model, weak=False, dispatch_uid=f"programme-del-{model._meta.label}"
    )
