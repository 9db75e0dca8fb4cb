"""Scenarios API: demands, lifecycle, lists, solutions, proposals, roadshows."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["scenarios"])
