"""Who may see and do what in the catalogue.

- Entries are published by any approved organisation (数源单位, model developers, suppliers);
  members of the owner edit them and decide access requests.
- Published entries' metadata and cards are public; drafts and withdrawn entries are seen only
  by the owner and the office.
- Files: open entries' files are served to anyone; the files of an entry "on request" or
  "restricted" only to the owner, the office, and organisations holding an approved,
  unexpired access request. That rule is `can_download`, used by the pages and the API alike.
- The office assesses quality and may withdraw any entry.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aiplus.core.errors import PermissionDenied

from .choices import Access, Status
from .models import AccessRequest, Entry


def _approved(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_superuser or user.role is not None
    )


def is_office(user) -> bool:
    return _approved(user) and user.is_office


def entries_visible_to(user) -> QuerySet[Entry]:
    """Published entries, plus the user's own organisation's (and, for the office, all)."""
    qs = Entry.objects.all()
    if is_office(user):
        return qs
    if _approved(user):
        return qs.filter(Q(status=Status.PUBLISHED) | Q(owner_id=user.organisation_id))
    return qs.filter(status=Status.PUBLISHED)


def is_owner(user, entry: Entry) -> bool:
    return _approved(user) and user.organisation_id == entry.owner_id


def can_edit(user, entry: Entry) -> bool:
    return is_owner(user, entry)


def can_publish(user) -> bool:
    return _approved(user) and user.organisation_id is not None


def can_decide_requests(user, entry: Entry) -> bool:
    return is_owner(user, entry)


def can_see_requests(user, entry: Entry) -> bool:
    return is_owner(user, entry) or is_office(user)


def approved_request(user, entry: Entry) -> AccessRequest | None:
    """The user's organisation's approved, unexpired request for this entry, if any."""
    if not _approved(user):
        return None
    grants = AccessRequest.objects.granting().filter(
        entry=entry, organisation_id=user.organisation_id
    )
    return grants.first()


def can_download(user, entry: Entry) -> bool:
    """Whether the user may have the entry's files (uploaded or external)."""
    if is_owner(user, entry) or is_office(user):
        return True
    if entry.status != Status.PUBLISHED:
        return False
    if entry.access == Access.OPEN:
        return True
    return approved_request(user, entry) is not None


def can_request(user, entry: Entry) -> bool:
    return (
        _approved(user)
        and entry.status == Status.PUBLISHED
        and entry.access != Access.OPEN
        and not is_owner(user, entry)
        and not is_office(user)
    )


def require_download(user, entry: Entry) -> None:
    if not can_download(user, entry):
        if entry.access == Access.RESTRICTED:
            raise PermissionDenied("该条目为受限数据，须经所属单位批准使用申请后方可获取文件。")
        raise PermissionDenied("该条目须申请使用，所属单位批准后方可获取文件。")
