"""Programme monitoring against the database: the city pack's targets become indicators, units
report values that the office approves (four eyes, history kept), progress and derived counts,
reporting obligations, audit and evidence."""

from __future__ import annotations

import csv
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aiplus.accounts.choices import Role
from aiplus.core import uploads
from aiplus.core.citypack import load_citypack, pack_dir, pack_meta, read_csv
from aiplus.core.errors import Conflict, PermissionDenied, ServiceError
from aiplus.core.models import Area, AuditEntry, CityPack
from aiplus.governance.models import AlgorithmFiling
from aiplus.programme import forecast, obligations, permissions, progress, services
from aiplus.programme.loader import load_indicators, parse_deadline, parse_target
from aiplus.programme.models import (
    Direction,
    Evidence,
    Indicator,
    Kind,
    Split,
    Submission,
    SubmissionStatus,
)
from aiplus.programme.periods import parse_key
from aiplus.scenarios import services as scenario_services
from aiplus.scenarios.choices import DemandStatus
from aiplus.scenarios.models import DemandTransition

from ..factories import make_demand, make_org, sector_split_indicator, sign_checklist

TODAY = date(2026, 11, 26)
S = SubmissionStatus
PACK = Path(django_settings.CITYPACKS_DIR) / "suzhou"
REFERENCE = (
    Path(django_settings.BASE_DIR).parent
    / "shared/reference/suzhou/suzhou_action_plan_2025_2026_targets.csv"
)
EXTRA = "ai-industry-scale"  # the indicator indicators.csv adds from facts.csv


def area(code: str) -> Area:
    return Area.objects.get(code=code)


def ind(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def period(key: str):
    return services.period_for(parse_key(key))


def report(actor, code, key, value, *, area_code=None, today=TODAY, **kw) -> Submission:
    return services.save_value(
        actor=actor,
        indicator=ind(code),
        period=period(key),
        value=value,
        area=area(area_code) if area_code else None,
        today=today,
        **kw,
    )


def approved(actor, reviewer, code, key, value, *, area_code=None, **kw) -> Submission:
    sub = report(actor, code, key, value, area_code=area_code, **kw)
    return services.approve(actor=reviewer, submission=sub)


def city(code: str, *, today=TODAY, **kw) -> progress.Progress:
    return progress.compute([ind(code)], today=today, **kw)[0]


# --- loading the city pack ------------------------------------------------------------------


def test_pack_targets_are_a_verbatim_copy_of_the_reference():
    if not REFERENCE.exists():
        pytest.skip("shared reference not present")
    assert (PACK / "targets.csv").read_bytes() == REFERENCE.read_bytes()


def test_every_target_of_the_plan_is_loaded_as_sourced(citypack):
    targets = read_csv(PACK / "targets.csv")
    assert len(targets) == 33
    assert Indicator.objects.count() == 34
    for row in targets:
        indicator = Indicator.objects.get(name=row["indicator"])
        assert indicator.target_text == row["target"]
        assert indicator.target_value == Decimal(row["target"].lstrip(">"))
        assert indicator.strict is row["target"].startswith(">")
        assert indicator.direction == Direction.AT_LEAST
        assert indicator.unit == row["unit"]
        assert indicator.deadline_text == row["deadline"]
        assert indicator.source and indicator.source == row["source"]
        assert indicator.start_date == date(2025, 1, 1)
    # in the plan's order, the extra indicator last
    names = list(Indicator.objects.values_list("name", flat=True))
    assert names[:33] == [r["indicator"] for r in targets]


def test_the_extra_indicator_brings_its_own_target_and_source(citypack):
    extra = ind(EXTRA)
    assert extra.name == "人工智能相关产业规模"
    assert (extra.target_value, extra.strict, extra.unit) == (Decimal("3000"), True, "亿元")
    assert extra.deadline == date(2027, 12, 31)
    assert extra.group == "总体目标" and extra.aspect is None
    assert "facts.csv" in extra.source and "140号" in extra.source
    assert extra.baseline_value == Decimal("2362")
    assert extra.baseline_source


def test_deadlines_aspects_and_configuration(citypack):
    assert ind("ai-enterprises").deadline == date(2026, 12, 31)  # 2026年底
    assert ind("core-growth").deadline == date(2026, 12, 31)  # 2025-2026
    assert ind("brand-events").deadline == date(2026, 12, 31)  # (未标年份): programme end
    assert ind("ai-enterprises").group_label == "总体目标"
    research = ind("research-models")
    assert research.aspect.code == "application" and research.focus == "AI+科学技术"
    assert [s.code for s in research.sectors.all()] == ["research"]
    assert ind("typical-scenarios").kind == Kind.DERIVED
    assert ind("typical-scenarios").source_key == "scenarios.deployed"
    assert ind("algorithm-filings").source_key == "governance.filings"
    datasets, models = ind("datasets"), ind("vertical-models")
    assert (datasets.kind, datasets.source_key, datasets.split) == (
        Kind.DERIVED,
        "catalogue.datasets",
        Split.AREA,
    )
    assert (models.kind, models.source_key, models.split) == (
        Kind.DERIVED,
        "catalogue.models",
        Split.SECTOR,
    )
    assert ind("ai-enterprises").split == Split.AREA
    assert ind("core-growth").accumulation == "level"
    assert ind("core-growth").frequency == "quarterly"
    assert not Indicator.objects.filter(code__startswith="target-").exists()


@pytest.mark.parametrize(
    ("code", "value", "day"),
    [("ai-enterprises", "2000", date(2024, 10, 31)), ("ai-compute", "2900", date(2024, 10, 31))],
)
def test_baselines_from_facts_keep_their_source(citypack, code, value, day):
    indicator = ind(code)
    assert indicator.baseline_value == Decimal(value)
    assert indicator.baseline_date == day
    assert indicator.baseline_source.startswith("facts.csv")
    assert "commerce.suzhou.gov.cn" in indicator.baseline_source


def test_reloading_the_pack_changes_nothing(citypack, tmp_path):
    before = dict(Indicator.objects.values_list("code", "pk"))
    assert load_citypack("suzhou").unchanged
    assert load_indicators(pack_dir("suzhou"), pack_meta("suzhou"), read_csv) == (0, 0)
    # a changed pack (other digest) with the same targets: still nothing created or updated
    copy = shutil.copytree(PACK, tmp_path / "suzhou")
    (copy / "README.md").write_text("changed\n", encoding="utf-8")
    result = load_citypack(copy)
    assert not result.unchanged
    assert (result.created["indicators"], result.updated["indicators"]) == (0, 0)
    assert dict(Indicator.objects.values_list("code", "pk")) == before


def edit_csv(path: Path, change) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        change(row)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_a_changed_target_updates_the_same_indicator(citypack, tmp_path):
    pk = ind("key-labs").pk
    copy = shutil.copytree(PACK, tmp_path / "suzhou")

    def change(row):
        if row["indicator"] == "人工智能领域省级以上重点实验室（争创）":
            row["target"] = "6"

    edit_csv(copy / "targets.csv", change)
    result = load_citypack(copy)
    assert (result.created["indicators"], result.updated["indicators"]) == (0, 1)
    assert ind("key-labs").pk == pk and ind("key-labs").target_value == 6


def _set(which, **values):
    def change(row):
        if row["code"] == which:
            row.update(values)

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("core-growth", kind="guessed"), "类型"),
        (_set("core-growth", frequency="weekly"), "报送频率"),
        (_set("core-growth", accumulation="sometimes"), "数值性质"),
        (_set("core-growth", split="street"), "分解方式"),
        (_set("core-growth", split="area"), "不能按板块或领域分解"),
        (_set("typical-scenarios", source_key="nowhere.count"), "统计口径"),
        (_set("research-models", sectors="research;nowhere"), "领域代码"),
        (_set("unicorns", code="ai-enterprises"), "重复"),
        (_set("ai-compute", baseline_value="lots"), "基线值"),
        (_set(EXTRA, target="many"), "目标值"),
        (_set(EXTRA, unit=""), "缺少单位"),
    ],
)
def test_a_broken_indicators_csv_is_refused_and_changes_nothing(
    citypack, tmp_path, change, message
):
    digest = CityPack.objects.get(code="suzhou").digest
    note = ind("ai-enterprises").note
    copy = shutil.copytree(PACK, tmp_path / "suzhou")
    # the first row changes too, so a partial load would show
    edit_csv(copy / "indicators.csv", _set("ai-enterprises", note="partially loaded"))
    edit_csv(copy / "indicators.csv", change)
    with pytest.raises(ServiceError, match=message):
        load_citypack(copy)
    assert ind("ai-enterprises").note == note
    assert Indicator.objects.count() == 34
    assert CityPack.objects.get(code="suzhou").digest == digest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (">3000", (Decimal("3000"), Direction.AT_LEAST, True)),
        ("＞3,000", (Decimal("3000"), Direction.AT_LEAST, True)),
        ("超过120", (Decimal("120"), Direction.AT_LEAST, True)),
        ("300", (Decimal("300"), Direction.AT_LEAST, False)),
        (">=5", (Decimal("5"), Direction.AT_LEAST, False)),
        ("不低于5", (Decimal("5"), Direction.AT_LEAST, False)),
        ("≤5", (Decimal("5"), Direction.AT_MOST, False)),
        ("<0.5", (Decimal("0.5"), Direction.AT_MOST, True)),
    ],
)
def test_parse_target(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["", "many", "3000家", "约3000"])
def test_parse_target_refuses_what_is_not_a_target(text):
    with pytest.raises(ValueError):
        parse_target(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年底", date(2026, 12, 31)),
        ("2025-2026", date(2026, 12, 31)),
        ("2026年", date(2026, 12, 31)),
        ("2027年底", date(2027, 12, 31)),
        ("(未标年份)", date(2026, 6, 30)),
        ("", date(2026, 6, 30)),
    ],
)
def test_parse_deadline(text, expected):
    assert parse_deadline(text, date(2026, 6, 30)) == expected


# --- reporting a value ----------------------------------------------------------------------


def test_a_district_reports_its_areas_value(district_officer):
    sub = report(district_officer, "ai-enterprises", "2026-10", "3,200家", area_code="sip")
    assert sub.status == S.SUBMITTED
    assert sub.value == Decimal("3200")
    assert sub.area == area("sip") and sub.sector is None
    assert sub.organisation == district_officer.organisation
    assert sub.submitted_at is not None


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        ("abc", "value", "不是数字"),
        ("3200个", "value", "家"),
        ("", "value", "请填写"),
        ("-5", "value", "负数"),
    ],
)
def test_a_bad_value_is_refused_and_saves_nothing(district_officer, value, field, message):
    before = Submission.objects.count()
    with pytest.raises(ServiceError, match=message) as exc:
        report(district_officer, "ai-enterprises", "2026-10", value, area_code="sip")
    assert field in exc.value.errors
    assert Submission.objects.count() == before


def test_a_jump_or_a_cumulative_fall_needs_an_explanation(district_officer, reviewer):
    approved(district_officer, reviewer, "ai-enterprises", "2026-09", "100", area_code="sip")
    before = Submission.objects.count()
    for value, reason in (("200", "超过 50% 的波动阈值"), ("90", "减少")):
        with pytest.raises(ServiceError, match=reason) as exc:
            report(district_officer, "ai-enterprises", "2026-10", value, area_code="sip")
        assert "explanation" in exc.value.errors
        with pytest.raises(ServiceError):
            report(
                district_officer,
                "ai-enterprises",
                "2026-10",
                value,
                area_code="sip",
                explanation="   ",
            )
    assert Submission.objects.count() == before
    # within the band: no explanation needed
    assert report(district_officer, "ai-enterprises", "2026-10", "140", area_code="sip").pk
    # with an explanation the jump is accepted (the open value is updated, not duplicated)
    sub = report(
        district_officer,
        "ai-enterprises",
        "2026-10",
        "200",
        area_code="sip",
        explanation="新纳入统计口径的企业",
    )
    assert sub.value == 200 and sub.explanation == "新纳入统计口径的企业"
    assert Submission.objects.count() == before + 1


def test_periods_must_fit_the_indicator(office):
    indicator = ind("open-data-catalogues")
    cases = [
        ("2026Q3", "不适用"),  # quarterly period for a monthly indicator
        ("2024-12", "监测期"),
        ("2026-12", "尚未开始"),  # starts after today
    ]
    for key, message in cases:
        with pytest.raises(ServiceError, match=message):
            services.check_period(indicator, period(key), TODAY)
        with pytest.raises(ServiceError, match=message):
            report(office, "open-data-catalogues", key, "100")
    services.check_period(indicator, period("2026-11"), TODAY)  # the current month is open
    assert Submission.objects.count() == 0


def test_scopes_must_fit_the_indicator(office):
    sector_split_indicator()
    with pytest.raises(ServiceError, match="按板块报送"):
        report(office, "ai-enterprises", "2026-10", "100")
    with pytest.raises(ServiceError, match="全市指标"):
        report(office, "open-data-catalogues", "2026-10", "100", area_code="sip")
    with pytest.raises(ServiceError, match="按领域报送"):
        report(office, "sector-models", "2026-10", "10")
    with pytest.raises(ServiceError, match="自动统计"):
        report(office, "typical-scenarios", "2026-10", "10", area_code="sip")
    with pytest.raises(ServiceError, match="自动统计"):
        report(office, "datasets", "2026-10", "10", area_code="sip")
    assert Submission.objects.count() == 0


def test_an_area_officer_reports_only_for_its_own_area(district_officer):
    with pytest.raises(PermissionDenied):
        report(district_officer, "ai-enterprises", "2026-10", "100", area_code="gusu")
    # nor a city indicator it is not responsible for
    with pytest.raises(PermissionDenied):
        report(district_officer, "open-data-catalogues", "2026-10", "100")
    assert Submission.objects.count() == 0


def test_a_responsible_unit_reports_its_city_indicator(office, district_officer, demander):
    with pytest.raises(PermissionDenied):
        services.set_responsible(
            actor=district_officer, indicator=ind("open-data-catalogues"), organisations=[]
        )
    services.set_responsible(
        actor=office,
        indicator=ind("open-data-catalogues"),
        organisations=[demander.organisation],
        text="市数据局",
    )
    assert ind("open-data-catalogues").responsible_text == "市数据局"
    sub = report(demander, "open-data-catalogues", "2026-10", "5000")
    assert sub.organisation == demander.organisation
    with pytest.raises(PermissionDenied):
        report(demander, "key-labs", "2026Q3", "3")


def test_others_cannot_report(supplier, pending_demander):
    with pytest.raises(PermissionDenied):
        report(supplier, "open-data-catalogues", "2026-10", "100")
    with pytest.raises(PermissionDenied):
        report(pending_demander, "open-data-catalogues", "2026-10", "100")


def test_a_draft_is_submitted_later(district_officer):
    draft = report(
        district_officer, "ai-enterprises", "2026-10", "100", area_code="sip", submit=False
    )
    assert draft.status == S.DRAFT and draft.submitted_at is None
    sub = services.submit_draft(actor=district_officer, submission=draft)
    assert sub.pk == draft.pk and sub.status == S.SUBMITTED
    with pytest.raises(Conflict):
        services.submit_draft(actor=district_officer, submission=sub)


# --- review ---------------------------------------------------------------------------------


def test_a_district_officer_cannot_approve_or_return(district_officer):
    sub = report(district_officer, "ai-enterprises", "2026-10", "100", area_code="sip")
    with pytest.raises(PermissionDenied):
        services.approve(actor=district_officer, submission=sub)
    with pytest.raises(PermissionDenied):
        services.return_submission(actor=district_officer, submission=sub, note="重填")
    sub.refresh_from_db()
    assert sub.status == S.SUBMITTED


def test_the_office_cannot_approve_its_own_value_another_office_user_can(office, reviewer):
    sub = report(office, "open-data-catalogues", "2026-10", "5000")
    with pytest.raises(PermissionDenied, match="本人"):
        services.approve(actor=office, submission=sub)
    sub.refresh_from_db()
    assert sub.status == S.SUBMITTED
    sub = services.approve(actor=reviewer, submission=sub, note="核对无误")
    assert sub.status == S.APPROVED
    assert sub.reviewed_by == reviewer and sub.reviewed_at is not None
    assert sub.review_note == "核对无误"
    with pytest.raises(Conflict):
        services.approve(actor=reviewer, submission=sub)


def test_approval_is_audited(office, reviewer):
    sub = report(office, "open-data-catalogues", "2026-10", "5000")
    services.approve(actor=reviewer, submission=sub)
    entry = AuditEntry.objects.get(action="programme.approve")
    assert entry.actor == reviewer
    assert entry.organisation == reviewer.organisation
    assert (entry.object_type, entry.object_id) == ("programme.submission", str(sub.pk))
    assert entry.before["status"] == S.SUBMITTED and entry.after["status"] == S.APPROVED
    assert AuditEntry.objects.filter(action="programme.submit", object_id=str(sub.pk)).exists()


def test_return_needs_a_note_and_the_value_can_be_resubmitted(district_officer, reviewer):
    sub = report(district_officer, "ai-enterprises", "2026-10", "100", area_code="sip")
    for note in ("", "   "):
        with pytest.raises(ServiceError, match="退回原因") as exc:
            services.return_submission(actor=reviewer, submission=sub, note=note)
        assert "note" in exc.value.errors
    sub.refresh_from_db()
    assert sub.status == S.SUBMITTED
    sub = services.return_submission(actor=reviewer, submission=sub, note="请附统计表")
    assert sub.status == S.RETURNED and sub.review_note == "请附统计表"
    assert AuditEntry.objects.filter(action="programme.return").count() == 1
    again = report(district_officer, "ai-enterprises", "2026-10", "110", area_code="sip")
    assert again.pk == sub.pk and again.status == S.SUBMITTED and again.review_note == ""
    assert Submission.objects.count() == 1


def test_a_correction_after_approval_supersedes_and_keeps_history(district_officer, reviewer):
    first = approved(
        district_officer, reviewer, "ai-enterprises", "2026-10", "100", area_code="sip"
    )
    correction = report(district_officer, "ai-enterprises", "2026-10", "110", area_code="sip")
    assert correction.pk != first.pk
    assert correction.replaces == first and correction.status == S.SUBMITTED
    first.refresh_from_db()
    assert first.status == S.APPROVED  # until the correction is approved
    assert city("ai-enterprises").latest.value == 100

    services.approve(actor=reviewer, submission=correction)
    first.refresh_from_db()
    correction.refresh_from_db()
    assert first.status == S.SUPERSEDED and first.value == 100
    assert correction.status == S.APPROVED and correction.replaces == first
    assert list(first.replaced_by.all()) == [correction]
    assert Submission.objects.count() == 2
    assert city("ai-enterprises").latest.value == 110
    # exactly one approved value per scope and period
    assert Submission.objects.filter(status=S.APPROVED).count() == 1


# --- who sees what --------------------------------------------------------------------------


def test_an_area_officer_does_not_see_another_areas_drafts_or_pending(
    district_officer, gusu_officer, office, reviewer
):
    own_draft = report(
        district_officer, "ai-enterprises", "2026-10", "100", area_code="sip", submit=False
    )
    gusu_draft = report(
        gusu_officer, "ai-enterprises", "2026-09", "50", area_code="gusu", submit=False
    )
    gusu_pending = report(gusu_officer, "ai-enterprises", "2026-10", "60", area_code="gusu")

    def visible(user):
        return set(permissions.submissions_visible_to(user).values_list("pk", flat=True))

    assert visible(district_officer) == {own_draft.pk}
    assert visible(gusu_officer) == {gusu_draft.pk, gusu_pending.pk}
    assert visible(office) == {gusu_pending.pk}  # the office never sees others' drafts

    services.approve(actor=reviewer, submission=gusu_pending)
    assert visible(district_officer) == {own_draft.pk, gusu_pending.pk}


def test_others_see_nothing_of_the_programme(demander, district_officer, reviewer):
    approved(district_officer, reviewer, "ai-enterprises", "2026-10", "100", area_code="sip")
    assert not permissions.can_view_programme(demander)
    assert not permissions.submissions_visible_to(demander).exists()
    assert obligations.obligations_for(demander, today=TODAY) == []


# --- progress -------------------------------------------------------------------------------

MONTHS = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["4000", "4400", "4800", "5200", "5600"], forecast.ON_TRACK),  # → ~6400 by year end
        (["5000", "5155", "5310", "5465", "5620"], forecast.AT_RISK),  # → ~5930: 93% of the gap
        (["1000", "1100", "1200", "1300", "1400"], forecast.BEHIND),
        (["5000", "5200", "5400", "5600", "6001"], forecast.ACHIEVED),
        (["5000", "5200", "5400", "5600", "6000"], forecast.ON_TRACK),  # >6000: 6000 is not it
        (["5600"], forecast.NO_DATA),
    ],
)
def test_approved_series_gives_the_status(office, reviewer, values, expected):
    for key, value in zip(MONTHS[-len(values) :], values, strict=True):
        approved(office, reviewer, "open-data-catalogues", key, value)
    result = city("open-data-catalogues")
    assert [p.key for p in result.points] == MONTHS[-len(values) :]
    assert [p.value for p in result.points] == [float(v) for v in values]
    assert result.status == expected
    assert result.status_label == str(progress.STATUS_LABELS[expected])
    if expected == forecast.AT_RISK:
        assert 5900 <= result.forecast < 6000


def test_only_approved_values_count(office, reviewer):
    approved(office, reviewer, "open-data-catalogues", "2026-09", "5000")
    report(office, "open-data-catalogues", "2026-10", "5500")
    draft = report(office, "open-data-catalogues", "2026-08", "4500", submit=False)
    assert draft.status == S.DRAFT
    assert [p.value for p in city("open-data-catalogues").points] == [5000.0]


def test_city_total_of_an_area_split_indicator_carries_a_late_area_forward(
    office, reviewer, district_officer, gusu_officer
):
    approved(district_officer, reviewer, "ai-enterprises", "2026-08", "100", area_code="sip")
    approved(gusu_officer, reviewer, "ai-enterprises", "2026-08", "50", area_code="gusu")
    approved(district_officer, reviewer, "ai-enterprises", "2026-09", "120", area_code="sip")
    result = city("ai-enterprises")
    assert [(p.key, p.value, p.reported) for p in result.points] == [
        ("2026-08", 150.0, 2),
        ("2026-09", 170.0, 1),  # gusu late: its 50 carried forward
    ]
    assert result.points[-1].expected == Area.objects.count()
    assert result.baseline == (date(2024, 10, 31), 2000.0)  # the city baseline from facts

    approved(gusu_officer, reviewer, "ai-enterprises", "2026-09", "60", area_code="gusu")
    assert [p.value for p in city("ai-enterprises").points] == [150.0, 180.0]

    sip = city("ai-enterprises", area_id=area("sip").pk)
    assert [p.value for p in sip.points] == [100.0, 120.0]
    assert sip.target is None and sip.status == forecast.NO_DATA  # no share yet
    assert sip.baseline is None

    services.set_shares(
        actor=office,
        indicator=ind("ai-enterprises"),
        shares={area("sip"): "1500", area("gusu"): 500},
    )
    assert city("ai-enterprises").points[-1].expected == 2
    sip = city("ai-enterprises", area_id=area("sip").pk)
    assert sip.target == 1500
    assert sip.status in forecast.STATUSES and sip.assessment is not None
    # a city-wide reported indicator has no per-area progress
    ids = {p.indicator.code for p in progress.compute(today=TODAY, area_id=area("sip").pk)}
    assert "open-data-catalogues" not in ids and "ai-enterprises" in ids


def test_set_shares_checks_its_input(office, district_officer):
    with pytest.raises(PermissionDenied):
        services.set_shares(
            actor=district_officer, indicator=ind("ai-enterprises"), shares={area("sip"): 1}
        )
    with pytest.raises(ServiceError) as exc:
        services.set_shares(
            actor=office,
            indicator=ind("ai-enterprises"),
            shares={area("sip"): "many", area("gusu"): "-1"},
        )
    assert set(exc.value.errors) == {"苏州工业园区", "姑苏区"}
    with pytest.raises(ServiceError, match="全市指标"):
        services.set_shares(
            actor=office, indicator=ind("open-data-catalogues"), shares={area("sip"): 1}
        )
    assert not ind("ai-enterprises").shares.exists()


def _deployed_count(**kw) -> float:
    return city("typical-scenarios", **kw).latest.value


def test_typical_scenarios_count_deployed_demands(demander, office):
    demand = make_demand(demander, status=DemandStatus.PILOT, office=office)
    sip, gusu = area("sip").pk, area("gusu").pk
    before = (_deployed_count(), _deployed_count(area_id=sip), _deployed_count(area_id=gusu))
    assert before == (0.0, 0.0, 0.0)
    old_version = progress.data_version()
    cached = {p.indicator.code: p for p in progress.programme_progress(today=TODAY)}
    assert cached["typical-scenarios"].latest.value == 0

    sign_checklist(demand, "deployment", actor=demander)
    scenario_services.transition_demand(
        actor=demander, demand=demand, to_status=DemandStatus.DEPLOYED
    )
    DemandTransition.objects.filter(demand=demand, to_status=DemandStatus.DEPLOYED).update(
        at=timezone.make_aware(datetime(2026, 6, 15, 10, 0))
    )
    assert _deployed_count() == 1.0
    assert _deployed_count(area_id=sip) == 1.0
    assert _deployed_count(area_id=gusu) == 0.0
    points = {p.key: p.value for p in city("typical-scenarios").points}
    assert points["2026-05"] == 0 and points["2026-06"] == 1 and points["2026-11"] == 1
    assert "2026-12" not in points  # not begun
    # the cached programme progress follows
    assert progress.data_version() != old_version
    cached = {p.indicator.code: p for p in progress.programme_progress(today=TODAY)}
    assert cached["typical-scenarios"].latest.value == 1

    # promoted still counts; closed does not
    scenario_services.transition_demand(
        actor=office, demand=demand, to_status=DemandStatus.PROMOTED
    )
    assert _deployed_count() == 1.0
    other = make_demand(demander, status=DemandStatus.DEPLOYED, office=office)
    # TODAY is fixed; the factory deploys at the real now, which may be later
    DemandTransition.objects.filter(demand=other, to_status=DemandStatus.DEPLOYED).update(
        at=timezone.make_aware(datetime(2026, 10, 9, 10, 0))
    )
    assert _deployed_count() == 2.0
    scenario_services.transition_demand(
        actor=demander, demand=other, to_status=DemandStatus.CLOSED, note="项目终止"
    )
    assert _deployed_count() == 1.0


def test_algorithm_filings_count_filed_generative_and_deep_synthesis(citypack):
    org = make_org(Role.SUPPLIER, area=area("sip"))
    other = make_org(Role.SUPPLIER, area=area("gusu"))
    K, St = AlgorithmFiling.Kind, AlgorithmFiling.Status
    rows = [
        (org, K.GENERATIVE, St.FILED, date(2026, 3, 1)),  # counted
        (org, K.DEEP_SYNTHESIS, St.FILED, date(2026, 5, 10)),  # counted
        (other, K.GENERATIVE, St.FILED, date(2026, 9, 1)),  # counted
        (org, K.RECOMMENDATION, St.FILED, date(2026, 3, 1)),  # another kind
        (org, K.GENERATIVE, St.PENDING, date(2026, 3, 1)),  # not filed
        (org, K.DEEP_SYNTHESIS, St.REVOKED, date(2026, 3, 1)),  # revoked
        (org, K.GENERATIVE, St.FILED, None),  # no date
        (org, K.GENERATIVE, St.FILED, date(2026, 12, 5)),  # after today
    ]
    for n, (owner, kind, status, day) in enumerate(rows):
        AlgorithmFiling.objects.create(
            organisation=owner, kind=kind, status=status, filed_on=day, name=f"算法{n}"
        )
    result = city("algorithm-filings")
    points = {p.key: p.value for p in result.points}
    assert points["2026-02"] == 0
    assert points["2026-03"] == 1
    assert points["2026-05"] == 2
    assert points["2026-11"] == 3
    assert result.latest.value == 3
    assert result.status in (forecast.BEHIND, forecast.AT_RISK)  # 3 of >120
    assert _count_at("algorithm-filings", area("sip").pk) == 2
    assert _count_at("algorithm-filings", area("gusu").pk) == 1


def _count_at(code, area_id):
    return city(code, area_id=area_id).latest.value


# --- obligations ----------------------------------------------------------------------------


def _state(user, code, key, *, today=TODAY, area_code=None):
    found = [
        o
        for o in obligations.obligations_for(user, today=today, indicator=ind(code))
        if o.span.key == key and (o.area.code if o.area else None) == area_code
    ]
    assert len(found) == 1, found
    return found[0]


def test_obligation_states(office, reviewer):
    code = "open-data-catalogues"
    # 2026-10 ended on 31 October, due 10 November
    assert _state(office, code, "2026-10", today=date(2026, 11, 5)).state == obligations.DUE
    assert _state(office, code, "2026-10").state == obligations.MISSING
    assert _state(office, code, "2026-10").due == date(2026, 11, 10)
    assert not [
        o
        for o in obligations.obligations_for(office, today=TODAY, indicator=ind(code))
        if o.span.key == "2026-11"
    ]  # the current month has not ended

    on_time = report(office, code, "2026-09", "5000", today=date(2026, 10, 5))
    assert _state(office, code, "2026-09").state == S.SUBMITTED
    services.approve(actor=reviewer, submission=on_time)
    assert _state(office, code, "2026-09").state == S.APPROVED

    late = report(office, code, "2026-08", "4800", today=date(2026, 9, 20))  # due 10 September
    assert _state(office, code, "2026-08").state == obligations.LATE
    services.approve(actor=reviewer, submission=late)
    assert _state(office, code, "2026-08").state == obligations.LATE
    assert _state(office, code, "2026-08").submission_id == late.pk

    report(office, code, "2026-07", "4600", submit=False, today=date(2026, 8, 5))
    assert _state(office, code, "2026-07").state == obligations.MISSING  # a draft past due
    assert _state(office, code, "2026-07", today=date(2026, 8, 5)).state == S.DRAFT

    returned = report(office, code, "2026-06", "4400", today=date(2026, 7, 3))
    services.return_submission(actor=reviewer, submission=returned, note="请附目录清单")
    assert _state(office, code, "2026-06").state == S.RETURNED
    assert S.RETURNED in obligations.OUTSTANDING


def test_an_open_correction_does_not_hide_the_approved_value(office, reviewer):
    code = "open-data-catalogues"
    approved(office, reviewer, code, "2026-09", "5000", today=date(2026, 10, 5))
    report(office, code, "2026-09", "5100")
    assert _state(office, code, "2026-09").state == S.APPROVED


def test_a_district_officer_sees_only_its_own_areas_obligations(office, district_officer):
    mine = obligations.obligations_for(district_officer, today=TODAY)
    assert mine
    assert {o.area.code for o in mine} == {"sip"}
    assert {o.indicator.split for o in mine} == {Split.AREA}
    assert {o.state for o in mine} == {obligations.MISSING}
    ai = [o for o in mine if o.indicator.code == "ai-enterprises"]
    assert len(ai) == 22  # 2025-01 … 2026-10 ended before 26 November 2026
    assert [o.span.key for o in ai[:2]] == ["2026-10", "2026-09"]  # newest first

    everyone = obligations.obligations_for(office, today=TODAY, indicator=ind("ai-enterprises"))
    assert {o.area.code for o in everyone} == set(Area.objects.values_list("code", flat=True))
    assert len(everyone) == 22 * Area.objects.count()
    assert any(
        o.indicator.code == "open-data-catalogues"
        for o in obligations.obligations_for(office, today=TODAY)
    )

    # made responsible for a city indicator, the district owes it too
    services.set_responsible(
        actor=office,
        indicator=ind("open-data-catalogues"),
        organisations=[district_officer.organisation],
    )
    mine = obligations.obligations_for(district_officer, today=TODAY)
    assert any(o.indicator.code == "open-data-catalogues" and o.area is None for o in mine)


def test_a_district_reporting_moves_its_obligation(district_officer, gusu_officer):
    report(
        district_officer,
        "ai-enterprises",
        "2026-10",
        "100",
        area_code="sip",
        today=date(2026, 11, 3),
    )
    assert _state(district_officer, "ai-enterprises", "2026-10", area_code="sip").state == (
        S.SUBMITTED
    )
    gusu = obligations.obligations_for(gusu_officer, today=TODAY, indicator=ind("ai-enterprises"))
    assert {o.area.code for o in gusu} == {"gusu"}
    assert {o.state for o in gusu} == {obligations.MISSING}


# --- evidence -------------------------------------------------------------------------------


@pytest.fixture
def pending(district_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return report(district_officer, "ai-enterprises", "2026-10", "100", area_code="sip")


def test_evidence_accepts_a_pdf(pending, district_officer, tmp_path):
    upload = SimpleUploadedFile("统计表.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    evidence = services.add_evidence(actor=district_officer, submission=pending, upload=upload)
    assert evidence.name == "统计表.pdf" and evidence.size == len(b"%PDF-1.4 test")
    assert evidence.uploaded_by == district_officer
    stored = Path(evidence.file.path)
    assert stored.is_file() and stored.read_bytes() == b"%PDF-1.4 test"
    assert (tmp_path / "media") in stored.parents
    assert AuditEntry.objects.filter(
        action="programme.evidence", object_id=str(pending.pk)
    ).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ...", "不支持的文件类型"),
        ("report.pdf.exe", b"MZ...", "不支持的文件类型"),
        ("noextension", b"data", "不支持的文件类型"),
        ("big.pdf", b"0" * (uploads.EVIDENCE_MAX_BYTES + 1), "10 MB"),
        ("empty.pdf", b"", "为空"),
    ],
)
def test_evidence_refuses_bad_files(pending, district_officer, tmp_path, name, content, message):
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ServiceError, match=message) as exc:
        services.add_evidence(actor=district_officer, submission=pending, upload=upload)
    assert "file" in exc.value.errors
    assert Evidence.objects.count() == 0
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_evidence_only_by_the_reporting_unit_and_before_approval(
    pending, district_officer, gusu_officer, reviewer
):
    with pytest.raises(PermissionDenied):
        services.add_evidence(
            actor=gusu_officer, submission=pending, upload=SimpleUploadedFile("a.pdf", b"x")
        )
    # the office may add evidence to any value
    services.add_evidence(
        actor=reviewer, submission=pending, upload=SimpleUploadedFile("b.pdf", b"x")
    )
    services.approve(actor=reviewer, submission=pending)
    with pytest.raises(Conflict):
        services.add_evidence(
            actor=district_officer, submission=pending, upload=SimpleUploadedFile("c.pdf", b"x")
        )
    assert Evidence.objects.count() == 1


def test_the_counted_summary_equals_the_listed_obligations(office, reviewer, district_officer):
    """summary_for counts in the database what obligations_for lists row by row."""
    code = "open-data-catalogues"
    approved(office, reviewer, code, "2026-09", "5000", today=date(2026, 10, 5))
    report(office, code, "2026-08", "4800", today=date(2026, 9, 20))  # late, pending
    report(office, code, "2026-07", "4600", submit=False, today=date(2026, 8, 5))  # stale draft
    returned = report(office, code, "2026-06", "4400", today=date(2026, 7, 3))
    services.return_submission(actor=reviewer, submission=returned, note="请附目录清单")
    report(office, code, "2026-09", "5100")  # an open correction of an approved value
    report(
        district_officer,
        "ai-enterprises",
        "2026-10",
        "100",
        area_code="sip",
        today=date(2026, 11, 3),
    )
    for user in (office, district_officer):
        for today in (TODAY, date(2026, 11, 5)):  # after and before October's due date
            listed = obligations.counts(obligations.obligations_for(user, today=today))
            assert obligations.summary_for(user, today=today) == listed, (user, today)
