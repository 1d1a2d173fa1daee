"""The Japanese font that charts and PDF reports are drawn with, so that they look the same on
every machine: IPAexGothic (IPAexゴシック, Ver.003.01), a TrueType-outline font, shipped in
``core/data/fonts/`` with the IPA Font License Agreement v1.0 that allows redistributing it
unchanged. reportlab embeds only TrueType outlines, so the CFF-based Noto/Source Han fonts on
PyPI would not do for the PDFs."""

from __future__ import annotations

from functools import cache
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "data" / "fonts"
JAPANESE_FONT = FONT_DIR / "ipaexg.ttf"
JAPANESE_FONT_LICENCE = FONT_DIR / "IPA_Font_License_Agreement_v1.0.txt"


def japanese_font_path() -> Path:
    if not JAPANESE_FONT.exists():
        raise RuntimeError(f"Japanese font missing: {JAPANESE_FONT} (a broken installation)")
    return JAPANESE_FONT


@cache
def matplotlib_family() -> str:
    """The font family name under which charts draw Japanese labels (registered once)."""
    from matplotlib import font_manager

    path = japanese_font_path()
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())
