"""Shared fixtures for the pure matching-engine tests (no database)."""

import pytest

from aiplus.matching import MatchEngine

SOLUTIONS = [
    {
        "id": "s-vision",
        "title": "机器视觉表面缺陷检测系统",
        "text": "基于深度学习的工业视觉缺陷检测，适用于电子、纺织产线，识别划痕、污点与缺损。",
        "sector": "manufacturing",
        "tags": ["机器视觉", "缺陷检测"],
        "price_from": 300_000,
        "supplier": {"area": "sip", "case_sectors": ["manufacturing"], "filings": 1},
    },
    {
        "id": "s-vision-b",
        "title": "视觉质检一体机",
        "text": "工业相机加深度学习的视觉质检设备，检测产品表面缺陷，支持产线快速部署。",
        "sector": "logistics",
        "tags": ["图像识别"],
        "price_from": 2_000_000,
    },
    {
        "id": "s-elderly",
        "title": "智慧养老陪护机器人",
        "text": "具身智能养老陪护机器人，跌倒检测、健康监测与语音陪伴。",
        "sector": "elderly",
        "tags": ["具身智能", "服务机器人"],
        "price_from": 900_000,
    },
    {
        "id": "s-pdm",
        "title": "设备预测性维护平台",
        "text": "采集设备振动与温度数据，故障诊断与预测性维护，降低非计划停机。",
        "sector": "manufacturing",
        "tags": ["预测性维护", "故障诊断"],
        "price_from": 500_000,
    },
    {
        "id": "s-drone",
        "title": "低空无人机巡检服务",
        "text": "低空经济场景下的无人机电力巡检与河道巡查，自动识别异常。",
        "sector": "energy",
        "tags": ["无人机", "低空经济"],
        "price_from": 400_000,
    },
]

DEMAND = {
    "id": "d-1",
    "title": "PCB 产线表面缺陷检测",
    "text": "需要用机器视觉替代人工目检，检测 PCB 板表面划痕与缺损，要求漏检率低于千分之一。",
    "sector": "manufacturing",
    "area": "sip",
    "tags": ["机器视觉", "缺陷检测"],
    "budget_min": 200_000,
    "budget_max": 600_000,
}


@pytest.fixture
def engine() -> MatchEngine:
    eng = MatchEngine(None)
    eng.add_solutions(SOLUTIONS)
    return eng
