"""Background work of the scenarios module (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def reindex(kind: str, pk: int) -> None:
    """Re-index one demand or solution in the matching engine.

    With a queue that can defer, the writer makes at most one version per
    `MATCHING_REINDEX_INTERVAL_SECONDS`. A task that comes due sooner (queued before the last
    version was saved, see `matching.changed`) is done if that version took its change in, and
    otherwise is queued again for when the next version may be made."""
    from django.utils import timezone

    from . import matching

    later = matching.next_version_at()
    if later is not None and later > timezone.now() and reindex.get_backend().supports_defer:
        if not matching.is_indexed(kind, pk):
            reindex.using(run_after=later).enqueue(kind, pk)
        return
    matching.refresh(kind, pk)


@task()
def rebuild_index() -> None:
    """Rebuild the matching engine's indexes from the database."""
    from . import matching

    matching.rebuild()
