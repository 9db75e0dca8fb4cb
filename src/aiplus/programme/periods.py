"""Calendar reporting periods (months and quarters). No Django import."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTHLY, QUARTERLY = "monthly", "quarterly"


@dataclass(frozen=True)
class Span:
    frequency: str
    start: date
    end: date

    @property
    def key(self) -> str:
        return key_for(self.frequency, self.start)

    @property
    def label(self) -> str:
        return label_for(self.frequency, self.start)


def key_for(frequency: str, day: date) -> str:
    """Key of the period of `frequency` containing `day` (cheap: no calendar arithmetic)."""
    if frequency == QUARTERLY:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def label_for(frequency: str, day: date) -> str:
    if frequency == QUARTERLY:
        return f"{day.year}年第{(day.month - 1) // 3 + 1}季度"
    return f"{day.year}年{day.month}月"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def span_containing(frequency: str, day: date) -> Span:
    if frequency == QUARTERLY:
        first = (day.month - 1) // 3 * 3 + 1
        return Span(QUARTERLY, date(day.year, first, 1), _month_end(day.year, first + 2))
    return Span(MONTHLY, date(day.year, day.month, 1), _month_end(day.year, day.month))


def spans(frequency: str, start: date, end: date) -> list[Span]:
    """Every period of `frequency` that overlaps [start, end], in order."""
    out: list[Span] = []
    span = span_containing(frequency, start)
    while span.start <= end:
        out.append(span)
        nxt = date(span.end.year + (span.end.month == 12), span.end.month % 12 + 1, 1)
        span = span_containing(frequency, nxt)
    return out


_KEY = re.compile(
    r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|\s*[Qq]\s*([1-4])|年?第([一二三四1-4])季度)\s*$"
)
_CN = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_key(text: str) -> Span | None:
    """'2026-03', '2026年3月', '2026Q1', '2026年第一季度' → the period; None if not a period."""
    m = _KEY.match(str(text or ""))
    if not m:
        return None
    year = int(m.group(1))
    if year < 1:  # "0000-01": no such year
        return None
    if m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return None
        return span_containing(MONTHLY, date(year, month, 1))
    q = m.group(3) or m.group(4)
    quarter = _CN.get(q) or int(q)
    return span_containing(QUARTERLY, date(year, (quarter - 1) * 3 + 1, 1))
