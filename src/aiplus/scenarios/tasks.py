"""Background work of the scenarios module (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def reindex(kind: str, pk: int) -> None:
    """Re-index one demand or solution in the matching engine."""
    from . import matching

    matching.refresh(kind, pk)


@task()
def rebuild_index() -> None:
    """Rebuild the matching engine's indexes from the database."""
    from . import matching

    matching.rebuild()
