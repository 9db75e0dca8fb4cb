"""`{% linked_entries demand %}` / `{% linked_entries solution %}`: the "相关数据集与模型"
section of a demand's or solution's page (published catalogue entries linked to it, and for its
own organisation a form to link or unlink one)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("catalogue/_linked_entries.html", takes_context=True)
def linked_entries(context, obj):
    from ..views import linked_entries_context

    request = context.get("request")
    user = getattr(request, "user", None)
    data = linked_entries_context(user, obj) if user is not None else {"entries": []}
    data["csrf_token"] = context.get("csrf_token")
    return data
