"""The pure rules of programme monitoring: the trend forecast and status, reporting periods, and
the checks on a reported value. No database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from aiplus.programme import forecast
from aiplus.programme.forecast import (
    ACHIEVED,
    AT_RISK,
    BEHIND,
    NO_DATA,
    ON_TRACK,
    assess,
    fit_line,
    meets,
)
from aiplus.programme.periods import MONTHLY, QUARTERLY, parse_key, span_containing, spans
from aiplus.programme.validation import ValueProblem, change_warnings, parse_value

D0 = date(2026, 1, 1)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def series(*pairs) -> list[tuple[date, float]]:
    return [(day(n), v) for n, v in pairs]


# --- least squares ------------------------------------------------------------------------


def test_fit_on_an_exact_line_extrapolates_exactly():
    fit = fit_line(series((0, 10), (30, 20), (60, 30)))
    assert fit is not None
    assert fit.points == 3
    assert fit.origin == D0
    assert fit.slope_per_day == pytest.approx(1 / 3, abs=1e-12)
    assert fit.intercept == pytest.approx(10, abs=1e-12)
    assert fit.at(day(90)) == 40
    assert fit.at(day(0)) == pytest.approx(10, abs=1e-12)


def test_fit_ignores_the_order_of_points():
    a = fit_line(series((60, 30), (0, 10), (30, 20)))
    assert a.at(day(90)) == pytest.approx(40, abs=1e-9)


def test_fit_on_a_noisy_series_is_ordinary_least_squares():
    # x = 0,1,2,3; y = 1,3,2,5 → slope Sxy/Sxx = 5.5/5 = 1.1, intercept 2.75 - 1.1*1.5 = 1.1
    fit = fit_line(series((0, 1), (1, 3), (2, 2), (3, 5)))
    assert fit.slope_per_day == pytest.approx(1.1)
    assert fit.intercept == pytest.approx(1.1)
    assert fit.at(day(10)) == pytest.approx(12.1)
    # the residuals of a least-squares line sum to zero
    residuals = [v - fit.at(d) for d, v in series((0, 1), (1, 3), (2, 2), (3, 5))]
    assert sum(residuals) == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize(
    "points", [[], series((0, 10)), series((5, 10), (5, 20))], ids=["none", "one", "same-day"]
)
def test_no_line_through_fewer_than_two_distinct_days(points):
    assert fit_line(points) is None


# --- status -------------------------------------------------------------------------------


DEADLINE, TODAY = day(100), day(50)


def status(points, target, *, deadline=DEADLINE, today=TODAY, **kw):
    return assess(points, target=target, deadline=deadline, today=today, **kw)


@pytest.mark.parametrize("points", [[], series((0, 10))], ids=["none", "one"])
def test_fewer_than_two_points_is_no_data(points):
    result = status(points, 100)
    assert result.status == NO_DATA
    assert result.forecast is None and result.fit is None


def test_a_single_point_that_already_meets_the_target_is_achieved():
    assert status(series((0, 120)), 100).status == ACHIEVED


def test_latest_value_meeting_the_target_is_achieved():
    result = status(series((0, 50), (40, 100)), 100)
    assert result.status == ACHIEVED
    assert result.latest == 100
    assert result.progress == 1


def test_strict_target_is_not_achieved_by_an_equal_value():
    # 超过 100: exactly 100 is not enough; the trend carries it past 100 by the deadline
    result = status(series((0, 50), (40, 100)), 100, strict=True)
    assert result.status != ACHIEVED
    assert result.status == ON_TRACK
    assert status(series((0, 50), (40, 101)), 100, strict=True).status == ACHIEVED


def test_on_track_when_the_forecast_meets_the_target():
    result = status(series((0, 0), (50, 60)), 100)  # 1.2/day → 120 at day 100
    assert result.status == ON_TRACK
    assert result.forecast == pytest.approx(120)


def test_at_risk_when_the_forecast_covers_at_least_ninety_percent_of_the_gap():
    result = status(series((0, 0), (50, 46)), 100)  # → 92 at day 100: 92% of the gap
    assert result.status == AT_RISK
    assert result.forecast == pytest.approx(92)


def test_exactly_ninety_percent_is_at_risk_not_behind():
    assert status(series((0, 0), (50, 45)), 100).status == AT_RISK  # → 90


def test_behind_when_the_forecast_covers_less_than_ninety_percent():
    result = status(series((0, 0), (50, 40)), 100)  # → 80
    assert result.status == BEHIND
    assert result.forecast == pytest.approx(80)


def test_the_gap_is_measured_from_the_first_value_not_from_zero():
    # from 50 to 100: forecast 94 covers 88% of the gap (though 94% of the target)
    assert status(series((0, 50), (50, 72)), 100).status == BEHIND
    # forecast 96 covers 92%
    assert status(series((0, 50), (50, 73)), 100).status == AT_RISK


def test_a_target_met_at_first_and_then_lost_is_behind_not_at_risk():
    # a rate (>20%) that started at 25% and falls: forecast far below the target
    result = status(series((0, 25), (40, 18)), 20, strict=True)
    assert result.forecast < 20 * 0.9
    assert result.status == BEHIND
    # mirrored: at most 5, started at 4, rising
    assert status(series((0, 4), (40, 6)), 5, at_most=True).status == BEHIND


def test_risk_ratio_is_configurable():
    points = series((0, 0), (50, 40))  # → 80
    assert status(points, 100, risk_ratio=0.8).status == AT_RISK
    assert status(points, 100, risk_ratio=0.81).status == BEHIND


def test_deadline_passed_unmet_is_behind_whatever_the_trend():
    points = series((0, 0), (50, 99))  # would forecast far beyond 100 by day 200
    assert status(points, 100, deadline=day(60), today=day(61)).status == BEHIND
    # a single value after the deadline is behind too, not "no data"
    assert status(series((0, 10)), 100, deadline=day(60), today=day(61)).status == BEHIND
    # met by the deadline: still achieved afterwards
    assert status(series((0, 0), (50, 100)), 100, deadline=day(60), today=day(61)).status == (
        ACHIEVED
    )


def test_falling_series_towards_an_at_least_target_is_behind():
    assert status(series((0, 60), (50, 50)), 100).status == BEHIND


@pytest.mark.parametrize(
    ("latest", "expected"),
    [
        (5, ACHIEVED),  # ≤ 5 met
        (7, ON_TRACK),  # 10 → 7 in 50 days: 4 at day 100
        (7.6, AT_RISK),  # → 5.2: 96% of the way from 10 to 5
        (8, BEHIND),  # → 6: 80%
        (11, BEHIND),  # rising
    ],
)
def test_at_most_targets_are_mirrored(latest, expected):
    assert status(series((0, 10), (50, latest)), 5, at_most=True).status == expected


def test_strict_at_most_target_is_not_achieved_by_an_equal_value():
    assert status(series((0, 10), (50, 5)), 5, at_most=True, strict=True).status == ON_TRACK
    assert status(series((0, 10), (50, 4.9)), 5, at_most=True, strict=True).status == ACHIEVED


def test_progress_and_expected_progress():
    result = status(series((0, 20), (50, 60)), 100, start=day(0), today=day(25))
    assert result.progress == pytest.approx(0.5)  # (60-20)/(100-20)
    assert result.expected_progress == pytest.approx(0.25)
    late = status(series((0, 20), (50, 60)), 100, start=day(0), today=day(150))
    assert late.expected_progress == 1.0
    assert status(series((0, 20), (50, 60)), 100).expected_progress is None


@pytest.mark.parametrize(
    ("value", "target", "kw", "expected"),
    [
        (100, 100, {}, True),
        (100, 100, {"strict": True}, False),
        (101, 100, {"strict": True}, True),
        (99, 100, {}, False),
        (5, 5, {"at_most": True}, True),
        (5, 5, {"at_most": True, "strict": True}, False),
        (6, 5, {"at_most": True}, False),
    ],
)
def test_meets(value, target, kw, expected):
    assert meets(value, target, **kw) is expected


def test_method_text_states_the_risk_ratio():
    text = forecast.METHOD.format(risk=0.9)
    assert "最小二乘" in text and "90%" in text


# --- periods ------------------------------------------------------------------------------


def test_monthly_spans_across_a_year_boundary():
    result = spans(MONTHLY, date(2025, 11, 15), date(2026, 2, 10))
    assert [s.key for s in result] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert [s.end for s in result] == [
        date(2025, 11, 30),
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
    ]
    assert result[0].start == date(2025, 11, 1)
    assert [s.label for s in result[1:3]] == ["2025年12月", "2026年1月"]


def test_quarterly_spans_across_a_year_boundary():
    result = spans(QUARTERLY, date(2025, 11, 1), date(2026, 4, 1))
    assert [s.key for s in result] == ["2025Q4", "2026Q1", "2026Q2"]
    assert [(s.start, s.end) for s in result] == [
        (date(2025, 10, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
    ]
    assert [s.label for s in result] == ["2025年第4季度", "2026年第1季度", "2026年第2季度"]


def test_the_programme_has_24_months_and_8_quarters():
    assert len(spans(MONTHLY, date(2025, 1, 1), date(2026, 12, 31))) == 24
    assert len(spans(QUARTERLY, date(2025, 1, 1), date(2026, 12, 31))) == 8


def test_span_keys_and_labels():
    month = span_containing(MONTHLY, date(2026, 3, 17))
    assert (month.key, month.label) == ("2026-03", "2026年3月")
    assert (month.start, month.end) == (date(2026, 3, 1), date(2026, 3, 31))
    quarter = span_containing(QUARTERLY, date(2026, 3, 17))
    assert (quarter.key, quarter.label) == ("2026Q1", "2026年第1季度")
    assert (quarter.start, quarter.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert span_containing(MONTHLY, date(2028, 2, 3)).end == date(2028, 2, 29)
    assert span_containing(QUARTERLY, date(2026, 12, 31)).key == "2026Q4"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026-03", "2026-03"),
        ("2026-3", "2026-03"),
        ("2026/03", "2026-03"),
        ("2026.3", "2026-03"),
        ("2026年3月", "2026-03"),
        ("2026年12月", "2026-12"),
        (" 2026年3月 ", "2026-03"),
        ("2026Q1", "2026Q1"),
        ("2026q4", "2026Q4"),
        ("2026 Q2", "2026Q2"),
        ("2026年第一季度", "2026Q1"),
        ("2026年第四季度", "2026Q4"),
        ("2026年第1季度", "2026Q1"),
        ("2026第三季度", "2026Q3"),
    ],
)
def test_parse_key_variants(text, key):
    span = parse_key(text)
    assert span is not None and span.key == key
    assert span.frequency == (QUARTERLY if "Q" in key else MONTHLY)


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "2026-00",
        "2026年13月",
        "2026Q5",
        "2026Q0",
        "2026年第五季度",
        "abc",
        "",
        None,
        "2026",
        "26-03",
    ],
)
def test_parse_key_refuses_what_is_not_a_period(text):
    assert parse_key(text) is None


def test_parse_key_round_trips_every_span():
    for s in spans(MONTHLY, date(2025, 1, 1), date(2026, 12, 31)) + spans(
        QUARTERLY, date(2025, 1, 1), date(2026, 12, 31)
    ):
        assert parse_key(s.key) == s
        assert parse_key(s.label) == s


# --- reported values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("3200", "家", "3200"),
        ("3,200", "家", "3200"),
        ("３２００", "家", "3200"),
        ("３，２００", "家", "3200"),
        ("3200家", "家", "3200"),
        ("3200 家", "家", "3200"),
        ("12.5%", "%", "12.5"),
        ("12.5％", "%", "12.5"),
        ("-3.5", "%", "-3.5"),
        ("17000PFLOPS", "PFLOPS", "17000"),
        (3200, "家", "3200"),
        (Decimal("12.34567"), "%", "12.3457"),
    ],
)
def test_parse_value_accepts_numbers_in_the_unit(text, unit, expected):
    assert parse_value(text, unit) == Decimal(expected)


def test_parse_value_refuses_another_unit_naming_the_right_one():
    with pytest.raises(ValueProblem) as exc:
        parse_value("3200个", "家")
    assert "家" in str(exc.value) and "个" in str(exc.value)
    with pytest.raises(ValueProblem, match="亿元"):
        parse_value("30万元", "亿元")


@pytest.mark.parametrize("text", ["abc", "三千二百", "3.2.1", "1e5", "家3200"])
def test_parse_value_refuses_text(text):
    with pytest.raises(ValueProblem):
        parse_value(text, "家")


@pytest.mark.parametrize("text", ["", "   ", None])
def test_parse_value_refuses_nothing(text):
    with pytest.raises(ValueProblem, match="请填写数值"):
        parse_value(text, "家")


def test_parse_value_refuses_absurd_magnitudes():
    with pytest.raises(ValueProblem, match="过大"):
        parse_value("1000000000000000", "家")
    with pytest.raises(ValueProblem):
        parse_value(float("nan"), "家")


def warn(value, previous, *, band="0.5", cumulative=True):
    return change_warnings(
        Decimal(value),
        None if previous is None else Decimal(previous),
        band=Decimal(band),
        cumulative=cumulative,
        unit="家",
    )


def test_no_warning_without_a_previous_value():
    assert warn("100", None) == []


def test_cumulative_value_going_backwards_needs_an_explanation():
    warnings = warn("90", "100")
    assert len(warnings) == 1
    assert "减少" in warnings[0] and "100家" in warnings[0]


def test_level_value_going_down_within_the_band_is_fine():
    assert warn("90", "100", cumulative=False) == []


def test_jump_beyond_the_band_needs_an_explanation():
    warnings = warn("160", "100")
    assert len(warnings) == 1
    assert "60%" in warnings[0] and "50%" in warnings[0]
    assert len(warn("40", "100", cumulative=False)) == 1  # a fall beyond the band too
    assert len(warn("40", "100")) == 2  # backwards and beyond the band


@pytest.mark.parametrize("value", ["100", "120", "150", "101"])
def test_no_warning_within_the_band(value):
    assert warn(value, "100") == []


def test_band_is_the_indicators_own():
    assert len(warn("130", "100", band="0.2")) == 1
    assert warn("130", "100", band="0.3") == []


def test_from_zero_there_is_no_jump_to_measure():
    assert warn("500", "0") == []
