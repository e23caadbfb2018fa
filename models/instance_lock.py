"""One Komok app per database: an exclusive lock on `<vault>/komok.lock` while a vault is open.

The lock is an advisory lock held by the operating system (`fcntl.flock` on POSIX,
`msvcrt.locking` on Windows) on an open file, so it ends with the process: a lock file
left behind by a crashed or killed Komok never blocks the next start. The file also
records who holds it (process id, computer name, time) so that the refusal can say so.
The lock file is never deleted: deleting it would let two processes lock two different
files of the same name.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
from datetime import datetime
from pathlib import Path
from types import TracebackType

from models.errors import DataDirError, StoreError
from translations import _

LOCK_NAME = "komok.lock"
# On Windows a locked byte range cannot be read by others, so the lock sits on a byte far
# past the holder's details and the details stay readable.
_WINDOWS_LOCK_OFFSET = 1 << 20
_MAX_INFO_BYTES = 4096

# Files this process holds, so a second lock in the same process is refused on every
# platform (the OS lock alone may be re-entrant for one process on some systems).
_held: set[str] = set()
_held_guard = threading.Lock()


class AlreadyOpenError(StoreError):
    """Another Komok (window, process or user on this computer) has this database open."""

    def __init__(self, message: str | None = None, *, holder: dict | None = None) -> None:
        self.holder = dict(holder or {})
        super().__init__(message)

    def default_message(self) -> str:
        return _(
            "Komok is already open on this database (in another window or by another user "
            "on this computer). Close it there first; nothing was changed."
        )


def lock_path(vault: Path) -> Path:
    """The lock file of a vault."""
    return Path(vault) / LOCK_NAME


def _try_os_lock(fd: int) -> bool:
    """Take the OS lock on an open file without waiting; False if someone holds it."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:  # e.g. a network folder without lock support
        if exc.errno in (getattr(os, "EWOULDBLOCK", 11), getattr(os, "EAGAIN", 11)):
            return False
        raise
    return True


def _os_unlock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)


def read_holder(vault: Path) -> dict:
    """Who holds (or last held) a vault's lock, as recorded in the file; {} if unknown."""
    try:
        with lock_path(vault).open("rb") as fh:
            raw = fh.read(_MAX_INFO_BYTES)
        info = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _refusal(holder: dict) -> AlreadyOpenError:
    message = AlreadyOpenError().message
    if {"pid", "host", "since"} <= holder.keys():
        message += "\n" + _("Opened by process {pid} on {host} at {time}.").format(
            pid=holder["pid"], host=holder["host"], time=holder["since"]
        )
    return AlreadyOpenError(message, holder=holder)


class InstanceLock:
    """A held lock on one vault; release it with `release()` or by leaving a `with` block."""

    def __init__(self, path: Path, fd: int, key: str) -> None:
        self.path = path
        self._fd: int | None = fd
        self._key = key

    @property
    def held(self) -> bool:
        """Whether this object still holds the lock."""
        return self._fd is not None

    def release(self) -> None:
        """Give the lock up (safe to call more than once)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # the holder's details no longer apply
            _os_unlock(fd)
        finally:
            os.close(fd)
            with _held_guard:
                _held.discard(self._key)

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"InstanceLock({str(self.path)!r}, held={self.held})"


def _write_holder(fd: int) -> None:
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
    }
    data = json.dumps(info).encode("utf-8")
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)


def acquire(vault: Path) -> InstanceLock:
    """Lock a vault for this app; AlreadyOpenError if another Komok (or this one) holds it."""
    path = lock_path(vault)
    key = os.path.normcase(os.path.realpath(path))
    with _held_guard:
        if key in _held:
            raise _refusal(read_holder(vault))
        _held.add(key)
    try:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as exc:
            raise DataDirError(
                _("Cannot create the lock file {path}: {reason}").format(
                    path=path, reason=exc.strerror
                )
            ) from exc
        try:
            if not _try_os_lock(fd):
                raise _refusal(read_holder(vault))
            with contextlib.suppress(OSError):  # the details are a courtesy, not the lock
                _write_holder(fd)
        except BaseException:
            os.close(fd)
            raise
    except BaseException:
        with _held_guard:
            _held.discard(key)
        raise
    return InstanceLock(path, fd, key)
