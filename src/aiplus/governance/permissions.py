"""Who may see and do what in safety governance.

- Algorithm filings: the registry of filed ones (已备案) of approved organisations is public;
  an organisation's members also see its own pending and revoked ones; the office sees all and
  alone changes a filing's status (备案中 → 已备案 with number and date, 已备案 → 已注销).
- Risk checklists: members of the demander organisation fill and sign them; the office, the
  officer of the demand's area and the supplier whose proposal was selected read them.
- The audit log: the office only.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aiplus.accounts.choices import OrgStatus, Role
from aiplus.scenarios import permissions as scenario_permissions
from aiplus.scenarios import workflow
from aiplus.scenarios.choices import ProposalStatus

from .models import AlgorithmFiling


def role(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Role.OFFICE if user.is_superuser else user.role


def is_office(user) -> bool:
    return role(user) == Role.OFFICE


def filings_visible_to(user) -> QuerySet[AlgorithmFiling]:
    """Filed filings of approved organisations for everyone, the user's own organisation's in
    any status, every filing for the office."""
    qs = AlgorithmFiling.objects.all()
    if is_office(user):
        return qs
    visible = Q(status=AlgorithmFiling.Status.FILED, organisation__status=OrgStatus.APPROVED)
    if role(user) is not None and user.organisation_id:
        visible |= Q(organisation_id=user.organisation_id)
    return qs.filter(visible)


def can_change_filing_status(user) -> bool:
    return is_office(user)


def can_edit_checklist(user, demand) -> bool:
    """Members of the demander organisation fill and sign the demand's checklists."""
    return workflow.OWNER in scenario_permissions.capacities(user, demand)


def can_view_checklist(user, demand) -> bool:
    """The demander, the office, the area's officer, and the selected supplier."""
    if scenario_permissions.capacities(user, demand):
        return True
    if role(user) == Role.SUPPLIER and user.organisation_id:
        return demand.proposals.filter(
            supplier_id=user.organisation_id, status=ProposalStatus.SELECTED
        ).exists()
    return False


def can_see_audit(user) -> bool:
    return is_office(user)
