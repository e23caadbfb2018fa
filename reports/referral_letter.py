"""The referral-letter PDF: one renderer class drawing a `LetterContext` with reportlab.

Like pretix's invoice renderer: page geometry as class attributes, a stylesheet factory,
a first-page template carrying the letterhead and later pages with a short running
header, and `render() -> bytes`. The text is set in the embedded DejaVu Sans (see
`reports.fonts`), so Kyrgyz (ң ө ү) and Russian print on any machine; every page carries
"page n of N" in the letter's language.

The facade at the bottom ties it to the services: `issue_letter` numbers, renders and
stores a letter (`models.referrals.create_referral`); `preview_letter` renders one
without taking a number.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    ListFlowable,
    ListItem,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from models.actor import Actor
from models.db import Database
from models.letters import LetterContext
from models.referrals import ReferralCreate, create_referral, letter_preview_context
from models.tables import Referral
from reports.fonts import FONT, FONT_BOLD, FONT_ITALIC, register_fonts

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#8a8a8a")


class _NumberedCanvas(Canvas):
    """A canvas that writes "page n of N" on every page once N is known (at save)."""

    def __init__(
        self, *args: Any, page_text: Callable[[int, int], str], footer: Callable, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._page_text = page_text
        self._footer = footer

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(self, self._page_text(self._pageNumber, total))
            super().showPage()
        super().save()


class ReferralLetterRenderer:
    """Draws one referral letter (A4, portrait) from a `LetterContext`."""

    pagesize = A4
    left_margin = 25 * mm
    right_margin = 15 * mm
    top_margin = 15 * mm
    bottom_margin = 20 * mm
    letterhead_height = 40 * mm  # the most the letterhead may take, down to its rule
    letterhead_gap = 3 * mm  # between the letterhead's last line (or logo) and its rule
    later_header_height = 12 * mm
    logo_box = (38 * mm, 22 * mm)  # the most a logo may take: width, height
    footer_offset = 10 * mm
    font_size = 11
    leading = 15
    indent = 12.5 * mm  # first-line indent of body paragraphs in ky and ru letters

    def __init__(self, context: LetterContext) -> None:
        self.context = context
        self.styles = self.stylesheet()
        self.letterhead_height = self._measure_letterhead()

    # --- styles ---------------------------------------------------------------------

    def stylesheet(self) -> dict[str, ParagraphStyle]:
        """The paragraph styles of the letter (Cyrillic-capable embedded font throughout)."""
        register_fonts()
        indent = 0 if self.context.language == "en" else self.indent
        base = ParagraphStyle(
            "base", fontName=FONT, fontSize=self.font_size, leading=self.leading, textColor=INK
        )

        def style(name: str, **kw: Any) -> ParagraphStyle:
            return ParagraphStyle(name, parent=base, **kw)

        return {
            "org": style("org", fontName=FONT_BOLD, fontSize=13, leading=16),
            "org_line": style("org_line", fontSize=8.5, leading=11, textColor=MUTED),
            "meta": style("meta", fontSize=10, leading=13),
            "addressee": style("addressee", fontSize=11, leading=14),
            "subject": style(
                "subject", fontName=FONT_BOLD, leading=14, spaceBefore=4 * mm, spaceAfter=4 * mm
            ),
            "salutation": style(
                "salutation",
                alignment=TA_LEFT if self.context.language == "en" else TA_CENTER,
                spaceAfter=3 * mm,
            ),
            "body": style(
                "body", alignment=TA_JUSTIFY, firstLineIndent=indent, spaceAfter=2.5 * mm
            ),
            "item": style("item", alignment=TA_LEFT),
            "heading": style("heading", fontName=FONT_BOLD),
            "cell_label": style("cell_label", fontSize=9.5, leading=12, textColor=MUTED),
            "cell": style("cell", fontSize=10, leading=12.5),
            "consent": style(
                "consent",
                fontName=FONT_ITALIC,
                fontSize=9,
                leading=11.5,
                textColor=MUTED,
                alignment=TA_LEFT,
                spaceBefore=4 * mm,
            ),
            "closing": style("closing", spaceBefore=6 * mm),
            "sign": style("sign"),
            "executor": style("executor", fontSize=8.5, leading=11, textColor=MUTED),
            "sign_right": style("sign_right", alignment=TA_RIGHT),
            "running": style(
                "running", fontSize=8.5, leading=10, textColor=MUTED, alignment=TA_RIGHT
            ),
        }

    # --- page furniture -------------------------------------------------------------

    @property
    def content_width(self) -> float:
        """The width between the margins."""
        return self.pagesize[0] - self.left_margin - self.right_margin

    @functools.cached_property
    def _logo(self) -> tuple[ImageReader, float, float] | None:
        data = self.context.letterhead.logo
        if not data:
            return None
        image = ImageReader(io.BytesIO(data))
        width, height = image.getSize()
        scale = min(self.logo_box[0] / width, self.logo_box[1] / height)
        return image, width * scale, height * scale

    def _letterhead_lines(self) -> list[Paragraph]:
        head = self.context.letterhead
        lines = [Paragraph(escape(head.name), self.styles["org"])]
        for line in head.address.splitlines():
            if line.strip():
                lines.append(Paragraph(escape(line.strip()), self.styles["org_line"]))
        contacts = " · ".join(part for part in (head.phone, head.email) if part)
        if contacts:
            lines.append(Paragraph(escape(contacts), self.styles["org_line"]))
        return lines

    def _letterhead_text_x(self) -> float:
        logo = self._logo
        return self.left_margin + (logo[1] + 5 * mm if logo is not None else 0)

    def _measure_letterhead(self) -> float:
        """The letterhead's height: its text or logo, whichever is taller, and the gap."""
        width = self.pagesize[0] - self.right_margin - self._letterhead_text_x()
        text = sum(p.wrap(width, self.pagesize[1])[1] for p in self._letterhead_lines())
        logo = self._logo
        tallest = max(text, logo[2] if logo is not None else 0)
        return min(tallest + self.letterhead_gap, type(self).letterhead_height)

    def draw_letterhead(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """The first page's letterhead: logo, organisation name, address and contacts."""
        top = self.pagesize[1] - self.top_margin
        logo = self._logo
        if logo is not None:
            image, width, height = logo
            canvas.drawImage(image, self.left_margin, top - height, width, height, mask="auto")
        x = self._letterhead_text_x()
        width = self.pagesize[0] - self.right_margin - x
        y = top
        for paragraph in self._letterhead_lines():
            _w, h = paragraph.wrap(width, self.letterhead_height)
            paragraph.drawOn(canvas, x, y - h)
            y -= h
        rule_y = top - self.letterhead_height
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.8)
        canvas.line(self.left_margin, rule_y, self.pagesize[0] - self.right_margin, rule_y)

    def draw_running_header(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """Later pages: the organisation, the letter's number and date, small, at the top."""
        c = self.context
        text = " · ".join(part for part in (c.letterhead.name, c.number_text, c.date_line) if part)
        paragraph = Paragraph(escape(text), self.styles["running"])
        _w, h = paragraph.wrap(self.content_width, self.later_header_height)
        paragraph.drawOn(canvas, self.left_margin, self.pagesize[1] - self.top_margin - h)

    def draw_footer(self, canvas: Canvas, text: str) -> None:
        """The page number at the foot of each page."""
        canvas.saveState()
        canvas.setFont(FONT, 8.5)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(self.pagesize[0] / 2, self.footer_offset, text)
        canvas.restoreState()

    def page_templates(self) -> list[PageTemplate]:
        """The first page (under the letterhead) and later pages (under a running header)."""
        body_height = self.pagesize[1] - self.top_margin - self.bottom_margin
        first = Frame(
            self.left_margin,
            self.bottom_margin,
            self.content_width,
            body_height - self.letterhead_height - 6 * mm,
            id="first",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        later = Frame(
            self.left_margin,
            self.bottom_margin,
            self.content_width,
            body_height - self.later_header_height,
            id="later",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        return [
            PageTemplate(id="First", frames=[first], onPage=self.draw_letterhead),
            PageTemplate(id="Later", frames=[later], onPage=self.draw_running_header),
        ]

    # --- the text -------------------------------------------------------------------

    @staticmethod
    def _markup(text: str) -> str:
        return escape(text).replace("\n", "<br/>")

    def _paragraphs(self, text: str, style: str) -> list[Paragraph]:
        """A text as paragraphs: blank lines separate them, single line breaks are kept."""
        blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n")]
        return [Paragraph(self._markup(b), self.styles[style]) for b in blocks if b]

    def _head_block(self) -> Table:
        c, s = self.context, self.styles
        left = [
            Paragraph(escape(c.number_text), s["meta"]),
            Paragraph(escape(c.date_line), s["meta"]),
        ]
        right = [Paragraph(escape(line), s["addressee"]) for line in c.addressee]
        table = Table(
            [[left, right]],
            colWidths=[self.content_width * 0.45, self.content_width * 0.55],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("LEFTPADDING", (1, 0), (1, 0), 6 * mm),
                ]
            )
        )
        return table

    def _facts_table(self) -> Table:
        """The disclosed facts under their heading; the heading repeats if the table breaks."""
        s = self.styles
        rows: list[list[Any]] = [[Paragraph(escape(self.context.facts_heading), s["heading"]), ""]]
        rows += [
            [Paragraph(escape(label), s["cell_label"]), Paragraph(self._markup(value), s["cell"])]
            for label, value in self.context.facts
        ]
        table = Table(
            rows,
            colWidths=[self.content_width * 0.38, self.content_width * 0.62],
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("SPAN", (0, 0), (1, 0)),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("LEFTPADDING", (0, 0), (0, 0), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return table

    def _signature(self) -> Table:
        c, s = self.context, self.styles
        title = Paragraph(self._markup(c.signer_title), s["sign"])
        name = Paragraph(escape(c.signer_name), s["sign_right"])
        table = Table(
            [[title, "", name]],
            colWidths=[
                self.content_width * 0.45,
                self.content_width * 0.25,
                self.content_width * 0.30,
            ],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("LINEBELOW", (1, 0), (1, 0), 0.6, INK),
                    ("TOPPADDING", (0, 0), (-1, -1), 9 * mm),
                ]
            )
        )
        return table

    def story(self) -> list:
        """The flowing content of the letter, top to bottom."""
        c, s = self.context, self.styles
        story: list = [NextPageTemplate("Later"), self._head_block()]
        story.append(
            Paragraph(escape(c.labels["subject_line"].format(subject=c.subject)), s["subject"])
        )
        if c.salutation:
            story.append(Paragraph(escape(c.salutation), s["salutation"]))
        for text in c.paragraphs:
            story += self._paragraphs(text, "body")
        if c.services:
            items = [
                ListItem(Paragraph(escape(name), s["item"]), leftIndent=14) for name in c.services
            ]
            story.append(
                KeepTogether(
                    [
                        Paragraph(escape(c.services_intro), s["body"]),
                        ListFlowable(
                            items,
                            bulletType="bullet",
                            start="•",
                            leftIndent=14,
                            bulletFontName=FONT,
                            spaceAfter=2.5 * mm,
                        ),
                    ]
                )
            )
        if c.facts:
            story += [Spacer(1, 3 * mm), self._facts_table()]
        story.append(Paragraph(escape(c.consent_statement), s["consent"]))
        closing: list = [Paragraph(escape(c.closing), s["closing"]), self._signature()]
        if c.executor:
            closing += [Spacer(1, 8 * mm), Paragraph(escape(c.executor), s["executor"])]
        story.append(KeepTogether(closing))
        return story

    def metadata(self) -> Mapping[str, str]:
        """Document properties: the subject line and the organisation, nothing personal."""
        return {
            "title": self.context.subject,
            "author": self.context.letterhead.name,
            "creator": "Komok",
            "lang": self.context.language,
        }

    def render(self) -> bytes:
        """The letter as PDF bytes."""
        buffer = io.BytesIO()
        meta = self.metadata()
        doc = BaseDocTemplate(
            buffer,
            pagesize=self.pagesize,
            leftMargin=self.left_margin,
            rightMargin=self.right_margin,
            topMargin=self.top_margin,
            bottomMargin=self.bottom_margin,
            title=meta["title"],
            author=meta["author"],
            creator=meta["creator"],
            lang=meta["lang"],
        )
        doc.addPageTemplates(self.page_templates())
        doc.build(
            self.story(),
            canvasmaker=partial(
                _NumberedCanvas, page_text=self.context.page_text, footer=self.draw_footer
            ),
        )
        return buffer.getvalue()


def render_letter(context: LetterContext) -> bytes:
    """Render a filled-in referral letter to PDF."""
    return ReferralLetterRenderer(context).render()


def issue_letter(
    *, db: Database, actor: Actor, data: ReferralCreate | Mapping[str, Any]
) -> Referral:
    """Number, render and store a referral letter with its case (see create_referral)."""
    return create_referral(db=db, actor=actor, data=data, render=render_letter)


def preview_letter(
    *, db: Database, actor: Actor, data: ReferralCreate | Mapping[str, Any]
) -> bytes:
    """The letter as it would be issued now, with "№ —" for its number; nothing is stored."""
    return render_letter(letter_preview_context(db=db, actor=actor, data=data))
