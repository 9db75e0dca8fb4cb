"""Health checks for process supervisors and load balancers (plain Django views, not in the API's
OpenAPI): `/healthz` says the process is up; `/readyz` says it can serve — the database answers
a trivial query and the task queue is reachable. No auth, no session, never cached; exempt from
the HTTPS redirect (settings.SECURE_REDIRECT_EXEMPT)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache  # Cache-Control: …, no-store, …
from django.views.decorators.http import require_safe

logger = logging.getLogger("aiplus.health")


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_tasks() -> str:
    """ "immediate" for the immediate backend (no queue); "ok" when the database backend's table
    answers; the backend's class name for any other backend (not checked)."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.endswith("ImmediateBackend"):
        return "immediate"
    if backend.startswith("django_tasks_db."):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.exists()
        return "ok"
    return backend.rsplit(".", 1)[-1]


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    # Looked up at call time, so tests can replace a check.
    checks = {"database": check_database, "tasks": check_tasks}
    results, failed = {}, []
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure means not ready; the log has the detail
            logger.warning("readiness check %s failed: %r", name, exc)
            results[name] = "error"
            failed.append(name)
    body = {"status": "unavailable" if failed else "ok", "checks": results}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
