"""Bench rows of referral letters: one letter, and a batch of 1,000, on a demo database.

Letters are issued on a throwaway copy of the cached demo vault (issuing writes: a
register number, the PDF, a timeline entry, audit entries), so the cache stays as built.
The baseline is reportlab alone: a bare one-paragraph PDF in the same embedded font.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from pathlib import Path

from tests.bench.datasets import Dataset
from tests.bench.harness import Row, median, timed

BATCH = 1000
REASON = "Заявитель обратился за помощью; просим рассмотреть обращение."


def bare_pdf() -> bytes:
    """One paragraph of Cyrillic text in DejaVu Sans on an A4 page: reportlab's floor."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from reports.fonts import FONT, register_fonts

    register_fonts()
    buffer = io.BytesIO()
    style = ParagraphStyle("p", fontName=FONT, fontSize=11, leading=15)
    SimpleDocTemplate(buffer, pagesize=A4).build([Paragraph(REASON * 3, style)])
    return buffer.getvalue()


def letter_rows(ds: Dataset, *, batch: int = BATCH) -> list[Row]:
    """Rendering one letter, issuing one (number, render, store), and issuing a batch."""
    from sqlmodel import select

    from models.demo import DEMO_PASSWORD, DEMO_USERNAME
    from models.letters import default_letters
    from models.referrals import letter_preview_context, referral_options
    from models.tables import Case, Institution
    from models.vault import unlock_vault
    from reports.referral_letter import issue_letter, render_letter

    folder = Path(tempfile.mkdtemp(prefix="komok-bench-letters-"))
    try:
        vault = folder / "vault"
        shutil.copytree(ds.vault, vault)
        opened = unlock_vault(vault, username=DEMO_USERNAME, password=DEMO_PASSWORD)
        db, actor = opened.db, opened.actor
        with db.read() as session:
            case_ids = session.exec(
                select(Case.id).where(Case.consent_refer == True).limit(batch + 20)  # noqa: E712
            ).all()
            institution = session.exec(
                select(Institution).where(Institution.kind == "consulate")
            ).first()
        library = default_letters()

        def data(case_id):
            facts = referral_options(db=db, actor=actor, case_id=case_id).facts
            available = [k for k, v in facts.items() if v]
            return {
                "case_id": case_id,
                "institution_id": institution.id,
                "template": "consular_assistance",
                "language": "ru",
                "reason": REASON,
                "services": ["documents", "legal_aid"],
                "disclosed": library.preselected("consular_assistance", "ru", available),
            }

        requests = [data(case_id) for case_id in case_ids[: batch + 20]]
        context = letter_preview_context(db=db, actor=actor, data=requests[0])
        render = median(timed(lambda: render_letter(context), repeat=15, warmup=2))
        bare = median(timed(bare_pdf, repeat=15, warmup=2))
        singles = iter(requests[batch:])
        issue = median(
            timed(lambda: issue_letter(db=db, actor=actor, data=next(singles)), repeat=15, warmup=2)
        )
        t0 = time.perf_counter()
        for request in requests[:batch]:
            issue_letter(db=db, actor=actor, data=request)
        batch_seconds = time.perf_counter() - t0
        bare_batch = bare * batch
        size = len(render_letter(context))
        opened.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [
        Row(
            "letter: render one PDF (median)",
            render * 1000,
            "ms",
            "bare 1-paragraph reportlab PDF, same font",
            bare * 1000,
            note=f"{size // 1024} KiB, fonts embedded (subset)",
        ),
        Row(
            f"letter: issue one on {ds.cases:,} cases (median)",
            issue * 1000,
            "ms",
            "bare 1-paragraph reportlab PDF, same font",
            bare * 1000,
            note="number + render + store PDF + timeline + audit",
        ),
        Row(
            f"letters: issue {batch:,} in a row",
            batch_seconds,
            "s",
            f"{batch:,} bare PDFs (median × {batch:,})",
            bare_batch,
            note=f"{batch / batch_seconds:.0f} letters/s",
        ),
    ]
