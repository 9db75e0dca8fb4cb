"""Who may see and report what in programme monitoring.

- The programme office sees everything, reports for any scope, and approves or returns values
  (never a value it submitted itself: four eyes).
- A district officer reports the area-split indicators for its own area and the city
  indicators its organisation is responsible for; it sees its own drafts and everyone's approved
  figures, never another area's drafts or pending values.
- A responsible unit of another kind (a city bureau registered as an organisation) reports the
  indicators it is responsible for.
- Everyone else (and the public) sees nothing of the programme's monitoring.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aiplus.accounts.choices import Role

from .models import Indicator, Split, Submission, SubmissionStatus


def _role(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Role.OFFICE if user.is_superuser else user.role


def is_office(user) -> bool:
    return _role(user) == Role.OFFICE


def responsible_indicator_ids(user) -> set[int]:
    if not user.organisation_id:
        return set()
    return set(
        Indicator.responsible.through.objects.filter(
            organisation_id=user.organisation_id
        ).values_list("indicator_id", flat=True)
    )


def can_view_programme(user) -> bool:
    role = _role(user)
    if role in {Role.OFFICE, Role.DISTRICT}:
        return True
    return role is not None and bool(responsible_indicator_ids(user))


def user_area_id(user) -> int | None:
    if _role(user) == Role.DISTRICT:
        return user.organisation.area_id
    return None


def can_report(user, indicator: Indicator, *, area_id=None, sector_id=None) -> bool:
    """May the user submit a value of this indicator for this scope?"""
    role = _role(user)
    if role is None or indicator.is_derived:
        return False
    if role == Role.OFFICE:
        return True
    if indicator.split == Split.AREA:
        return role == Role.DISTRICT and area_id is not None and area_id == user_area_id(user)
    return indicator.pk in responsible_indicator_ids(user)


def can_review(user, submission: Submission) -> bool:
    return is_office(user) and submission.created_by_id != user.pk


def submissions_visible_to(user) -> QuerySet[Submission]:
    qs = Submission.objects.all()
    role = _role(user)
    if role == Role.OFFICE:
        return qs.exclude(Q(status=SubmissionStatus.DRAFT) & ~Q(organisation=user.organisation))
    if not can_view_programme(user):
        return qs.none()
    mine = Q(organisation_id=user.organisation_id)
    area = user_area_id(user)
    if area is not None:
        mine |= Q(area_id=area, indicator__split=Split.AREA) & ~Q(status=SubmissionStatus.DRAFT)
    responsible = responsible_indicator_ids(user)
    if responsible:
        mine |= Q(indicator_id__in=responsible, area__isnull=True) & ~Q(
            status=SubmissionStatus.DRAFT
        )
    approved = Q(status__in=[SubmissionStatus.APPROVED, SubmissionStatus.SUPERSEDED])
    return qs.filter(mine | approved)
