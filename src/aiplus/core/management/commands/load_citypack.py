from django.core.management.base import BaseCommand, CommandError

from aiplus.core.citypack import load_citypack
from aiplus.core.errors import ServiceError


class Command(BaseCommand):
    help = "Load a city pack (folder under citypacks/ or a path): sectors, areas, aspects …"

    def add_arguments(self, parser):
        parser.add_argument(
            "city", nargs="?", default=None, help="e.g. suzhou (default: AIPLUS_CITY)"
        )

    def handle(self, *args, city=None, **opts):
        from django.conf import settings

        try:
            result = load_citypack(city or settings.CITY_PACK)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        if result.unchanged:
            self.stdout.write(f"城市包 {result.city} 已是最新，无变化。")
            return
        parts = [
            f"{k} +{result.created.get(k, 0)}/~{result.updated.get(k, 0)}" for k in result.created
        ]
        self.stdout.write(self.style.SUCCESS(f"已载入城市包 {result.city}：" + "，".join(parts)))
