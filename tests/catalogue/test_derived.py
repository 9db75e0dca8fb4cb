"""The catalogue's derived indicators of the city pack: 高质量行业数据集及语料库 (`datasets`,
source `catalogue.datasets`) counts published datasets and corpora graded 合格 (C) or better, from
the later of publication and assessment; 动态筛选重点支持的垂类大模型 (`vertical-models`, source
`catalogue.models`) counts published vertical models from publication. Both count by the owner's
area and the entry's sector. Entries are written with the ORM, as the catalogue's services
would leave them."""

from __future__ import annotations

import itertools
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from aiplus.accounts.choices import Role
from aiplus.catalogue.choices import Grade, Kind, Licence, Status, Task
from aiplus.catalogue.models import Entry
from aiplus.core.models import Area, Sector
from aiplus.programme import derived, forecast, progress, services
from aiplus.programme.models import Indicator, Split, Submission
from aiplus.programme.models import Kind as IndicatorKind

from ..factories import make_org

TODAY = date(2026, 11, 26)
_seq = itertools.count(1)


def area(code: str) -> Area:
    return Area.objects.get(code=code)


def sector(code: str) -> Sector:
    return Sector.objects.get(code=code)


def ind(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def city(code: str, *, today=TODAY, **kw) -> progress.Progress:
    return progress.compute([ind(code)], today=today, **kw)[0]


def points(code: str, **kw) -> dict[str, float]:
    return {p.key: p.value for p in city(code, **kw).points}


def latest(code: str, **kw) -> float:
    return city(code, **kw).latest.value


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of that local day (Asia/Shanghai)."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def entry(
    owner,
    *,
    kind: str = Kind.DATASET,
    sector_code: str | None = "manufacturing",
    status: str = Status.PUBLISHED,
    published: date | datetime | None = None,
    grade: str = "",
    assessed: date | None = None,
    vertical: bool = False,
) -> Entry:
    if isinstance(published, date) and not isinstance(published, datetime):
        published = at(published)
    return Entry.objects.create(
        kind=kind,
        title=f"测试条目{next(_seq)}",
        owner=owner,
        sector=sector(sector_code) if sector_code else None,
        summary="测试用目录条目",
        task=Task.OTHER,
        licence=Licence.CC_BY_4,
        status=status,
        published_at=published,
        quality_grade=grade,
        assessed_on=assessed,
        is_vertical=vertical,
    )


@pytest.fixture
def sip_org(citypack):
    return make_org(Role.SUPPLIER, area=area("sip"))


@pytest.fixture
def gusu_org(citypack):
    return make_org(Role.DEMANDER, area=area("gusu"))


# --- the pack ---------------------------------------------------------------------------------


def test_the_pack_derives_both_indicators_from_the_catalogue(citypack):
    datasets, models = ind("datasets"), ind("vertical-models")
    assert (datasets.kind, datasets.source_key, datasets.split) == (
        IndicatorKind.DERIVED,
        "catalogue.datasets",
        Split.AREA,
    )
    assert (models.kind, models.source_key, models.split) == (
        IndicatorKind.DERIVED,
        "catalogue.models",
        Split.SECTOR,
    )
    assert datasets.note.startswith("由数据平台模块自动统计：")
    assert models.note.startswith("由数据平台模块自动统计：")
    for key in ("catalogue.datasets", "catalogue.models"):
        source = derived.get(key)
        assert source.splits_by("area") and source.splits_by("sector")
        assert source.query_sql().startswith("SELECT") and "catalogue_entry" in source.query_sql()
    # nothing counted yet, and nobody reports them
    assert latest("datasets") == 0 and latest("vertical-models") == 0
    assert not Submission.objects.filter(indicator__in=[datasets, models]).exists()


# --- 高质量行业数据集及语料库 ----------------------------------------------------------------------


def test_datasets_count_high_quality_entries_from_the_later_of_publication_and_assessment(
    sip_org, gusu_org
):
    # counted
    entry(sip_org, published=date(2026, 3, 10), grade=Grade.B, assessed=date(2026, 2, 1))  # March
    entry(
        sip_org,
        kind=Kind.CORPUS,
        published=date(2026, 4, 5),
        grade=Grade.C,
        assessed=date(2026, 6, 20),
    )  # June: assessed after publication
    entry(gusu_org, sector_code="healthcare", published=date(2026, 9, 1), grade=Grade.A)  # Sep.
    # not counted
    entry(sip_org, published=date(2026, 3, 10))  # never assessed
    entry(sip_org, published=date(2026, 3, 10), grade=Grade.D, assessed=date(2026, 3, 1))
    entry(sip_org, status=Status.DRAFT, grade=Grade.A, assessed=date(2026, 3, 1))
    entry(sip_org, status=Status.DRAFT, published=date(2026, 3, 10), grade=Grade.A)
    entry(sip_org, status=Status.WITHDRAWN, published=date(2026, 3, 10), grade=Grade.A)
    entry(sip_org, kind=Kind.MODEL, published=date(2026, 3, 10), grade=Grade.A, vertical=True)
    entry(sip_org, kind=Kind.DEMO, published=date(2026, 3, 10), grade=Grade.A)
    entry(sip_org, published=date(2026, 12, 5), grade=Grade.A)  # after today

    found = points("datasets")
    assert found["2026-02"] == 0
    assert found["2026-03"] == 1
    assert found["2026-05"] == 1  # the corpus is published but not yet assessed
    assert found["2026-06"] == 2
    assert found["2026-08"] == 2
    assert found["2026-09"] == 3
    assert found["2026-11"] == 3 and "2026-12" not in found
    result = city("datasets")
    assert result.latest.value == 3
    assert result.status in (forecast.BEHIND, forecast.AT_RISK)  # 3 of 300

    events = sorted(derived.get("catalogue.datasets").all_events(), key=lambda e: e.day)
    assert [e.day for e in events] == [
        date(2026, 3, 10),
        date(2026, 6, 20),
        date(2026, 9, 1),
        date(2026, 12, 5),
    ]
    assert events[0].area_id == area("sip").pk and events[0].sector_id == sector("manufacturing").pk
    assert events[2].area_id == area("gusu").pk and events[2].sector_id == sector("healthcare").pk


def test_a_dataset_stops_counting_when_withdrawn_or_downgraded_and_cached_progress_follows(
    sip_org, gusu_org
):
    dataset = entry(sip_org, published=date(2026, 3, 10), grade=Grade.A)
    cached = {p.indicator.code: p for p in progress.programme_progress(today=TODAY)}
    assert cached["datasets"].latest.value == 1
    version = progress.data_version()

    dataset.status = Status.WITHDRAWN
    dataset.save()
    assert progress.data_version() != version  # the catalogue's entries are watched
    cached = {p.indicator.code: p for p in progress.programme_progress(today=TODAY)}
    assert cached["datasets"].latest.value == 0

    dataset.status = Status.PUBLISHED
    dataset.quality_grade = Grade.D
    dataset.save()
    assert latest("datasets") == 0
    dataset.quality_grade = Grade.C
    dataset.save()
    assert latest("datasets") == 1

    # the owner moving to another area moves the count (organisations are watched too)
    areas = progress.area_progress(today=TODAY)[1]
    assert areas[area("sip").pk][ind("datasets").pk].latest.value == 1
    sip_org.area = area("gusu")
    sip_org.save()
    areas = progress.area_progress(today=TODAY)[1]
    assert areas[area("sip").pk][ind("datasets").pk].latest.value == 0
    assert areas[area("gusu").pk][ind("datasets").pk].latest.value == 1


# --- 动态筛选重点支持的垂类大模型 ----------------------------------------------------------------


def test_only_published_vertical_models_count(sip_org, gusu_org):
    # counted: the quality grade does not matter for models
    entry(sip_org, kind=Kind.MODEL, vertical=True, published=date(2026, 5, 10))
    entry(
        gusu_org,
        kind=Kind.MODEL,
        vertical=True,
        sector_code="healthcare",
        published=at(date(2026, 6, 1), hour=0, minute=30),  # 31 May in UTC: June here
        grade=Grade.D,
    )
    entry(sip_org, kind=Kind.MODEL, vertical=True, sector_code=None, published=date(2026, 8, 3))
    # not counted
    entry(sip_org, kind=Kind.MODEL, vertical=False, published=date(2026, 5, 10), grade=Grade.A)
    entry(sip_org, kind=Kind.MODEL, vertical=True, status=Status.DRAFT)
    entry(
        sip_org,
        kind=Kind.MODEL,
        vertical=True,
        status=Status.WITHDRAWN,
        published=date(2026, 5, 10),
    )
    entry(sip_org, kind=Kind.DATASET, vertical=True, published=date(2026, 5, 10), grade=Grade.A)
    entry(sip_org, kind=Kind.DEMO, vertical=True, published=date(2026, 5, 10))

    found = points("vertical-models")
    assert found["2026-04"] == 0
    assert found["2026-05"] == 1
    assert found["2026-06"] == 2
    assert found["2026-08"] == 3
    assert latest("vertical-models") == 3
    # the catalogue's datasets count is not touched by models
    assert latest("datasets") == 1


# --- split by area and by sector ------------------------------------------------------------


def test_area_and_sector_splits(sip_org, gusu_org):
    other_sip = make_org(Role.DEMANDER, area=area("sip"))
    day = date(2026, 4, 1)
    entry(sip_org, published=day, grade=Grade.A)  # sip, manufacturing
    entry(other_sip, kind=Kind.CORPUS, sector_code="healthcare", published=day, grade=Grade.B)
    entry(gusu_org, published=day, grade=Grade.C)  # gusu, manufacturing
    entry(gusu_org, sector_code=None, published=day, grade=Grade.C)  # gusu, no sector
    entry(sip_org, kind=Kind.MODEL, vertical=True, published=day)  # sip, manufacturing
    entry(gusu_org, kind=Kind.MODEL, vertical=True, sector_code="healthcare", published=day)
    entry(gusu_org, kind=Kind.MODEL, vertical=True, sector_code="healthcare", published=day)

    sip, gusu, wujiang = area("sip").pk, area("gusu").pk, area("wujiang").pk
    manufacturing, healthcare = sector("manufacturing").pk, sector("healthcare").pk
    assert latest("datasets") == 4
    assert latest("datasets", area_id=sip) == 2
    assert latest("datasets", area_id=gusu) == 2
    assert latest("datasets", area_id=wujiang) == 0
    assert latest("datasets", sector_id=manufacturing) == 2
    assert latest("datasets", sector_id=healthcare) == 1  # the entry without sector is in none
    assert latest("vertical-models") == 3
    assert latest("vertical-models", sector_id=manufacturing) == 1
    assert latest("vertical-models", sector_id=healthcare) == 2
    assert latest("vertical-models", area_id=sip) == 1
    assert latest("vertical-models", area_id=gusu) == 2
    assert latest("vertical-models", area_id=gusu, sector_id=healthcare) == 2

    # an area's and a sector's own figures: both derived indicators, without a target of their own
    for scope in ({"area_id": sip}, {"sector_id": healthcare}):
        own = {p.indicator.code: p for p in progress.compute(today=TODAY, **scope)}
        assert {"datasets", "vertical-models"} <= set(own)
        assert own["datasets"].target is None and own["vertical-models"].target is None
    by_area = progress.compute_areas([ind("datasets"), ind("vertical-models")], today=TODAY)
    assert by_area[sip][ind("datasets").pk].latest.value == 2
    assert by_area[gusu][ind("vertical-models").pk].latest.value == 2
    assert sum(by_area[a][ind("datasets").pk].latest.value for a in by_area) == 4


# --- the indicator page ---------------------------------------------------------------------


def test_indicator_page_shows_the_derived_value_and_how_it_is_counted(
    client, office, sip_org, gusu_org
):
    # dated in 2025: the page counts up to the real today
    entry(sip_org, published=date(2025, 6, 10), grade=Grade.A)
    entry(gusu_org, kind=Kind.CORPUS, published=date(2025, 7, 1), grade=Grade.C)
    entry(sip_org, published=date(2025, 6, 10))  # not assessed
    client.force_login(office)
    response = client.get(reverse("programme:indicator", args=["datasets"]))
    assert response.status_code == 200
    body = response.content.decode()
    source = derived.get("catalogue.datasets")
    assert response.context["source"] is source
    assert "统计口径（自动统计，无需填报）" in body and source.description in body
    assert response.context["source_sql"].startswith("SELECT")
    assert '<pre class="sql">SELECT' in body
    assert response.context["p"].latest.value == 2
    assert "2 个（" in body  # the latest value
    assert "由数据平台模块自动统计：" in body  # the note
    rows = {r["name"]: r["p"] for r in response.context["scope_rows"]}
    assert len(rows) == Area.objects.count()
    assert rows["苏州工业园区"].latest.value == 1 and rows["姑苏区"].latest.value == 1
    assert response.context["form"] is None and "报送数值" not in body
    assert "自动统计指标没有报送记录。" in body


def test_vertical_models_page_shows_each_sector_of_the_split(client, office, sip_org, gusu_org):
    entry(sip_org, kind=Kind.MODEL, vertical=True, published=date(2025, 6, 10))
    entry(
        gusu_org,
        kind=Kind.MODEL,
        vertical=True,
        sector_code="healthcare",
        published=date(2025, 8, 1),
    )
    manufacturing, healthcare = sector("manufacturing"), sector("healthcare")
    services.set_shares(
        actor=office,
        indicator=ind("vertical-models"),
        shares={manufacturing: "100", healthcare: "50"},
    )
    client.force_login(office)
    response = client.get(reverse("programme:indicator", args=["vertical-models"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert derived.get("catalogue.models").description in body
    assert response.context["p"].latest.value == 2
    assert "分领域" in body
    rows = {r["name"]: r["p"] for r in response.context["scope_rows"]}
    assert set(rows) == {manufacturing.name, healthcare.name}
    assert rows[manufacturing.name].latest.value == 1
    assert rows[healthcare.name].latest.value == 1
    assert response.context["form"] is None
