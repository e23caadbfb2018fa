"""Documents kept with a case (scans, photos, letters), stored inside the encrypted database.

A file is accepted only when its name ends with an allowed extension AND its first bytes
say it really is that kind of file (a renamed program is refused), and when it is not
larger than the organisation's limit (the `attachment_max_mb` setting, 20 MB unless
set). Its content goes into the `attachments` table, so it is encrypted with everything
else and travels with backups; nothing is written to a plain file. Adding, reading and
deleting a document are each audited (the audit entry names the case, type and size,
not the file name, which often holds a person's name). Adding one also puts a
"document" entry on the case's timeline.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from babel.numbers import format_decimal
from sqlmodel import Session, select

from models import audit
from models.actor import Actor
from models.db import Database
from models.errors import CorruptDatabaseError, KomokError, PermissionDenied, ValidationFailed
from models.permissions import has, require_case
from models.records import get_or_404
from models.settings import get_setting
from models.tables import Attachment, Case, CaseEvent, Referral, User
from models.timeutil import utcnow
from translations import _, current_language

MAX_SIZE_SETTING = "attachment_max_mb"
DEFAULT_MAX_MB = 20
MAX_FILENAME = 255
MB = 1024 * 1024


class AttachmentRefused(KomokError):
    """A file that cannot be attached: wrong type, content not matching its name, too big."""


# --- what may be attached ------------------------------------------------------------------


def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda content: any(content.startswith(p) for p in prefixes)


def _zip_with(*members: str) -> Callable[[bytes], bool]:
    """An Office Open XML / OpenDocument file: a ZIP holding the given parts."""

    def check(content: bytes) -> bool:
        if not content.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        return all(member in names for member in members)

    return check


def _heic(content: bytes) -> bool:
    return content[4:12] in (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypmsf1")


def _text(content: bytes) -> bool:
    """Plain text in UTF-8, UTF-16 (with a byte-order mark) or Windows-1251."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError:
            return False
    else:
        if b"\x00" in content:
            return False
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("cp1251")
            except UnicodeDecodeError:
                return False
    return not any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text)


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class FileKind:
    """An allowed kind of document: its media type and how to recognise its content."""

    media_type: str
    looks_right: Callable[[bytes], bool]


FILE_KINDS: dict[str, FileKind] = {
    "pdf": FileKind("application/pdf", _starts(b"%PDF-")),
    "jpg": FileKind("image/jpeg", _starts(b"\xff\xd8\xff")),
    "jpeg": FileKind("image/jpeg", _starts(b"\xff\xd8\xff")),
    "png": FileKind("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    "heic": FileKind("image/heic", _heic),
    "tif": FileKind("image/tiff", _starts(b"II*\x00", b"MM\x00*")),
    "tiff": FileKind("image/tiff", _starts(b"II*\x00", b"MM\x00*")),
    "doc": FileKind("application/msword", _starts(OLE)),
    "xls": FileKind("application/vnd.ms-excel", _starts(OLE)),
    "docx": FileKind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _zip_with("[Content_Types].xml", "word/document.xml"),
    ),
    "xlsx": FileKind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _zip_with("[Content_Types].xml", "xl/workbook.xml"),
    ),
    "odt": FileKind(
        "application/vnd.oasis.opendocument.text", _zip_with("mimetype", "content.xml")
    ),
    "ods": FileKind(
        "application/vnd.oasis.opendocument.spreadsheet", _zip_with("mimetype", "content.xml")
    ),
    "rtf": FileKind("application/rtf", _starts(b"{\\rtf")),
    "txt": FileKind("text/plain", _text),
    "csv": FileKind("text/csv", _text),
}
ALLOWED_EXTENSIONS: tuple[str, ...] = tuple(FILE_KINDS)


def format_size(size: int) -> str:
    """A file size for people, in the interface language ("1.5 MB", "820 KB")."""
    lang = current_language()
    if size >= MB:
        return _("{size} MB").format(size=format_decimal(round(size / MB, 1), locale=lang))
    if size >= 1024:
        return _("{size} KB").format(size=format_decimal(round(size / 1024), locale=lang))
    return _("{size} bytes").format(size=format_decimal(size, locale=lang))


def max_attachment_bytes(session: Session) -> int:
    """The largest document the organisation accepts, in bytes."""
    value = get_setting(session, MAX_SIZE_SETTING)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        value = DEFAULT_MAX_MB
    return int(value * MB)


def clean_filename(name: str) -> str:
    """The file's own name (no folders), normalised; refuses empty or unstorable names."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not text or text in (".", ".."):
        raise ValidationFailed({"filename": _("The file has no name.")})
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise ValidationFailed(
            {"filename": _("Contains characters that cannot be stored (control characters).")}
        )
    if len(text) > MAX_FILENAME:
        stem, dot, ext = text.rpartition(".")
        text = stem[: MAX_FILENAME - len(ext) - 1] + dot + ext if dot else text[:MAX_FILENAME]
    return text


def check_size(name: str, size: int, max_bytes: int) -> None:
    """Refuse an empty file, or one larger than `max_bytes` (AttachmentRefused)."""
    if size <= 0:
        raise AttachmentRefused(_("The file “{name}” is empty.").format(name=name))
    if size > max_bytes:
        raise AttachmentRefused(
            _("The file “{name}” is {size}; documents may be at most {limit}.").format(
                name=name, size=format_size(size), limit=format_size(max_bytes)
            )
        )


def check_file(filename: str, content: bytes, max_bytes: int) -> tuple[str, FileKind]:
    """The cleaned name and kind of an acceptable file; AttachmentRefused says why not."""
    name = clean_filename(filename)
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    kind = FILE_KINDS.get(ext)
    if kind is None:
        raise AttachmentRefused(
            _("Files of this type cannot be attached: “{name}”. Allowed types: {types}.").format(
                name=name, types=", ".join(ALLOWED_EXTENSIONS)
            )
        )
    check_size(name, len(content), max_bytes)
    if not kind.looks_right(content):
        raise AttachmentRefused(
            _(
                "The content of “{name}” does not match its type ({ext}). "
                "It may be damaged or renamed; it was not attached."
            ).format(name=name, ext=ext)
        )
    return name, kind


# --- services --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentInfo:
    """A document's description without its content (for lists)."""

    id: uuid.UUID
    case_id: uuid.UUID
    filename: str
    media_type: str
    size: int
    sha256: str
    created_at: datetime
    created_by: uuid.UUID | None
    author_name: str


@dataclass(frozen=True)
class AttachmentContent:
    """A document and its bytes, as read for saving a copy."""

    info: AttachmentInfo
    content: bytes


def _info(row: Attachment, author_name: str | None) -> AttachmentInfo:
    return AttachmentInfo(
        id=row.id, case_id=row.case_id, filename=row.filename, media_type=row.media_type,
        size=row.size, sha256=row.sha256, created_at=row.created_at, created_by=row.created_by,
        author_name=author_name or "",
    )  # fmt: skip


def _author(session: Session, user_id: uuid.UUID | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.display_name if user is not None else ""


def add_attachment(
    *, db: Database, actor: Actor, case_id: uuid.UUID, filename: str, content: bytes
) -> AttachmentInfo:
    """Keep a document with a case, after checking its type, content and size."""
    content = bytes(content)
    with db.write() as session:
        require_case(actor, get_or_404(session, Case, case_id))
        name, kind = check_file(filename, content, max_attachment_bytes(session))
        row = Attachment(
            case_id=case_id,
            filename=name,
            media_type=kind.media_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            created_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        session.add(
            CaseEvent(
                case_id=case_id,
                kind="document",
                occurred_at=utcnow(),
                author_id=actor.user_id,
                text=name,
                data={"attachment_id": str(row.id), "size": row.size},
            )
        )
        audit.record(
            session,
            actor=actor,
            action="create",
            entity="attachment",
            entity_id=row.id,
            changes={"case_id": case_id, "media_type": row.media_type, "size": row.size},
        )
        return _info(row, _author(session, actor.user_id))


def add_attachment_file(
    *, db: Database, actor: Actor, case_id: uuid.UUID, path: Path
) -> AttachmentInfo:
    """Keep a file from disk with a case; a file over the size limit is refused unread."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with db.read() as session:
            check_size(clean_filename(path.name), size, max_attachment_bytes(session))
        content = path.read_bytes()
    except OSError as exc:
        raise AttachmentRefused(
            _("The file “{name}” cannot be read: {error}").format(
                name=path.name, error=exc.strerror or exc
            )
        ) from exc
    return add_attachment(db=db, actor=actor, case_id=case_id, filename=path.name, content=content)


def list_attachments(*, db: Database, actor: Actor, case_id: uuid.UUID) -> list[AttachmentInfo]:
    """A case's documents, newest first (without their content)."""
    with db.read() as session:
        require_case(actor, get_or_404(session, Case, case_id))
        rows = session.exec(
            select(
                Attachment.id, Attachment.case_id, Attachment.filename, Attachment.media_type,
                Attachment.size, Attachment.sha256, Attachment.created_at, Attachment.created_by,
                User.display_name,
            )
            .join(User, User.id == Attachment.created_by, isouter=True)
            .where(Attachment.case_id == case_id)
            .order_by(Attachment.created_at.desc(), Attachment.filename)
        ).all()
        return [
            AttachmentInfo(
                id=r[0], case_id=r[1], filename=r[2], media_type=r[3], size=r[4], sha256=r[5],
                created_at=r[6], created_by=r[7], author_name=r[8] or "",
            )
            for r in rows
        ]


def read_attachment(*, db: Database, actor: Actor, attachment_id: uuid.UUID) -> AttachmentContent:
    """A document's content (to save a copy); the reading is recorded in the audit log."""
    with db.write() as session:
        row = get_or_404(session, Attachment, attachment_id)
        require_case(actor, get_or_404(session, Case, row.case_id))
        if hashlib.sha256(row.content).hexdigest() != row.sha256:
            raise CorruptDatabaseError(
                _("The stored document “{name}” is damaged; restore it from a backup.").format(
                    name=row.filename
                )
            )
        audit.record(
            session,
            actor=actor,
            action="view",
            entity="attachment",
            entity_id=row.id,
            changes={"case_id": row.case_id},
        )
        return AttachmentContent(_info(row, _author(session, row.created_by)), bytes(row.content))


def can_delete(actor: Actor, created_by: uuid.UUID | None) -> bool:
    """Whether the actor may delete a document added by `created_by` (author or coordinator)."""
    return has(actor, "settings") or (actor.user_id is not None and created_by == actor.user_id)


def delete_attachment(*, db: Database, actor: Actor, attachment_id: uuid.UUID) -> None:
    """Delete a document (its author or a coordinator only); a sent letter cannot be deleted."""
    with db.write() as session:
        row = get_or_404(session, Attachment, attachment_id)
        require_case(actor, get_or_404(session, Case, row.case_id))
        if not can_delete(actor, row.created_by):
            raise PermissionDenied(
                _("Only the person who added a document, or a coordinator, can delete it.")
            )
        used = session.exec(
            select(Referral.id).where(Referral.attachment_id == row.id).limit(1)
        ).first()
        if used is not None:
            raise AttachmentRefused(
                _("This document is the letter of a referral and cannot be deleted.")
            )
        audit.record(
            session,
            actor=actor,
            action="delete",
            entity="attachment",
            entity_id=row.id,
            changes={"case_id": row.case_id, "media_type": row.media_type, "size": row.size},
        )
        session.delete(row)
