"""Printing a letter's PDF with Qt: pages rendered by pdfium at the printer's resolution.

PySide6-Essentials has no QtPdf, so pdfium turns each page into an image in memory
(nothing is written to disk) and QPainter draws it on the printer's page, scaled to fit.
`print_support()` says whether this Qt build can print at all.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter

from desktop.referral_dialogs import render_pages

MAX_PRINT_DPI = 300
PDF_POINTS_PER_INCH = 72


def print_support() -> Any | None:
    """Qt's printing module, or None when this Qt build has none."""
    try:
        from PySide6 import QtPrintSupport
    except ImportError:
        return None
    return QtPrintSupport


def print_pdf(printer: Any, content: bytes) -> int:
    """Draw a PDF's pages on `printer` (a QPrinter); return how many pages were printed.

    Returns 0 when the printer cannot be started.
    """
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    pages = render_pages(content, scale=dpi / PDF_POINTS_PER_INCH)
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        for number, image in enumerate(pages):
            if number:
                printer.newPage()
            area = QRectF(painter.viewport())
            scale = min(area.width() / image.width(), area.height() / image.height())
            painter.drawImage(QRectF(0, 0, image.width() * scale, image.height() * scale), image)
    finally:
        painter.end()
    return len(pages)
