"""The fonts Komok embeds in its PDFs: DejaVu Sans, shipped in `resources/fonts`.

reportlab's built-in PDF fonts cannot draw Cyrillic, so every document registers these
TrueType fonts (embedded, subset) and uses the family name `FONT` (bold `FONT_BOLD`,
italic `FONT_ITALIC`). Registration happens once per process.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent.parent / "resources" / "fonts"
FONT = "KomokSans"
FONT_BOLD = "KomokSans-Bold"
FONT_ITALIC = "KomokSans-Italic"
_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
}


@cache
def register_fonts() -> str:
    """Register the embedded font family with reportlab (once); return its regular name."""
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT_ITALIC)
    addMapping(FONT, 1, 1, FONT_BOLD)
    return FONT
