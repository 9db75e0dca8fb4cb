"""English translation (src/aiplus/locale/en): the language switch, translated nav and choice
labels, and a catalogue that is complete and compiled (django.mo matches django.po)."""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from aiplus.accounts.choices import Role
from aiplus.scenarios.choices import DemandStatus

NAV_ZH = '">场景需求</a>'
NAV_EN = '">Scenario demands</a>'
MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"


def read_po(path: Path) -> list[tuple[str, str, bool, str | None]]:
    """(msgid, msgstr, fuzzy, msgctxt) for each singular entry, header excluded. Enough of a PO
    parser for files written by makemessages: entries are blocks separated by blank lines."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields, field, fuzzy = {}, None, False
        for line in block.splitlines():
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith("#~"):
                fields, field = {}, None  # obsolete entry
                break
            elif line.startswith('"') and field:
                fields[field] += ast.literal_eval(line)
            elif line.startswith("msg"):
                field, _, literal = line.partition(" ")
                fields[field] = ast.literal_eval(literal)
        if fields.get("msgid") and "msgid_plural" not in fields:
            entries.append(
                (fields["msgid"], fields.get("msgstr", ""), fuzzy, fields.get("msgctxt"))
            )
    return entries


@pytest.fixture
def en_client(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/demands/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client


@pytest.mark.django_db
def test_default_language_is_chinese(citypack, client):
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert NAV_ZH in html
    assert NAV_EN not in html


@pytest.mark.django_db
def test_setlang_switches_the_nav_to_english(citypack, en_client):
    response = en_client.get("/demands/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert NAV_EN in html
    assert '">Demand lists</a>' in html
    assert NAV_ZH not in html
    # and back again
    en_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert NAV_ZH in en_client.get("/demands/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["cookie", "accept-language"])
def test_english_from_cookie_or_browser(citypack, client, how):
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = client.get("/demands/").content.decode()
    else:
        html = client.get(
            "/demands/", headers={"accept-language": "en-GB,en;q=0.9"}
        ).content.decode()
    assert NAV_EN in html
    assert NAV_ZH not in html


def test_choice_labels_translate():
    with translation.override("en"):
        assert str(DemandStatus.IN_TALKS.label) == "In talks"
        assert str(DemandStatus.PILOT.label) == "Pilot"
        assert str(Role.SUPPLIER.label) == "Supplier"
    with translation.override("zh-hans"):
        assert str(DemandStatus.IN_TALKS.label) == "对接中"


def test_catalogue_is_complete_and_compiled():
    entries = read_po(MESSAGES / "django.po")
    assert len(entries) > 300
    assert [m for m, s, fuzzy, _ in entries if fuzzy] == [], "remove #, fuzzy after checking"
    assert [m for m, s, _, _ in entries if not s] == [], "untranslated entries: run makemessages"
    with (MESSAGES / "django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [
        m
        for m, s, _, ctx in entries
        if (compiled.pgettext(ctx, m) if ctx else compiled.gettext(m)) != s
    ]
    assert stale == [], "django.mo is out of date: run compilemessages"
