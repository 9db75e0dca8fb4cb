"""Reading uploaded `.xlsx` files, shared by every importer (demands, indicator values, …).

Workbooks are read with calamine (Rust), several times faster than openpyxl on large files;
cells come back as openpyxl would give them.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import ServiceError

# A cell starting with one of these is a formula to a spreadsheet program; exports prefix an
# apostrophe, and `cell_text` takes it off again on import.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_WS = re.compile(r"\s+")


def norm(value: Any) -> str:
    """NFKC-normalise and drop all whitespace (for matching headers and reference names)."""
    return _WS.sub("", unicodedata.normalize("NFKC", str(value)))


def cell_text(value: Any) -> str:
    """A cell as stripped text; undoes the export's formula-neutralising apostrophe."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def read_bytes(file: Any) -> bytes:
    """The bytes of an upload, a file object, raw bytes or a path."""
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if hasattr(file, "read"):
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read()
        return data.encode() if isinstance(data, str) else data
    return Path(file).read_bytes()


def cell(value: Any) -> Any:
    """A calamine cell as openpyxl would give it: None when empty, int for whole numbers.
    NUL characters (an "_x0000_" escape in the file) are dropped: a database cannot store them."""
    if isinstance(value, str) and "\x00" in value:
        value = value.replace("\x00", "")
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def sheet_rows(sheet) -> Iterator[tuple]:
    for row in sheet.iter_rows():
        yield tuple(cell(v) for v in row)


def open_sheets(data: bytes) -> list:
    """The sheets of a workbook; ServiceError if the bytes are not a readable .xlsx."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [workbook.get_sheet_by_index(i) for i in range(len(workbook.sheet_names))]
    except Exception as exc:  # not a zip, not a workbook, a damaged file
        raise ServiceError("文件不是有效的 Excel（.xlsx）文件。") from exc
