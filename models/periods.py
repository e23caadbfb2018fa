"""Reporting periods: a month, a quarter or a year, and the periods a report compares with.

`month(2026, 10)`, `quarter(2026, 4)`, `year(2026)` and `parse_period("2026-10" |
"2026-Q4" | "2026")` make a `models.stats_types.Period`; `previous_period` and
`year_before` give the periods shown beside it, `trend_months` the twelve months of the
trend chart. Bad input raises ValidationFailed with a translated message.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from models.errors import ValidationFailed
from models.stats_types import Period
from translations import _

FIRST_YEAR = 1990
LAST_YEAR = 2200
TREND_MONTHS = 12
_PATTERN = re.compile(r"^\s*(\d{4})(?:-(?:(\d{1,2})|[Qq]([1-4])))?\s*$")


def _check_year(y: int) -> None:
    if not FIRST_YEAR <= y <= LAST_YEAR:
        raise ValidationFailed(
            {
                "period": _("The year must be between {first} and {last}.").format(
                    first=FIRST_YEAR, last=LAST_YEAR
                )
            }
        )


def month(y: int, m: int) -> Period:
    """The calendar month `m` (1–12) of year `y`."""
    _check_year(y)
    if not 1 <= m <= 12:
        raise ValidationFailed({"period": _("The month must be between 1 and 12.")})
    return Period("month", date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]))


def quarter(y: int, q: int) -> Period:
    """Quarter `q` (1–4) of year `y`: three calendar months."""
    _check_year(y)
    if not 1 <= q <= 4:
        raise ValidationFailed({"period": _("The quarter must be between 1 and 4.")})
    first = 3 * (q - 1) + 1
    last = first + 2
    return Period("quarter", date(y, first, 1), date(y, last, calendar.monthrange(y, last)[1]))


def year(y: int) -> Period:
    """The calendar year `y`."""
    _check_year(y)
    return Period("year", date(y, 1, 1), date(y, 12, 31))


def parse_period(text: str) -> Period:
    """A period from its key: "2026-10" (month), "2026-Q3" (quarter) or "2026" (year)."""
    found = _PATTERN.match(text or "")
    if not found:
        raise ValidationFailed(
            {
                "period": _(
                    "“{text}” is not a period: write a month as 2026-10, a quarter as "
                    "2026-Q3 or a year as 2026."
                ).format(text=text)
            }
        )
    y, m, q = found.groups()
    if m is not None:
        return month(int(y), int(m))
    if q is not None:
        return quarter(int(y), int(q))
    return year(int(y))


def last_complete_month(today: date) -> Period:
    """The month before the one `today` falls in (the usual monthly report)."""
    return previous_period(month(today.year, today.month))


def _shift_months(y: int, m: int, delta: int) -> tuple[int, int]:
    index = y * 12 + (m - 1) + delta
    return index // 12, index % 12 + 1


def previous_period(period: Period) -> Period:
    """The period of the same kind just before `period`."""
    if period.kind == "month":
        return month(*_shift_months(period.start.year, period.start.month, -1))
    if period.kind == "quarter":
        y, m = _shift_months(period.start.year, period.start.month, -3)
        return quarter(y, (m - 1) // 3 + 1)
    return year(period.start.year - 1)


def year_before(period: Period) -> Period:
    """The same period one year earlier."""
    if period.kind == "month":
        return month(period.start.year - 1, period.start.month)
    if period.kind == "quarter":
        return quarter(period.start.year - 1, (period.start.month - 1) // 3 + 1)
    return year(period.start.year - 1)


def months_of(period: Period) -> tuple[Period, ...]:
    """The calendar months a period is made of, in order."""
    y, m = period.start.year, period.start.month
    out = []
    while True:
        current = month(y, m)
        if current.start > period.end:
            return tuple(out)
        out.append(current)
        y, m = _shift_months(y, m, 1)


def trend_months(period: Period, count: int = TREND_MONTHS) -> tuple[Period, ...]:
    """The `count` months ending with the last month of `period`, oldest first."""
    y, m = period.end.year, period.end.month
    return tuple(month(*_shift_months(y, m, -i)) for i in range(count - 1, -1, -1))
