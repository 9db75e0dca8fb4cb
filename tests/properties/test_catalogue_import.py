"""Properties of the catalogue CSV import (`catalogue.io.import_entries_csv`).

Valid rows (Chinese or English headers in any order, codes or labels, UTF-8 with or without
BOM, GB18030, tab-separated) import exactly as written. Damaged files either import every row
or return every row's problems and write nothing — a file that cannot be read at all is a
`ServiceError`; no other exception, whatever the bytes.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation
from hypothesis import event, given
from hypothesis import strategies as st

from aiplus.accounts.choices import Role
from aiplus.catalogue.choices import Access, Kind, Licence, Task
from aiplus.catalogue.io import LABELS, import_entries_csv
from aiplus.catalogue.models import Entry, File, Version
from aiplus.core.errors import ServiceError
from aiplus.core.models import AuditEntry, Tag

from ..factories import make_user
from .support import GARBAGE, counts, fast, nonblank, rolled_back

pytestmark = pytest.mark.django_db

MODELS = (Entry, Version, File, AuditEntry, Tag)
SECTORS = ["transport", "交通", "制造", "manufacturing", "医疗", "金融"]
SECTOR_CODES = {
    "交通": "transport",
    "制造": "manufacturing",
    "医疗": "healthcare",
    "金融": "finance",
}
# (field, Chinese header, English header)
COLUMNS = [
    ("kind", "类型", "kind"),
    ("title", "名称", "title"),
    ("sector", "领域", "sector"),
    ("summary", "一句话介绍", "summary"),
    ("task", "任务", "task"),
    ("languages", "语言", "languages"),
    ("licence", "许可", "licence"),
    ("access", "开放级别", "access"),
    ("risks", "风险与局限", "risks"),
    ("record_count", "记录数", "record_count"),
    ("version", "版本号", "version"),
]


@pytest.fixture
def owner(citypack):
    return make_user(Role.SUPPLIER, username="owner")


def _labels(choices) -> dict[str, str]:
    """code → Chinese label, as the pages show it."""
    with translation.override(None):
        return {value: str(label) for value, label in choices.choices}


def _choice(choices, draw) -> tuple[str, str]:
    """(what the cell says: the code or its label, the code)."""
    code = draw(st.sampled_from(list(choices.values)))
    return draw(st.sampled_from([code, _labels(choices)[code]])), code


def _plain(s: str) -> bool:
    return bool(s) and not s.startswith("'") and "\x00" not in s


@st.composite
def entry_rows(draw):
    """(header, rows as lists of text, expected fields of each entry)."""
    english = draw(st.booleans())
    fields = draw(st.permutations([c for c in COLUMNS]))
    titles = draw(
        st.lists(
            nonblank(40, _plain),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    rows, expected = [], []
    for title in titles:
        kind_cell, kind = _choice(Kind, draw)
        task_cell, task = _choice(Task, draw)
        licence_cell, licence = _choice(Licence, draw)
        access_cell, access = _choice(Access, draw)
        sector = draw(st.sampled_from(SECTORS))
        records = draw(st.integers(0, 10**12))
        values = {
            "kind": kind_cell,
            "title": title,
            "sector": sector,
            "summary": draw(nonblank(60, _plain)),
            "task": task_cell,
            "languages": draw(st.sampled_from(["", "zh", "中文、英文", "en|ja", "英语"])),
            "licence": licence_cell,
            "access": access_cell,
            "risks": draw(nonblank(40, _plain)),
            "record_count": draw(st.sampled_from([str(records), f"{records:,}"])),
            "version": draw(st.sampled_from(["", "1.0", "2025.03", "v2"])),
        }
        rows.append([values[f] for f, _, _ in fields])
        expected.append(
            {
                "kind": kind,
                "title": title,
                "summary": values["summary"],
                "task": task,
                "licence": licence,
                "access": access,
                "sector": SECTOR_CODES.get(sector, sector),
                "record_count": records,
                "versions": [values["version"]] if values["version"] else [],
            }
        )
    header = [en if english else zh for _, zh, en in fields]
    return header, rows, expected


def to_csv(header, rows, *, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def encode(text_: str, encoding: str) -> bytes:
    try:
        return text_.encode(encoding)
    except UnicodeEncodeError:
        return text_.encode("utf-8-sig")


@fast(30)
@given(data=st.data())
def test_valid_rows_import_exactly_as_written(owner, data):
    header, rows, expected = data.draw(entry_rows())
    delimiter = data.draw(st.sampled_from([",", "\t"]))
    body = encode(
        to_csv(header, rows, delimiter=delimiter),
        data.draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])),
    )
    with rolled_back():
        before = counts(*MODELS)
        result = import_entries_csv(actor=owner, data=body)
        assert result.ok, result.errors
        assert result.rows == len(rows) and len(result.created) == len(rows)
        got = []
        for pk in result.entry_ids:
            entry = Entry.objects.select_related("sector").get(pk=pk)
            got.append(
                {
                    "kind": entry.kind,
                    "title": entry.title,
                    "summary": entry.summary,
                    "task": entry.task,
                    "licence": entry.licence,
                    "access": entry.access,
                    "sector": entry.sector.code if entry.sector else "",
                    "record_count": entry.record_count,
                    "versions": list(entry.versions.values_list("version", flat=True)),
                }
            )
            assert entry.owner_id == owner.organisation_id
        assert got == expected
        assert counts(Entry)["Entry"] == before["Entry"] + len(rows)


@fast(20)
@given(data=st.data())
def test_a_dry_run_writes_nothing(owner, data):
    header, rows, _ = data.draw(entry_rows())
    with rolled_back():
        before = counts(*MODELS)
        result = import_entries_csv(actor=owner, data=to_csv(header, rows).encode(), dry_run=True)
        assert result.ok and result.created == [] and result.rows == len(rows)
        assert counts(*MODELS) == before


def _cell(value) -> str:
    return "" if value is None else str(value)


@st.composite
def messy_files(draw):
    """Valid rows, damaged: garbage cells, unknown, duplicated or missing headers, short rows,
    duplicated titles, odd encodings; or any bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(
            st.one_of(
                st.binary(max_size=300),
                st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe\x00\x00", "类型\n".encode()]),
            )
        )
    header, rows, _ = draw(entry_rows())
    header, rows = list(header), [list(r) for r in rows]
    for _ in range(draw(st.integers(1, 4))):
        kinds = ["cell"] * 5 + ["header", "dup", "short", "twin"]
        what = draw(st.sampled_from(kinds))
        if what == "cell":
            r = draw(st.integers(0, len(rows) - 1))
            c = draw(st.integers(0, len(header) - 1))
            rows[r] += [""] * (c + 1 - len(rows[r]))
            rows[r][c] = _cell(draw(GARBAGE))
        elif what == "header":
            header[draw(st.integers(0, len(header) - 1))] = draw(
                st.one_of(
                    st.sampled_from(
                        ["", "序号", "未知列", "发布", "文件大小", "挂牌价格", "垂类模型"]
                    ),
                    GARBAGE.map(_cell),
                )
            )
        elif what == "dup":
            header.append(draw(st.sampled_from(header)))
            for row in rows:
                row.append(_cell(draw(GARBAGE)))
        elif what == "short":
            r = draw(st.integers(0, len(rows) - 1))
            rows[r] = rows[r][: draw(st.integers(0, len(rows[r])))]
        else:
            rows.append(list(draw(st.sampled_from(rows))))
    body = to_csv(header, rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    return encode(body, encoding)


@fast(70)
@given(data=messy_files(), dry_run=st.booleans())
def test_messy_files_import_all_rows_or_nothing(owner, data, dry_run):
    with rolled_back():
        before = counts(*MODELS)
        try:
            result = import_entries_csv(actor=owner, data=data, dry_run=dry_run)
        except ServiceError as exc:
            event("file refused")
            assert exc.message
            assert counts(*MODELS) == before
            return
        event("rows refused" if result.errors else "dry run" if dry_run else "imported")
        if result.errors or dry_run:
            assert counts(*MODELS) == before
            assert result.created == [] and result.published == 0
            for error in result.errors:
                assert error.row >= 2 and error.message
                assert error.field in LABELS or error.field == "", error
            return
        assert len(result.created) == result.rows > 0
        assert counts(Entry)["Entry"] == before["Entry"] + result.rows
