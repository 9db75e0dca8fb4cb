"""Shared pieces of the property tests: hypothesis settings, strategies for messy spreadsheet
cells and files, workbooks built with openpyxl, and a savepoint rolled back after each example.

Each example of a database test runs in `rolled_back()`: a `transaction.atomic` block whose
changes are undone at its end, so the examples of one test never see each other's rows (the
test's own database transaction, from pytest-django's `db` fixture, stays open around them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import zipfile
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def fast(max_examples: int):
    """Derandomised, no deadline, no example database: the same examples on every run."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


@contextlib.contextmanager
def rolled_back():
    """A savepoint undone at the end of the block (whatever happened inside it)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def counts(*models) -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in models}


# --- cell values ---------------------------------------------------------------------------

# Characters openpyxl refuses to write (XML 1.0 control characters) are left out; what a
# spreadsheet program writes for them (_x0000_ escapes) is generated as text instead.
_LEGAL = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(chr(c) for c in range(32) if ILLEGAL_CHARACTERS_RE.match(chr(c))),
)
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
EMOJI = st.sampled_from(["😀", "👍🏽", "🇨🇳", "👨‍👩‍👧", "🀄", "\U0001f916"])
CONTROLS = st.sampled_from(
    ["\t", "\n", "\r\n", "\x7f", "\x85", "\u200b", "\u202e", "\u2028", "\ufeff"]
)
ESCAPES = st.sampled_from(["_x0000_", "_x0001_", "_x001F_", "_x000B_", "a_x0000_b"])
FORMULAS = st.sampled_from(
    ["=1+1", "=A1", "+1", "-1", "@SUM(A1:A2)", '=HYPERLINK("http://x","y")', "=1/0", "'=1+1"]
)
FULL_WIDTH = st.sampled_from(["１２３", "５０－１２０万元", "１，０００", "２０２６－０３", "－５"])


_CHARS = st.one_of(
    CJK, CJK, _LEGAL, st.sampled_from("😀🤖🀄\t\n\x7f\x85\u200b\u202e\u2028\ufeff\u3000")
)
# Text a user would type, and text meant to break things: quotes, markup, numbers as text.
NASTY = [
    "注塑件表面缺陷视觉检测",
    "  前后有空格  ",
    "全角ＡＢＣ１２３",
    "emoji 👨‍👩‍👧 🇨🇳",
    "<script>alert(1)</script>",
    "'; DROP TABLE demand; --",
    "引号\"与'撇号",
    "0001",
    "1e5",
    "True",
    "None",
    "NaN",
    "\u202e反向文字",
    "零宽\u200b字符",
    "多行\n文本\n第三行",
    "制表\t符",
    "a" * 199,
]


def text(max_size: int = 30) -> st.SearchStrategy[str]:
    """Short text of any legal characters (weighted towards Chinese), or a nasty sample."""
    return st.one_of(st.text(_CHARS, max_size=max_size), st.sampled_from(NASTY))


def nonblank(max_size: int = 30, ok=lambda s: True) -> st.SearchStrategy[str]:
    """Stripped, non-blank text for which `ok` holds (a fixed word otherwise: no filtering)."""
    return (
        text(max_size)
        .map(lambda s: s.strip()[:max_size].strip())
        .map(lambda s: s if s and ok(s) else "默认文本")
    )


def long_chinese(min_size: int = 200, max_size: int = 3000) -> st.SearchStrategy[str]:
    return st.integers(min_size, max_size).map(lambda n: ("长文本测试" * (n // 5 + 1))[:n])


NUMBERS = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 0.1, 1e-9, 1e15, 1e300, -0.0]),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9
    ),
)
DATES = st.one_of(
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 12, 31)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 12, 31)),
    st.times(),
)

GARBAGE = st.one_of(
    st.none(),
    text(),
    long_chinese(),
    FORMULAS,
    FULL_WIDTH,
    NUMBERS,
    DATES,
    st.booleans(),
    EMOJI,
    CONTROLS,
    ESCAPES,
    st.builds(lambda a, b: a + b, text(10), ESCAPES),
)


# --- files ---------------------------------------------------------------------------------


def safe_cell(value):
    """What openpyxl will write: NaN and infinities become text (openpyxl would write an
    invalid number), illegal characters are dropped."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def workbook(sheets: list[list[list]], *, names: list[str] | None = None) -> bytes:
    """An .xlsx with one sheet per list of rows."""
    wb = Workbook()
    wb.remove(wb.active)
    for n, rows in enumerate(sheets):
        sheet = wb.create_sheet((names or [])[n] if names and n < len(names) else f"Sheet{n + 1}")
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    if not sheets:
        wb.create_sheet("Sheet1")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, body in files.items():
            z.writestr(name, body)
    return buffer.getvalue()


_SMALL_XLSX = workbook([[["场景名称", "需求单位"], ["a", "b"]]])

NOT_XLSX = st.one_of(
    st.binary(max_size=200),
    st.just(b""),
    st.just("场景名称,需求单位\na,b\n".encode()),
    st.just(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
    st.just(_zip({"hello.txt": b"not a workbook"})),
    st.just(_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<oops"})),
    st.integers(1, len(_SMALL_XLSX) - 1).map(lambda n: _SMALL_XLSX[:n]),
    st.binary(min_size=1, max_size=40).map(lambda junk: _SMALL_XLSX[:-60] + junk),
)

MONEY_TEXT = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)
