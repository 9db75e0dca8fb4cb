"""Where to find a CJK font for generated PDFs (no CJK font is installed system-wide)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from .errors import ServiceError

FONT_ENV = "AIPLUS_CJK_FONT"
FONT_PACKAGE = "cvttf_NotoSansCJK_Regular"
FONT_FILE = "NotoSansCJKtc-Regular.otf"
SYSTEM_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def _packaged_font() -> Path | None:
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / FONT_FILE
        if path.is_file():
            return path
    return None


def cjk_font_path() -> Path:
    """The CJK font file: $AIPLUS_CJK_FONT, else the packaged Noto Sans CJK, else the system's."""
    env = os.environ.get(FONT_ENV, "").strip()
    if env:
        path = Path(env)
        if not path.is_file():
            raise ServiceError(f"环境变量 {FONT_ENV} 指定的字体文件不存在：{env}")
        return path
    packaged = _packaged_font()
    if packaged is not None:
        return packaged
    if SYSTEM_FONT.is_file():
        return SYSTEM_FONT
    raise ServiceError(
        f"未找到中文字体：请安装 cvttf-notosanscjk-regular，或用环境变量 {FONT_ENV} 指定字体文件。"
    )
