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


@register.filter
def num(value) -> str:
    """A figure without trailing zeros, with thousands separators: 3200.0 → "3,200"."""
    if value in (None, ""):
        return "—"
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if not amount.is_finite():
        return "—"
    amount = amount.quantize(Decimal("0.01")) if abs(amount) < 1000 else amount.quantize(1)
    return f"{amount.normalize():,f}"


@register.filter
def pct(value) -> str:
    """A share as a percentage: 0.456 → "45.6%"."""
    if value in (None, ""):
        return "—"
    try:
        return f"{float(value) * 100:.1f}%"
    except (TypeError, ValueError):
        return "—"


@register.filter
def bar_width(value) -> int:
    """A share as the width of a progress bar, 0–100."""
    try:
        return max(0, min(100, round(float(value) * 100)))
    except (TypeError, ValueError):
        return 0
