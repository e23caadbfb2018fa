"""Upgrading a database that already holds linked records (SQLite table rebuilds).

SQLite changes a column by copying its table and dropping the old one; with foreign keys
on, dropping `institutions` while referrals point at it fails. `models.migrate.upgrade`
switches foreign keys off for the schema change, checks every link afterwards, and
switches them back on.
"""

from __future__ import annotations

import uuid
from datetime import date

from alembic import command
from sqlalchemy import text

from models import keyslots, migrate
from models.db import open_sqlcipher
from models.migrate import _config
from models.tables import Case, Institution, Person, Referral


def test_an_upgrade_rebuilding_a_referenced_table_keeps_the_links(tmp_path):
    db = open_sqlcipher(tmp_path / "old.db", keyslots.new_database_key(), create=True)
    try:
        with db._write_engine.begin() as conn:  # a database written by the 0005 schema
            command.upgrade(_config(conn), "0005")
        institution_id, person_id, case_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        with db.write() as session:
            session.execute(
                text(
                    "INSERT INTO institutions (id, kind, name_en, name_ru, name_ky, address,"
                    " phone, email, addressee_title, shipped, active, created_at, updated_at,"
                    " version) VALUES (:id, 'embassy', 'Embassy', 'Посольство', 'Элчилик',"
                    " '', '', '', '', 1, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 2)"
                ),
                {"id": institution_id.hex},
            )
            session.add(Person(id=person_id, family_name="Асанов", given_name="Канат"))
            session.flush()
            session.add(Case(id=case_id, number="KG-2026-00001", person_id=person_id,
                             opened_on=date(2026, 1, 5)))  # fmt: skip
            session.flush()
            session.add(Referral(case_id=case_id, institution_id=institution_id))

        assert migrate.upgrade(db, backup=False) is None
        assert migrate.schema_state(db).state == "current"
        with db.read() as session:
            institution = session.get(Institution, institution_id)
            assert institution.local_fields  # edited shipped row keeps its protection
            assert session.exec(text("PRAGMA foreign_key_check")).all() == []
            assert session.exec(text("PRAGMA foreign_keys")).one()[0] == 1
            referral = session.exec(text("SELECT institution_id FROM referrals")).one()
            assert uuid.UUID(referral[0]) == institution_id
    finally:
        db.close()
