"""Small helpers shared by the UI tests."""

from __future__ import annotations

from pathlib import Path

DEMO_CASES = 300
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def wait_loaded(qtbot, model, timeout: int = 10_000) -> None:
    """Wait until the case list model has no read under way."""
    qtbot.waitUntil(lambda: not model.loading, timeout=timeout)


def fetch_all(qtbot, model) -> None:
    """Read every remaining page of the case list model."""
    while model.canFetchMore():
        model.fetchMore()
        wait_loaded(qtbot, model)
