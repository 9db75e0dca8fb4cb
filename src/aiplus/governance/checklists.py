"""Reading a demand's risk checklists, and the lifecycle gate built on them.

`current` gives the stored checklist of a stage, or an unsaved draft prefilled from the
demand's flags (the deployment checklist from the pilot one's answers, when there is one);
`stages` gives both for the demand page; `gate` is registered with `scenarios.gates` so that a
demand moves to 试点 only with its signed pilot checklist, and to 落地 only with its signed
deployment checklist.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiplus.scenarios.choices import DemandStatus

from . import checklist
from .models import RiskChecklist

Stage = RiskChecklist.Stage

# The demand status each stage's checklist opens.
GATED = {DemandStatus.PILOT: Stage.PILOT, DemandStatus.DEPLOYED: Stage.DEPLOYMENT}
FLAGS = [item.flag for item in checklist.ITEMS if item.flag]


def prefill(demand, stage: str) -> dict:
    """Answers for a checklist not yet saved: the pilot checklist's for deployment, else the
    demand's flags."""
    if stage == Stage.DEPLOYMENT:
        pilot = RiskChecklist.objects.filter(demand_id=demand.pk, stage=Stage.PILOT).first()
        if pilot is not None:
            return checklist.normalise(pilot.answers)
    return checklist.prefill({flag: getattr(demand, flag, False) for flag in FLAGS})


def current(demand, stage: str) -> RiskChecklist:
    """The stored checklist, or an unsaved prefilled draft (its `pk` is None)."""
    found = RiskChecklist.objects.filter(demand_id=demand.pk, stage=stage).first()
    if found is not None:
        return found
    return RiskChecklist(demand=demand, stage=stage, answers=prefill(demand, stage))


@dataclass
class StageStatus:
    stage: str
    label: str
    checklist: RiskChecklist | None  # None: not yet saved
    missing: list[str]  # titles of the incomplete items

    @property
    def signed(self) -> bool:
        return self.checklist is not None and self.checklist.is_signed

    @property
    def state(self) -> str:
        if self.checklist is None:
            return "empty"
        return self.checklist.status


def stages(demand) -> list[StageStatus]:
    """Both stages' checklists of a demand, in lifecycle order, for the demand page."""
    stored = {c.stage: c for c in RiskChecklist.objects.filter(demand_id=demand.pk)}
    out = []
    for stage in Stage:
        found = stored.get(stage.value)
        answers = found.answers if found else None
        out.append(
            StageStatus(
                stage=stage.value,
                label=str(stage.label),
                checklist=found,
                missing=[str(item.title) for item, _why in checklist.incomplete(answers)],
            )
        )
    return out


def gate(demand, to_status: str) -> str | None:
    """Why the demand may not move to `to_status` yet (its checklist unsigned), or None."""
    stage = GATED.get(to_status)
    if stage is None:
        return None
    found = RiskChecklist.objects.filter(demand_id=demand.pk, stage=stage).first()
    if found is not None and found.is_signed:
        return None
    if found is None:
        state = "尚未填写"
    else:
        missing = [str(item.title) for item, _why in checklist.incomplete(found.answers)]
        state = "尚未签署" + (f"，未完成的检查项：{'、'.join(missing)}" if missing else "")
    return (
        f"需求进入“{DemandStatus(to_status).label}”前，需求方须填写并签署"
        f"{stage.label}风险检查清单（{state}）。"
    )
