from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aiplus.scenarios.choices import PUBLIC_STATUSES, Visibility
from aiplus.scenarios.io import export_demands_xlsx, export_list_pdf, list_demands
from aiplus.scenarios.models import Demand, DemandList


class Command(BaseCommand):
    help = "Export a demand list (--list ID) or all public demands to .xlsx, or a list to PDF."

    def add_arguments(self, parser):
        parser.add_argument(
            "--list", dest="list_id", type=int, default=None, help="id of the demand list to export"
        )
        parser.add_argument(
            "-o",
            "--output",
            default=None,
            help="output file (default demands.xlsx, or demands.pdf with --pdf)",
        )
        parser.add_argument("--pdf", action="store_true", help="a printable PDF of the list")
        parser.add_argument(
            "--contact", action="store_true", help="include contact columns in the spreadsheet"
        )

    def handle(self, *args, list_id=None, output=None, pdf=False, contact=False, **opts):
        demand_list = None
        if list_id is not None:
            demand_list = DemandList.objects.filter(pk=list_id).first()
            if demand_list is None:
                raise CommandError(f"需求清单不存在：{list_id}")
        if pdf:
            if demand_list is None:
                raise CommandError("导出 PDF 需要用 --list 指定清单。")
            data = export_list_pdf(demand_list=demand_list)
            count = demand_list.items.count()
        else:
            if demand_list is not None:
                demands, title = list_demands(demand_list), demand_list.name
            else:
                demands = Demand.objects.filter(
                    status__in=PUBLIC_STATUSES, visibility=Visibility.PUBLIC
                ).order_by("-published_at", "-id")
                title = f"场景需求清单（导出于 {timezone.localdate():%Y-%m-%d}）"
            demands = list(demands.select_related("demander", "sector", "area", "demander_type"))
            data = export_demands_xlsx(demands=demands, title=title, include_contact=contact)
            count = len(demands)
        path = Path(output or ("demands.pdf" if pdf else "demands.xlsx"))
        path.write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 条场景需求到 {path}。"))
