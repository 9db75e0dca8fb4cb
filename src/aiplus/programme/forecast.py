"""Forecast an indicator to its deadline and say whether it is on track. No Django import.

Method (stated on every indicator page): ordinary least squares on the series of approved
values (and the baseline, when there is one), value against time in days, extrapolated to the
deadline. With fewer than two points there is no forecast. The status compares the forecast
with the target:

- 已完成 (achieved): the latest value already meets the target;
- 进度正常 (on track): the forecast at the deadline meets the target;
- 存在风险 (at risk): the forecast falls short, but covers at least `risk_ratio` (default 90%)
  of the way from the starting value to the target;
- 进度滞后 (behind): the forecast covers less than that, or the deadline has passed unmet;
- 数据不足 (no data): fewer than two points and the target not met.

"Meets" follows the indicator's direction (at least / at most) and strictness (超过 = strictly
more than).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ACHIEVED, ON_TRACK, AT_RISK, BEHIND, NO_DATA = (
    "achieved",
    "on_track",
    "at_risk",
    "behind",
    "no_data",
)
STATUSES = (ACHIEVED, ON_TRACK, AT_RISK, BEHIND, NO_DATA)

METHOD = (
    "最小二乘线性趋势：以基线值和各期审定值为样本，拟合“数值 = a + b × 天数”，外推至截止日期；"
    "预测值达到目标为“进度正常”，达到从起点到目标差距的 {risk:.0%} 以上为“存在风险”，否则为“进度滞后”；"
    "截止日期已过仍未达标为“进度滞后”；样本少于 2 个为“数据不足”。"
)


@dataclass(frozen=True)
class Fit:
    intercept: float
    slope_per_day: float
    origin: date
    points: int

    def at(self, day: date) -> float:
        return self.intercept + self.slope_per_day * (day - self.origin).days


def fit_line(points: list[tuple[date, float]]) -> Fit | None:
    """Least-squares line through (date, value) points; None with fewer than two distinct days."""
    if len(points) < 2:
        return None
    origin = min(d for d, _ in points)
    xs = [float((d - origin).days) for d, _ in points]
    ys = [float(v) for _, v in points]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return Fit(intercept=my - slope * mx, slope_per_day=slope, origin=origin, points=n)


def meets(value: float, target: float, *, at_most: bool = False, strict: bool = False) -> bool:
    if at_most:
        return value < target if strict else value <= target
    return value > target if strict else value >= target


@dataclass(frozen=True)
class Assessment:
    status: str
    latest: float | None
    forecast: float | None
    fit: Fit | None
    progress: float | None  # share of the way from the starting value to the target, now
    expected_progress: float | None  # share of time elapsed from start to deadline


def assess(
    points: list[tuple[date, float]],
    *,
    target: float,
    deadline: date,
    today: date,
    start: date | None = None,
    at_most: bool = False,
    strict: bool = False,
    risk_ratio: float = 0.9,
) -> Assessment:
    """Status of one indicator from its series (baseline first when there is one)."""
    points = sorted(points)
    latest = points[-1][1] if points else None
    first = points[0][1] if points else None
    fit = fit_line(points)
    forecast = fit.at(deadline) if fit else None
    progress = None
    if latest is not None and first is not None and target != first:
        progress = (latest - first) / (target - first)
    expected = None
    if start and deadline > start:
        expected = min(1.0, max(0.0, (today - start).days / (deadline - start).days))

    if latest is not None and meets(latest, target, at_most=at_most, strict=strict):
        status = ACHIEVED
    elif today > deadline and latest is not None:
        status = BEHIND
    elif forecast is None:
        status = NO_DATA
    elif meets(forecast, target, at_most=at_most, strict=strict):
        status = ON_TRACK
    else:
        gap = target - first
        # no way to cover when the first value already met the target (e.g. a rate that fell)
        toward = gap < 0 if at_most else gap > 0
        covered = (forecast - first) / gap if toward else 0.0
        status = AT_RISK if covered >= risk_ratio else BEHIND
    return Assessment(status, latest, forecast, fit, progress, expected)
