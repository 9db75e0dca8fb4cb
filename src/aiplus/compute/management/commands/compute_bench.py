"""`aiplus compute-bench`: solve an allocation instance folder with each method, write JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from aiplus.compute.allocation import METHODS, InstanceError, load_instance, solve
from aiplus.compute.allocation.checker import check_folder
from aiplus.compute.allocation.solve import SolveResult, compute_bound


class Command(BaseCommand):
    help = (
        "Solve a compute-allocation instance (a folder with offers.csv, applications.csv, "
        "programme.json) with each method and write the results as JSON: an object "
        '{"instance": {...}, "upper_bound_card_hours": …, "bound_seconds": …, "results": [...]} '
        "where each result has method, seconds, served_card_hours, cost_yuan, voucher_yuan, "
        "upper_bound_card_hours, gap = (bound − served) / bound, check (the independent "
        "checker's verdict) and assignments [{app_id, offer_id, start_day, voucher_yuan}]. "
        "The bound is computed once, before the methods, and is not in their seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--instance", required=True, help="the instance folder")
        parser.add_argument("--out", required=True, help="the JSON file to write")
        parser.add_argument(
            "--time-limit",
            type=float,
            default=50.0,
            help="seconds per method, and for the bound (default 50)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="parallel MILP searches, the best kept (default: 2, or 1 on one core)",
        )
        parser.add_argument(
            "--methods",
            default="milp,heuristic",
            help=f"comma-separated, from {', '.join(METHODS)} (default milp,heuristic)",
        )

    def handle(self, *args, instance, out, time_limit, methods, workers, **opts):
        chosen = _methods(methods)
        if not time_limit > 0:
            raise CommandError("--time-limit 须为正数（秒）。")
        if workers < 1:
            raise CommandError("--workers 须为正整数。")
        try:
            problem = load_instance(instance)
        except InstanceError as exc:
            raise CommandError(f"实例数据有误：{exc}") from exc
        out_path = Path(out)
        if out_path.parent and not out_path.parent.exists():
            raise CommandError(f"输出目录不存在：{out_path.parent}")
        bound = compute_bound(problem, time_limit=time_limit)
        self.stdout.write(
            f"实例 {problem.name}：{len(problem.offers)} 个算力资源，"
            f"{len(problem.applications)} 份申请；卡时上界 {bound.bound:,}"
            f"（{bound.seconds:.1f} 秒）"
        )
        results = []
        for method in chosen:
            result = solve(problem, method, time_limit=time_limit, bound=bound, workers=workers)
            row = result.to_dict()
            report = check_folder(instance, row["assignments"], claimed=row)
            row["check"] = {"ok": report.ok, "violations": report.violations[:50]}
            results.append(row)
            self.stdout.write(_summary(result, report.ok))
        payload = {
            "instance": {
                "name": problem.name,
                "path": str(Path(instance).resolve()),
                "offers": len(problem.offers),
                "applications": len(problem.applications),
            },
            "upper_bound_card_hours": bound.bound,
            "bound_seconds": round(bound.seconds, 3),
            "results": results,
        }
        try:
            out_path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), "utf-8")
        except OSError as exc:
            raise CommandError(f"无法写入 {out_path}：{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"结果已写入 {out_path}。"))


def _methods(text: str) -> list[str]:
    chosen = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in METHODS]
    if unknown or not chosen:
        raise CommandError(
            f"未知的方法 {', '.join(unknown) or '（空）'}；可选：{', '.join(METHODS)}。"
        )
    return list(dict.fromkeys(chosen))


def _summary(result: SolveResult, ok: bool) -> str:
    gap = "—" if result.gap is None else f"{result.gap:.2%}"
    verdict = "校验通过" if ok else "校验未通过"
    parts: list[Any] = [
        f"{result.method}：满足 {result.served_applications:,} 份申请，",
        f"{result.served_card_hours:,} 卡时（距上界 {gap}），",
        f"费用 {result.cost_yuan:,.2f} 元，",
        f"算力券 {result.voucher_yuan:,.2f} 元（{result.vouchers_in_full:,} 份全额），",
        f"用时 {result.seconds:.1f} 秒，{verdict}。",
    ]
    return "".join(parts)
