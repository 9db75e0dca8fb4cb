"""Who may do what on the compute platform.

- A compute provider (算力供给方) manages its own data centres and offers and reports usage for
  orders on its offers.
- Any approved organisation may apply for compute (and for vouchers) for itself, and sees its
  own applications, orders and vouchers.
- The programme office sees everything, runs and approves allocations, funds pools, completes
  orders and settles with providers.
- Offers and programmes are public (a city's compute market is meant to be seen).
"""

from __future__ import annotations

from aiplus.accounts.choices import Role
from aiplus.core.errors import PermissionDenied


def role(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Role.OFFICE if user.is_superuser else user.role


def is_office(user) -> bool:
    return role(user) == Role.OFFICE


def is_provider(user) -> bool:
    return role(user) == Role.COMPUTE_PROVIDER


def require_office(user, message: str = "只有专班办公室可以执行此操作。") -> None:
    if not is_office(user):
        raise PermissionDenied(message)


def require_provider_of(user, provider_id: int, message: str) -> None:
    """The user acts for this provider (or is the office)."""
    if is_office(user):
        return
    if not (is_provider(user) and user.organisation_id == provider_id):
        raise PermissionDenied(message)


def can_see_enterprise(user, enterprise_id: int) -> bool:
    return is_office(user) or (role(user) is not None and user.organisation_id == enterprise_id)
