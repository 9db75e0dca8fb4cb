"""What each unit owes: one value per reported indicator, scope and ended period.

A period's value is due `indicator.due_days` after the period ends. An obligation is
- 缺报 (missing): due date passed, nothing submitted;
- 迟报 (late): submitted or approved after the due date;
- 待报 (due): the period has ended, the due date has not passed, nothing submitted;
- 草稿 / 待审核 / 已退回 / 已审定: the state of the value submitted on time.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aiplus.core.models import Area, Sector

from . import permissions
from .models import Indicator, IndicatorShare, Kind, Period, Revision, Split, Submission
from .models import SubmissionStatus as S
from .periods import Span, spans

MISSING, LATE, DUE = "missing", "late", "due"  # besides the submission statuses
STATE_LABELS = {
    MISSING: _("缺报"),
    LATE: _("迟报"),
    DUE: _("待报"),
    S.DRAFT.value: _("草稿"),
    S.SUBMITTED.value: _("待审核"),
    S.RETURNED.value: _("已退回"),
    S.APPROVED.value: _("已审定"),
}
OUTSTANDING = {MISSING, DUE, S.DRAFT.value, S.RETURNED.value}


@dataclass
class Obligation:
    indicator: Indicator
    span: Span
    due: date
    area: Area | None
    sector: Sector | None
    state: str
    submission_id: int | None = None

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def scope_label(self) -> str:
        return self.area.name if self.area else self.sector.name if self.sector else str(_("全市"))

    owner: str = ""

    @property
    def owner_label(self) -> str:
        if self.area:
            return self.area.name
        return self.owner or self.indicator.responsible_text or str(_("专班办公室"))


@dataclass
class _Facts:
    """Shares, sectors and responsible units of the indicators, read as plain values."""

    shares: dict[int, list[tuple]]
    sectors: dict[int, list[int]]
    owners: dict[int, str]

    @classmethod
    def of(cls, indicator_ids: list[int]) -> _Facts:
        shares: dict[int, list[tuple]] = defaultdict(list)
        for ind, a, sec in IndicatorShare.objects.filter(
            indicator_id__in=indicator_ids
        ).values_list("indicator_id", "area_id", "sector_id"):
            shares[ind].append((a, sec))
        sectors: dict[int, list[int]] = defaultdict(list)
        for ind, sec in Indicator.sectors.through.objects.filter(
            indicator_id__in=indicator_ids
        ).values_list("indicator_id", "sector_id"):
            sectors[ind].append(sec)
        owners: dict[int, list[str]] = defaultdict(list)
        for ind, name in Indicator.responsible.through.objects.filter(
            indicator_id__in=indicator_ids
        ).values_list("indicator_id", "organisation__name"):
            owners[ind].append(name)
        return cls(shares, sectors, {k: "、".join(v) for k, v in owners.items()})


def _scopes_for(user, indicator: Indicator, areas: dict, sectors: dict, facts: _Facts):
    office = permissions.is_office(user)
    shares = facts.shares.get(indicator.pk, [])
    if indicator.split == Split.AREA:
        shared = [a for a, _s in shares if a]
        scope_areas = [areas[a] for a in shared if a in areas] if shared else list(areas.values())
        if not office:
            mine = permissions.user_area_id(user)
            scope_areas = [a for a in scope_areas if a.pk == mine]
        return [(a, None) for a in scope_areas]
    if not office and not permissions.can_report(user, indicator):
        return []
    if indicator.split == Split.SECTOR:
        ids = [sec for _a, sec in shares if sec] or facts.sectors.get(indicator.pk, [])
        scoped = [sectors[i] for i in ids if i in sectors] if ids else list(sectors.values())
        return [(None, sec) for sec in scoped]
    return [(None, None)]


def _cache_key(user, today: date, *parts) -> str:
    revision = Revision.current("programme")
    scope = (
        "office"
        if permissions.is_office(user)
        else f"org{user.organisation_id}:{permissions.user_area_id(user)}"
    )
    raw = f"{scope}|{today}|{parts}|{revision}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _memoised(key: str, build):
    found = _memo.get(key)
    if found is None:
        found = build()
        if len(_memo) >= 64:
            _memo.clear()
        _memo[key] = found
    return found


# Recent results of this process, keyed by who asks and the data revision (no pickling).
_memo: dict[str, object] = {}


@dataclass(slots=True)
class _Group:
    """One indicator's ended period: the scopes owing a value and what was submitted."""

    indicator: Indicator
    span: Span
    due: date
    period_id: int | None
    scopes: list[tuple]  # (area, sector, area_id, sector_id)
    counts: dict[str, int]
    owner: str = ""


def _visible_rows(user, indicators, area_id):
    rows = Submission.objects.filter(indicator__in=indicators).exclude(status=S.SUPERSEDED)
    if area_id is not None:
        return rows.filter(area_id=area_id)
    if not permissions.is_office(user):
        mine = permissions.user_area_id(user)
        return (
            rows.filter(Q(area_id=mine) | Q(area__isnull=True))
            if mine
            else rows.filter(area__isnull=True)
        )
    return rows


def _groups(user, today: date, indicator, area_id) -> list[_Group]:
    """Every (indicator, ended period) the user answers for, with per-state counts computed in
    the database (no row per value is read)."""
    indicators = Indicator.objects.filter(kind=Kind.REPORTED)
    if indicator is not None:
        indicators = indicators.filter(pk=indicator.pk)
    indicators = list(indicators)
    facts = _Facts.of([i.pk for i in indicators])
    areas = {a.pk: a for a in Area.objects.all() if area_id is None or a.pk == area_id}
    sectors = {s.pk: s for s in Sector.objects.all()}
    period_ids = {
        (f, start): pk for pk, f, start in Period.objects.values_list("pk", "frequency", "start")
    }
    # (indicator, period, state) → n; an open correction of an approved value (replaces set)
    # does not count again.
    tally: dict[tuple, dict[str, int]] = {}
    approved, submitted = S.APPROVED.value, S.SUBMITTED.value
    for ind_id, period_id, status, late, n in (
        _visible_rows(user, indicators, area_id)
        .filter(Q(status=S.APPROVED) | Q(replaces__isnull=True))
        .values_list("indicator_id", "period_id", "status", "is_late")
        .annotate(n=Count("id"))
        .order_by()
    ):
        state = LATE if late and (status == submitted or status == approved) else status
        found = tally.setdefault((ind_id, period_id), {})
        found[state] = found.get(state, 0) + n
    out: list[_Group] = []
    draft = S.DRAFT.value
    for ind in indicators:
        if area_id is not None and ind.split != Split.AREA:
            continue
        scopes = _scopes_for(user, ind, areas, sectors, facts)
        if not scopes:
            continue
        keys = [(a, s, a.pk if a else None, s.pk if s else None) for a, s in scopes]
        owner = facts.owners.get(ind.pk, "")
        n_keys = len(keys)
        for span in spans(ind.frequency, ind.start_date, min(ind.deadline, today)):
            if span.end >= today:
                continue
            due = span.end + timedelta(days=ind.due_days)
            overdue = today > due
            period_id = period_ids.get((span.frequency, span.start))
            counts: dict[str, int] = {}
            filled = 0
            for state, n in tally.get((ind.pk, period_id), {}).items():
                if state == draft and overdue:
                    state = MISSING
                counts[state] = counts.get(state, 0) + n
                filled += n
            if filled < n_keys:
                gap = MISSING if overdue else DUE
                counts[gap] = counts.get(gap, 0) + n_keys - filled
            out.append(_Group(ind, span, due, period_id, keys, counts, owner))
    out.sort(key=lambda g: (g.span.end, -g.indicator.position), reverse=True)
    return out


def _expand(
    user, groups: list[_Group], today: date, area_id, states: set[str] | None
) -> list[Obligation]:
    """The obligations of these groups, one per scope (reading only these groups' values)."""
    if states is not None:
        groups = [g for g in groups if any(g.counts.get(s) for s in states)]
    if not groups:
        return []
    wanted = {(g.indicator.pk, g.period_id) for g in groups}
    subs: dict[tuple, tuple] = {}
    rows = (
        _visible_rows(user, list({g.indicator.pk: g.indicator for g in groups}.values()), area_id)
        .filter(period_id__in={g.period_id for g in groups if g.period_id})
        .values_list("indicator_id", "period_id", "area_id", "sector_id", "status", "is_late", "id")
        .order_by("id")
    )
    for ind_id, period_id, a, s, status, late, pk in rows:
        if (ind_id, period_id) not in wanted:
            continue
        k = (ind_id, period_id, a, s)
        # an approved value wins over a correction still open for the same period
        if k not in subs or subs[k][0] != S.APPROVED:
            subs[k] = (status, late, pk)
    out = []
    for g in groups:
        overdue = today > g.due
        for area, sector, a_id, s_id in g.scopes:
            found = subs.get((g.indicator.pk, g.period_id, a_id, s_id))
            if found is None:
                state, pk = (MISSING if overdue else DUE), None
            else:
                status, late, pk = found
                state = LATE if late and status in (S.SUBMITTED, S.APPROVED) else status
                if status == S.DRAFT and overdue:
                    state = MISSING
            if states is None or state in states:
                out.append(Obligation(g.indicator, g.span, g.due, area, sector, state, pk, g.owner))
    return out


def obligations_for(
    user,
    *,
    today: date | None = None,
    indicator: Indicator | None = None,
    area_id=None,
    states: set[str] | None = None,
) -> list[Obligation]:
    """Every ended period's obligation the user (office: everyone) answers for, newest first;
    only those in `states` if given (then only periods with such obligations are read)."""
    today = today or timezone.localdate()
    if not permissions.can_view_programme(user):
        return []
    groups = _memoised(
        "g" + _cache_key(user, today, indicator and indicator.pk, area_id),
        lambda: _groups(user, today, indicator, area_id),
    )
    key = "o" + _cache_key(user, today, indicator and indicator.pk, area_id, sorted(states or []))
    return _memoised(key, lambda: _expand(user, groups, today, area_id, states))


def summary_for(user, *, today: date | None = None, area_id=None) -> dict[str, int]:
    """How many obligations of the user are in each state, counted in the database without a
    row per period: what is owed is arithmetic (scopes × ended periods), what was submitted
    comes from two grouped queries (all ended periods; those not yet past their due date)."""
    today = today or timezone.localdate()
    if not permissions.can_view_programme(user):
        return counts([])
    return _memoised(
        "s" + _cache_key(user, today, None, area_id), lambda: _summary(user, today, area_id)
    )


def _summary(user, today: date, area_id) -> dict[str, int]:
    indicators = list(Indicator.objects.filter(kind=Kind.REPORTED))
    if area_id is not None:
        indicators = [i for i in indicators if i.split == Split.AREA]
    facts = _Facts.of([i.pk for i in indicators])
    areas = {a.pk: a for a in Area.objects.all() if area_id is None or a.pk == area_id}
    sectors = {s.pk: s for s in Sector.objects.all()}
    period_ids = {
        (f, start): pk for pk, f, start in Period.objects.values_list("pk", "frequency", "start")
    }
    expected_overdue = expected_open = 0
    owing: list[Indicator] = []
    open_pairs: list[tuple[int, int]] = []
    for ind in indicators:
        n = len(_scopes_for(user, ind, areas, sectors, facts))
        if not n:
            continue
        owing.append(ind)
        for span in spans(ind.frequency, ind.start_date, min(ind.deadline, today)):
            if span.end >= today:
                continue
            if today > span.end + timedelta(days=ind.due_days):
                expected_overdue += n
            else:
                expected_open += n
                if (pk := period_ids.get((span.frequency, span.start))) is not None:
                    open_pairs.append((ind.pk, pk))

    def tally(rows) -> dict[str, int]:
        out: dict[str, int] = {}
        for status, late, n in (
            rows.filter(Q(status=S.APPROVED) | Q(replaces__isnull=True), period__end__lt=today)
            .values_list("status", "is_late")
            .annotate(n=Count("id"))
            .order_by()
        ):
            state = LATE if late and status in (S.SUBMITTED.value, S.APPROVED.value) else status
            out[state] = out.get(state, 0) + n
        return out

    base = _visible_rows(user, owing, area_id)
    everything = tally(base)
    pending: dict[str, int] = {}
    if open_pairs:
        pairs = Q()
        for ind_id, period_id in open_pairs:
            pairs |= Q(indicator_id=ind_id, period_id=period_id)
        pending = tally(base.filter(pairs))
    out = dict.fromkeys(STATE_LABELS, 0)
    filled_overdue = filled_open = 0
    for state, n in everything.items():
        n_open = pending.get(state, 0)
        n_overdue = n - n_open
        filled_overdue += n_overdue
        filled_open += n_open
        out[MISSING if state == S.DRAFT.value else state] += n_overdue
        out[state] += n_open
    out[MISSING] += max(0, expected_overdue - filled_overdue)
    out[DUE] += max(0, expected_open - filled_open)
    return _totals(out)


def _totals(out: dict[str, int]) -> dict[str, int]:
    out["outstanding"] = sum(out[s] for s in OUTSTANDING)
    out["late_or_missing"] = out[MISSING] + out[LATE]
    return out


def counts(items: list[Obligation]) -> dict[str, int]:
    out = dict.fromkeys(STATE_LABELS, 0)
    for o in items:
        out[o.state] += 1
    return _totals(out)
