"""Helpers every module's pages share."""

from __future__ import annotations

from django.contrib import messages

from .errors import ServiceError


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
