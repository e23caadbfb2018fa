"""The `.kbk` backup file format: a plain JSON header, then the database in encrypted chunks.

Layout::

    MAGIC (8 bytes "KOMOKBK\\x01") | header length (4 bytes, big-endian) | header (UTF-8 JSON)
    | chunk 0 | chunk 1 | … | last chunk

The header holds what the restore dialog shows without a password (when, schema
revision, app version, user names) plus the key slots (already password-protected) and
the random HKDF salt and nonce prefix. The payload — the SQLCipher database file, itself
encrypted — is cut into CHUNK_SIZE pieces, each sealed with AES-256-GCM under a key
derived from the database key with HKDF-SHA256 (info "komok-backup-v1", the header's
salt). Chunk i uses nonce = prefix ‖ i and AAD = SHA-256(header) ‖ i ‖ final-flag, so a
changed header, a flipped byte, reordered or dropped chunks and a truncated file all fail
authentication (the STREAM construction).
"""

from __future__ import annotations

import base64
import errno
import hashlib
import importlib.metadata
import json
import os
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from models import errors
from models.errors import CorruptDatabaseError, KomokError, NewerSchemaError
from translations import _

MAGIC = b"KOMOKBK\x01"
FORMAT_VERSION = 1
HKDF_INFO = b"komok-backup-v1"
CHUNK_SIZE = 1 << 20
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 8
MAX_HEADER = 1 << 20  # a header is a few KiB; anything larger is not ours
SUFFIX = ".kbk"
STAMP = "%Y%m%dT%H%M%SZ"  # UTC time in file and folder names
PROGRESS_TOTAL = 1000

Progress = Callable[[int, int], bool | None]


class BackupDamagedError(CorruptDatabaseError):
    """The file is not a Komok backup, or it was damaged or changed after it was made."""

    def default_message(self) -> str:
        return _(
            "This file is not a Komok backup, or it is damaged or was changed after it was "
            "made. Nothing was restored."
        )


class BackupCancelled(KomokError):
    """Making or restoring a backup was cancelled; nothing was left behind."""

    def default_message(self) -> str:
        return _("The backup was cancelled; nothing was changed.")


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file says about itself, readable without a password."""

    path: Path
    created_at: datetime
    revision: str
    usernames: tuple[str, ...]
    size: int
    app_version: str
    case_prefix: str
    payload_size: int


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def new_header(
    *,
    created_at: datetime,
    app_version: str,
    revision: str,
    case_prefix: str,
    slots: list[dict],
    payload_size: int,
) -> dict[str, Any]:
    """A fresh header with a new random salt and nonce prefix."""
    return {
        "format": "komok-backup",
        "version": FORMAT_VERSION,
        "created_at": created_at.isoformat(timespec="seconds"),
        "app_version": app_version,
        "revision": revision,
        "case_prefix": case_prefix,
        "slots": slots,
        "payload": {
            "cipher": "AES-256-GCM",
            "kdf": "HKDF-SHA256",
            "info": HKDF_INFO.decode("ascii"),
            "salt": _b64(secrets.token_bytes(32)),
            "nonce_prefix": _b64(secrets.token_bytes(NONCE_PREFIX_SIZE)),
            "chunk_size": CHUNK_SIZE,
            "size": payload_size,
        },
    }  # fmt: skip


def backup_key(database_key: bytes, salt: bytes) -> bytes:
    """The payload key: HKDF-SHA256 of the database key with the backup's salt."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=HKDF_INFO).derive(
        database_key
    )


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _aad(header_digest: bytes, index: int, final: bool) -> bytes:
    return header_digest + struct.pack(">QB", index, 1 if final else 0)


def write_backup(
    out: BinaryIO,
    header: dict,
    database_key: bytes,
    source: BinaryIO,
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the magic, `header` and `source` (payload_size bytes) encrypted, to `out`."""
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    out.write(MAGIC + struct.pack(">I", len(raw)) + raw)
    digest = hashlib.sha256(raw).digest()
    info = header["payload"]
    aead = AESGCM(backup_key(database_key, base64.b64decode(info["salt"])))
    prefix, remaining = base64.b64decode(info["nonce_prefix"]), info["size"]
    index = 0
    while True:
        chunk = source.read(min(CHUNK_SIZE, remaining))
        if len(chunk) != min(CHUNK_SIZE, remaining):
            raise OSError(_("The database copy changed while it was being saved."))
        remaining -= len(chunk)
        final = remaining == 0
        out.write(aead.encrypt(_nonce(prefix, index), chunk, _aad(digest, index, final)))
        index += 1
        if progress:
            progress(info["size"] - remaining)
        if final:
            return


def _damaged(reason: str | None = None) -> BackupDamagedError:
    return BackupDamagedError(reason)


def _read_raw_header(fh: BinaryIO) -> bytes:
    start = fh.read(len(MAGIC) + 4)
    if len(start) < len(MAGIC) + 4 or start[: len(MAGIC)] != MAGIC:
        raise _damaged(_("This file is not a Komok backup."))
    (length,) = struct.unpack(">I", start[len(MAGIC) :])
    if length > MAX_HEADER:
        raise _damaged()
    raw = fh.read(length)
    if len(raw) != length:
        raise _damaged()
    return raw


def _sane_kdf(slot: dict) -> bool:
    """Argon2 costs a real slot can have (the header is not authenticated before the
    password is tried, so a doctored slot must not make the restore exhaust memory)."""
    costs = (slot.get("time_cost"), slot.get("memory_cost"), slot.get("parallelism"))
    limits = (64, 4 * 1024 * 1024, 64)  # time, memory in KiB (4 GiB), lanes
    return all(isinstance(c, int) and 1 <= c <= hi for c, hi in zip(costs, limits, strict=True))


def _parse_header(raw: bytes) -> dict:
    try:
        header = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise _damaged() from exc
    if not isinstance(header, dict) or header.get("format") != "komok-backup":
        raise _damaged()
    if header.get("version") != FORMAT_VERSION:
        if isinstance(header.get("version"), int) and header["version"] > FORMAT_VERSION:
            raise NewerSchemaError(
                _("This backup was made by a newer version of Komok. Install it to restore.")
            )
        raise _damaged()
    try:
        info, slots = header["payload"], header["slots"]
        checks = (
            info["cipher"] == "AES-256-GCM" and info["chunk_size"] == CHUNK_SIZE,
            len(base64.b64decode(info["nonce_prefix"])) == NONCE_PREFIX_SIZE,
            len(base64.b64decode(info["salt"])) >= 16,
            isinstance(info["size"], int) and info["size"] >= 0,
            isinstance(header["revision"], str) and isinstance(slots, list),
            all(isinstance(s, dict) and isinstance(s.get("username"), str) for s in slots),
            all(_sane_kdf(s) for s in slots),
            isinstance(datetime.fromisoformat(header["created_at"]), datetime),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _damaged() from exc
    if not all(checks):
        raise _damaged()
    return header


def read_header(path: Path) -> tuple[dict, BackupInfo]:
    """The parsed header of a backup file and its summary; BackupDamagedError if not ours."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            header = _parse_header(_read_raw_header(fh))
        size = path.stat().st_size
    except OSError as exc:
        raise CorruptDatabaseError(
            _("Cannot read the backup file {path}: {reason}").format(
                path=path, reason=exc.strerror or exc
            )
        ) from exc
    info = BackupInfo(
        path=path,
        created_at=datetime.fromisoformat(header["created_at"]),
        revision=header["revision"],
        usernames=tuple(slot["username"] for slot in header["slots"]),
        size=size,
        app_version=str(header.get("app_version", "")),
        case_prefix=str(header.get("case_prefix", "")),
        payload_size=header["payload"]["size"],
    )
    return header, info


def decrypt_backup(
    source: BinaryIO,
    database_key: bytes,
    out: BinaryIO,
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Authenticate and decrypt a whole backup read from `source` into `out`.

    Raises BackupDamagedError on any tampering, truncation or trailing data; what was
    written to `out` before that must then be thrown away by the caller.
    """
    raw = _read_raw_header(source)
    info = _parse_header(raw)["payload"]
    digest = hashlib.sha256(raw).digest()
    aead = AESGCM(backup_key(database_key, base64.b64decode(info["salt"])))
    prefix, block = base64.b64decode(info["nonce_prefix"]), CHUNK_SIZE + TAG_SIZE
    index, written = 0, 0
    sealed = source.read(block)
    while True:
        following = source.read(block) if len(sealed) == block else b""
        final = not following
        try:
            chunk = aead.decrypt(_nonce(prefix, index), sealed, _aad(digest, index, final))
        except InvalidTag:
            raise _damaged() from None
        out.write(chunk)
        written += len(chunk)
        if progress:
            progress(written)
        if final:
            break
        index, sealed = index + 1, following
    if written != info["size"]:
        raise _damaged()


# --- file helpers shared by making and restoring backups ---------------------------


class Reporter:
    """Maps the phases of a job onto progress(done, PROGRESS_TOTAL); False cancels."""

    def __init__(self, progress: Progress | None, phases: tuple[int, ...]) -> None:
        self.progress, self.starts = progress, (0, *phases, PROGRESS_TOTAL)

    def __call__(self, phase: int, done: int, total: int) -> None:
        if self.progress is None:
            return
        lo, hi = self.starts[phase], self.starts[phase + 1]
        if self.progress(lo + (hi - lo) * done // max(total, 1), PROGRESS_TOTAL) is False:
            raise BackupCancelled()


def app_version() -> str:
    """The installed Komok version, recorded in each backup header."""
    try:
        return importlib.metadata.version("komok")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def os_error(exc: OSError, folder: Path) -> errors.KomokError:
    """A file-system error while writing in `folder`, as an error a person can act on."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return errors.DiskFullError(
            _("The disk is full in {folder}; nothing was saved there. Free some space and retry.")
            .format(folder=folder)
        )  # fmt: skip
    return errors.DataDirError(
        _("Cannot write to {folder}: {reason}").format(folder=folder, reason=exc.strerror or exc)
    )


def private_file(path: Path) -> None:
    """Create an empty file only the user can read (fails if it exists)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; a no-op elsewhere)."""
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_with_journals(path: Path) -> None:
    """Delete an SQLite file and any journal, WAL or shared-memory file beside it."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
