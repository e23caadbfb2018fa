"""Saving an open case: the tabs' save steps one after another, then the case read again.

`save_in_order` runs in the background. A step that fails stops the ones after it; the
steps already done stay saved (each is its own audited transaction). Whatever happened,
the case is read again so the workspace shows the newest versions; the outcome says
which tabs were saved and why the next one was not. `failure_text` is what the
workspace shows for that reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from desktop.case_section import SaveRun, SaveStep
from models.case_view import CaseSnapshot, load_case_snapshot
from models.errors import KomokError, StaleEditError
from translations import _

log = logging.getLogger(__name__)


@dataclass
class SaveOutcome:
    """What a save did: tabs saved, the tab that failed and why, the case read after."""

    done: list[str] = field(default_factory=list)
    failed_key: str | None = None
    error: BaseException | None = None
    fresh: CaseSnapshot | None = None


def save_in_order(steps: Sequence[tuple[str, SaveStep]], run: SaveRun) -> SaveOutcome:
    """Run the steps in order (stopping at the first failure), then read the case again."""
    outcome = SaveOutcome()
    for key, step in steps:
        try:
            step(run)
        except Exception as exc:
            outcome.failed_key, outcome.error = key, exc
            break
        outcome.done.append(key)
    try:
        outcome.fresh = load_case_snapshot(
            db=run.db, actor=run.actor, case_id=run.case_id, audit_view=False
        )
    except Exception as exc:
        if outcome.error is None:
            outcome.error = exc
    return outcome


def failure_text(exc: BaseException) -> str:
    """What to tell the user about an action that failed."""
    if isinstance(exc, StaleEditError):
        return _(
            "Someone else saved this case after you opened it, so your changes were not "
            "saved. The case was read again and your changes are kept: check them and "
            "save again."
        )
    if isinstance(exc, KomokError):
        return str(exc)
    log.error("a case action failed", exc_info=exc)
    return _("Something unexpected went wrong: {error}").format(error=exc)
