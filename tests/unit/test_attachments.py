"""Documents kept with a case: type checks by content, size limit, audit, delete rules.

Runs on SQLCipher and PostgreSQL. A file is accepted only when its extension is allowed
and its bytes look like that type; reading and deleting are audited; the audit entries
never hold the file name.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from datetime import date

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import select

from models import attachments, cases, people
from models.actor import Actor
from models.attachments import AttachmentRefused, check_file, clean_filename, format_size
from models.errors import (
    CorruptDatabaseError,
    NotFoundError,
    PermissionDenied,
    ValidationFailed,
)
from models.settings import put_setting
from models.tables import AuditEntry, CaseEvent, Institution, Referral, User
from translations import _, set_language

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "Асанов"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _case(db, actor):
    person = people.create_person(
        db=db, actor=actor, data={"family_name": "Асанов", "given_name": "Бакыт"}
    )
    return cases.open_case(
        db=db,
        actor=actor,
        data={"person_id": person.id, "categories": ["unpaid_wages"], "consent_store": True},
    )


def _audit(db) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.exec(select(AuditEntry).order_by(AuditEntry.seq)).all())


def _volunteer(db) -> Actor:
    user = User(username=f"v{uuid.uuid4().hex[:6]}", display_name="Volunteer", role="volunteer")
    with db.write() as s:
        s.add(user)
    return Actor(user_id=user.id, username=user.username, role="volunteer")


# --- content checks (no database) ----------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, media",
    [
        ("scan.pdf", PDF, "application/pdf"),
        ("photo.PNG", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("contract.docx", _docx(), "wordprocessingml"),
        ("wages.xlsx", _xlsx(), "spreadsheetml"),
        ("note.txt", "Эмгек акы төлөнгөн жок".encode(), "text/plain"),
        ("note.txt", "Зарплата не выплачена".encode("cp1251"), "text/plain"),
        ("note.txt", "Жалоба".encode("utf-16"), "text/plain"),
        ("iphone.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 16, "image/heic"),
    ],
)
def test_allowed_files_are_recognised(name, content, media):
    cleaned, kind = check_file(name, content, 10_000_000)
    assert cleaned == name
    assert media in kind.media_type


@pytest.mark.parametrize(
    "name, content",
    [
        ("passport.pdf", b"MZ\x90\x00 this is a program"),
        ("photo.jpg", PDF),
        ("contract.docx", _xlsx()),
        ("wages.xlsx", _docx()),
        ("broken.docx", b"PK\x03\x04 not really a zip"),
        ("note.txt", b"text\x00with\x00nul"),
    ],
)
def test_content_must_match_the_extension(name, content):
    with pytest.raises(AttachmentRefused) as info:
        check_file(name, content, 10_000_000)
    assert name in str(info.value)


@pytest.mark.parametrize("name", ["setup.exe", "script.js", "README", "archive.zip", "a.pdf.exe"])
def test_other_types_are_refused(name):
    with pytest.raises(AttachmentRefused) as info:
        check_file(name, PDF, 10_000_000)
    assert "pdf" in str(info.value)  # the message lists what is allowed


def test_empty_and_oversized_files_are_refused():
    with pytest.raises(AttachmentRefused, match="empty"):
        check_file("scan.pdf", b"", 1000)
    with pytest.raises(AttachmentRefused) as info:
        check_file("scan.pdf", PDF + b"x" * 2 * 1024 * 1024, 1024 * 1024)
    assert "2 MB" in str(info.value) and "1 MB" in str(info.value)


def test_sizes_follow_the_interface_language():
    size = 3 * 1024 * 1024 + 512 * 1024
    assert "3.5" in format_size(size)
    set_language("ru")
    assert "3,5" in format_size(size)  # Russian decimal comma (CLDR)
    assert format_size(100) == _("{size} bytes").format(size="100")


def test_file_names_lose_their_folders():
    assert clean_filename("C:\\Users\\aida\\Паспорт.pdf") == "Паспорт.pdf"
    assert clean_filename("/home/a/b/справка.png") == "справка.png"
    long = "а" * 300 + ".pdf"
    assert clean_filename(long).endswith(".pdf") and len(clean_filename(long)) == 255
    for bad in ("", "   ", "folder/", "bad\x07name.pdf"):
        with pytest.raises(ValidationFailed):
            clean_filename(bad)


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(["a.pdf", "b.png", "c.docx", "d.txt", "e.xlsx", "f.jpg", "g.doc"]),
    content=st.binary(min_size=1, max_size=300),
)
def test_arbitrary_bytes_are_accepted_or_refused_clearly(name, content):
    try:
        cleaned, kind = check_file(name, content, 200)
    except AttachmentRefused as exc:
        assert str(exc)
    else:
        assert cleaned == name and len(content) <= 200
        assert kind.looks_right(content)


# --- services -----------------------------------------------------------------------------


def test_add_list_read_is_audited_without_the_file_name(db, actor):
    case = _case(db, actor)
    before = len(_audit(db))
    info = attachments.add_attachment(
        db=db, actor=actor, case_id=case.id, filename="C:\\scans\\Асанов паспорт.pdf", content=PDF
    )
    assert info.filename == "Асанов паспорт.pdf"
    assert info.size == len(PDF) and info.media_type == "application/pdf"
    assert info.sha256 == hashlib.sha256(PDF).hexdigest()
    assert info.author_name == "Coordinator"
    listed = attachments.list_attachments(db=db, actor=actor, case_id=case.id)
    assert [a.id for a in listed] == [info.id]
    read = attachments.read_attachment(db=db, actor=actor, attachment_id=info.id)
    assert read.content == PDF and read.info.filename == info.filename
    entries = _audit(db)[before:]
    assert [(e.action, e.entity) for e in entries] == [
        ("create", "attachment"),
        ("view", "attachment"),
    ]
    assert all("Асанов" not in json.dumps(e.changes, ensure_ascii=False) for e in entries)
    with db.read() as s:
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    document = [e for e in events if e.kind == "document"]
    assert len(document) == 1 and document[0].text == info.filename
    assert document[0].data["attachment_id"] == str(info.id)


def test_refused_file_changes_nothing(db, actor):
    case = _case(db, actor)
    before = len(_audit(db))
    with pytest.raises(AttachmentRefused):
        attachments.add_attachment(
            db=db, actor=actor, case_id=case.id, filename="virus.pdf", content=b"MZ\x90"
        )
    assert len(_audit(db)) == before
    assert attachments.list_attachments(db=db, actor=actor, case_id=case.id) == []


def test_size_limit_comes_from_the_setting(db, actor):
    case = _case(db, actor)
    big = PDF + b"0" * (2 * 1024 * 1024)
    attachments.add_attachment(db=db, actor=actor, case_id=case.id, filename="a.pdf", content=big)
    with db.write() as s:
        put_setting(s, actor=actor, key=attachments.MAX_SIZE_SETTING, value=1)
    with pytest.raises(AttachmentRefused):
        attachments.add_attachment(
            db=db, actor=actor, case_id=case.id, filename="b.pdf", content=big
        )


def test_damaged_content_is_detected(db, actor):
    case = _case(db, actor)
    info = attachments.add_attachment(
        db=db, actor=actor, case_id=case.id, filename="a.png", content=PNG
    )
    with db.write() as s:
        s.execute(
            text("UPDATE attachments SET content = :c WHERE id = :i"),
            {"c": PNG + b"!", "i": info.id if db.kind == "postgresql" else info.id.hex},
        )
    with pytest.raises(CorruptDatabaseError):
        attachments.read_attachment(db=db, actor=actor, attachment_id=info.id)


def test_delete_rules(db, actor):
    case = _case(db, actor)
    volunteer = _volunteer(db)
    with db.write() as s:
        from models.tables import Case

        row = s.get(Case, case.id)
        row.assigned_user_id = volunteer.user_id
        s.add(row)
    mine = attachments.add_attachment(
        db=db, actor=volunteer, case_id=case.id, filename="mine.txt", content=b"hello"
    )
    theirs = attachments.add_attachment(
        db=db, actor=actor, case_id=case.id, filename="theirs.txt", content=b"hi"
    )
    with pytest.raises(PermissionDenied):
        attachments.delete_attachment(db=db, actor=volunteer, attachment_id=theirs.id)
    before = len(_audit(db))
    attachments.delete_attachment(db=db, actor=volunteer, attachment_id=mine.id)
    assert [(e.action, e.entity) for e in _audit(db)[before:]] == [("delete", "attachment")]
    attachments.delete_attachment(db=db, actor=actor, attachment_id=theirs.id)
    assert attachments.list_attachments(db=db, actor=actor, case_id=case.id) == []
    with pytest.raises(NotFoundError):
        attachments.read_attachment(db=db, actor=actor, attachment_id=mine.id)


def test_a_referral_letter_cannot_be_deleted(db, actor):
    case = _case(db, actor)
    info = attachments.add_attachment(
        db=db, actor=actor, case_id=case.id, filename="letter.pdf", content=PDF
    )
    with db.write() as s:
        institution = Institution(kind="embassy", name_en="Embassy")
        s.add(institution)
        s.flush()
        s.add(
            Referral(
                case_id=case.id,
                institution_id=institution.id,
                attachment_id=info.id,
                sent_on=date.today(),
            )
        )
    with pytest.raises(AttachmentRefused):
        attachments.delete_attachment(db=db, actor=actor, attachment_id=info.id)
    assert len(attachments.list_attachments(db=db, actor=actor, case_id=case.id)) == 1


def test_a_volunteer_cannot_reach_other_cases_documents(db, actor):
    case = _case(db, actor)
    info = attachments.add_attachment(
        db=db, actor=actor, case_id=case.id, filename="a.pdf", content=PDF
    )
    stranger = _volunteer(db)
    with pytest.raises(NotFoundError):
        attachments.list_attachments(db=db, actor=stranger, case_id=case.id)
    with pytest.raises(NotFoundError):
        attachments.read_attachment(db=db, actor=stranger, attachment_id=info.id)
    with pytest.raises(NotFoundError):
        attachments.add_attachment(
            db=db, actor=stranger, case_id=case.id, filename="b.pdf", content=PDF
        )
