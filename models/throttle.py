"""Growing waits after wrong passwords, per user name, kept in a small file beside the slots.

After three wrong passwords in a row, each further try must wait twice as long as the
last (2 s, 4 s, … up to 5 minutes). The counter is reset by a successful sign-in, which
also reports how many failures there were so they can be written to the audit log (the
encrypted log cannot be written before the database is unlocked).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from models.errors import KomokError
from translations import ngettext

FREE_TRIES = 3
MAX_WAIT = 300.0


class LoginThrottled(KomokError):
    """Too many wrong passwords: the next try must wait `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        n = max(1, round(seconds))
        super().__init__(
            ngettext(
                "Too many wrong passwords. Try again in {n} second.",
                "Too many wrong passwords. Try again in {n} seconds.",
                n,
            ).format(n=n)
        )


@dataclass
class Throttle:
    """The failure record of one user name, stored at `path`."""

    path: Path

    @classmethod
    def for_user(cls, folder: Path, username: str) -> Throttle:
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in username)[:64]
        return cls(Path(folder) / f"{safe or '_'}.fails")

    def _read(self) -> tuple[int, float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return int(data["count"]), float(data["last"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0.0

    def wait_seconds(self, now: float | None = None) -> float:
        """How long until the next try is allowed (0 when it is allowed now)."""
        count, last = self._read()
        if count < FREE_TRIES:
            return 0.0
        wait = min(MAX_WAIT, 2.0 ** (count - FREE_TRIES + 1))
        return max(0.0, last + wait - (now if now is not None else time.time()))

    def check(self) -> None:
        """Raise LoginThrottled if a try is not allowed yet."""
        wait = self.wait_seconds()
        if wait > 0:
            raise LoginThrottled(wait)

    def failed(self) -> None:
        """Record one more wrong password."""
        count, _last = self._read()
        self._write(count + 1)

    def succeeded(self) -> int:
        """Clear the record after a good sign-in; return how many failures preceded it."""
        count, _last = self._read()
        if count:
            # a folder we cannot write to must not stop the sign-in
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)
        return count

    def _write(self, count: int) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"count": count, "last": time.time()}), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only folder must not stop the sign-in itself
