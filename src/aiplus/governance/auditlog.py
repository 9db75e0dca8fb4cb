"""Reading the audit log (core.AuditEntry) for the office: filters shared by the page and the
API, object types in words, and an entry's before/after as a field-by-field diff."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from aiplus.core.models import AuditEntry

from . import checklist


def entries() -> QuerySet[AuditEntry]:
    """Every entry, newest first, with who made it."""
    return AuditEntry.objects.select_related("actor", "organisation").order_by("-at", "-id")


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def type_label(object_type: str) -> str:
    """ "scenarios.demand" → "场景需求" (the raw type when the model is gone)."""
    model = _model(object_type)
    return str(model._meta.verbose_name) if model else object_type


def type_choices() -> list[tuple[str, str]]:
    """The object types the log holds, with their names, for a filter."""
    types = AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
    return sorted(((t, type_label(t)) for t in types), key=lambda pair: pair[1])


def action_choices() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def parse_date(text: Any) -> date | None:
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text or "").strip())
    except ValueError:
        return None


def filter_entries(
    qs: QuerySet[AuditEntry],
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
) -> QuerySet[AuditEntry]:
    """`actor`: part of the user's name or of the organisation's; `action`: an action or its
    family ("demand" matches "demand.create", "demand.transition" …); dates inclusive (local
    time); `q`: part of the summary."""
    if actor := (actor or "").strip():
        qs = qs.filter(
            Q(actor__username__icontains=actor)
            | Q(actor__display_name__icontains=actor)
            | Q(organisation__name__icontains=actor)
        )
    if action := (action or "").strip():
        qs = qs.filter(Q(action=action) | Q(action__startswith=f"{action}."))
    if object_type := (object_type or "").strip():
        qs = qs.filter(object_type=object_type)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    if q := (q or "").strip():
        qs = qs.filter(summary__icontains=q)
    return qs


@dataclass
class Change:
    key: str
    label: str
    before: str
    after: str
    changed: bool


def _field(model, key: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _words(value: Any, field=None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None and getattr(field, "choices", None):
        labels = {str(k): str(v) for k, v in field.flatchoices}
        if str(value) in labels:
            return labels[str(value)]
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _label(model, key: str) -> str:
    if (word := checklist.label(key)) is not None:
        return word
    field = _field(model, key)
    if field is not None:
        return str(field.verbose_name)
    return {"note": _("说明"), "signed_by": _("签署人"), "signed_at": _("签署时间")}.get(key, key)


def diff(entry: AuditEntry) -> list[Change]:
    """Before and after, field by field (fields in the order they were recorded)."""
    before, after = entry.before or {}, entry.after or {}
    model = _model(entry.object_type)
    keys = list(before) + [k for k in after if k not in before]
    rows = []
    for key in keys:
        field = _field(model, key)
        old = _words(before.get(key), field) if key in before else "—"
        new = _words(after.get(key), field) if key in after else "—"
        rows.append(Change(key, _label(model, key), old, new, old != new))
    return rows
