"""What the fault tests (tests/test_faults.py) run in a separate process, against the on-disk
database named by DATABASE_URL (never the test database):

    python -m tests.faults.ops prepare DIR          migrate, load the city pack, create the
                                                    users and data, write the import files and
                                                    DIR/data.json
    python -m tests.faults.ops programme-import FILE   a district officer imports values
    python -m tests.faults.ops approve RUN_ID       the office approves an allocation run

The demand and catalogue imports have a command of their own (`aiplus import-demands`,
`aiplus import-catalogue`), which the tests run as they are. Each operation prints one JSON
line with what it did.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiplus.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from openpyxl import Workbook  # noqa: E402

TODAY = dt.date(2026, 5, 20)  # the programme import's "today" (its periods are before it)
DAY = dt.date(2026, 3, 2)  # start of the allocation run
SUPPLIER = "故障测试数据科技有限公司"
DEMAND_ROWS = 6


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def demands_xlsx() -> bytes:
    header = ["序号", "场景名称", "需求单位", "所属领域", "所在板块", "需求方类型", "需求描述"]
    rows = [
        [
            n,
            f"故障测试场景{n}：产线视觉质检",
            f"苏州故障测试制造有限公司{n % 2}",
            "制造",
            "苏州工业园区",
            "制造业龙头企业",
            "人工目检漏检率高，需要机器视觉替代人工。",
        ]
        for n in range(1, DEMAND_ROWS + 1)
    ]
    return _xlsx([header, *rows])


def values_xlsx() -> bytes:
    return _xlsx(
        [
            ["报告期", "指标代码", "板块", "数值（家）", "说明"],
            ["2026-02", "ai-enterprises", "苏州工业园区", 3100, "统计局月报"],
            ["2026-03", "ai-enterprises", "苏州工业园区", 3200, "统计局月报"],
            ["2026-04", "ai-enterprises", "苏州工业园区", 3260, "统计局月报"],
        ]
    )


def catalogue_csv() -> bytes:
    rows = [
        {
            "类型": "数据集",
            "名称": f"故障测试交通流量数据集{n}",
            "领域": "交通",
            "一句话介绍": "主要路口分时段机动车流量",
            "任务": "时序预测",
            "语言": "中文",
            "许可": "CC BY 4.0",
            "开放级别": "开放",
            "预期用途": "交通流量预测模型的训练与评测",
            "数据来源": "交通信号控制系统线圈检测器",
            "版本号": "1.0",
            "文件地址": f"https://data.example.com/traffic/flow-{n}.csv",
            "发布": "是",
        }
        for n in range(1, 4)
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def prepare(folder: Path) -> dict:
    call_command("migrate", verbosity=0)
    call_command("load_citypack", "suzhou", verbosity=0)

    from aiplus.accounts.choices import Role
    from aiplus.compute import allocate, ledger
    from aiplus.compute.models import Application, DataCentre, Offer, VoucherProgramme
    from aiplus.core.models import Area
    from aiplus.policies.models import EnterpriseProfile
    from tests.factories import make_org, make_user

    office = make_user(Role.OFFICE, username="office")
    make_user(Role.DISTRICT, area=Area.objects.get(code="sip"), username="district")
    make_user(Role.SUPPLIER, org=make_org(Role.SUPPLIER, name=SUPPLIER), username="supplier")

    provider = make_user(Role.COMPUTE_PROVIDER, username="provider")
    centre = DataCentre.objects.create(
        provider=provider.organisation,
        name="故障测试智算中心",
        area=Area.objects.get(code="xiangcheng"),
    )
    Offer.objects.create(
        centre=centre,
        gpu_model="H800",
        cards=64,
        price=Decimal("12.50"),
        available_from=dt.date(2026, 2, 1),
        available_to=dt.date(2026, 12, 31),
    )
    programme = VoucherProgramme.objects.get(code="sz-compute-2026")
    ledger.fund(programme=programme, amount=Decimal(5_000_000), key="fund:faults", year=2026)
    for n, cards in enumerate((32, 16, 8)):
        firm = make_user(Role.DEMANDER, username=f"firm{n}").organisation
        EnterpriseProfile.objects.create(
            organisation=firm, facts={"registered_city": "苏州", "roles": ["科技研发企业"]}
        )
        Application.objects.create(
            enterprise=firm,
            programme=programme,
            accepted_models=["H800"],
            cards=cards,
            hours=240,
            earliest_start=DAY,
            latest_end=DAY + dt.timedelta(days=30),
            purpose="模型训练",
        )
    run = allocate.propose(
        actor=office, programme=programme, start=DAY, horizon=60, method="heuristic"
    )
    served = run.items.filter(offer__isnull=False, excluded=False).count()

    files = {
        "demands": ("demands.xlsx", demands_xlsx()),
        "values": ("values.xlsx", values_xlsx()),
        "catalogue": ("catalogue.csv", catalogue_csv()),
    }
    data = {"run": run.pk, "served": served, "supplier": SUPPLIER, "demand_rows": DEMAND_ROWS}
    for key, (name, body) in files.items():
        (folder / name).write_bytes(body)
        data[key] = str(folder / name)
    (folder / "data.json").write_text(json.dumps(data, ensure_ascii=False))
    return data


def programme_import(path: str) -> dict:
    from aiplus.accounts.models import User
    from aiplus.programme.io import import_values_xlsx

    with open(path, "rb") as fh:
        result = import_values_xlsx(
            actor=User.objects.get(username="district"), file=fh, today=TODAY
        )
    return {"created": result.created}


def approve(run_id: str) -> dict:
    from aiplus.accounts.models import User
    from aiplus.compute import allocate, ledger
    from aiplus.compute.models import AllocationRun

    run = AllocationRun.objects.get(pk=int(run_id))
    orders = allocate.approve(actor=User.objects.get(username="office"), run=run)
    return {"orders": len(orders), "ledger_problems": ledger.check(run.programme_id)}


def main(argv: list[str]) -> None:
    command, argument = argv[1], argv[2]
    if command == "prepare":
        result = prepare(Path(argument))
    elif command == "programme-import":
        result = programme_import(argument)
    elif command == "approve":
        result = approve(argument)
    else:
        raise SystemExit(f"unknown operation {command}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
