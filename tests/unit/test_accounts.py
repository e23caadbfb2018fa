"""Accounts and roles: users with key slots or hashes, password rules, throttling, and the
role rules enforced in the services themselves."""

from __future__ import annotations

import pytest

from models import cases, keyslots, people, timeline, users
from models.actor import Actor
from models.errors import NotFoundError, PermissionDenied, ValidationFailed
from models.keyslots import WrongPasswordError
from models.permissions import require
from models.throttle import LoginThrottled, Throttle
from models.vault import OpenVault, connect_server, unlock_vault

GOOD = "apricot river tent"


def _as(opened: OpenVault, user) -> OpenVault:
    return OpenVault(
        db=opened.db, actor=Actor(user.id, user.username, user.role), keyring=opened.keyring
    )


def _case(opened: OpenVault):
    person = people.create_person(
        db=opened.db, actor=opened.actor, data={"family_name": "Осмонова", "given_name": "Айгүл"}
    )
    return cases.open_case(
        db=opened.db,
        actor=opened.actor,
        data={"person_id": person.id, "categories": ["fraud"], "consent_store": True},
    )


def test_password_rules():
    for bad in ("short", "aaaaaaaaaaaa", "qwertyuiop", "my-aibek-password"):
        with pytest.raises(ValidationFailed):
            users.check_password(bad, username="aibek")
    users.check_password("тоо жана дарыя", username="aibek")


def test_volunteer_sees_only_own_cases(vault):
    volunteer = users.create_user(
        opened=vault, username="bermet", display_name="Бермет", role="volunteer", password=GOOD
    )
    other_case = _case(vault)
    as_vol = _as(vault, volunteer)
    with pytest.raises(NotFoundError):
        cases.update_case(
            db=vault.db,
            actor=as_vol.actor,
            case_id=other_case.id,
            version=other_case.version,
            data={"employer_name": "X"},
        )
    with pytest.raises(NotFoundError):
        timeline.add_event(
            db=vault.db, actor=as_vol.actor, case_id=other_case.id, data={"text": "note"}
        )
    with pytest.raises(NotFoundError):
        cases.view_case(db=vault.db, actor=as_vol.actor, case_id=other_case.id)
    own = _case(as_vol)
    assert own.assigned_user_id == volunteer.id
    updated = cases.update_case(
        db=vault.db,
        actor=as_vol.actor,
        case_id=own.id,
        version=own.version,
        data={"employer_name": "ОсОО Курулуш"},
    )
    assert updated.version == own.version + 1
    for permission in ("export_statistics", "manage_users", "view_audit", "override_consent"):
        with pytest.raises(PermissionDenied):
            require(as_vol.actor, permission)
    with pytest.raises(PermissionDenied):
        users.create_user(
            opened=as_vol, username="x1", display_name="X", role="coordinator", password=GOOD
        )


def test_caseworker_sees_all_cases_but_cannot_manage(vault):
    worker = users.create_user(
        opened=vault, username="talant", display_name="Талант", role="caseworker", password=GOOD
    )
    case = _case(vault)
    as_worker = _as(vault, worker)
    cases.view_case(db=vault.db, actor=as_worker.actor, case_id=case.id)
    with pytest.raises(PermissionDenied):
        require(as_worker.actor, "export_statistics")
    with pytest.raises(PermissionDenied):
        users.change_password(opened=as_worker, username="coordinator", new_password=GOOD)


def test_new_user_signs_in_and_password_change_rewraps_only_their_slot(vault, tmp_path):
    users.create_user(
        opened=vault, username="aibek", display_name="Айбек", role="volunteer", password=GOOD
    )
    if vault.keyring is None:
        pytest.skip("key slots exist only for SQLCipher vaults")
    folder = vault.keyring.keys_dir.parent
    coordinator_slot = (vault.keyring.keys_dir / "coordinator.slot").read_bytes()
    opened = unlock_vault(folder, username="aibek", password=GOOD)
    assert opened.actor.role == "volunteer"
    users.change_password(
        opened=opened, username="aibek", current_password=GOOD, new_password="new long phrase here"
    )
    opened.db.close()
    with pytest.raises(WrongPasswordError):
        unlock_vault(folder, username="aibek", password=GOOD)
    unlock_vault(folder, username="aibek", password="new long phrase here").db.close()
    assert (vault.keyring.keys_dir / "coordinator.slot").read_bytes() == coordinator_slot


def test_removed_user_cannot_sign_in_and_last_coordinator_stays(vault):
    user = users.create_user(
        opened=vault, username="mirlan", display_name="Мирлан", role="volunteer", password=GOOD
    )
    users.set_active(opened=vault, user_id=user.id, version=user.version, active=False)
    if vault.keyring is not None:
        assert not keyslots.slot_path(vault.keyring.keys_dir, "mirlan").exists()
        with pytest.raises(WrongPasswordError):
            unlock_vault(vault.keyring.keys_dir.parent, username="mirlan", password=GOOD)
    with pytest.raises(PermissionDenied):
        users.set_active(opened=vault, user_id=vault.actor.user_id, version=1, active=False)


def test_wrong_passwords_make_the_user_wait(tmp_path):
    throttle = Throttle.for_user(tmp_path, "aibek")
    for _ in range(3):
        throttle.check()
        throttle.failed()
    with pytest.raises(LoginThrottled) as err:
        throttle.check()
    assert "Try again" in str(err.value)
    first_wait = throttle.wait_seconds()
    throttle.failed()
    assert throttle.wait_seconds() > first_wait
    assert throttle.succeeded() == 4
    throttle.check()


def test_failed_sign_ins_are_audited_after_the_next_good_one(vault):
    from sqlmodel import select

    from models.tables import AuditEntry

    if vault.keyring is None:
        url = vault.db.engine.url.render_as_string(hide_password=False)
        with pytest.raises(WrongPasswordError):
            connect_server(url, username="coordinator", password="wrong password!")
        opened = connect_server(url, username="coordinator", password="correct horse battery")
    else:
        folder = vault.keyring.keys_dir.parent
        with pytest.raises(WrongPasswordError):
            unlock_vault(folder, username="coordinator", password="wrong password!")
        opened = unlock_vault(folder, username="coordinator", password="correct horse battery")
    with opened.db.read() as session:
        actions = session.exec(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    opened.db.close()
    assert actions[-2:] == ["failed_login", "login"]
