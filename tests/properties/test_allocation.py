"""Properties of compute allocation (`compute.allocation`): random small instances — zero and
huge quantities, nothing that fits, vouchers without money — are solved into a plan that the
independent checker accepts, with the figures it recomputes (money in Decimal, to the fen);
the same instance gives the same plan; bad rows are refused with an `InstanceError` naming
the row and column, never another exception; and bad application or offer forms are refused
by the services, which then write nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from aiplus.compute import services
from aiplus.compute.allocation import Instance, InstanceError, solve
from aiplus.compute.allocation.checker import check
from aiplus.compute.allocation.problem import ENTERPRISE_KINDS
from aiplus.compute.models import Application, DataCentre, Offer
from aiplus.core.errors import ServiceError
from aiplus.core.models import AuditEntry

from .support import GARBAGE, counts, fast, rolled_back

MODELS = ["H20", "A800"]
MONEY = st.one_of(
    st.decimals(min_value=0, max_value=50, places=2),
    st.sampled_from([Decimal(0), Decimal("0.01"), Decimal("99999999.99")]),
)
# mostly a few cards, sometimes far more than any offer has
QUANTITY = st.one_of(st.integers(1, 8), st.integers(1, 8), st.sampled_from([10**6, 10**9]))


@st.composite
def offers(draw, n: int):
    rows = []
    for i in range(n):
        start = draw(st.integers(0, 5))
        rows.append(
            {
                "offer_id": f"O{i}",
                "provider": draw(st.sampled_from(["P1", "P2"])),
                "area": "sip",
                "gpu_model": draw(st.sampled_from(MODELS)),
                "cards": draw(QUANTITY),
                "price_per_card_hour": draw(MONEY),
                "available_from_day": start,
                "available_to_day": start + draw(st.integers(0, 30)),
            }
        )
    return rows


@st.composite
def applications(draw, n: int):
    rows = []
    for i in range(n):
        earliest = draw(st.integers(0, 5))
        rows.append(
            {
                "app_id": f"A{i}",
                "enterprise": draw(st.sampled_from(["E1", "E2", "E3"])),
                "area": "gusu",
                "accepted_models": "|".join(
                    draw(st.lists(st.sampled_from(MODELS), min_size=1, max_size=3, unique=True))
                ),
                "cards": draw(QUANTITY),
                "hours": draw(st.one_of(st.integers(1, 72), st.sampled_from([1, 24, 25, 240]))),
                "earliest_day": earliest,
                "latest_end_day": earliest + draw(st.one_of(st.integers(0, 20), st.just(20))),
                "max_price_per_card_hour": draw(
                    st.one_of(MONEY, st.just(Decimal(10**6)), st.just(Decimal(99)))
                ),
                "voucher_eligible": draw(st.sampled_from([0, 1, 1, "1", "是"])),
                "enterprise_kind": draw(st.sampled_from(ENTERPRISE_KINDS)),
            }
        )
    return rows


PROGRAMMES = st.one_of(
    st.none(),
    st.just(
        {
            "pool_yuan": Decimal(10**6),
            "ratio": Decimal("0.3"),
            "cap_per_enterprise_yuan": Decimal(500),
            "opc_ratio": Decimal(1),
            "opc_cap_per_enterprise_yuan": Decimal(100),
        }
    ),
    st.fixed_dictionaries(
        {
            "pool_yuan": st.one_of(MONEY, st.sampled_from([Decimal(0), Decimal(10**12)])),
            "ratio": st.sampled_from([Decimal(0), Decimal("0.3"), Decimal("0.333"), Decimal(1)]),
            "cap_per_enterprise_yuan": MONEY,
            "opc_ratio": st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1)]),
            "opc_cap_per_enterprise_yuan": MONEY,
        }
    ),
)


@st.composite
def instances(draw, max_offers: int = 3, max_apps: int = 6, least: int = 0):
    offer_rows = draw(offers(draw(st.integers(least, max_offers))))
    app_rows = draw(applications(draw(st.integers(least, max_apps))))
    return Instance.from_rows(offer_rows, app_rows, draw(PROGRAMMES))


def _plan(result):
    return [
        (a.app_id, a.offer_id, a.start_day, a.cost_yuan, a.voucher_yuan) for a in result.assignments
    ]


def check_result(instance, result):
    """The independent checker accepts the plan and recomputes the same figures."""
    offer_rows, app_rows, programme = instance.to_rows()
    rows = [
        {
            "app_id": a.app_id,
            "offer_id": a.offer_id,
            "start_day": a.start_day,
            "voucher_yuan": a.voucher_yuan,
        }
        for a in result.assignments
    ]
    claimed = {
        "served_card_hours": result.served_card_hours,
        "cost_yuan": result.cost_yuan,
        "voucher_yuan": result.voucher_yuan,
    }
    report = check(offer_rows, app_rows, programme, rows, claimed)
    assert report.ok, report.violations
    assert report.served_applications == result.served_applications == len(rows)
    for amount in (result.cost_yuan, result.voucher_yuan):
        assert isinstance(amount, Decimal) and amount == amount.quantize(Decimal("0.01"))
    assert result.voucher_yuan == sum((a.voucher_yuan for a in result.assignments), Decimal(0))
    assert result.voucher_yuan <= instance.programme.pool_yuan
    assert result.voucher_yuan <= result.cost_yuan or result.cost_yuan == 0
    if result.upper_bound_card_hours is not None:
        assert result.upper_bound_card_hours >= result.served_card_hours
    if not instance.offers or not instance.applications:
        assert result.assignments == [] and result.served_card_hours == 0


@fast(60)
@given(instance=instances())
def test_the_greedy_plan_is_feasible_and_deterministic(instance):
    result = solve(instance, method="heuristic", bound=False)
    event("served some" if result.assignments else "served none")
    event("vouchers paid" if result.voucher_yuan else "no vouchers")
    check_result(instance, result)
    assert _plan(solve(instance, method="heuristic", bound=False)) == _plan(result)


@fast(12)
@given(instance=instances(max_offers=2, max_apps=4, least=1))
def test_the_milp_plan_is_feasible_and_at_least_the_greedy_one(instance):
    greedy = solve(instance, method="heuristic", bound=False)
    result = solve(instance, method="milp", time_limit=0.3)
    event("served some" if result.assignments else "served none")
    check_result(instance, result)
    assert result.served_card_hours >= greedy.served_card_hours


# --- bad rows ------------------------------------------------------------------------------


@st.composite
def damaged_rows(draw):
    offer_rows = draw(offers(draw(st.integers(0, 2))))
    app_rows = draw(applications(draw(st.integers(0, 3))))
    programme = draw(PROGRAMMES)
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(["offer", "app", "programme", "row"]))
        dicts = [r for r in (offer_rows if target == "offer" else app_rows) if isinstance(r, dict)]
        if target in ("offer", "app") and dicts:
            row = draw(st.sampled_from(dicts))
            row[draw(st.sampled_from(sorted(row, key=str)))] = draw(GARBAGE)
        elif target == "programme" and programme is not None:
            programme = dict(programme)
            key = draw(st.sampled_from(sorted(programme)))
            if draw(st.booleans()):
                programme[key] = draw(GARBAGE)
            else:
                del programme[key]
        elif target == "row":
            rows = draw(st.sampled_from([offer_rows, app_rows]))
            rows.append(draw(st.one_of(GARBAGE, st.dictionaries(st.text(max_size=5), GARBAGE))))
    return offer_rows, app_rows, programme


@fast(120)
@given(rows=damaged_rows())
def test_bad_rows_are_refused_with_an_instance_error_or_solved(rows):
    offer_rows, app_rows, programme = rows
    try:
        instance = Instance.from_rows(offer_rows, app_rows, programme)
    except InstanceError as exc:
        assert "行" in str(exc) or "字段" in str(exc) or "programme" in str(exc)
        return
    check_result(instance, solve(instance, method="heuristic", bound=False))


# --- the services' forms -------------------------------------------------------------------


FORM_VALUE = st.one_of(
    GARBAGE.map(lambda v: "" if v is None else str(v)),
    st.sampled_from(["0", "-1", "100001", "1e9", "NaN", "Infinity", "2026-02-30", "H800"]),
    st.integers(-(10**12), 10**12).map(str),
)


@fast(40)
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            name: FORM_VALUE
            for name in (
                "accepted_models",
                "cards",
                "hours",
                "earliest_start",
                "latest_end",
                "max_price",
                "purpose",
                "programme",
            )
        },
    )
)
@pytest.mark.django_db
def test_a_bad_application_is_refused_and_nothing_is_written(demander, data):
    with rolled_back():
        before = counts(Application, AuditEntry)
        try:
            app = services.submit_application(actor=demander, data=data)
        except ServiceError as exc:
            assert exc.message and all(isinstance(v, str) for v in exc.errors.values())
            assert counts(Application, AuditEntry) == before
            return
        assert 1 <= app.cards <= 100_000 and 1 <= app.hours <= 24 * 366
        assert app.latest_end > app.earliest_start


@fast(40)
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            name: FORM_VALUE
            for name in ("gpu_model", "cards", "price", "available_from", "available_to", "note")
        },
    )
)
@pytest.mark.django_db
def test_a_bad_offer_is_refused_and_nothing_is_written(provider, data):
    with rolled_back():
        centre = DataCentre.objects.create(provider=provider.organisation, name="测试智算中心")
        before = counts(Offer, AuditEntry)
        try:
            offer = services.save_offer(actor=provider, centre=centre, data=data)
        except ServiceError as exc:
            assert exc.message and all(isinstance(v, str) for v in exc.errors.values())
            assert counts(Offer, AuditEntry) == before
            return
        assert offer.price > 0 and 1 <= offer.cards <= 100_000
        assert offer.available_to > offer.available_from
        assert isinstance(offer.available_from, dt.date)


@fast(25)
@given(
    horizon=st.one_of(st.integers(-5, 0), st.integers(367, 10**6)),
    method=st.sampled_from(["milp", "heuristic", "", "MILP", "greedy"]),
    time_limit=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).filter(lambda t: not 1 <= t <= 600),
        st.just(5.0),
    ),
)
@pytest.mark.django_db
def test_a_run_with_bad_settings_is_refused_and_nothing_is_written(
    office, horizon, method, time_limit
):
    from aiplus.compute import allocate
    from aiplus.compute.models import AllocationRun

    with rolled_back():
        before = counts(AllocationRun, AuditEntry)
        with pytest.raises(ServiceError) as caught:
            allocate.propose(
                actor=office,
                programme=None,
                start=dt.date(2026, 3, 2),
                horizon=horizon,
                method=method,
                time_limit=time_limit,
            )
        assert caught.value.message
        assert counts(AllocationRun, AuditEntry) == before
