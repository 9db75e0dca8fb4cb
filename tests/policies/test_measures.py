"""The city pack's rules mirrored as measures: loaded with the pack, refused when broken."""

from __future__ import annotations

import shutil

import pytest

from aiplus.core.citypack import load_citypack
from aiplus.core.errors import ServiceError
from aiplus.policies import loader
from aiplus.policies.models import Measure

pytestmark = pytest.mark.django_db


def test_the_pack_loads_every_rule_as_a_measure(citypack):
    assert Measure.objects.count() == 36
    rental = Measure.objects.get(rule_id="js003-02-1-compute-rental")
    assert rental.row == 8 and rental.document_code == "JS003"
    assert "30%" in rental.clause and rental.spec["parameters"]["ratio"]
    assert Measure.objects.filter(manual="").count() == 35
    assert {m.row for m in Measure.objects.all()} == set(range(1, 35))
    rules = loader.rules_of_measures()
    assert len(rules) == 36 and {r.id for r in rules} == set(
        Measure.objects.values_list("rule_id", flat=True)
    )


def test_a_broken_rule_file_refuses_the_pack(db, tmp_path, settings):
    from pathlib import Path

    source = Path(settings.CITYPACKS_DIR) / "suzhou"
    pack = tmp_path / "suzhou"
    shutil.copytree(source, pack)
    (pack / "rules" / "zz-broken.yaml").write_text("id: broken\ntitle: x\n", encoding="utf-8")
    with pytest.raises(ServiceError, match="broken"):
        load_citypack(pack)
    assert not Measure.objects.exists()  # nothing half-loaded


def test_a_changed_rule_file_reloads_the_pack(db, tmp_path, settings):
    """The pack's digest covers sub-folders: editing a rule is not skipped as 'unchanged'."""
    from pathlib import Path

    pack = tmp_path / "suzhou"
    shutil.copytree(Path(settings.CITYPACKS_DIR) / "suzhou", pack)
    load_citypack(pack)
    assert load_citypack(pack).unchanged
    rule = pack / "rules" / "js003-02-1-compute-rental.yaml"
    rule.write_text(
        rule.read_text(encoding="utf-8").replace("智能算力租用补贴", "智能算力租用补贴（改）", 1),
        encoding="utf-8",
    )
    result = load_citypack(pack)
    assert not result.unchanged and result.updated["measures"] == 1
    assert "（改）" in Measure.objects.get(rule_id="js003-02-1-compute-rental").title


def test_the_rules_readme_lists_the_vocabulary_as_defined():
    from pathlib import Path

    from django.conf import settings

    from aiplus.policies import facts

    readme = Path(settings.CITYPACKS_DIR) / "suzhou" / "rules" / "README.md"
    assert facts.markdown_table() in readme.read_text(encoding="utf-8"), (
        "rules/README.md is out of date: paste facts.markdown_table() into it"
    )


def test_a_rule_naming_an_unknown_choice_refuses_the_pack(db, tmp_path, settings):
    """A typo in a rule file ("高新技术企 业") would otherwise make it silently never match."""
    from pathlib import Path

    pack = tmp_path / "suzhou"
    shutil.copytree(Path(settings.CITYPACKS_DIR) / "suzhou", pack)
    rule = pack / "rules" / "js003-02-1-compute-rental.yaml"
    rule.write_text(
        rule.read_text(encoding="utf-8").replace("has: 科技研发企业", "has: 科研企业", 1),
        encoding="utf-8",
    )
    with pytest.raises(ServiceError, match="科研企业"):
        load_citypack(pack)
    assert not Measure.objects.exists()


def test_the_same_condition_asks_the_same_question_in_every_rule():
    """Questions are merged by their text on the enterprise's page: one wording per condition."""
    from django.conf import settings

    from aiplus.policies import engine

    asked: dict[tuple, set[str]] = {}
    for rule in engine.load_rules(f"{settings.CITYPACKS_DIR}/suzhou/rules"):
        for c in rule.conditions:
            key = (c.fact, c.op, repr(c.value))
            asked.setdefault(key, set()).add(c.question)
    assert {k: v for k, v in asked.items() if len(v) > 1} == {}
