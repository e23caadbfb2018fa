"""The machine-readable companion (CSV with HXL, XLSX, JSON) and what no export may contain.

Random case sets go into the database; every export format is written; then each file is
scanned for every name, patronymic, Latin name, phone, birth date and case number in the
database (and a free-text value stored where a code belongs): none may appear.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlmodel import select

from models.periods import month, quarter
from models.stats import compute_report
from models.stats_types import SCHEMA_VERSION
from models.tables import Case, Person
from reports import stats_tables
from reports.stats_tables import cell_text
from tests.unit.stats_cases import case_sets, load

FREE_TEXT = "Строймонтаж"  # stored as a sector: an unlisted code must become "other"


def _identifiers(db) -> set[str]:
    """Everything in the database that identifies a client."""
    found = {FREE_TEXT}
    with db.read() as session:
        for p in session.exec(select(Person)):
            for name in (p.family_name, p.given_name, p.patronymic, p.latin_name):
                if name:
                    found.add(name)
            found.update(p.phones or [])
            if p.birth_date is not None:
                found.add(p.birth_date.isoformat())
                found.add(p.birth_date.strftime("%d.%m.%Y"))
        found.update(c.number for c in session.exec(select(Case)))
    return found


def _texts(tmp_path, report, language: str) -> dict[str, str]:
    """Write every format and return each file's text (XLSX: all its XML parts)."""
    out = {}
    for path in stats_tables.write_csv(report, tmp_path / "csv", language=language):
        out[path.name] = path.read_text(encoding="utf-8")
    long = stats_tables.write_csv(report, tmp_path / "all.csv", language=language)[0]
    out["all.csv"] = long.read_text(encoding="utf-8")
    xlsx = stats_tables.write_file(tmp_path / "s.xlsx", stats_tables.xlsx_bytes(report,
                                                                            language=language))
    with zipfile.ZipFile(xlsx) as archive:
        out["s.xlsx"] = "".join(archive.read(n).decode("utf-8", "replace")
                                for n in archive.namelist())  # fmt: skip
    out["s.json"] = stats_tables.json_bytes(report, language=language).decode("utf-8")
    try:
        from reports.summary_pdf import render_summary
    except ImportError:  # the PDF renderer lives in its own module
        return out
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(render_summary(report, language=language)))
    out["summary.pdf"] = "\n".join(page.extract_text() or "" for page in pdf.pages)
    return out


@given(cases=case_sets(min_size=1, max_size=35), language=st.sampled_from(("ky", "ru", "en")),
       period=st.sampled_from((month(2026, 3), quarter(2025, 4))))  # fmt: skip
@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])  # fmt: skip
def test_no_identifier_reaches_any_export(db, actor, tmp_path_factory, cases, language, period):
    load(db, cases)
    report = compute_report(db=db, actor=actor, period=period, today=date(2026, 5, 1))
    texts = _texts(tmp_path_factory.mktemp("out"), report, language)
    identifiers = _identifiers(db)
    assert len(identifiers) > 3
    for name, text in texts.items():
        leaked = sorted(i for i in identifiers if i in text)
        assert not leaked, f"{name} contains {leaked}"


@pytest.fixture
def report(db, actor):
    from tests.unit.stats_cases import FakeCase

    def case(**kw):
        base = dict(opened_on=date(2026, 3, 3), closed_on=None, closure_reason=None,
                    consent=True, sex="female", birth_date=date(1988, 1, 1), birth_year=1988,
                    oblast="chuy", country="ru", region="moscow", sector="trade",
                    categories=["registration"], indicators=[], assistance=[])  # fmt: skip
        base.update(kw)
        return FakeCase(**base)

    cases = [case() for _ in range(9)] + [case(sex="male", oblast="osh_oblast") for _ in range(7)]
    cases += [case(sex="male", oblast="naryn", country="kz", region="almaty")]
    for i, c in enumerate(cases, start=1):
        c.number, c.latin_name = f"KG-2026-{i:05d}", f"TESTCLIENT {i:04d}"
    load(db, cases)
    return compute_report(db=db, actor=actor, period=month(2026, 3), today=date(2026, 4, 1))


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_tables_carry_an_hxl_row_and_the_published_cells(report, tmp_path):
    paths = {p.name: p for p in stats_tables.write_csv(report, tmp_path, language="en")}
    assert set(paths) == {f"2026-03_{t.key}.csv" for t in report.tables} | {
        "2026-03_key_figures.csv", "2026-03_trend.csv"}  # fmt: skip
    rows = _csv(paths["2026-03_age_band_by_sex.csv"].read_text(encoding="utf-8"))
    header, hxl, body = rows[0], rows[1], rows[2:]
    assert header[:3] == ["Period", "Age", "Code"] and header[-1] == "Total"
    assert hxl[:3] == ["#date +period", "#indicator +age_band +name", "#indicator +age_band +code"]
    assert "#affected +f" in hxl and "#affected +m" in hxl and hxl[-1] == "#affected +total"
    table = report.table("age_band_by_sex")
    for row, code, cells in zip(body, table.rows, table.cells, strict=False):
        assert row[0] == "2026-03" and row[2] == code
        assert row[3:7] == [cell_text(c, report.k) for c in cells]
    assert body[-1][1] == "Total" and body[-1][-1] == cell_text(table.grand_total, report.k)
    assert body[-1][-1] == "17"
    oblast = _csv(paths["2026-03_oblast.csv"].read_text(encoding="utf-8"))
    assert oblast[1][1:3] == ["#adm1 +name", "#adm1 +code"]
    codes = {row[2]: row[3] for row in oblast[2:]}
    assert codes["KG-C"] == "9" and codes["KG-N"] == "<5" and codes["KG-B"] == "0"
    assert codes["KG-O"] == "…"  # hidden too, or naryn would be 17 − 9 − 7
    country = _csv(paths["2026-03_destination_country.csv"].read_text(encoding="utf-8"))
    assert country[1][2] == "#country +code" and {r[2] for r in country[2:]} >= {"RU", "KZ"}
    figures = _csv(paths["2026-03_key_figures.csv"].read_text(encoding="utf-8"))
    assert figures[2][2:4] == ["new_cases", "17"]


def test_a_single_csv_file_holds_every_table_in_long_form(report, tmp_path):
    (path,) = stats_tables.write_csv(report, tmp_path / "all.csv", language="ru")
    rows = _csv(path.read_text(encoding="utf-8"))
    assert rows[1][0] == "#date +period" and rows[1][-1] == "#affected +num"
    tables = {row[1] for row in rows[2:]}
    assert tables == {t.key for t in report.tables}
    line = next(r for r in rows if r[1] == "oblast" and r[3] == "naryn")
    assert line[4] == "Нарынская область"
    assert line[-1] == "<5"


def test_xlsx_has_a_sheet_per_table_with_numbers(report, tmp_path):
    path = stats_tables.write_file(tmp_path / "s.xlsx", stats_tables.xlsx_bytes(report,
                                                                               language="ky"))
    book = load_workbook(path)
    assert book.sheetnames[:2] == ["summary", "key_figures"]
    assert {t.key for t in report.tables} <= set(book.sheetnames)
    sheet = book["oblast"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    hxl_row = next(i for i, r in enumerate(rows) if r[0] == "#date +period")
    body = rows[hxl_row + 1:]
    chuy = next(r for r in body if r[2] == "KG-C")
    assert chuy[1] == "Чүй облусу" and chuy[3] == 9 and isinstance(chuy[3], int)
    assert next(r for r in body if r[2] == "KG-N")[3] == "<5"
    summary = [r for r in book["summary"].iter_rows(values_only=True)]
    assert any(r[1] == "k = 5" for r in summary)


def test_json_keeps_codes_states_and_comparisons(report):
    doc = json.loads(stats_tables.json_bytes(report, language="en"))
    assert doc["schema"] == "komok.statistics" and doc["schema_version"] == SCHEMA_VERSION
    assert doc["period"] == {"kind": "month", "key": "2026-03", "start": "2026-03-01",
                             "end": "2026-03-31"}  # fmt: skip
    assert doc["rules"]["k"] == 5 and doc["rules"]["zeros_shown"] is True
    assert doc["key_figures"][0]["key"] == "new_cases"
    assert doc["key_figures"][0]["value"] == {"value": 17}
    oblast = next(t for t in doc["tables"] if t["key"] == "oblast")
    rows = [r["code"] for r in oblast["rows"]]
    naryn = oblast["cells"][rows.index("naryn")][0]
    assert naryn == {"value": None, "suppressed": "primary", "shown": "<5"}
    assert oblast["grand_total"] == {"value": 17}
    assert oblast["rows"][rows.index("chuy")]["label"] == "Chüy oblast"
    assert set(doc["comparisons"]) == {"previous", "year_ago"}
    assert doc["comparisons"]["previous"]["period"]["key"] == "2026-02"
    assert len(doc["trend"]) == 12


def test_a_file_that_cannot_be_written_is_a_clear_error(report, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(stats_tables.ExportError, match="Cannot"):
        stats_tables.write_file(blocker / "s.json", b"{}")
    with pytest.raises(stats_tables.ExportError, match="Cannot create"):
        stats_tables.write_csv(report, blocker / "sub", language="en")
