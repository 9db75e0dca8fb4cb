"""Benchmark the scenario marketplace at 10,000 demands.

Measures, in one run and on the database selected by DATABASE_URL (SQLite by default):
- the public demand list page (/demands/, first page, a filtered page, a deep page),
- the list API (/api/demands),
- a bare Django view as the baseline (same middleware, same client),
- the import of a 10,000-row .xlsx workbook.
Requests go through Django's test client in-process (no network), so the figures are the
server's own time. Results are printed and written to docs/benchmarks.md.

    .venv/bin/python bench/bench_scenarios.py [--demands 10000] [--requests 200]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiplus.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")


def setup_django():
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = "bench.bench_urls"
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        # A file, as in production use, not the in-memory database tests default to.
        db.setdefault("TEST", {})["NAME"] = str(settings.VAR_DIR / "bench.sqlite3")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def populate(n_demands: int) -> None:
    """10,000 published demands across every sector and area, 500 demander organisations."""
    import random

    from django.db import transaction
    from django.utils import timezone

    from aiplus.accounts.models import Organisation
    from aiplus.core.citypack import load_citypack
    from aiplus.core.models import Area, DemanderType, Sector, Tag
    from aiplus.scenarios.models import Demand

    load_citypack("suzhou")
    rng = random.Random(7)
    sectors, areas = list(Sector.objects.all()), list(Area.objects.all())
    types, tags = list(DemanderType.objects.all()), list(Tag.objects.all())
    with transaction.atomic():
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"基准需求单位{i:04d}",
                    kind="demander",
                    status="approved",
                    area=rng.choice(areas),
                    demander_type=rng.choice(types),
                )
                for i in range(500)
            ]
        )
        now = timezone.now()
        statuses = ["published"] * 6 + ["in_talks", "pilot", "deployed", "submitted"]
        demands = Demand.objects.bulk_create(
            [
                Demand(
                    code=f"XQ2026{i:06d}",
                    title=f"基准场景需求{i}：{rng.choice(sectors).name}智能化改造",
                    demander=rng.choice(orgs),
                    sector=rng.choice(sectors),
                    area=rng.choice(areas),
                    demander_type=rng.choice(types),
                    pain_point="人工效率低、质量波动大，希望引入人工智能技术实现自动化。" * 3,
                    budget_min=Decimal(rng.randrange(10, 100) * 10000),
                    budget_max=Decimal(rng.randrange(100, 500) * 10000),
                    status=rng.choice(statuses),
                    published_at=now - timedelta(hours=rng.randrange(0, 2 * 365 * 24)),
                    is_demo=True,
                )
                for i in range(n_demands)
            ],
            batch_size=1000,
        )
        through = Demand.tags.through
        through.objects.bulk_create(
            [through(demand_id=d.pk, tag_id=t.pk) for d in demands for t in rng.sample(tags, 2)],
            batch_size=5000,
        )
    # Refresh planner statistics after the bulk load, as autovacuum (PostgreSQL) or
    # `PRAGMA optimize` (SQLite) would on a live database; without them PostgreSQL plans the
    # list query for one row and nests loops over every demand.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed_requests(client, url: str, n: int) -> list[float]:
    for _ in range(5):  # warm-up
        assert client.get(url).status_code == 200, url
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, url
    return out


def summary(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]


def make_workbook(rows: int) -> bytes:
    import random

    from openpyxl import Workbook

    from aiplus.core.models import Area, DemanderType, Sector

    rng = random.Random(11)
    sectors = list(Sector.objects.values_list("name", flat=True))
    areas = list(Area.objects.values_list("name", flat=True))
    types = list(DemanderType.objects.values_list("name", flat=True))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("需求清单")
    ws.append(["2026年人工智能应用场景需求清单（基准）"])
    ws.append(
        [
            "序号",
            "场景名称",
            "需求单位",
            "所属领域",
            "所在板块",
            "需求方类型",
            "需求描述",
            "预算（万元）",
            "技术标签",
        ]
    )
    for i in range(rows):
        ws.append(
            [
                i + 1,
                f"导入场景{i}",
                f"导入单位{i % 800:03d}",
                rng.choice(sectors),
                rng.choice(areas),
                rng.choice(types),
                "希望用人工智能解决生产中的实际问题。",
                f"{rng.randrange(10, 90)}-{rng.randrange(100, 300)}",
                "大模型、机器视觉",
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demands", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()

    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        engine = connection.vendor
        t0 = time.perf_counter()
        populate(args.demands)
        print(f"[{engine}] populated {args.demands} demands in {time.perf_counter() - t0:.1f}s")
        client = Client()
        cases = [
            ("bare Django view (baseline)", "/bench/bare/"),
            ("list page /demands/", "/demands/"),
            ("list page, filtered", "/demands/?sector=manufacturing&area=sip"),
            ("list page, keyword (1 in 15 match)", "/demands/?q=医疗"),
            ("list page, keyword matching all", "/demands/?q=智能化"),
            ("list page, page 200", "/demands/?page=200"),
            ("list API /api/demands", "/api/demands?limit=20"),
            ("list API, filtered", "/api/demands?sector=healthcare&limit=20"),
        ]
        rows = []
        base_median = None
        for label, url in cases:
            med, p95 = summary(timed_requests(client, url, args.requests))
            base_median = base_median or med
            rows.append((label, med, p95, med / base_median))
            print(
                f"[{engine}] {label:32s} median {med:7.2f} ms  p95 {p95:7.2f} ms  "
                f"×{med / base_median:.1f}"
            )

        from aiplus.accounts.models import Organisation, User
        from aiplus.scenarios.io import import_demands_xlsx

        office_org = Organisation.objects.create(name="基准专班", kind="office", status="approved")
        office = User.objects.create_user(username="bench-office", organisation=office_org)
        data = make_workbook(args.import_rows)
        t0 = time.perf_counter()
        result = import_demands_xlsx(actor=office, file=io.BytesIO(data))
        import_s = time.perf_counter() - t0
        assert result.created == args.import_rows
        print(f"[{engine}] import of {args.import_rows} rows: {import_s:.1f}s")
    finally:
        teardown_databases(old, verbosity=0)

    if not args.no_write:
        write_results(engine, args, rows, import_s)


def commit() -> str:
    """The short hash of the checked-out commit, to stamp results with."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "?"


def write_block(marker: str, lines: list[str], *, heading: str = "") -> None:
    """Put `lines` between `<!-- marker:start -->` and `<!-- marker:end -->` in
    docs/benchmarks.md, replacing the previous run's block (appended, under `heading`, the
    first time)."""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    block = "\n".join([start, *lines, end])
    if start in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + (f"{heading}\n\n" if heading else "") + block + "\n"
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


def write_results(engine, args, rows, import_s) -> None:
    lines = [
        f"### Scenario list and import — {engine} ({date.today().isoformat()}, commit {commit()})",
        "",
        f"Machine: {machine()}. {args.demands:,} demands, {args.requests} requests per case "
        "through Django's test client in-process; ratio = median ÷ the bare view's median in "
        "the same run.",
        "",
        "| case | median ms | p95 ms | × bare view |",
        "|---|---:|---:|---:|",
        *[f"| {label} | {med:.2f} | {p95:.2f} | {ratio:.1f} |" for label, med, p95, ratio in rows],
        "",
        f"Import of a {args.import_rows:,}-row workbook: **{import_s:.1f} s** (target < 20 s).",
        "List page p95 target: < 150 ms.",
    ]
    write_block(f"scenarios:{engine}", lines)


if __name__ == "__main__":
    main()
