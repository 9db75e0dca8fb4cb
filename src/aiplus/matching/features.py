"""Structured match features between a demand and a solution, with weights as data.

Inputs are plain dicts (the Django layer adapts its models):

demand::

    {"sector": "manufacturing", "area": "sip", "tags": ["机器视觉", "缺陷检测"],
     "budget_min": 300000, "budget_max": 800000}

solution (its supplier nested or flattened)::

    {"sector": "manufacturing" | "sectors": [...], "tags": [...], "price_from": 500000,
     "supplier": {"area": "sip", "areas": [...], "case_sectors": ["manufacturing", …],
                  "filings": 1, "certifications": ["ISO 27001"],
                  "selected_count": 2, "deployed_count": 1}}

Money is in one unit on both sides (the caller's choice, e.g. yuan). The weights live in
``data/weights.json``; its ``_doc`` block documents each one. Every feature returns a
:class:`Contribution` with a Chinese label, so explanations are built from the same numbers
that make the score.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .text import normalise

WEIGHTS_PATH = Path(__file__).resolve().parent / "data" / "weights.json"


@lru_cache(maxsize=1)
def _default_weights() -> dict[str, float]:
    raw = json.loads(WEIGHTS_PATH.read_text("utf-8"))
    return {k: float(v) for k, v in raw.items() if not k.startswith("_")}


def default_weights() -> dict[str, float]:
    """A fresh copy of the weights in ``data/weights.json``."""
    return dict(_default_weights())


def load_weights(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Default weights updated by ``overrides`` (e.g. from settings)."""
    w = default_weights()
    if overrides:
        unknown = set(overrides) - set(w)
        if unknown:
            raise KeyError(f"unknown weight(s): {', '.join(sorted(unknown))}")
        w.update({k: float(v) for k, v in overrides.items()})
    return w


@dataclass
class Contribution:
    """One feature's part of the final score."""

    key: str
    label: str  # Chinese label shown to people, e.g. "同领域"
    value: float
    detail: list[str] = field(default_factory=list)  # e.g. the matched tags

    def text_zh(self) -> str:
        """e.g. "技术标签重合：机器视觉、缺陷检测 +0.12"."""
        head = f"{self.label}：{'、'.join(self.detail)}" if self.detail else self.label
        return f"{head} {self.value:+.2f}"


@lru_cache(maxsize=65536)
def _norm_tag(tag: str) -> str:
    return normalise(tag)


def _tagset(values: Iterable[Any] | None) -> dict[str, str]:
    """Normalised tag → display form."""
    out: dict[str, str] = {}
    for v in values or ():
        s = str(v).strip()
        if s:
            out.setdefault(_norm_tag(s), s)
    return out


def _num(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _supplier(solution: Mapping[str, Any]) -> Mapping[str, Any]:
    sup = solution.get("supplier")
    return sup if isinstance(sup, Mapping) else solution


def _sectors(item: Mapping[str, Any]) -> set[str]:
    out = set()
    if item.get("sector"):
        out.add(str(item["sector"]))
    out.update(str(s) for s in item.get("sectors") or () if s)
    return out


def compute_features(
    demand: Mapping[str, Any],
    solution: Mapping[str, Any],
    *,
    weights: Mapping[str, float] | None = None,
    area_specialisations: Mapping[str, Iterable[str]] | None = None,
) -> list[Contribution]:
    """Every structured feature's contribution for one demand–solution pair.

    Features with no data on either side contribute nothing (they are left out of the list),
    so a sparse record is not punished except by the budget penalty, which needs both figures.
    """
    w = weights if weights is not None else _default_weights()
    out: list[Contribution] = []

    # 同领域 — same sector
    d_sec, s_sec = _sectors(demand), _sectors(solution)
    if d_sec and s_sec and d_sec & s_sec:
        out.append(Contribution("same_sector", "同领域", w["same_sector"]))

    # 同区域 / 区域重点方向 — same area, the area's specialisations
    sup = _supplier(solution)
    d_area = demand.get("area")
    s_areas = {str(a) for a in ([sup.get("area")] + list(sup.get("areas") or ())) if a}
    if d_area and str(d_area) in s_areas:
        out.append(Contribution("same_area", "同区域", w["same_area"]))
    s_tags = _tagset(solution.get("tags"))
    if d_area and area_specialisations and s_tags:
        spec = _tagset(area_specialisations.get(str(d_area)))
        hit = [spec[t] for t in spec if t in s_tags]
        if hit:
            share = len(hit) / max(len(spec), 1)
            share = max(share, 1.0 / 3)  # one matching specialisation already counts a third
            out.append(
                Contribution(
                    "area_specialisation",
                    "契合区域重点方向",
                    w["area_specialisation"] * min(1.0, share),
                    hit,
                )
            )

    # 技术标签重合 — Jaccard of technology tags
    d_tags = _tagset(demand.get("tags"))
    if d_tags and s_tags:
        inter = [d_tags[t] for t in d_tags if t in s_tags]
        if inter:
            jac = len(inter) / len(set(d_tags) | set(s_tags))
            out.append(Contribution("tag_overlap", "技术标签重合", w["tag_overlap"] * jac, inter))

    # 预算匹配 — price_from against the demand's budget range
    price = _num(solution.get("price_from"))
    bmax = _num(demand.get("budget_max"))
    if bmax is None:
        bmax = _num(demand.get("budget"))
    if price is not None and bmax is not None and bmax > 0:
        if price <= bmax:
            out.append(Contribution("budget_fit", "预算匹配", w["budget_fit"]))
        elif price <= bmax * w["budget_tolerance"]:
            out.append(Contribution("budget_fit", "预算略超", w["budget_fit"] / 2))
        else:
            out.append(Contribution("budget_fit", "报价高于预算", -w["budget_over_penalty"]))

    # 供给方实力 — evidence
    cases = sup.get("case_sectors")
    if cases and d_sec:
        n = sum(1 for c in cases if str(c) in d_sec)
        if n:
            cap = max(w["evidence_cases_cap"], 1)
            out.append(
                Contribution(
                    "evidence_cases",
                    "同领域案例",
                    w["evidence_cases"] * min(n, cap) / cap,
                    [f"{n} 个"],
                )
            )
    filings = _num(sup.get("filings"))
    if filings and filings > 0:
        out.append(Contribution("evidence_filings", "已备案", w["evidence_filings"]))
    certs = sup.get("certifications") or ()
    if isinstance(certs, int | float):
        n_cert = int(certs)
        cert_names: list[str] = []
    else:
        cert_names = [str(c) for c in certs]
        n_cert = len(cert_names)
    if n_cert:
        out.append(
            Contribution(
                "evidence_certifications",
                "资质认证",
                w["evidence_certifications"] * min(n_cert, 3) / 3,
                cert_names[:3],
            )
        )

    # 历史成效 — past outcomes
    sel = _num(sup.get("selected_count")) or 0.0
    dep = _num(sup.get("deployed_count")) or 0.0
    x = sel + 2 * dep
    if x > 0:
        cap = max(w["outcomes_cap"], 1)
        val = w["outcomes"] * min(1.0, math.log1p(x) / math.log1p(cap))
        detail = [f"入选 {int(sel)} 次", f"落地 {int(dep)} 次"]
        out.append(Contribution("outcomes", "历史成效", val, detail))
    return [c for c in out if c.value != 0]  # a zero weight switches a feature off


def feature_score(contributions: Iterable[Contribution]) -> float:
    """Sum of contributions."""
    return float(sum(c.value for c in contributions))
