"""The shipped Japanese font: present, TrueType (reportlab embeds nothing else), licence beside."""

from __future__ import annotations

from kanmin.core import fonts


def test_the_font_is_truetype_and_ships_with_its_licence() -> None:
    path = fonts.japanese_font_path()
    assert path.read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType outlines, not CFF ("OTTO")
    assert "IPA Font License Agreement v1.0" in fonts.JAPANESE_FONT_LICENCE.read_text(
        encoding="utf-8-sig"
    )


def test_reportlab_can_embed_the_font() -> None:
    from reportlab.pdfbase.ttfonts import TTFont

    font = TTFont("IPAexGothicTest", str(fonts.japanese_font_path()))
    assert font.face.charToGlyph.get(ord("都"))  # a kanji the reports print
