"""Who may see and do what with scenarios. Lists are filtered here, so a list can only hold
what the user may see; detail views then fetch from the same queryset."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aiplus.accounts.choices import Role

from . import workflow
from .choices import PUBLIC_STATUSES, DemandStatus, Visibility
from .models import Demand, Proposal, Solution


def _role(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Role.OFFICE if user.is_superuser else user.role


def demands_visible_to(user) -> QuerySet[Demand]:
    """Demands the user may see: public ones for everyone, more for members and officers."""
    qs = Demand.objects.all()
    role = _role(user)
    public = Q(status__in=PUBLIC_STATUSES, visibility=Visibility.PUBLIC)
    if role is None:
        return qs.filter(public)
    if role == Role.OFFICE:
        return qs.exclude(Q(status=DemandStatus.DRAFT) & ~Q(demander_id=user.organisation_id))
    visible = public | Q(status__in=PUBLIC_STATUSES, visibility=Visibility.REGISTERED)
    visible |= Q(demander_id=user.organisation_id)
    if role == Role.DISTRICT and user.organisation.area_id:
        visible |= Q(area_id=user.organisation.area_id) & ~Q(status=DemandStatus.DRAFT)
    if role == Role.SUPPLIER:
        # a subquery, not a join: no duplicate rows, so no DISTINCT over every visible demand
        answered = Proposal.objects.filter(supplier_id=user.organisation_id).values("demand_id")
        visible |= Q(pk__in=answered)
    return qs.filter(visible)


def capacities(user, demand: Demand) -> set[str]:
    """What the user is with respect to this demand (see `workflow`)."""
    role = _role(user)
    caps: set[str] = set()
    if role is None:
        return caps
    if role == Role.OFFICE:
        caps.add(workflow.OFFICE)
    if user.organisation_id and demand.demander_id == user.organisation_id and role:
        caps.add(workflow.OWNER)
    if role == Role.DISTRICT and user.organisation.area_id == demand.area_id:
        caps.add(workflow.DISTRICT)
    return caps


def can_edit_demand(user, demand: Demand) -> bool:
    if workflow.OFFICE in capacities(user, demand) and demand.status != DemandStatus.DRAFT:
        return demand.status in {DemandStatus.SUBMITTED, DemandStatus.IN_REVIEW}
    return workflow.OWNER in capacities(user, demand) and demand.status in {
        DemandStatus.DRAFT,
        DemandStatus.RETURNED,
    }


def can_see_contact(user, demand: Demand) -> bool:
    """Contacts are never public: the office, the owner, the area officer, and suppliers who
    answered the demand see them."""
    caps = capacities(user, demand)
    if caps:
        return True
    if _role(user) == Role.SUPPLIER:
        return demand.proposals.filter(supplier_id=user.organisation_id).exists()
    return False


def can_see_budget(user, demand: Demand) -> bool:
    return not demand.budget_confidential or bool(capacities(user, demand))


def can_create_demand(user) -> bool:
    return _role(user) in {Role.DEMANDER, Role.OFFICE}


def can_propose(user, demand: Demand) -> bool:
    """Suppliers answer published or in-talks demands they may see (not office-only ones)."""
    return (
        _role(user) == Role.SUPPLIER
        and demand.status in {DemandStatus.PUBLISHED, DemandStatus.IN_TALKS}
        and demand.visibility != Visibility.PRIVATE
    )


def can_manage_lists(user) -> bool:
    return _role(user) == Role.OFFICE


def can_review_organisations(user) -> bool:
    return _role(user) == Role.OFFICE


def proposals_visible_to(user, demand: Demand | None = None) -> QuerySet[Proposal]:
    """Proposals: the demander and office see all on a demand; a supplier sees its own."""
    qs = Proposal.objects.select_related("supplier", "demand", "solution")
    if demand is not None:
        qs = qs.filter(demand=demand)
    role = _role(user)
    if role is None:
        return qs.none()
    if role == Role.OFFICE:
        return qs
    own = Q(supplier_id=user.organisation_id) | Q(demand__demander_id=user.organisation_id)
    if role == Role.DISTRICT and user.organisation.area_id:
        own |= Q(demand__area_id=user.organisation.area_id)
    return qs.filter(own)


def solutions_visible_to(user) -> QuerySet[Solution]:
    qs = Solution.objects.all()
    role = _role(user)
    if role == Role.OFFICE:
        return qs
    if role is not None and user.organisation_id:
        return qs.filter(
            Q(is_published=True, supplier__status="approved") | Q(supplier_id=user.organisation_id)
        )
    return qs.filter(is_published=True, supplier__status="approved")


def can_edit_solution(user, solution: Solution) -> bool:
    role = _role(user)
    return role == Role.OFFICE or (
        role == Role.SUPPLIER and solution.supplier_id == user.organisation_id
    )


def can_manage_credentials(user, organisation_id: int | None) -> bool:
    """Certifications and algorithm filings: any approved member of the owning organisation
    (whatever its role), or the office."""
    role = _role(user)
    if role is None:
        return False
    return role == Role.OFFICE or (
        organisation_id is not None and user.organisation_id == organisation_id
    )
