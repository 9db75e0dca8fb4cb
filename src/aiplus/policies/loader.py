"""Mirror the city pack's rules (`rules/*.yaml`) as `Measure` rows (called by load_citypack).
A broken rule file refuses the whole pack; a measure whose rule file is gone is deleted."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from aiplus.core.citypack import upsert
from aiplus.core.errors import ServiceError

from . import engine, facts
from .models import Measure, PolicyDocument


def _jsonable(spec: dict) -> dict:
    return json.loads(json.dumps(spec, ensure_ascii=False, default=str))


def load_measures(path: Path, meta: dict, read_csv) -> tuple[int, int]:
    folder = path / "rules"
    if not folder.is_dir():
        return 0, 0
    try:
        rules = engine.load_rules(folder)
    except (engine.RuleError, yaml.YAMLError) as exc:
        raise ServiceError(f"城市包规则有误：{exc}") from exc
    problems = [p for rule in rules for p in facts.problems_of(rule)]
    if problems:
        raise ServiceError("城市包规则与事实词表不符：" + "；".join(problems[:10]))
    specs = {}
    for file in sorted(folder.glob("*.yaml")):
        data = engine.read_yaml(file)
        for spec in data if isinstance(data, list) else [data]:
            specs[str(spec["id"])] = _jsonable(spec)
    documents = {d.code: d for d in PolicyDocument.objects.all()}
    created = updated = 0
    for position, rule in enumerate(sorted(rules, key=lambda r: (r.row or 999, r.id)), start=1):
        values = {
            "document": documents.get(rule.document),
            "document_code": rule.document,
            "row": rule.row,
            "title": rule.title[:200],
            "article": rule.measure[:200],
            "clause": rule.clause,
            "beneficiary": rule.beneficiary[:300],
            "instrument": rule.instrument[:50],
            "responsible": "、".join(rule.responsible)[:300],
            "valid_from": rule.valid_from,
            "valid_to": rule.valid_to,
            "exclusive": rule.exclusive[:100],
            "up_to": rule.up_to,
            "manual": rule.manual[:300],
            "spec": specs.get(rule.id, {}),
            "position": position,
        }
        _obj, done = upsert(Measure, {"rule_id": rule.id}, values)
        created += done == "created"
        updated += done == "updated"
    Measure.objects.exclude(rule_id__in=[r.id for r in rules]).delete()
    return created, updated


def rules_of_measures(measures=None) -> list[engine.Rule]:
    """Engine rules from the stored specs (what the platform evaluates)."""
    qs = measures if measures is not None else Measure.objects.all()
    return [engine.Rule.parse(m.spec, source=m.rule_id) for m in qs if m.spec]
