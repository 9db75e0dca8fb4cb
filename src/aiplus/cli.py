"""The `aiplus` console command: Django management with the project's settings.

    aiplus load-citypack suzhou      aiplus demo
    aiplus import-demands FILE.xlsx  aiplus export-demands [--list ID] [-o FILE]

Dashes and underscores are interchangeable in command names.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiplus.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
