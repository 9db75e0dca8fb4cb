"""Every write to governance: an organisation's algorithm filings (算法备案).

Like the scenarios services: check access, validate with the form, save in one transaction,
record the audit entry. Views and API handlers call these and nothing else to write.
"""

from __future__ import annotations

from django.db import transaction

from aiplus.core import audit
from aiplus.core.actions import require_approved, snapshot, validated
from aiplus.core.errors import NotFound, PermissionDenied
from aiplus.scenarios import permissions
from aiplus.scenarios.services import require_own_organisation

from .forms import AlgorithmFilingForm
from .models import AlgorithmFiling

FILING_AUDIT_FIELDS = [
    "kind",
    "name",
    "model_name",
    "number",
    "filed_on",
    "status",
    "organisation_id",
]


@transaction.atomic
def add_filing(*, actor, data: dict) -> AlgorithmFiling:
    """Add an algorithm filing to the actor's own organisation."""
    require_own_organisation(actor)
    form = validated(AlgorithmFilingForm, data)
    filing = form.save(commit=False)
    filing.organisation = actor.organisation
    filing.save()
    audit.record(
        actor=actor,
        action="filing.create",
        obj=filing,
        summary=filing.name,
        after=snapshot(filing, FILING_AUDIT_FIELDS),
    )
    return filing


@transaction.atomic
def delete_filing(*, actor, filing: AlgorithmFiling) -> None:
    """Remove a filing: a member of the owning organisation, or the office."""
    require_approved(actor)
    filing = AlgorithmFiling.objects.select_for_update().filter(pk=filing.pk).first()
    if filing is None:
        raise NotFound("该算法备案不存在或已删除。")
    if not permissions.can_manage_credentials(actor, filing.organisation_id):
        raise PermissionDenied("只能删除本单位的算法备案。")
    audit.record(
        actor=actor,
        action="filing.delete",
        obj=filing,
        summary=filing.name,
        before=snapshot(filing, FILING_AUDIT_FIELDS),
    )
    filing.delete()
