"""Where each indicator stands: its series, latest value, forecast and status.

Reported indicators read their approved series from `ScopeSeries` (kept in step by
`series.py`; a split city value is the sum of its scopes, a late scope's last value carried
forward). Derived indicators count events from `derived.py` at each period end. The forecast
and status rules are in `forecast.py` (method text shown on the pages).

`programme_progress()` and `area_progress()` are memoised per process until the data revision
changes (`data_version()`, see `series.REVISION`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import derived, forecast
from .models import Direction, Indicator, Revision, ScopeSeries, Split
from .periods import key_for, label_for, spans

STATUS_LABELS = {
    forecast.ACHIEVED: _("已完成"),
    forecast.ON_TRACK: _("进度正常"),
    forecast.AT_RISK: _("存在风险"),
    forecast.BEHIND: _("进度滞后"),
    forecast.NO_DATA: _("数据不足"),
}
STATUS_COLOURS = {
    forecast.ACHIEVED: "#1a7f37",
    forecast.ON_TRACK: "#2f6fd6",
    forecast.AT_RISK: "#d48806",
    forecast.BEHIND: "#cf222e",
    forecast.NO_DATA: "#8c8c8c",
}


def risk_ratio() -> float:
    return float(getattr(settings, "PROGRAMME_RISK_RATIO", 0.9))


def method_text() -> str:
    return forecast.METHOD.format(risk=risk_ratio())


@dataclass(slots=True)
class Point:
    end: date
    value: float
    reported: int = 1  # scopes with a value of their own in this period
    expected: int = 1  # scopes that should have reported
    frequency: str = "monthly"

    @property
    def key(self) -> str:
        return key_for(self.frequency, self.end)

    @property
    def label(self) -> str:
        return label_for(self.frequency, self.end)


@dataclass
class Progress:
    indicator: Indicator
    target: float | None  # None: an area or sector without a share of the target
    area_id: int | None = None
    sector_id: int | None = None
    points: list[Point] = field(default_factory=list)
    baseline: tuple[date, float] | None = None
    assessment: forecast.Assessment | None = None

    @property
    def status(self) -> str:
        return self.assessment.status if self.assessment else forecast.NO_DATA

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def previous(self) -> Point | None:
        return self.points[-2] if len(self.points) > 1 else None

    @property
    def change(self) -> float | None:
        if self.latest and self.previous:
            return self.latest.value - self.previous.value
        return None

    @property
    def completion(self) -> float | None:
        """Latest value as a share of the target (for 'at most' targets: target / value)."""
        if not self.latest or not self.target:
            return None
        if self.indicator.direction == Direction.AT_MOST:
            return self.target / self.latest.value if self.latest.value else None
        return self.latest.value / self.target

    @property
    def forecast(self) -> float | None:
        return self.assessment.forecast if self.assessment else None


def data_version() -> str:
    """Changes whenever anything the progress depends on changes (see `series.REVISION`)."""
    return str(Revision.current("programme"))


def _points(indicator: Indicator, raw: list, today: date) -> list[Point]:
    """Points of a stored series up to today."""
    out = []
    frequency = indicator.frequency
    for end_iso, value, reported, expected in raw:
        end = date.fromisoformat(end_iso)
        if end > today:
            break
        out.append(Point(end, float(value), reported, expected, frequency))
    return out


def _series_derived(indicator, events, periods, today, area_id=None, sector_id=None):
    points = []
    for span in periods:
        if span.start > today:
            break
        end = min(span.end, today)
        value = derived.count_until(events, end, area_id=area_id, sector_id=sector_id)
        points.append(Point(end, float(value), frequency=indicator.frequency))
    return points


def _assess(progress: Progress, today: date) -> Progress:
    ind = progress.indicator
    series = [(p.end, p.value) for p in progress.points]
    if progress.baseline and (not series or progress.baseline[0] < series[0][0]):
        series.insert(0, progress.baseline)
    progress.assessment = forecast.assess(
        series,
        target=progress.target,
        deadline=ind.deadline,
        today=today,
        start=ind.start_date,
        at_most=ind.direction == Direction.AT_MOST,
        strict=ind.strict,
        risk_ratio=risk_ratio(),
    )
    return progress


def _derived_splits(indicator: Indicator, area_id, sector_id) -> bool:
    """Whether a derived indicator's source can be counted within this area / sector."""
    src = derived.get(indicator.source_key)
    if src is None:
        return False
    return (area_id is None or src.splits_by("area")) and (
        sector_id is None or src.splits_by("sector")
    )


def _share_target(indicator: Indicator, area_id, sector_id) -> float | None:
    for share in indicator.shares.all():
        if (area_id is not None and share.area_id == area_id) or (
            sector_id is not None and share.sector_id == sector_id
        ):
            return float(share.target_value)
    return None


def compute(
    indicators: list[Indicator] | None = None,
    *,
    today: date | None = None,
    area_id: int | None = None,
    sector_id: int | None = None,
) -> list[Progress]:
    """Progress of each indicator, for the city or for one area / sector (its share).

    For an area or sector: indicators split that way (against the scope's share of the
    target, if any) and derived ones (counted within the scope, no target); city-wide reported
    indicators have no per-scope value and are left out."""
    today = today or timezone.localdate()
    scoped = area_id is not None or sector_id is not None
    if indicators is None:
        related = ("sectors", "shares") if scoped else ("sectors",)
        indicators = list(Indicator.objects.select_related("aspect").prefetch_related(*related))
    wanted = [
        i
        for i in indicators
        if not scoped
        or (i.is_derived and _derived_splits(i, area_id, sector_id))
        or (i.split == Split.AREA and area_id is not None)
        or (i.split == Split.SECTOR and sector_id is not None)
    ]
    stored = {
        ind_id: points
        for ind_id, points in ScopeSeries.objects.filter(
            indicator_id__in=[i.pk for i in wanted if not i.is_derived],
            area_id=area_id if area_id is not None else None,
            sector_id=sector_id if sector_id is not None else None,
        ).values_list("indicator_id", "points")
    }
    events_cache: dict[str, list] = {}
    out: list[Progress] = []
    for ind in wanted:
        target = float(ind.target_value)
        if scoped:
            target = None if ind.is_derived else _share_target(ind, area_id, sector_id)
        progress = Progress(ind, target, area_id, sector_id)
        if ind.is_derived:
            if ind.source_key not in events_cache:
                src = derived.get(ind.source_key)
                events_cache[ind.source_key] = src.all_events() if src else []
            periods = spans(ind.frequency, ind.start_date, ind.deadline)
            progress.points = _series_derived(
                ind, events_cache[ind.source_key], periods, today, area_id, sector_id
            )
        else:
            progress.points = _points(ind, stored.get(ind.pk, []), today)
        if not scoped and ind.baseline_value is not None:
            progress.baseline = (ind.baseline_date or ind.start_date, float(ind.baseline_value))
        if target is not None:
            _assess(progress, today)
        out.append(progress)
    return out


def area_progress(*, today: date | None = None):
    """Every area-split and derived indicator in every area, cached like `programme_progress`:
    (indicators, {area_id: {indicator_id: Progress}})."""
    today = today or timezone.localdate()
    key = f"areas:{today.isoformat()}:{data_version()}"
    found = _memo.get(key)
    if found is None:
        inds = list(
            Indicator.objects.filter(Q(split=Split.AREA) | Q(kind="derived"))
            .prefetch_related("shares", "sectors")
            .select_related("aspect")
        )
        found = (inds, compute_areas(inds, today=today))
        if len(_memo) > 4:
            _memo.clear()
        _memo[key] = found
    return found


def compute_areas(indicators: list[Indicator], *, today: date | None = None):
    """{area_id: {indicator_id: Progress}} for every area, reading all area series at once."""
    from aiplus.core.models import Area

    today = today or timezone.localdate()
    result: dict[int, dict[int, Progress]] = {}
    rows = defaultdict(dict)
    for ind_id, a, points in ScopeSeries.objects.filter(
        indicator_id__in=[i.pk for i in indicators], area__isnull=False
    ).values_list("indicator_id", "area_id", "points"):
        rows[a][ind_id] = points
    derived_events = {}
    for area_id in Area.objects.values_list("pk", flat=True):
        result[area_id] = {}
        for ind in indicators:
            if ind.is_derived:
                if not _derived_splits(ind, area_id, None):
                    continue
                if ind.source_key not in derived_events:
                    src = derived.get(ind.source_key)
                    derived_events[ind.source_key] = src.all_events() if src else []
                p = Progress(ind, None, area_id)
                periods = spans(ind.frequency, ind.start_date, ind.deadline)
                p.points = _series_derived(
                    ind, derived_events[ind.source_key], periods, today, area_id
                )
            elif ind.split == Split.AREA:
                p = Progress(ind, _share_target(ind, area_id, None), area_id)
                p.points = _points(ind, rows[area_id].get(ind.pk, []), today)
                if p.target is not None:
                    _assess(p, today)
            else:
                continue
            result[area_id][ind.pk] = p
    return result


def programme_progress(*, today: date | None = None) -> list[Progress]:
    """Every indicator's city progress, cached until the data changes."""
    today = today or timezone.localdate()
    key = f"city:{today.isoformat()}:{data_version()}"
    result = _memo.get(key)
    if result is None:
        result = compute(today=today)
        if len(_memo) > 4:
            _memo.clear()  # older versions are stale
        _memo[key] = result
    return result


# The last computed progress of this process (no pickling: objects are reused as they are;
# pages only read them). Keyed by date and data version, so any change computes afresh.
_memo: dict[str, list] = {}


def summary(progresses: list[Progress]) -> dict[str, int]:
    counts = {s: 0 for s in forecast.STATUSES}
    for p in progresses:
        counts[p.status] += 1
    return counts
