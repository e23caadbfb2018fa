"""The `komok letter` command: write a referral letter for a case from a script.

    komok letter --case KG-2026-00042 --institution <id or code> --template wage_complaint \\
        --lang ru --reason "…" -o out.pdf

Without `--preview` the letter is issued exactly as from the app: it takes the next
number of the outgoing register, is stored with the case, and goes on the case's
timeline; the file written is recorded in the audit log. The facts disclosed are the
ones the template needs unless `--fact` names them; the template is chosen from the
case and the institution unless `--template` names one. Credentials come from
KOMOK_USER / KOMOK_PASSWORD (or the terminal), never from the command line.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

from models import errors
from models.letters import LETTER_LANGUAGES, default_letters
from models.referral_facts import FACT_KEYS
from translations import _


def _find_case(db, number: str) -> uuid.UUID:
    from sqlmodel import select

    from models.tables import Case

    with db.read() as session:
        case_id = session.exec(select(Case.id).where(Case.number == number.strip())).first()
    if case_id is None:
        raise errors.NotFoundError(_("There is no case {number}.").format(number=number))
    return case_id


def _find_institution(options, wanted: str):
    """The institution named by id or by code among those the case may be referred to."""
    for institution in options.institutions:
        if str(institution.id) == wanted.strip() or institution.code == wanted.strip():
            return institution
    raise errors.NotFoundError(
        _("There is no institution “{institution}” in use.").format(institution=wanted)
    )


def cmd_letter(args: argparse.Namespace) -> int:
    """Issue (or preview) a referral letter and write its PDF to a file."""
    from desktop.cli_admin import _open
    from models.referrals import record_letter_output, referral_options, stored_letter
    from reports.referral_letter import issue_letter, preview_letter

    output = Path(args.output)
    if output.is_dir():
        raise errors.KomokError(_("{path} is a folder; give a file name.").format(path=output))
    reason = args.reason or ""
    if args.reason_file:
        try:
            reason = Path(args.reason_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise errors.KomokError(
                _("The reason file cannot be read: {error}").format(error=exc)
            ) from exc
    opened = _open(args)
    try:
        db, actor = opened.db, opened.actor
        case_id = _find_case(db, args.case)
        options = referral_options(db=db, actor=actor, case_id=case_id)
        institution = _find_institution(options, args.institution)
        library = default_letters()
        template = args.template or library.choose(options.categories, institution.kind)
        facts = args.fact or library.preselected(
            template, args.lang, [key for key, value in options.facts.items() if value]
        )
        data = {
            "case_id": case_id,
            "institution_id": institution.id,
            "template": template,
            "language": args.lang,
            "reason": reason,
            "services": args.service or [],
            "disclosed": facts,
            "consent_override_reason": args.override_reason,
            "mark_sent": args.mark_sent,
        }
        if args.preview:
            output.write_bytes(preview_letter(db=db, actor=actor, data=data))
            print(_("Preview (not numbered, not stored) written to {path}").format(path=output))
            return 0
        referral = issue_letter(db=db, actor=actor, data=data)
        content = stored_letter(db=db, actor=actor, referral_id=referral.id)
        try:
            output.write_bytes(content)
        except OSError as exc:
            print(
                _(
                    "Letter № {number} was issued and stored with the case, but the file "
                    "could not be written: {error}"
                ).format(number=referral.register_number, error=exc.strerror or exc),
                file=sys.stderr,
            )
            return 1
        record_letter_output(
            db=db,
            actor=actor,
            referral_id=referral.id,
            output="cli",
            params={"file": output.name},
        )
        print(
            _("Letter № {number} to case {case} written to {path}").format(
                number=referral.register_number, case=options.case_number, path=output
            )
        )
        return 0
    finally:
        opened.close()


def register(sub: argparse._SubParsersAction) -> None:
    """Add `komok letter` to the command's sub-parsers."""
    from desktop.cli_admin import _where

    letter = sub.add_parser("letter", help=_("write a referral letter for a case (PDF)"))
    letter.add_argument("--case", required=True, help=_("the case number, e.g. KG-2026-00042"))
    letter.add_argument("--institution", required=True, help=_("the institution's id or code"))
    letter.add_argument(
        "--template",
        choices=default_letters().names,
        help=_("the letter template (default: chosen from the case and the institution)"),
    )
    letter.add_argument(
        "--lang", choices=LETTER_LANGUAGES, default="ru", help=_("the letter's language")
    )
    letter.add_argument("-o", "--output", required=True, help=_("the PDF file to write"))
    letter.add_argument("--reason", help=_("the reason for the referral, written into the letter"))
    letter.add_argument("--reason-file", help=_("read the reason from this UTF-8 text file"))
    letter.add_argument(
        "--service", action="append", help=_("help requested (an assistance code); repeatable")
    )
    letter.add_argument(
        "--fact",
        action="append",
        choices=FACT_KEYS,
        help=_("a fact to disclose; repeatable (default: what the letter needs)"),
    )
    letter.add_argument(
        "--override-reason",
        help=_("coordinators: why the letter goes without the client's consent"),
    )
    letter.add_argument("--mark-sent", action="store_true", help=_("mark the letter as sent today"))
    letter.add_argument(
        "--preview", action="store_true", help=_("write an unnumbered preview; store nothing")
    )
    _where(letter)
    letter.set_defaults(func=cmd_letter)
