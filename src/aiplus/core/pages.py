"""Helpers every module's pages share."""

from __future__ import annotations

from django.contrib import messages

from .errors import ServiceError


def posted(request, *, files: bool = False):
    """The form data of a POST (bound, even when empty), None for a GET; with `files`, the
    pair (data, files). Not `request.POST or None`: an empty POST is falsy, which would leave
    the form unbound, and showing a refusal on an unbound form fails (a 500)."""
    if request.method != "POST":
        return (None, None) if files else None
    return (request.POST, request.FILES) if files else request.POST


def fail(request, exc: ServiceError, form=None) -> None:
    """Show a refusal: its message at the top, its field errors next to the fields (those the
    bound form does not already show), the others under the message."""
    messages.error(request, exc.message)
    for field, msg in exc.errors.items():
        if form is None:
            messages.error(request, msg)
        elif field not in form.fields:
            form.add_error(None, msg)
        elif field not in form.errors:
            form.add_error(field, msg)
