"""What a voucher programme pays for an enterprise's compute: the policy engine's rules (the
programme names them by id), the enterprise's profile facts, the order as a compute-rental
contract, and what the ledger says the enterprise already used this year.

There is no second rules engine here: ratio, caps, eligibility, dates of force and 就高不重复
come from the rules (`citypacks/<city>/rules/`). This module only frames the question — "this
enterprise rents compute for this much on this day" — and turns the answer into a quote with a
share of the cost the voucher pays and a trace such as
"30% × 1,200,000 = 360,000 元 · 2026 年度上限 2,000,000 元，本年已获 360,000 元，剩余额度 1,640,000 元".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from aiplus.policies import engine
from aiplus.policies import services as policy_services
from aiplus.policies.models import EnterpriseProfile

from . import ledger
from .models import VoucherProgramme

ZERO = Decimal(0)


@dataclass
class Quote:
    status: str  # engine status of the best rule, or "none" when the programme has no rule
    amount: Decimal = ZERO
    rule_id: str = ""
    rule_title: str = ""
    trace: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)

    def share_of(self, cost: Decimal) -> Decimal:
        """The part of each yuan of cost the voucher pays (rounded down, never above 1)."""
        if cost <= 0 or self.amount <= 0:
            return ZERO
        return min(Decimal(1), (self.amount / cost).quantize(Decimal("0.0001"), ROUND_DOWN))

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "amount": str(self.amount),
            "rule": self.rule_id,
            "rule_title": self.rule_title,
            "trace": list(self.trace),
            "needs": list(self.needs),
        }


def programme_rules(programme: VoucherProgramme) -> list[engine.Rule]:
    by_id = {r.id: r for r in policy_services.rules()}
    return [by_id[i] for i in programme.rule_ids if i in by_id]


def facts_for(
    enterprise,
    programme: VoucherProgramme,
    rules,
    cost: Decimal,
    day: dt.date,
    pending=ZERO,
    *,
    end: dt.date | None = None,
    ref: str = "",
):
    """The enterprise's profile facts with this rental as its only contract and this year's
    ledger use (plus `pending`: what a proposal already counts for it) as earlier grants of
    each of the programme's 就高不重复 groups."""
    profile = EnterpriseProfile.objects.filter(organisation=enterprise).first()
    facts = dict(profile.facts) if profile else {}
    contract = {
        "kind": "compute_rental",
        "amount": cost,
        "date": day.isoformat(),
        "start": day.isoformat(),
        "end": (end or day).isoformat(),
        "related_party": False,  # the platform's providers are not the enterprise's own
    }
    if ref:
        contract["id"] = ref
    facts["contracts"] = [contract]
    used = ledger.used_by(programme, enterprise.pk, day.year) + pending
    keys = {r.exclusive for r in rules}
    grants = [g for g in facts.get("grants") or () if g.get("rule") not in keys]
    if used:
        grants += [{"rule": key, "year": day.year, "amount": used} for key in sorted(keys)]
    facts["grants"] = grants
    return facts, used


def quote(
    programme: VoucherProgramme,
    enterprise,
    cost: Decimal,
    day: dt.date,
    *,
    pending=ZERO,
    end: dt.date | None = None,
    ref: str = "",
) -> Quote:
    """What the programme would pay towards `cost` of compute used from `day` (`pending`: what
    a proposal already counts for this enterprise on top of the ledger)."""
    rules = programme_rules(programme)
    if not rules:
        return Quote("none", trace=["本计划未配置算力券规则"])
    if not programme.valid_from <= day <= programme.valid_to:
        return Quote(
            engine.NOT_ELIGIBLE,
            trace=[f"{day} 不在计划有效期 {programme.valid_from} 至 {programme.valid_to} 内"],
        )
    facts, used = facts_for(enterprise, programme, rules, cost, day, pending, end=end, ref=ref)
    results = engine.evaluate_all(rules, facts, on=day, trace=True)
    eligible = [r for r in results if r.status == engine.ELIGIBLE]
    if not eligible:
        needs = [q for r in results for q in r.needs]
        status = engine.NEEDS_INFO if needs else engine.NOT_ELIGIBLE
        trace = [s.text for r in results for s in r.steps]
        return Quote(status, trace=trace, needs=list(dict.fromkeys(needs)))
    best = max(eligible, key=lambda r: r.amount)
    amount = best.amount
    trace = [s.text for s in best.steps]
    rule = best.rule
    if rule.amount is not None and not rule.amount.ratio:
        # A voucher of a face value pays the cost up to what is left of that face value.
        face = amount
        left = max(ZERO, face - used)
        amount = min(left, cost)
        trace.append(
            f"面额 {engine.yuan(face)} 元，已用 {engine.yuan(used)} 元，"
            f"本次可抵 {engine.yuan(amount)} 元（不超过费用 {engine.yuan(cost)} 元）"
        )
    return Quote(
        engine.ELIGIBLE, ledger.fen(amount), rule.id, rule.title, trace, needs=list(best.needs)
    )
