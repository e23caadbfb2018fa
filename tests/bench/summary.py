"""Bench rows of the monthly summary PDF: computing and rendering it on a demo database.

The report is computed for the last complete month before the newest case (statistics
only read, so the cached vault is opened as is) and rendered in Kyrgyz, the longest text.
The baseline is reportlab alone: a one-page PDF of one Cyrillic paragraph in the same
embedded font, so the ratio says what the summary costs beyond reportlab's floor.
"""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.bench.datasets import Dataset
from tests.bench.harness import Row, median, timed
from tests.bench.letters import bare_pdf


def summary_rows(ds: Dataset, *, language: str = "ky") -> list[Row]:
    """Full summary PDF (compute + render) and render alone, against a one-page PDF."""
    from sqlalchemy import func
    from sqlmodel import select

    from models import stats
    from models.demo import DEMO_PASSWORD, DEMO_USERNAME
    from models.tables import Case
    from models.vault import unlock_vault
    from reports.summary_pdf import render_summary

    opened = unlock_vault(ds.vault, username=DEMO_USERNAME, password=DEMO_PASSWORD)
    try:
        db, actor = opened.db, opened.actor
        with db.read() as session:
            newest = session.exec(select(func.max(Case.opened_on))).one()
        period = stats.last_complete_month(newest)

        def compute():
            return stats.compute_report(db=db, actor=actor, period=period, k=5)

        report = compute()
        pages = len(PdfReader(io.BytesIO(render_summary(report, language=language))).pages)
        full = median(timed(lambda: render_summary(compute(), language=language), repeat=3))
        alone = median(timed(lambda: render_summary(report, language=language), repeat=7))
        baseline = median(timed(bare_pdf, repeat=15, warmup=2))
    finally:
        opened.db.close()
    size = f"{ds.cases:,} cases, {period.key}, {language}"
    return [
        Row(
            "summary PDF: compute + render",
            full,
            "s",
            "one-page reportlab PDF, same font",
            baseline,
            target="< 3 s",
            note=size,
        ),
        Row(
            "summary PDF: render alone",
            alone,
            "s",
            "one-page reportlab PDF, same font",
            baseline,
            note=f"{pages} pages",
        ),
    ]
