"""The `aiplus` console command: Django management with the project's settings.

    aiplus load-citypack suzhou      aiplus demo
    aiplus import-demands FILE.xlsx  aiplus export-demands [--list ID] [-o FILE]
    aiplus import-catalogue ORG FILE.csv
    aiplus backup DIR                aiplus restore DIR [--force]

(`aiplus help` lists them all; README.md describes each.)

Dashes and underscores are interchangeable in command names.
"""

from __future__ import annotations

import os
import sys


def normalise(argv: list[str]) -> list[str]:
    """`aiplus load-citypack x` → `aiplus load_citypack x` (Django command names use _)."""
    argv = list(argv)
    position = 2 if len(argv) > 2 and argv[1] == "help" else 1
    if len(argv) > position and not argv[position].startswith("-"):
        argv[position] = argv[position].replace("-", "_")
    return argv


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiplus.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(normalise(sys.argv if argv is None else argv))


if __name__ == "__main__":
    main()
