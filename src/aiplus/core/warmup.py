"""Load what the first requests of a fresh web worker would otherwise wait for: jieba's
dictionary, the matching index with its tag suggester, and the catalogue search index. gunicorn
calls `warm` in each worker before it takes requests (bin/gunicorn.conf.py); a failure is logged
and the worker serves anyway (it then loads on first use, as without warming)."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("aiplus.warmup")


def warm() -> None:
    started = time.perf_counter()
    steps = []
    try:
        import jieba

        jieba.initialize()
        steps.append("jieba")

        from aiplus.scenarios import matching

        matching.load()
        steps.append("matching")

        from aiplus.catalogue import search

        search.get_index()
        steps.append("catalogue")
    except Exception:  # noqa: BLE001 — warming is an optimisation; the worker still serves
        log.exception("warm-up stopped after %s", steps)
    finally:
        from django.db import connections

        for conn in connections.all(initialized_only=True):
            if not conn.in_atomic_block:  # a request opens its own; tests hold theirs
                conn.close()
    log.info("worker warmed (%s) in %.1f s", ", ".join(steps), time.perf_counter() - started)
