"""`Database.snapshot_reads`: sessions for work split across threads all see one snapshot."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from models.settings import change_setting, get_setting
from models.tables import AuditEntry


def _count(session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def test_sessions_share_one_snapshot_and_miss_later_commits(db, actor):
    with db.read() as session:
        before = _count(session)
    with db.snapshot_reads(3) as sessions:
        assert len(sessions) == 3
        # committed after the snapshot was taken
        change_setting(db=db, actor=actor, key="organisation_name", value="Көмөк Ош")
        seen: list[int] = []
        threads = [threading.Thread(target=lambda s=s: seen.append(_count(s))) for s in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert seen == [before] * 3
        assert {get_setting(s, "organisation_name") for s in sessions} != {"Көмөк Ош"}
    with db.read() as session:
        assert get_setting(session, "organisation_name") == "Көмөк Ош"


def test_a_writer_is_not_blocked_after_the_snapshot(db, actor):
    with db.snapshot_reads(2) as sessions:
        _count(sessions[0])
        change_setting(db=db, actor=actor, key="organisation_name", value="Komok Bishkek")
    with db.read() as session:
        assert get_setting(session, "organisation_name") == "Komok Bishkek"
