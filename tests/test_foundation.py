"""The shared foundation: the city pack, settings that refuse insecure defaults, the CLI."""

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aiplus.core.citypack import load_citypack
from aiplus.core.errors import ServiceError
from aiplus.core.models import Area, Aspect, CityPack, DemanderType, Sector

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "citypacks" / "suzhou"
SHARED = ROOT.parent / "shared" / "reference" / "suzhou"

pytestmark = pytest.mark.django_db


def test_suzhou_pack_holds_the_15_sectors_10_areas_and_7_aspects():
    load_citypack("suzhou")
    assert list(Sector.objects.values_list("name", flat=True)) == [
        "制造",
        "金融",
        "科研",
        "低空经济",
        "建筑",
        "交通",
        "医疗",
        "教育",
        "能源",
        "文旅",
        "消费",
        "人力资源",
        "农业",
        "社会治理",
        "政务服务",
    ]
    assert Area.objects.count() == 10
    assert Aspect.objects.count() == 7
    assert {"制造业龙头企业", "行政事业单位", "国企", "医院", "养老机构", "体育机构"} <= set(
        DemanderType.objects.values_list("name", flat=True)
    )
    sip = Area.objects.get(name="苏州工业园区")
    assert sip.specialisations == ["大模型", "具身智能", "工业软件"]
    assert "JS002" in sip.source


def test_loading_twice_changes_nothing():
    first = load_citypack("suzhou")
    snapshot = [(s.pk, s.name, s.position) for s in Sector.objects.all()]
    second = load_citypack("suzhou")
    assert first.created["sectors"] == 15
    assert second.unchanged
    assert [(s.pk, s.name, s.position) for s in Sector.objects.all()] == snapshot
    assert CityPack.objects.count() == 1


def test_a_changed_pack_updates_rows_in_place(tmp_path):
    pack = tmp_path / "suzhou"
    shutil.copytree(PACK, pack)
    load_citypack(pack)
    rows = list(csv.DictReader((pack / "sectors.csv").open(encoding="utf-8")))
    rows[0]["name_en"] = "Smart manufacturing"
    with (pack / "sectors.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = load_citypack(pack)
    assert result.updated["sectors"] == 1
    assert Sector.objects.get(code="manufacturing").name_en == "Smart manufacturing"
    assert Sector.objects.count() == 15


def test_a_broken_pack_is_refused_and_writes_nothing(tmp_path):
    pack = tmp_path / "broken"
    shutil.copytree(PACK, pack)
    (pack / "areas.csv").write_text("code,name,kind\n,没有代码,district\n", encoding="utf-8")
    with pytest.raises(ServiceError, match="缺少 code"):
        load_citypack(pack)
    assert not Sector.objects.exists()
    with pytest.raises(ServiceError, match="找不到城市包"):
        load_citypack("atlantis")


@pytest.mark.skipif(not SHARED.exists(), reason="shared/reference not beside the checkout")
def test_pack_areas_match_the_sourced_reference_file():
    ref = {
        r["area"]: r["specialisations"]
        for r in csv.DictReader(
            (SHARED / "suzhou_district_specialisations.csv").open(encoding="utf-8")
        )
    }
    pack = {
        r["name"]: r["specialisations"]
        for r in csv.DictReader((PACK / "areas.csv").open(encoding="utf-8"))
    }
    assert pack == ref


def test_passwords_are_hashed_with_argon2():
    from aiplus import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    assert hasher.encode("x", hasher.salt()).startswith("argon2$")


def test_production_mode_refuses_the_development_secret_key():
    code = "import aiplus.settings"
    env = {"AIPLUS_ENV": "production", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    env["SECRET_KEY"] = "x" * 50
    env["DEBUG"] = "1"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "DEBUG" in result.stderr


def test_the_aiplus_command_accepts_dashes_in_command_names():
    from aiplus.cli import normalise

    assert normalise(["aiplus", "load-citypack", "suzhou"]) == ["aiplus", "load_citypack", "suzhou"]
    assert normalise(["aiplus", "--help"]) == ["aiplus", "--help"]


def test_the_aiplus_console_script_runs_a_command():
    # A separate process: management commands close the database connections they used.
    aiplus = Path(sys.executable).with_name("aiplus")
    result = subprocess.run(
        [str(aiplus), "help", "load-citypack"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "city pack" in result.stdout


def test_choice_labels_match_djangos_display_in_each_language():
    from django.db import models
    from django.utils import translation

    from aiplus.catalogue.models import Entry
    from aiplus.scenarios.choices import DemandStatus
    from aiplus.scenarios.models import Demand

    field = Demand._meta.get_field("status")
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            for value in [*DemandStatus.values, "no-such-status"]:
                demand = Demand(status=value)
                assert demand.get_status_display() == models.Model._get_FIELD_display(demand, field)
            entry = Entry(kind=Entry._meta.get_field("kind").choices[0][0])
            assert entry.get_kind_display() == str(Entry._meta.get_field("kind").choices[0][1])
    with translation.override("en"):
        assert Demand(status=DemandStatus.PUBLISHED).get_status_display() != str(
            DemandStatus.PUBLISHED.value
        )
