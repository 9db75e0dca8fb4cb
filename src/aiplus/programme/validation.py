"""Checks on a reported value. No Django import.

- `parse_value`: the value must be a number in the indicator's unit. Accepts "3,200", "３２００",
  "3200家" (the indicator's own unit written after the number) and "12.5%"; refuses another
  unit, text and nothing.
- `change_warnings`: a jump beyond the indicator's band against the previous value, and a
  cumulative indicator going backwards, each need an explanation.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(.*)$")


class ValueProblem(ValueError):
    pass


def parse_value(text, unit: str) -> Decimal:
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        value = Decimal(str(text))
    else:
        raw = unicodedata.normalize("NFKC", str(text or "")).strip().replace(",", "")
        if not raw:
            raise ValueProblem("请填写数值。")
        m = _NUMBER.match(raw)
        if not m:
            raise ValueProblem(f"“{text}”不是数字，请填写以“{unit}”为单位的数值。")
        suffix = m.group(2).strip()
        if suffix and suffix != unicodedata.normalize("NFKC", unit):
            raise ValueProblem(f"单位应为“{unit}”，而不是“{suffix}”。请换算后只填写数字。")
        try:
            value = Decimal(m.group(1))
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
            raise ValueProblem(f"“{text}”不是数字。") from exc
    if not value.is_finite():
        raise ValueProblem("请填写有限的数值。")
    if abs(value) >= Decimal("1e15"):
        raise ValueProblem("数值过大，请核对单位。")
    return value.quantize(Decimal("0.0001"))


def change_warnings(
    value: Decimal, previous: Decimal | None, *, band: Decimal, cumulative: bool, unit: str
) -> list[str]:
    """Why this value needs an explanation (empty: it does not)."""
    if previous is None:
        return []
    out = []
    if cumulative and value < previous:
        out.append(f"累计值较上期（{previous.normalize():f}{unit}）减少，须说明原因。")
    if previous != 0:
        change = abs(value - previous) / abs(previous)
        if change > band:
            out.append(
                f"较上期（{previous.normalize():f}{unit}）变动 {change:.0%}，"
                f"超过 {band:.0%} 的波动阈值，须说明原因。"
            )
    return out
