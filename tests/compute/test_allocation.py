"""The allocation solver: rules, small instances with a known optimum, bound, vouchers."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from decimal import Decimal

import pytest

from aiplus.compute.allocation import InstanceError, load_instance, solve
from aiplus.compute.allocation.bound import lp_bound
from aiplus.compute.allocation.candidates import build_candidates
from aiplus.compute.allocation.checker import check

from .allocation_helpers import app, instance, offer, write_folder

FAST = 3.0  # seconds: ample for instances of a handful of jobs


def served(result) -> dict[str, tuple[str, int]]:
    return {a.app_id: (a.offer_id, a.start_day) for a in result.assignments}


def assert_feasible(inst, result) -> None:
    offers, apps, programme = inst.to_rows()
    rows = result.to_dict()
    report = check(offers, apps, programme, rows["assignments"], claimed=rows)
    assert report.ok, report.violations


def test_importing_the_solver_does_not_import_django():
    code = (
        "import sys, aiplus.compute.allocation, aiplus.compute.allocation.checker, "
        "aiplus.compute.allocation.milp; print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("method", ["heuristic", "milp"])
def test_two_jobs_competing_for_one_offer_the_bigger_wins(method):
    # Both need days 1–4 of an 8-card offer; together they would need 12 cards.
    inst = instance(
        [offer(cards=8)],
        [
            app("BIG", cards=8, hours=96, earliest_day=1, latest_end_day=5),
            app("SMALL", cards=4, hours=96, earliest_day=1, latest_end_day=5),
        ],
    )
    result = solve(inst, method, time_limit=FAST)
    assert served(result) == {"BIG": ("O1", 1)}
    assert result.served_card_hours == 8 * 96
    assert result.upper_bound_card_hours == 8 * 96  # the LP cannot squeeze in half of SMALL
    assert result.gap == 0
    assert_feasible(inst, result)


@pytest.mark.parametrize("method", ["heuristic", "milp"])
def test_jobs_take_turns_when_their_windows_allow(method):
    # 8 cards for 4 days each, in a 10-day window: one after the other fits.
    inst = instance(
        [offer(cards=8)],
        [app(f"A{i}", cards=8, hours=96, earliest_day=0, latest_end_day=10) for i in range(3)],
    )
    result = solve(inst, method, time_limit=FAST)
    assert len(result.assignments) == 2
    first, second = sorted(start for _, start in served(result).values())
    assert second >= first + 4  # one after the other
    assert result.upper_bound_card_hours == 2 * 8 * 96  # 80 card-days hold two runs of 32
    assert_feasible(inst, result)


def test_incompatible_model_is_never_served():
    inst = instance([offer(gpu_model="A800")], [app(accepted_models="H20|H800")])
    result = solve(inst, "milp", time_limit=FAST)
    assert result.assignments == []
    assert result.upper_bound_card_hours == 0


def test_one_of_several_accepted_models_is_enough():
    inst = instance([offer(gpu_model="A800")], [app(accepted_models="H20|A800")])
    assert served(solve(inst, "heuristic")) == {"A1": ("O1", 0)}


def test_price_above_the_maximum_is_refused_and_equal_price_accepted():
    inst = instance(
        [offer("DEAR", price_per_card_hour="9.01"), offer("EXACT", price_per_card_hour="9.00")],
        [app(max_price_per_card_hour="9.00")],
    )
    assert served(solve(inst, "milp", time_limit=FAST)) == {"A1": ("EXACT", 0)}


def test_cheapest_offer_is_chosen_among_equals():
    inst = instance(
        [offer("DEAR", price_per_card_hour="8.00"), offer("CHEAP", price_per_card_hour="6.00")],
        [app(cards=4, hours=48)],
    )
    result = solve(inst, "milp", time_limit=FAST)
    assert served(result) == {"A1": ("CHEAP", 0)}
    assert result.cost_yuan == Decimal("1152.00")  # 4 cards × 48 h × 6.00


def test_window_too_short_for_the_job_is_refused():
    # 72 hours = 3 days: start 0, end 3 needs latest_end_day >= 3.
    short = instance([offer()], [app(hours=72, earliest_day=0, latest_end_day=2)])
    exact = instance([offer()], [app(hours=72, earliest_day=0, latest_end_day=3)])
    assert solve(short, "heuristic").assignments == []
    assert served(solve(exact, "heuristic")) == {"A1": ("O1", 0)}


def test_started_day_counts_as_a_whole_day():
    # 25 hours hold the cards 2 days: an offer open 1 day cannot take it.
    inst = instance([offer(available_to_day=1)], [app(hours=25, latest_end_day=5)])
    assert solve(inst, "heuristic").assignments == []
    inst = instance([offer(available_to_day=2)], [app(hours=25, latest_end_day=5)])
    result = solve(inst, "heuristic")
    assert served(result) == {"A1": ("O1", 0)}
    assert result.served_card_hours == 4 * 25


def test_offer_that_opens_later_shifts_the_start():
    inst = instance(
        [offer(available_from_day=15, available_to_day=30)],
        [app(hours=72, earliest_day=5, latest_end_day=25)],
    )
    result = solve(inst, "milp", time_limit=FAST)
    assert served(result) == {"A1": ("O1", 15)}
    assert_feasible(inst, result)


def test_more_cards_than_the_offer_has_is_refused():
    inst = instance([offer(cards=8)], [app(cards=16)])
    assert solve(inst, "heuristic").assignments == []


def test_empty_instance_solves_to_nothing():
    result = solve(instance([], []), "milp", time_limit=FAST)
    assert result.assignments == [] and result.served_card_hours == 0
    assert result.gap == 0


def small_random_instance(rng: random.Random):
    offers = [
        offer(
            f"O{i}",
            gpu_model=rng.choice(["H20", "A800"]),
            cards=rng.choice([4, 8]),
            price_per_card_hour=f"{rng.uniform(4, 8):.2f}",
            available_from_day=rng.choice([0, 2]),
            available_to_day=8,
        )
        for i in range(2)
    ]
    apps = [
        app(
            f"A{j}",
            accepted_models=rng.choice(["H20", "A800", "H20|A800"]),
            cards=rng.choice([2, 4, 6, 8]),
            hours=rng.choice([24, 48, 60, 96]),
            earliest_day=rng.randint(0, 3),
            latest_end_day=rng.randint(4, 8),
            max_price_per_card_hour=f"{rng.uniform(5, 9):.2f}",
        )
        for j in range(5)
    ]
    return instance(offers, apps)


def brute_force_optimum(inst) -> int:
    """Card-hours of the best allocation, by trying every combination of slots."""
    c = build_candidates(inst)
    options = []
    for a in range(c.n_apps):
        slots = [None] + [
            (int(c.pair_offer[p]), s)
            for p in c.pairs_of(a)
            for s in range(int(c.pair_lo[p]), int(c.pair_hi[p]) + 1)
        ]
        options.append(slots)
    best = 0
    for combo in itertools.product(*options):
        use: dict[tuple[int, int], int] = {}
        ok, value = True, 0
        for a, slot in enumerate(combo):
            if slot is None:
                continue
            o, s = slot
            for t in range(s, s + int(c.app_days[a])):
                use[(o, t)] = use.get((o, t), 0) + int(c.app_cards[a])
                ok &= use[(o, t)] <= int(c.offer_cards[o])
            value += int(c.app_value[a])
        if ok:
            best = max(best, value)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_milp_finds_the_brute_force_optimum_and_the_bound_is_above_it(seed):
    inst = small_random_instance(random.Random(seed))
    optimum = brute_force_optimum(inst)
    result = solve(inst, "milp", time_limit=FAST)
    heuristic = solve(inst, "heuristic")
    assert result.served_card_hours == optimum
    assert heuristic.served_card_hours <= optimum
    assert result.upper_bound_card_hours >= optimum
    assert_feasible(inst, result)
    assert_feasible(inst, heuristic)


def test_bound_is_valid_when_stopped_early():
    inst = small_random_instance(random.Random(11))
    bound = lp_bound(build_candidates(inst), time_limit=0.0)
    assert bound.bound >= brute_force_optimum(inst)


def test_load_instance_names_file_row_and_column_of_a_bad_value(tmp_path):
    write_folder(tmp_path, [offer()], [app("A1"), app("A2", cards="four")])
    with pytest.raises(InstanceError) as err:
        load_instance(tmp_path)
    message = str(err.value)
    assert "applications.csv" in message and "第 3 行" in message and "cards" in message


def test_load_instance_reports_a_missing_column(tmp_path):
    write_folder(tmp_path, [offer()], [app()])
    path = tmp_path / "offers.csv"
    path.write_text(path.read_text().replace("gpu_model", "model"), encoding="utf-8")
    with pytest.raises(InstanceError, match="offers.csv：缺少列 gpu_model"):
        load_instance(tmp_path)


@pytest.mark.parametrize(
    "row, column",
    [
        (app(enterprise_kind="startup"), "enterprise_kind"),
        (app(voucher_eligible="maybe"), "voucher_eligible"),
        (app(hours=0), "hours"),
        (app(accepted_models=" | "), "accepted_models"),
        (app(max_price_per_card_hour="-1"), "max_price_per_card_hour"),
        (app(earliest_day=5, latest_end_day=4), "latest_end_day"),
    ],
)
def test_from_rows_refuses_bad_application_values(row, column):
    with pytest.raises(InstanceError, match=column):
        instance([offer()], [row])


def test_duplicate_ids_are_refused():
    with pytest.raises(InstanceError, match="重复"):
        instance([offer("O1"), offer("O1")], [app()])


def test_missing_programme_field_is_refused(tmp_path):
    write_folder(tmp_path, [offer()], [app()], programme={"pool_yuan": 10})
    with pytest.raises(InstanceError, match="programme.json：缺少字段"):
        load_instance(tmp_path)


def test_parallel_searches_keep_the_best_and_stay_feasible():
    inst = small_random_instance(random.Random(4))
    result = solve(inst, "milp", time_limit=FAST, workers=2)
    assert result.served_card_hours == brute_force_optimum(inst)
    assert_feasible(inst, result)
