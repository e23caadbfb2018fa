"""The case list as a Qt table model that reads cases page by page, never all at once.

`CaseListModel` is a `PagedQueryModel` (the reading machinery: pages by keyset on the
worker thread, a separate count, older reads interrupted) over `case_queries`. Sorting
and filtering are done by the database: `sort()` and `set_filters()` start again from
the first page (a sort on a million cases can take seconds; the UI never waits for it).
Codes are turned into labels in the interface language when drawn, so a language switch
needs only a repaint.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from babel import Locale
from babel.dates import format_date
from PySide6.QtCore import Qt
from sqlmodel import Session

from desktop import case_queries as q
from desktop.paged_query_model import IdRole, PagedQueryModel
from models.actor import Actor
from models.db import Database
from models.vocab import default_vocabularies
from translations import N_, _, current_language

CaseIdRole = IdRole  # a row's case UUID
__all__ = ["HEADERS", "CaseIdRole", "CaseListModel", "IdRole"]

# Column headers, translated when drawn; the order here is the order of the COL_* numbers.
HEADERS = (
    N_("Number"), N_("Client"), N_("Status"), N_("Categories"), N_("Destination"),
    N_("Opened"), N_("Assigned to"),
)  # fmt: skip


class CaseListModel(PagedQueryModel):
    """Cases for a QTableView, read lazily in pages; `CaseIdRole` gives a row's case UUID."""

    COL_NUMBER, COL_CLIENT, COL_STATUS, COL_CATEGORIES, COL_DESTINATION = range(5)
    COL_OPENED, COL_ASSIGNED = 5, 6
    SORT_BY_COLUMN = (
        q.SORT_NUMBER, q.SORT_CLIENT, q.SORT_STATUS, q.SORT_CATEGORIES, q.SORT_DESTINATION,
        q.SORT_OPENED, q.SORT_ASSIGNED,
    )  # fmt: skip
    headers = HEADERS
    failure_message = N_("The case list could not be read: {error}")

    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        page_size: int = PagedQueryModel.PAGE_SIZE,
        person_id: uuid.UUID | None = None,
        parent=None,
    ) -> None:
        query = q.CaseListQuery(viewer=actor, person_id=person_id)
        super().__init__(db, query, page_size=page_size, parent=parent)
        self._walks: dict[q.CaseListQuery, bool] = {}  # see read_page
        self._vocab = default_vocabularies()
        self._locales: dict[str, Locale] = {}

    def read_page(self, session: Session, query: Any, after: Any, limit: int) -> list[Any]:
        # Runs on the one worker thread: how to read a query is decided once, then reused
        # for its later pages (the probe is not free on a large database).
        walk = self._walks.get(query)
        if walk is None:
            walk = self._walks[query] = q.walks_order_index(session, query, page=limit)
        return q.fetch_page(session, query, after=after, limit=limit, walk=walk)

    def count(self, session: Session, query: Any) -> int:
        return q.count_cases(session, query)

    def refresh(self) -> None:
        """Read the first page and the count again; how to read them is decided anew."""
        self._walks = {}
        super().refresh()

    @property
    def filters(self) -> q.CaseFilter:
        """The filters in force."""
        return self._query.filters

    @property
    def sort_column(self) -> int:
        """The column the list is sorted by."""
        return self.SORT_BY_COLUMN.index(self._query.sort)

    @property
    def sort_order(self) -> Qt.SortOrder:
        """The direction of the sort."""
        if self._query.descending:
            return Qt.SortOrder.DescendingOrder
        return Qt.SortOrder.AscendingOrder

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the list by a column; the database sorts, and reading starts over."""
        if not 0 <= column < len(self.SORT_BY_COLUMN):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(
            replace(self._query, sort=self.SORT_BY_COLUMN[column], descending=descending)
        )

    def set_filters(self, filters: q.CaseFilter, *, read: bool = True) -> None:
        """Show only the cases that match `filters`; reads again when they changed.

        With `read=False` the filters are only kept (the next `sort()`/`refresh()` reads).
        """
        if filters != self._query.filters:
            self.set_query(replace(self._query, filters=filters), read=read)

    def set_person(self, person_id: uuid.UUID | None) -> None:
        """Show only one client's cases (None: every case) and read them."""
        self.set_query(replace(self._query, person_id=person_id))

    def case_id(self, row: int) -> uuid.UUID | None:
        """The UUID of the case on a row that has been read."""
        return self.row_id(row)

    # --- drawing -------------------------------------------------------------------------

    def text(self, row: q.CaseRow, column: int) -> str:
        lang = current_language()
        if column == self.COL_NUMBER:
            return row.number
        if column == self.COL_CLIENT:
            return " ".join(part for part in (row.family_name, row.given_name) if part)
        if column == self.COL_STATUS:
            return self._vocab["case_status"].label(row.status, lang)
        if column == self.COL_CATEGORIES:
            return ", ".join(self._vocab["category"].label(c, lang) for c in row.categories)
        if column == self.COL_DESTINATION:
            return self._destination(row, lang)
        if column == self.COL_OPENED:
            return format_date(row.opened_on, format="short", locale=self._locale(lang))
        if column == self.COL_ASSIGNED:
            return row.assigned_name or ""
        return ""

    def _destination(self, row: q.CaseRow, lang: str) -> str:
        if not row.destination_country:
            return ""
        country = self._vocab["country"].label(row.destination_country, lang)
        if not row.destination_region:
            return country
        region = self._vocab["region"].label(row.destination_region, lang)
        return _("{country}, {region}").format(country=country, region=region)

    def _locale(self, lang: str) -> Locale:
        if lang not in self._locales:
            self._locales[lang] = Locale.parse(lang)
        return self._locales[lang]
