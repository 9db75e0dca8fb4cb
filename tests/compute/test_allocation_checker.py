"""The independent checker catches every kind of violation planted in a feasible result."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import aiplus.compute.allocation.checker as checker_module
from aiplus.compute.allocation.checker import check, check_folder

from .allocation_helpers import PROGRAMME, app, offer, write_folder

OFFERS = [
    offer("O1", gpu_model="H20", cards=8, price_per_card_hour="5.00"),
    offer("O2", gpu_model="A800", cards=8, price_per_card_hour="8.00", available_from_day=5),
]
APPS = [
    app("A1", enterprise="E1", cards=4, hours=48, earliest_day=0, latest_end_day=10),
    app("A2", enterprise="E1", cards=4, hours=48, earliest_day=0, latest_end_day=10),
    app("A3", enterprise="E2", accepted_models="A800", voucher_eligible=0, latest_end_day=10),
    app("A4", enterprise="E3", enterprise_kind="opc", cards=2, hours=24),
]
GOOD = [
    {"app_id": "A1", "offer_id": "O1", "start_day": 0, "voucher_yuan": 288},
    {"app_id": "A2", "offer_id": "O1", "start_day": 1, "voucher_yuan": "288.00"},
    {"app_id": "A3", "offer_id": "O2", "start_day": 5, "voucher_yuan": 0},
    {"app_id": "A4", "offer_id": "O1", "start_day": 5, "voucher_yuan": 240},
]


def run(assignments, programme=None, claimed=None):
    return check(OFFERS, APPS, programme or PROGRAMME, assignments, claimed)


def changed(index: int, **kw) -> list[dict]:
    rows = [dict(r) for r in GOOD]
    rows[index].update(kw)
    return rows


def test_a_feasible_allocation_passes_and_totals_are_recomputed():
    report = run(GOOD)
    assert report.ok, report.violations
    assert report.served_applications == 4
    assert report.served_card_hours == 4 * 48 * 2 + 4 * 48 + 2 * 24
    assert str(report.cost_yuan) == "3696.00"  # 960 + 960 + 1,536 (A800 at 8.00) + 240
    assert str(report.voucher_yuan) == "816.00"


@pytest.mark.parametrize(
    "rows, expected",
    [
        (changed(0, app_id="NOPE"), "不存在"),
        (changed(0, offer_id="NOPE"), "不存在"),
        ([*GOOD, dict(GOOD[0])], "重复分配"),
        (changed(2, offer_id="O1", start_day=6), "GPU 型号"),
        (changed(3, start_day=10), "时间窗"),
        (changed(2, start_day=3), "可用期"),
        (changed(3, start_day=1), "占用超过"),
        (changed(0, voucher_yuan=289), "补贴比例"),
        (changed(2, voucher_yuan=1), "不符合算力券条件"),
        (changed(0, voucher_yuan="10.005"), "不是整分"),
        (changed(0, voucher_yuan=-1), "为负"),
        (changed(0, voucher_yuan="lots"), "无法解析"),
    ],
)
def test_each_planted_violation_is_reported(rows, expected):
    report = run(rows)
    assert not report.ok
    assert any(expected in v for v in report.violations), report.violations


def test_price_above_the_maximum_is_reported():
    apps = [dict(APPS[0], max_price_per_card_hour="4.99")]
    report = check(OFFERS, apps, PROGRAMME, [GOOD[0]])
    assert any("高于申请上限" in v for v in report.violations)


def test_cards_beyond_the_offer_are_reported():
    apps = [dict(APPS[0], cards=16)]
    report = check(OFFERS, apps, PROGRAMME, [dict(GOOD[0], voucher_yuan=0)])
    assert any("资源仅有 8 卡" in v for v in report.violations)
    assert any("占用超过" in v for v in report.violations)


def test_enterprise_cap_and_pool_are_reported():
    capped = run(GOOD, programme={**PROGRAMME, "cap_per_enterprise_yuan": 500})
    assert any("企业 E1" in v and "上限 500" in v for v in capped.violations)
    pooled = run(GOOD, programme={**PROGRAMME, "pool_yuan": 800})
    assert any("资金池" in v for v in pooled.violations)


def test_opc_cap_and_the_higher_cap_for_mixed_enterprises_are_reported():
    apps = [*APPS[:3], dict(APPS[3], enterprise="E1")]  # E1 now has standard and opc jobs
    programme = {**PROGRAMME, "cap_per_enterprise_yuan": 600, "opc_cap_per_enterprise_yuan": 200}
    report = check(OFFERS, apps, programme, GOOD)
    assert any("OPC 社区企业" in v for v in report.violations)  # 240 > 200
    assert any("就高上限 600" in v for v in report.violations)  # 576 + 240 > 600


def test_claimed_totals_that_differ_are_reported():
    report = run(GOOD, claimed={"served_card_hours": 1, "cost_yuan": 1, "voucher_yuan": 816})
    assert len(report.violations) == 2


def test_check_folder_reads_the_raw_files(tmp_path):
    folder = write_folder(tmp_path, OFFERS, APPS)
    assert check_folder(folder, GOOD).ok
    assert not check_folder(folder, changed(3, start_day=1)).ok


def test_checker_imports_nothing_from_the_solver():
    tree = ast.parse(Path(checker_module.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(("." * node.level) + (node.module or ""))
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert not any(name.startswith(".") or "allocation" in name for name in imported), imported
