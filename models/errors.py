"""The errors Komok shows to people: each carries a translated, plain-language message.

Services and the store raise these; the desktop shows `str(error)` in a dialog and the
CLI prints it. None of them leaves a half-done change behind: they are raised before or
instead of a commit.
"""

from __future__ import annotations

from translations import _


class KomokError(Exception):
    """Base of every error meant for a person to read."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message()
        super().__init__(self.message)

    def default_message(self) -> str:
        return _("Something went wrong.")


class ValidationFailed(KomokError):
    """Input that does not fit: `field_errors` maps a field name to its message."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        self.field_errors = dict(field_errors)
        lines = [f"{field}: {msg}" if field else msg for field, msg in self.field_errors.items()]
        super().__init__(_("Please correct the highlighted fields.") + "\n" + "\n".join(lines))


class StaleEditError(KomokError):
    """Someone saved this record after it was opened here; saving would overwrite their work."""

    def default_message(self) -> str:
        return _(
            "This record was changed by someone else after you opened it. "
            "Your changes were not saved; reload the record and apply them again."
        )


class NotFoundError(KomokError):
    """The record asked for does not exist (or is not visible to this user)."""

    def default_message(self) -> str:
        return _("The record was not found. It may have been deleted.")


class InvalidTransition(KomokError):
    """A status change that the workflow does not allow."""


class PermissionDenied(KomokError):
    """The user's role does not allow this action."""

    def default_message(self) -> str:
        return _("You do not have permission to do this.")


class StoreError(KomokError):
    """The database cannot be opened or used as it is."""


class WrongKeyError(StoreError):
    """The password or key does not open this database."""

    def default_message(self) -> str:
        return _("The password is wrong, or the key does not belong to this database.")


class CorruptDatabaseError(StoreError):
    """The database file is damaged or is not a Komok database."""

    def default_message(self) -> str:
        return _(
            "The database file is damaged or is not a Komok database. "
            "Nothing was changed; restore it from a backup."
        )


class NewerSchemaError(StoreError):
    """The database was written by a newer version of Komok."""

    def default_message(self) -> str:
        return _(
            "This database was created by a newer version of Komok. "
            "Install the newer version to open it; nothing was changed."
        )


class DataDirError(StoreError):
    """The data folder is missing, not writable, or full."""


class DiskFullError(StoreError):
    """The disk is full; the last change was not saved."""

    def default_message(self) -> str:
        return _("The disk is full. The last change was not saved; free some space and retry.")
