"""Referral services on both stores: issuing numbered letters, consent, status, the register.

The PDF renderer is the real one (reports.referral_letter) unless a test needs to see
the filled-in letter or make rendering fail.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from datetime import date, timedelta

import pytest
from alembic import command
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import create_engine, inspect, text
from sqlmodel import select

from models import cases, migrate, people
from models.actor import Actor
from models.errors import (
    InvalidTransition,
    NotFoundError,
    PermissionDenied,
    StaleEditError,
    ValidationFailed,
)
from models.letters import MissingLetterValues
from models.referrals import (
    ConsentRequired,
    allowed_referral_statuses,
    change_referral_status,
    create_referral,
    letter_preview_context,
    mark_no_response,
    record_letter_output,
    referral_options,
    stored_letter,
)
from models.settings import change_setting, check_setting
from models.tables import Attachment, AuditEntry, CaseEvent, Counter, Institution, Referral, User
from reports.referral_letter import issue_letter, preview_letter, render_letter

YEAR = date.today().year


def new_case(db, actor, *, consent_refer=True, **fields):
    person = people.create_person(
        db=db,
        actor=actor,
        data={
            "family_name": "Өмүрбеков",
            "given_name": "Жаңыбай",
            "birth_date": date(1991, 4, 17),
            "phones": ["+79161234567"],
        },
    )
    data = {
        "person_id": person.id,
        "categories": ["unpaid_wages"],
        "consent_store": True,
        "consent_refer": consent_refer,
        "employer_name": "ООО «СтройМонтаж»",
        "destination_country": "ru",
        "destination_region": "moscow",
        "details": {"unpaid_amount": 90000, "unpaid_currency": "RUB", "unpaid_months": 2},
    }
    data.update(fields)
    return cases.open_case(db=db, actor=actor, data=data)


def new_institution(db, **fields) -> Institution:
    values = {
        "kind": "labour_inspectorate",
        "country": "RU",
        "name_ru": "Государственная инспекция труда в городе Москве",
        "name_en": "State Labour Inspectorate in Moscow",
        "name_ky": "Москва шаарындагы Мамлекеттик эмгек инспекциясы",
        "addressee_title": "Руководителю Государственной инспекции труда в городе Москве",
        "address": "105064, г. Москва, ул. Земляной Вал, д. 50А",
    }
    values.update(fields)
    institution = Institution(**values)
    with db.write() as session:
        session.add(institution)
    return institution


def letter_data(case, institution, **overrides):
    data = {
        "case_id": case.id,
        "institution_id": institution.id,
        "template": "wage_complaint",
        "language": "ru",
        "reason": "Зарплату не выплачивают с марта.",
        "services": ["labour_dispute"],
        "disclosed": ["full_name", "employer", "unpaid_wages"],
    }
    data.update(overrides)
    return data


def add_user(db, actor, role: str) -> Actor:
    user = User(username=f"{role}1", display_name=f"{role.title()} One", role=role)
    with db.write() as session:
        session.add(user)
    return Actor(user_id=user.id, username=user.username, role=role)


def audit_actions(db, entity: str = "referral") -> list[tuple[str, dict]]:
    with db.read() as s:
        rows = s.exec(
            select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.seq)
        ).all()
    return [(row.action, row.changes) for row in rows]


def test_issuing_numbers_renders_stores_and_records(db, actor):
    case = new_case(db, actor)
    institution = new_institution(db)
    first = issue_letter(db=db, actor=actor, data=letter_data(case, institution))
    second = issue_letter(db=db, actor=actor, data=letter_data(case, institution, language="ky"))
    assert (first.register_number, second.register_number) == (f"1/{YEAR}", f"2/{YEAR}")
    assert (first.register_serial, second.register_serial) == (1, 2)
    assert first.register_year == YEAR and first.issued_on == date.today()
    assert first.status == "draft" and first.created_by == actor.user_id
    assert first.disclosed == ["full_name", "employer", "unpaid_wages"]
    pdf = stored_letter(db=db, actor=actor, referral_id=first.id)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"Исх. № 1/{YEAR}" in text and "Земляной Вал" in text and "Өмүрбеков" in text
    assert "+79161234567" not in text  # the phone was not ticked
    with db.read() as s:
        attachment = s.get(Attachment, first.attachment_id)
        events = s.exec(select(CaseEvent).where(CaseEvent.kind == "referral")).all()
        counter = s.get(Counter, f"register:{YEAR}")
    assert attachment.case_id == case.id and attachment.media_type == "application/pdf"
    assert attachment.sha256 == hashlib.sha256(pdf).hexdigest()
    assert attachment.filename == f"letter-1-{YEAR}.pdf"
    assert {e.data["register_number"] for e in events} == {f"1/{YEAR}", f"2/{YEAR}"}
    assert counter.value == 2
    actions = audit_actions(db)
    assert [a for a, _ in actions] == ["create", "create", "view"]
    assert actions[0][1]["register_number"] == f"1/{YEAR}"
    assert actions[0][1]["disclosed"] == ["full_name", "employer", "unpaid_wages"]
    assert actions[0][1]["consent_override"] is False


def test_the_register_format_setting_shapes_the_number(db, actor):
    change_setting(db=db, actor=actor, key="register_number_format", value="12/{year}-{serial:04d}")
    case, institution = new_case(db, actor), new_institution(db)
    referral = issue_letter(db=db, actor=actor, data=letter_data(case, institution))
    assert referral.register_number == f"12/{YEAR}-0001"


def test_a_number_already_taken_is_skipped_not_reused(db, actor):
    case, institution = new_case(db, actor), new_institution(db)
    # A letter numbered by hand (or by the demo) as the next number of the register.
    with db.write() as s:
        s.add(Referral(case_id=case.id, institution_id=institution.id,
                       register_number=f"1/{YEAR}", status="sent"))  # fmt: skip
    referral = issue_letter(db=db, actor=actor, data=letter_data(case, institution))
    assert referral.register_number == f"2/{YEAR}" and referral.register_serial == 2


def test_missing_consent_is_refused_unless_a_coordinator_overrides(db, actor):
    case = new_case(db, actor, consent_refer=False)
    institution = new_institution(db)
    caseworker = add_user(db, actor, "caseworker")
    with pytest.raises(ConsentRequired) as refused:
        issue_letter(db=db, actor=caseworker, data=letter_data(case, institution))
    assert "consent" in str(refused.value) and isinstance(refused.value, PermissionDenied)
    with pytest.raises(ConsentRequired):
        preview_letter(db=db, actor=caseworker, data=letter_data(case, institution))
    with pytest.raises(ValidationFailed) as no_reason:
        issue_letter(db=db, actor=actor, data=letter_data(case, institution))
    assert set(no_reason.value.field_errors) == {"consent_override_reason"}
    # Nothing was numbered or stored by the refusals.
    with db.read() as s:
        assert s.exec(select(Referral)).all() == []
        counter = s.get(Counter, f"register:{YEAR}")
        assert counter is None or counter.value == 0
    reason = "The client is in hospital and cannot sign; the employer threatens him."
    referral = issue_letter(
        db=db,
        actor=actor,
        data=letter_data(case, institution, consent_override_reason=reason),
    )
    assert referral.consent_override_reason == reason
    assert referral.consent_override_by == actor.user_id
    text = PdfReader(io.BytesIO(stored_letter(db=db, actor=actor, referral_id=referral.id)))
    assert "не оформлено" in text.pages[-1].extract_text() + text.pages[0].extract_text()
    actions = audit_actions(db)
    assert ("override_consent", {"case_id": str(case.id), "reason": reason}) in actions


def test_an_override_reason_is_ignored_when_consent_is_recorded(db, actor):
    case, institution = new_case(db, actor), new_institution(db)
    referral = issue_letter(
        db=db, actor=actor, data=letter_data(case, institution, consent_override_reason="no need")
    )
    assert referral.consent_override_reason is None
    assert "override_consent" not in [a for a, _ in audit_actions(db)]


def test_a_missing_value_takes_no_number(db, actor):
    case = new_case(db, actor, employer_name="")
    institution = new_institution(db)
    with pytest.raises(MissingLetterValues) as caught:
        issue_letter(db=db, actor=actor, data=letter_data(case, institution))
    assert "employer" in caught.value.field_errors
    with pytest.raises(MissingLetterValues):
        preview_letter(db=db, actor=actor, data=letter_data(case, institution))
    other = letter_data(
        case, institution, template="consular_assistance", disclosed=["full_name", "problems"]
    )
    ok = issue_letter(db=db, actor=actor, data=other)
    assert ok.register_serial == 1


def test_a_failed_render_rolls_everything_back(db, actor):
    case, institution = new_case(db, actor), new_institution(db)

    def broken(context):
        raise RuntimeError("printer on fire")

    with pytest.raises(RuntimeError):
        create_referral(db=db, actor=actor, data=letter_data(case, institution), render=broken)
    with db.read() as s:
        assert s.exec(select(Referral)).all() == []
        assert s.exec(select(Attachment)).all() == []
        assert s.exec(select(CaseEvent).where(CaseEvent.kind == "referral")).all() == []
    referral = issue_letter(db=db, actor=actor, data=letter_data(case, institution))
    assert referral.register_serial == 1  # the rolled-back number was never issued


def test_the_renderer_receives_the_filled_in_letter(db, actor):
    case, institution = new_case(db, actor), new_institution(db)
    change_setting(db=db, actor=actor, key="letter_signer_name", value="Бакыт Жумабаев")
    change_setting(db=db, actor=actor, key="letter_signer_title", value={"en": "Director"})
    change_setting(db=db, actor=actor, key="letterhead_phone", value="+996 312 62 45 18")
    seen = []

    def capture(context):
        seen.append(context)
        return render_letter(context)

    create_referral(
        db=db,
        actor=actor,
        data=letter_data(case, institution, language="en", disclosed=["full_name", "employer"]),
        render=capture,
    )
    (context,) = seen
    assert context.number == f"1/{YEAR}" and context.language == "en"
    assert context.addressee == (
        "Руководителю Государственной инспекции труда в городе Москве",
        "State Labour Inspectorate in Moscow",
        "105064, г. Москва, ул. Земляной Вал, д. 50А",
    )
    assert context.signer_name == "Бакыт Жумабаев" and context.signer_title == "Director"
    assert context.executor == "Prepared by: Coordinator"
    assert context.letterhead.name == "Test NGO" and context.letterhead.phone.startswith("+996")
    assert [label for label, _ in context.facts] == ["Full name", "Employer"]
    assert context.services == ("Labour dispute / wage recovery",)


def test_the_preview_takes_no_number_and_writes_nothing(db, actor):
    case, institution = new_case(db, actor), new_institution(db)
    with db.read() as s:
        before = len(s.exec(select(AuditEntry)).all())
    context = letter_preview_context(db=db, actor=actor, data=letter_data(case, institution))
    assert context.number is None and context.number_text == "Исх. № —"
    pdf = preview_letter(db=db, actor=actor, data=letter_data(case, institution))
    assert "Исх. № —" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    with db.read() as s:
        assert len(s.exec(select(AuditEntry)).all()) == before
        assert s.get(Counter, f"register:{YEAR}") is None


def test_invalid_input_is_refused_with_field_messages(db, actor):
    case, institution = new_case(db, actor), new_institution(db)
    bad = letter_data(
        case,
        institution,
        template="love_letter",
        language="de",
        services=["astrology"],
        disclosed=["shoe_size"],
    )
    with pytest.raises(ValidationFailed) as caught:
        issue_letter(db=db, actor=actor, data=bad)
    assert set(caught.value.field_errors) >= {"template", "language", "services", "disclosed"}


def test_a_volunteer_cannot_refer_someone_elses_case(db, actor):
    case, institution = new_case(db, actor), new_institution(db)
    volunteer = add_user(db, actor, "volunteer")
    with pytest.raises(NotFoundError):
        issue_letter(db=db, actor=volunteer, data=letter_data(case, institution))


def test_an_inactive_institution_is_refused(db, actor):
    case, institution = new_case(db, actor), new_institution(db, active=False)
    with pytest.raises(ValidationFailed) as caught:
        issue_letter(db=db, actor=actor, data=letter_data(case, institution))
    assert "institution_id" in caught.value.field_errors


def test_referral_options_list_facts_consent_and_institutions(db, actor):
    case, institution = new_case(db, actor), new_institution(db)
    closed = new_institution(db, name_en="Closed office", active=False)
    options = referral_options(db=db, actor=actor, case_id=case.id)
    assert options.case_number == case.number and options.consent_refer is True
    assert options.may_override is True
    assert options.categories == ("unpaid_wages",)
    assert options.facts["employer"] == "ООО «СтройМонтаж»"
    assert options.facts["latin_name"] is None
    offered = [i.id for i in options.institutions]  # with the shipped ones, if any
    assert institution.id in offered and closed.id not in offered
    assert all(i.active for i in options.institutions)


# --- status ------------------------------------------------------------------------


def issued(db, actor, **overrides) -> Referral:
    case, institution = new_case(db, actor), new_institution(db)
    return issue_letter(db=db, actor=actor, data=letter_data(case, institution, **overrides))


def test_sending_sets_the_dates_and_the_timeline(db, actor):
    change_setting(db=db, actor=actor, key="referral_response_days", value=14)
    referral = issued(db, actor)
    sent_on = date.today()
    moved = change_referral_status(
        db=db, actor=actor, referral_id=referral.id, version=referral.version, status="sent"
    )
    assert moved.status == "sent" and moved.sent_on == sent_on
    assert moved.response_due_on == sent_on + timedelta(days=14)
    assert moved.version == referral.version + 1
    acknowledged = change_referral_status(
        db=db,
        actor=actor,
        referral_id=referral.id,
        version=moved.version,
        status="acknowledged",
        note="Позвонили из инспекции.",
    )
    assert acknowledged.response_due_on == moved.response_due_on
    with db.read() as s:
        events = s.exec(
            select(CaseEvent)
            .where(CaseEvent.kind == "referral", CaseEvent.case_id == referral.case_id)
            .order_by(CaseEvent.occurred_at)
        ).all()
    assert [(e.data.get("from"), e.data.get("to")) for e in events] == [
        (None, None),
        ("draft", "sent"),
        ("sent", "acknowledged"),
    ]
    assert events[-1].text == "Позвонили из инспекции."
    statuses = [c for a, c in audit_actions(db) if a == "status"]
    assert statuses[0]["status"] == ["draft", "sent"]
    assert statuses[1]["note"] is True


def test_mark_sent_on_issue(db, actor):
    referral = issued(db, actor, mark_sent=True)
    assert referral.status == "sent" and referral.sent_on == date.today()
    assert referral.response_due_on == date.today() + timedelta(days=30)


def test_transitions_follow_the_vocabulary(db, actor):
    referral = issued(db, actor)
    assert allowed_referral_statuses("draft") == ("sent", "revoked")
    with pytest.raises(InvalidTransition) as caught:
        change_referral_status(
            db=db, actor=actor, referral_id=referral.id, version=referral.version, status="done"
        )
    assert "Draft" in str(caught.value) and "Done" in str(caught.value)
    revoked = change_referral_status(
        db=db, actor=actor, referral_id=referral.id, version=referral.version, status="revoked"
    )
    with pytest.raises(InvalidTransition):
        change_referral_status(
            db=db, actor=actor, referral_id=referral.id, version=revoked.version, status="sent"
        )


def test_stale_versions_bad_codes_and_future_dates_are_refused(db, actor):
    referral = issued(db, actor)
    change_referral_status(
        db=db, actor=actor, referral_id=referral.id, version=referral.version, status="sent"
    )
    with pytest.raises(StaleEditError):
        change_referral_status(
            db=db, actor=actor, referral_id=referral.id, version=referral.version, status="revoked"
        )
    with pytest.raises(ValidationFailed) as caught:
        change_referral_status(
            db=db,
            actor=actor,
            referral_id=referral.id,
            version=referral.version + 1,
            status="lost",
            on=date.today() + timedelta(days=1),
        )
    assert set(caught.value.field_errors) == {"status", "on"}
    with pytest.raises(ValidationFailed):
        change_referral_status(
            db=db,
            actor=actor,
            referral_id=referral.id,
            version=referral.version + 1,
            status="accepted",
            on=date.today() - timedelta(days=3),  # before it was sent
        )


def test_a_letter_cannot_be_sent_before_its_date_or_without_a_number(db, actor):
    referral = issued(db, actor)
    with pytest.raises(ValidationFailed):
        change_referral_status(
            db=db,
            actor=actor,
            referral_id=referral.id,
            version=referral.version,
            status="sent",
            on=date.today() - timedelta(days=1),
        )
    with db.write() as s:
        draft = Referral(
            case_id=referral.case_id, institution_id=referral.institution_id, status="draft"
        )
        s.add(draft)
    with pytest.raises(InvalidTransition):
        change_referral_status(
            db=db, actor=actor, referral_id=draft.id, version=draft.version, status="sent"
        )


def test_overdue_letters_become_no_response(db, actor):
    first = issued(db, actor, mark_sent=True)
    second = issued(db, actor, mark_sent=True)
    draft = issued(db, actor)
    change_referral_status(
        db=db, actor=actor, referral_id=second.id, version=second.version, status="acknowledged"
    )
    due = first.response_due_on
    assert mark_no_response(db=db, actor=actor, today=due) == 0  # due today: still waiting
    assert mark_no_response(db=db, actor=actor, today=due + timedelta(days=1)) == 2
    with db.read() as s:
        statuses = {r.id: r.status for r in s.exec(select(Referral)).all()}
    assert statuses == {first.id: "no_response", second.id: "no_response", draft.id: "draft"}
    assert mark_no_response(db=db, actor=actor, today=due + timedelta(days=2)) == 0
    # A letter sent again after no response waits again.
    with db.read() as s:
        version = s.get(Referral, first.id).version
    again = change_referral_status(
        db=db, actor=actor, referral_id=first.id, version=version, status="sent"
    )
    assert again.status == "sent" and again.response_due_on == date.today() + timedelta(days=30)


def test_no_response_only_touches_cases_the_actor_may_see(db, actor):
    referral = issued(db, actor, mark_sent=True)
    volunteer = add_user(db, actor, "volunteer")
    later = referral.response_due_on + timedelta(days=1)
    assert mark_no_response(db=db, actor=volunteer, today=later) == 0
    assert mark_no_response(db=db, actor=actor, today=later) == 1


# --- the stored letter and its outputs ---------------------------------------------


def test_outputs_of_a_letter_are_audited_with_their_parameters(db, actor):
    referral = issued(db, actor)
    record_letter_output(
        db=db,
        actor=actor,
        referral_id=referral.id,
        output="print",
        params={"printer": "Office", "copies": 2},
    )
    last = audit_actions(db)[-1]
    assert last[0] == "export"
    assert last[1]["output"] == "print" and last[1]["copies"] == 2
    assert last[1]["register_number"] == referral.register_number
    with pytest.raises(ValueError):
        record_letter_output(db=db, actor=actor, referral_id=referral.id, output="fax")


def test_a_referral_without_a_letter_says_so(db, actor):
    referral = issued(db, actor)
    with db.write() as s:
        bare = Referral(case_id=referral.case_id, institution_id=referral.institution_id)
        s.add(bare)
    with pytest.raises(NotFoundError, match="no stored letter"):
        stored_letter(db=db, actor=actor, referral_id=bare.id)


# --- settings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "{serial}",
        "{year}",
        "{serial}/{year}/{month}",
        "{serial!r}/{year}",
        "{serial/{year}",
        "x" * 41,
    ],
)
def test_bad_register_formats_are_refused(value):
    with pytest.raises(ValidationFailed) as caught:
        check_setting("register_number_format", value)
    assert "register_number_format" in caught.value.field_errors


def test_register_formats_and_letter_settings_are_checked():
    assert (
        check_setting("register_number_format", " 12/{yy}-{serial:04d} ") == "12/{yy}-{serial:04d}"
    )
    assert check_setting("referral_response_days", 45) == 45
    for bad in (0, 366, True, "30"):
        with pytest.raises(ValidationFailed):
            check_setting("referral_response_days", bad)
    assert check_setting("letterhead_email", "info@komok.kg") == "info@komok.kg"
    with pytest.raises(ValidationFailed):
        check_setting("letterhead_email", "not an address")
    assert check_setting("letter_signer_title", {"ru": " Директор "}) == {"ru": "Директор"}
    with pytest.raises(ValidationFailed):
        check_setting("letter_signer_title", {"de": "Direktor"})
    assert check_setting("letterhead_address", "Бишкек\nЧүй пр., 114") == "Бишкек\nЧүй пр., 114"


def test_the_logo_must_be_a_small_png_or_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (200, 10, 10)).save(buffer, "PNG")
    encoded = check_setting("letterhead_logo", buffer.getvalue())
    assert base64.b64decode(encoded) == buffer.getvalue()
    assert check_setting("letterhead_logo", "") == ""
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    for bad in (b"MZ\x90\x00 not an image", gif.getvalue(), "%%%not base64", b"\x89PNG" * 200_000):
        with pytest.raises(ValidationFailed):
            check_setting("letterhead_logo", bad)


def test_only_coordinators_change_letter_settings(db, actor):
    caseworker = add_user(db, actor, "caseworker")
    with pytest.raises(PermissionDenied):
        change_setting(
            db=db, actor=caseworker, key="register_number_format", value="{serial}/{year}"
        )


# --- the migration -----------------------------------------------------------------


def test_migration_0005_backfills_and_goes_down_and_up(tmp_path):
    """On a plain SQLite file at 0004: a numbered letter gets its date from when it was sent
    (else written); downgrading removes the new columns and upgrading adds them again."""
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")

    def go(step, revision):
        with engine.begin() as connection:
            step(migrate._config(connection), revision)

    go(command.upgrade, "0004")
    with engine.begin() as c:
        for number, sent_on in (("1/2025", "2025-02-03"), ("2/2025", None), (None, None)):
            c.execute(
                text(
                    "INSERT INTO referrals (id, case_id, institution_id, register_number, status,"
                    " language, reason, services, disclosed, sent_on, created_at, updated_at,"
                    " version) VALUES (:id, :case, :inst, :number, 'sent', 'ru', '', '[]', '[]',"
                    " :sent, '2025-01-30 10:00:00.000000', '2025-01-30 10:00:00.000000', 1)"
                ),
                {"id": uuid.uuid4().hex, "case": uuid.uuid4().hex, "inst": uuid.uuid4().hex,
                 "number": number, "sent": sent_on},
            )  # fmt: skip
    go(command.upgrade, "0005")
    with engine.connect() as c:
        rows = c.execute(
            text("SELECT register_number, issued_on FROM referrals ORDER BY register_number")
        ).all()
        columns = {col["name"] for col in inspect(c).get_columns("referrals")}
    assert [tuple(r) for r in rows] == [(None, None), ("1/2025", "2025-02-03"),
                                        ("2/2025", "2025-01-30")]  # fmt: skip
    assert {"issued_on", "register_year", "register_serial", "consent_override_by"} <= columns
    go(command.downgrade, "0004")
    with engine.connect() as c:
        columns = {col["name"] for col in inspect(c).get_columns("referrals")}
        assert c.execute(text("SELECT count(*) FROM referrals")).scalar() == 3
    assert "issued_on" not in columns and "consent_override_by" not in columns
    go(command.upgrade, "0005")
    engine.dispose()


def test_the_addressee_block_does_not_name_the_institution_twice(db, actor):
    case = new_case(db, actor)
    full_title = new_institution(db)  # its title already names it, in the dative
    short_title = new_institution(db, addressee_title="Руководителю", name_ru="ГИТ в Москве")
    blocks = [
        letter_preview_context(db=db, actor=actor, data=letter_data(case, place)).addressee
        for place in (full_title, short_title)
    ]
    assert blocks == [
        (
            "Руководителю Государственной инспекции труда в городе Москве",
            "105064, г. Москва, ул. Земляной Вал, д. 50А",
        ),
        ("Руководителю", "ГИТ в Москве", "105064, г. Москва, ул. Земляной Вал, д. 50А"),
    ]
