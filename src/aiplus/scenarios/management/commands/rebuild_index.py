from django.core.management.base import BaseCommand

from aiplus.scenarios import matching


class Command(BaseCommand):
    help = "Rebuild the matching engine's indexes of demands and solutions from the database."

    def handle(self, *args, **options):
        status = matching.rebuild().status()
        dense = "语义向量 + BM25" if status["dense"] else f"仅 BM25（{status['reason']}）"
        self.stdout.write(
            self.style.SUCCESS(
                f"索引已重建：需求 {status['demands']} 条，方案 {status['solutions']} 条；{dense}。"
            )
        )
