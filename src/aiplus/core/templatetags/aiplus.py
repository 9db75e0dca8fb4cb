"""Template filters shared by every module."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    """Money in yuan, as officials write it: 1,200,000 → "120万元", 8,500 → "8,500元"."""
    if value in (None, ""):
        return "—"
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if abs(amount) >= 10000:
        wan = (amount / 10000).quantize(Decimal("0.01")).normalize()
        text = f"{wan:,f}"
        return f"{text}万元"
    return f"{amount.quantize(Decimal('1')):,}元"
