"""Steps every module's service functions share: who may act, validating with a form, and a
snapshot of an object for its audit entry."""

from __future__ import annotations

from typing import Any

from django import forms

from .errors import PermissionDenied, ServiceError


def require_approved(actor) -> None:
    """Refuse anonymous users and members of organisations the office has not approved."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    if actor.role is None and not actor.is_superuser:
        raise PermissionDenied("您的单位尚未通过审核，暂不能进行此操作。")


def form_errors(form: forms.BaseForm) -> dict[str, str]:
    """Field → its messages joined, for ServiceError."""
    return {field: "；".join(str(m) for m in msgs) for field, msgs in form.errors.items()}


def validated(form_class, data: dict, *, instance=None, **kwargs):
    """A bound, valid form, or ServiceError with the form's field messages."""
    if issubclass(form_class, forms.BaseModelForm):
        kwargs["instance"] = instance
    form = form_class(data=data, **kwargs)
    if not form.is_valid():
        raise ServiceError("提交的内容有误，请按提示修改。", form_errors(form))
    return form


def snapshot(obj, fields: list[str]) -> dict[str, Any]:
    """The named fields of an object as strings, for an audit entry's before/after."""
    return {f: (str(v) if (v := getattr(obj, f)) is not None else None) for f in fields}
