"""Drafts of unsaved work: kept per user and editor, private, removed with their case.

Runs on SQLCipher and PostgreSQL. Also checks that migration 0003 goes down and up again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlmodel import delete, select

from models import cases, drafts, people
from models.actor import Actor
from models.audit import verify_chain
from models.errors import NotFoundError, PermissionDenied, ValidationFailed
from models.migrate import _config
from models.tables import AuditEntry, Case, Draft, User

STATE = {"person": {"family_name": "Үсөнова"}, "note": {"text": "Чалды, эртең келет"}}


def _case(db, actor):
    person = people.create_person(db=db, actor=actor, data={"family_name": "Асанов"})
    return cases.open_case(
        db=db,
        actor=actor,
        data={"person_id": person.id, "categories": ["registration"], "consent_store": True},
    )


def _other_user(db, role="caseworker") -> Actor:
    user = User(username=f"u{uuid.uuid4().hex[:6]}", display_name="Other", role=role)
    with db.write() as s:
        s.add(user)
    return Actor(user_id=user.id, username=user.username, role=role)


def _audit_count(db) -> int:
    with db.read() as s:
        return len(s.exec(select(AuditEntry.seq)).all())


def test_save_load_replace_discard(db, actor):
    case = _case(db, actor)
    key = drafts.case_draft_key(case.id)
    audited = _audit_count(db)
    saved = drafts.save_draft(db=db, actor=actor, key=key, data=STATE, case_id=case.id)
    assert saved.data == STATE and isinstance(saved.updated_at, datetime)
    loaded = drafts.load_draft(db=db, actor=actor, key=key)
    assert loaded is not None and loaded.data == STATE and loaded.case_id == case.id
    drafts.save_draft(db=db, actor=actor, key=key, data={"note": {"text": "x"}}, case_id=case.id)
    assert drafts.load_draft(db=db, actor=actor, key=key).data == {"note": {"text": "x"}}
    with db.read() as s:
        assert len(s.exec(select(Draft)).all()) == 1
    assert _audit_count(db) == audited  # autosaves are not audit events
    assert drafts.discard_draft(db=db, actor=actor, key=key) is True
    assert drafts.load_draft(db=db, actor=actor, key=key) is None
    assert drafts.discard_draft(db=db, actor=actor, key=key) is False
    with db.read() as s:
        assert verify_chain(s).ok


def test_drafts_are_private_to_their_user(db, actor):
    other = _other_user(db)
    drafts.save_draft(db=db, actor=actor, key=drafts.INTAKE_KEY, data={"a": 1})
    drafts.save_draft(db=db, actor=other, key=drafts.INTAKE_KEY, data={"a": 2})
    assert drafts.load_draft(db=db, actor=actor, key=drafts.INTAKE_KEY).data == {"a": 1}
    assert drafts.load_draft(db=db, actor=other, key=drafts.INTAKE_KEY).data == {"a": 2}
    assert [d.data for d in drafts.list_drafts(db=db, actor=other)] == [{"a": 2}]
    drafts.discard_draft(db=db, actor=other, key=drafts.INTAKE_KEY)
    assert drafts.load_draft(db=db, actor=actor, key=drafts.INTAKE_KEY) is not None


def test_a_case_draft_needs_a_visible_case(db, actor):
    case = _case(db, actor)
    key = drafts.case_draft_key(case.id)
    volunteer = _other_user(db, role="volunteer")
    with pytest.raises(NotFoundError):
        drafts.save_draft(db=db, actor=volunteer, key=key, data={}, case_id=case.id)
    with pytest.raises(NotFoundError):
        drafts.save_draft(db=db, actor=actor, key="case:x", data={}, case_id=uuid.uuid4())
    drafts.save_draft(db=db, actor=actor, key=key, data=STATE, case_id=case.id)
    with db.write() as s:
        row = s.get(Case, case.id)
        row.assigned_user_id = volunteer.user_id
        s.add(row)
    drafts.save_draft(db=db, actor=volunteer, key=key, data=STATE, case_id=case.id)
    with db.write() as s:
        row = s.get(Case, case.id)
        row.assigned_user_id = actor.user_id
        s.add(row)
    assert drafts.load_draft(db=db, actor=volunteer, key=key) is None  # no longer theirs


def test_deleting_the_case_deletes_its_drafts(db, actor):
    case = _case(db, actor)
    drafts.save_draft(
        db=db, actor=actor, key=drafts.case_draft_key(case.id), data=STATE, case_id=case.id
    )
    with db.write() as s:
        s.exec(delete(Case).where(Case.id == case.id))
    with db.read() as s:
        assert s.exec(select(Draft)).all() == []


@pytest.mark.parametrize(
    "key, data",
    [
        ("", {}),
        ("k" * 81, {}),
        ("intake", ["not", "a", "dict"]),
        ("intake", {"when": datetime.now()}),
        ("intake", {"x": float("nan")}),
        ("intake", {"big": "ж" * 1_100_000}),
    ],
)
def test_bad_drafts_are_refused(db, actor, key, data):
    with pytest.raises(ValidationFailed):
        drafts.save_draft(db=db, actor=actor, key=key, data=data)
    with db.read() as s:
        assert s.exec(select(Draft)).all() == []


def test_the_system_actor_keeps_no_drafts(db):
    with pytest.raises(PermissionDenied):
        drafts.save_draft(db=db, actor=Actor.system(), key="intake", data={})


def test_migration_0003_goes_down_and_up(db, actor):
    drafts.save_draft(db=db, actor=actor, key="intake", data={"a": 1})
    with db._write_engine.begin() as conn:
        command.downgrade(_config(conn), "0002")
    with db.engine.connect() as conn:
        assert "drafts" not in inspect(conn).get_table_names()
        assert "attachments" in inspect(conn).get_table_names()
    with db._write_engine.begin() as conn:
        command.upgrade(_config(conn), "head")
    with db.engine.connect() as conn:
        assert "drafts" in inspect(conn).get_table_names()
    assert drafts.load_draft(db=db, actor=actor, key="intake") is None
    drafts.save_draft(db=db, actor=actor, key="intake", data={"a": 2})
