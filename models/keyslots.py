"""Key slots: the database key wrapped with a key derived from one user's password.

Like a LUKS volume or a password-manager vault, the database key is 32 random bytes that
nobody types. Each user has a slot file beside the database holding that key encrypted
with AES-256-GCM under a key derived from their password by Argon2id (parameters stored
in the slot). A wrong password fails GCM authentication and is reported as such; changing
a password rewrites only that user's slot.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.errors import CorruptDatabaseError, KomokError
from translations import _

SLOT_FORMAT = 1


class WrongPasswordError(KomokError):
    """The password does not open this user's key slot."""

    def default_message(self) -> str:
        return _("The user name or password is wrong.")


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters (memory in KiB)."""

    time_cost: int = 8
    memory_cost: int = 131072
    parallelism: int = 2


# Chosen so that unlocking takes about 0.4 s on a 2-core machine (`make bench` shows it).
DEFAULT_KDF = KdfParams()
# Cheap parameters for tests and throwaway demo vaults only.
FAST_KDF = KdfParams(time_cost=1, memory_cost=8192, parallelism=1)


def new_database_key() -> bytes:
    """32 random bytes: a fresh SQLCipher key."""
    return secrets.token_bytes(32)


def _derive(password: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def _aad(username: str) -> bytes:
    return f"komok-keyslot:{SLOT_FORMAT}:{username}".encode()


def wrap_key(key: bytes, *, username: str, password: str, params: KdfParams = DEFAULT_KDF) -> dict:
    """A new slot (a JSON-ready dict) holding `key` for `username` under `password`."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    wrapped = AESGCM(_derive(password, salt, params)).encrypt(nonce, key, _aad(username))
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return {
        "format": SLOT_FORMAT,
        "username": username,
        "kdf": "argon2id",
        "time_cost": params.time_cost,
        "memory_cost": params.memory_cost,
        "parallelism": params.parallelism,
        "salt": b64(salt),
        "nonce": b64(nonce),
        "wrapped_key": b64(wrapped),
    }


def unwrap_key(slot: dict, password: str) -> bytes:
    """The database key from a slot, or WrongPasswordError."""
    try:
        params = KdfParams(slot["time_cost"], slot["memory_cost"], slot["parallelism"])
        salt = base64.b64decode(slot["salt"])
        nonce = base64.b64decode(slot["nonce"])
        wrapped = base64.b64decode(slot["wrapped_key"])
        username = slot["username"]
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptDatabaseError(_("A key slot file is damaged.")) from exc
    try:
        return AESGCM(_derive(password, salt, params)).decrypt(nonce, wrapped, _aad(username))
    except InvalidTag:
        raise WrongPasswordError() from None


def slot_path(keys_dir: Path, username: str) -> Path:
    """Where a user's slot lives."""
    return Path(keys_dir) / f"{username}.slot"


def write_slot(keys_dir: Path, slot: dict) -> Path:
    """Write a slot atomically (temp file, fsync, rename) and return its path."""
    keys_dir = Path(keys_dir)
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = slot_path(keys_dir, slot["username"])
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(slot, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def read_slot(keys_dir: Path, username: str) -> dict:
    """A user's slot, or WrongPasswordError when there is none (same message: no user probing)."""
    path = slot_path(keys_dir, username)
    if not username or "/" in username or not path.is_file():
        raise WrongPasswordError()
    try:
        slot = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorruptDatabaseError(_("A key slot file is damaged.")) from exc
    if slot.get("format") != SLOT_FORMAT or slot.get("username") != username:
        raise CorruptDatabaseError(_("A key slot file is damaged."))
    return slot
