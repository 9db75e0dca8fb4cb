"""Derived indicators: values computed from data the platform already holds.

A source is registered under a key (the `source_key` of an indicator in the city pack's
`indicators.csv`). It returns *events*: one dated row per counted object with its area and
sector, so the value of any period, area or sector is the number of events up to the period's
end. Each source also says in words what it counts and shows the database query it runs, so
nobody has to take a derived figure on trust. Later modules (compute, catalogue) register their
own sources with `@source(...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Min, QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class Event:
    day: date
    area_id: int | None
    sector_id: int | None


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    description: str
    queryset: Callable[[], QuerySet]
    events: Callable[[QuerySet], list[Event]]
    watches: tuple[str, ...] = ()  # models ("app.Model") whose changes change the values
    dimensions: tuple[str, ...] = ("area", "sector")  # scopes the events carry

    def splits_by(self, dimension: str) -> bool:
        return dimension in self.dimensions

    def query_sql(self) -> str:
        return str(self.queryset().query)

    def all_events(self) -> list[Event]:
        return self.events(self.queryset())


SOURCES: dict[str, Source] = {}


def source(
    key: str,
    *,
    label: str,
    description: str,
    queryset: Callable[[], QuerySet],
    watches: tuple[str, ...] = (),
    dimensions: tuple[str, ...] = ("area", "sector"),
):
    """Register the decorated function (queryset → events) as derived source `key`; `watches`
    names the models whose saves and deletes change its values."""

    def register(fn: Callable[[QuerySet], list[Event]]):
        SOURCES[key] = Source(key, label, description, queryset, fn, watches, dimensions)
        _watch(watches)
        return fn

    return register


def _watch(labels: tuple[str, ...]) -> None:
    """Connect the watched models' signals now if the models are loaded: a module registering
    its sources in its own `ready()` runs after the programme's (which connects the sources
    registered before it), whatever the order of INSTALLED_APPS."""
    from django.apps import apps

    if not apps.models_ready:
        return  # ProgrammeConfig.ready connects it
    from . import series

    for label in labels:
        series.watch(apps.get_model(label))


def get(key: str) -> Source | None:
    return SOURCES.get(key)


def _day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def count_until(events: list[Event], end: date, *, area_id=None, sector_id=None) -> int:
    return sum(
        1
        for e in events
        if e.day <= end
        and (area_id is None or e.area_id == area_id)
        and (sector_id is None or e.sector_id == sector_id)
    )


# --- scenarios: deployed scenarios ---------------------------------------------------------


def _deployed_queryset() -> QuerySet:
    from aiplus.scenarios.choices import DemandStatus
    from aiplus.scenarios.models import DemandTransition

    return (
        DemandTransition.objects.filter(
            to_status=DemandStatus.DEPLOYED,
            demand__status__in=[DemandStatus.DEPLOYED, DemandStatus.PROMOTED],
        )
        .values("demand_id", "demand__area_id", "demand__sector_id")
        .annotate(first_deployed=Min("at"))
        .order_by()
    )


@source(
    "scenarios.deployed",
    label="已落地场景",
    description=(
        "场景模块中当前状态为“落地”或“推广”的场景需求，按首次进入“落地”的日期计入；"
        "板块、领域取需求本身的板块与领域。"
    ),
    queryset=_deployed_queryset,
    watches=("scenarios.Demand", "scenarios.DemandTransition"),
)
def _deployed_events(qs: QuerySet) -> list[Event]:
    return [
        Event(_day(r["first_deployed"]), r["demand__area_id"], r["demand__sector_id"]) for r in qs
    ]


# --- governance: algorithm filings ---------------------------------------------------------


def _filings_queryset() -> QuerySet:
    from aiplus.governance.models import AlgorithmFiling

    return (
        AlgorithmFiling.objects.filter(
            status=AlgorithmFiling.Status.FILED,
            kind__in=[AlgorithmFiling.Kind.GENERATIVE, AlgorithmFiling.Kind.DEEP_SYNTHESIS],
            filed_on__isnull=False,
        )
        .values("filed_on", "organisation__area_id")
        .order_by()
    )


@source(
    "governance.filings",
    label="已备案算法",
    description=(
        "安全治理模块登记的生成式人工智能服务备案和深度合成算法备案中状态为“已备案”的条目，"
        "按备案日期计入；板块取备案主体所在板块。"
    ),
    queryset=_filings_queryset,
    watches=("governance.AlgorithmFiling", "accounts.Organisation"),
    dimensions=("area",),
)
def _filing_events(qs: QuerySet) -> list[Event]:
    return [Event(r["filed_on"], r["organisation__area_id"], None) for r in qs]
