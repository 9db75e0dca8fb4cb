"""The solver on a generated benchmark instance, and the `compute-bench` command end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from aiplus.compute.allocation import load_instance, solve
from aiplus.compute.allocation.checker import check_folder

from .allocation_helpers import app, offer, write_folder

# the shared volume beside the checkout (absent in a bare clone: those tests skip)
MAKE_INSTANCE = (
    Path(__file__).resolve().parents[3] / "shared" / "bench" / "compute" / "make_instance.py"
)
RESULT_KEYS = {
    "method",
    "seconds",
    "served_card_hours",
    "cost_yuan",
    "voucher_yuan",
    "upper_bound_card_hours",
    "gap",
    "assignments",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """300 applications × 12 offers from the shared generator (not in a CI clone)."""
    if not MAKE_INSTANCE.is_file():
        pytest.skip(f"{MAKE_INSTANCE} is not here (only on the project's shared volume)")
    out = tmp_path_factory.mktemp("generated")
    subprocess.run(
        [
            sys.executable,
            str(MAKE_INSTANCE),
            "--apps",
            "300",
            "--offers",
            "12",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture
def small_folder(tmp_path) -> Path:
    offers = [offer("O1", cards=8), offer("O2", gpu_model="A800", cards=16)]
    apps = [
        app("A1", cards=8, hours=96),
        app("A2", cards=8, hours=96, accepted_models="H20|A800"),
        app("A3", cards=4, hours=24, voucher_eligible=0),
        app("A4", cards=32, hours=24),  # more cards than any offer: never served
    ]
    return write_folder(tmp_path / "instance", offers, apps)


def test_solver_on_a_generated_instance_is_feasible_and_bounded(generated):
    problem = load_instance(generated)
    heuristic = solve(problem, "heuristic", time_limit=5)
    milp = solve(problem, "milp", time_limit=5)
    for result in (heuristic, milp):
        row = result.to_dict()
        report = check_folder(generated, row["assignments"], claimed=row)
        assert report.ok, report.violations[:5]
        assert result.upper_bound_card_hours >= result.served_card_hours > 0
    assert milp.served_card_hours >= heuristic.served_card_hours


def test_command_writes_every_method_with_the_required_keys(small_folder, tmp_path):
    out = tmp_path / "result.json"
    call_command(
        "compute_bench", "--instance", str(small_folder), "--out", str(out), "--time-limit", "2"
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["instance"]["applications"] == 4
    assert [r["method"] for r in data["results"]] == ["milp", "heuristic"]
    for result in data["results"]:
        assert RESULT_KEYS <= set(result)
        assert result["check"] == {"ok": True, "violations": []}
        assert result["served_card_hours"] == 8 * 96 * 2 + 4 * 24
        assert result["gap"] == 0
        assert {a["app_id"] for a in result["assignments"]} == {"A1", "A2", "A3"}
        assert {"app_id", "offer_id", "start_day", "voucher_yuan"} <= set(result["assignments"][0])


def test_command_runs_only_the_methods_asked_for(small_folder, tmp_path):
    out = tmp_path / "result.json"
    call_command(
        "compute_bench",
        "--instance",
        str(small_folder),
        "--out",
        str(out),
        "--methods",
        "heuristic",
    )
    assert [r["method"] for r in json.loads(out.read_text())["results"]] == ["heuristic"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--methods", "simplex"], "未知的方法"),
        (["--time-limit", "0"], "time-limit"),
    ],
)
def test_command_refuses_bad_options(small_folder, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "compute_bench",
            "--instance",
            str(small_folder),
            "--out",
            str(tmp_path / "r.json"),
            *args,
        )


def test_command_names_the_bad_row_and_exits_non_zero_without_traceback(small_folder, tmp_path):
    path = small_folder / "offers.csv"
    path.write_text(path.read_text().replace(",8,", ",eight,", 1), encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "aiplus.cli",
            "compute-bench",
            "--instance",
            str(small_folder),
            "--out",
            str(tmp_path / "r.json"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "aiplus.settings"},
    )
    assert out.returncode != 0
    assert "offers.csv 第 2 行" in out.stderr and "cards" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "r.json").exists()
