"""The catalogue's figures for the programme's derived indicators (`programme.derived`).

- `catalogue.datasets`: published datasets and corpora whose quality assessment is 合格 (C) or
  better — the action plan counts *high-quality* datasets, so an unassessed one does not count
  until it is assessed. Counted from the later of publication and assessment.
- `catalogue.models`: published vertical models (垂类大模型), counted from publication.

Both carry the owner's area and the entry's sector, so city targets split by area or sector
(and sector indicators such as 工业垂类大模型) count the right entries.
"""

from __future__ import annotations

from django.db.models import QuerySet

from aiplus.programme.derived import Event, _day, source

from .choices import DATA_KINDS, PASSING_GRADES, Kind, Status

WATCHES = ("catalogue.Entry", "accounts.Organisation")


def _datasets_queryset() -> QuerySet:
    from .models import Entry

    return (
        Entry.objects.filter(
            kind__in=DATA_KINDS,
            status=Status.PUBLISHED,
            quality_grade__in=PASSING_GRADES,
            published_at__isnull=False,
        )
        .values("published_at", "assessed_on", "owner__area_id", "sector_id")
        .order_by()
    )


@source(
    "catalogue.datasets",
    label="高质量数据集及语料库",
    description=(
        "数据平台已发布的数据集和语料库中，质量评估为“合格”及以上的条目；"
        "按发布日期与评估日期中较晚者计入；板块取所属单位所在板块，领域取条目的领域。"
    ),
    queryset=_datasets_queryset,
    watches=WATCHES,
)
def _dataset_events(qs: QuerySet) -> list[Event]:
    events = []
    for r in qs:
        day = _day(r["published_at"])
        if r["assessed_on"] and r["assessed_on"] > day:
            day = r["assessed_on"]
        events.append(Event(day, r["owner__area_id"], r["sector_id"]))
    return events


def _models_queryset() -> QuerySet:
    from .models import Entry

    return (
        Entry.objects.filter(
            kind=Kind.MODEL, is_vertical=True, status=Status.PUBLISHED, published_at__isnull=False
        )
        .values("published_at", "owner__area_id", "sector_id")
        .order_by()
    )


@source(
    "catalogue.models",
    label="垂类大模型",
    description=(
        "模型平台已发布、标注为垂类模型的条目，按发布日期计入；"
        "板块取所属单位所在板块，领域取条目的领域。"
    ),
    queryset=_models_queryset,
    watches=WATCHES,
)
def _model_events(qs: QuerySet) -> list[Event]:
    return [Event(_day(r["published_at"]), r["owner__area_id"], r["sector_id"]) for r in qs]


def counted_by(entry) -> list:
    """The programme indicators this entry counts towards now (e.g. 高质量行业数据集及语料库)."""
    from aiplus.programme.models import Indicator, Kind

    keys = [
        key
        for key, queryset in (
            ("catalogue.datasets", _datasets_queryset),
            ("catalogue.models", _models_queryset),
        )
        if queryset().filter(pk=entry.pk).exists()
    ]
    if not keys:
        return []
    return list(Indicator.objects.filter(kind=Kind.DERIVED, source_key__in=keys))
