"""A child process for the crash-safety test: writes through the services until killed.

Run as `python -m tests.integration.crash_writer <vault> --password … [--seed N]`. It
unlocks the vault (taking the one-app lock, as the desktop app does) and then, in a loop,
creates a person, opens a case, adds timeline events, follow-ups and status changes. Right
after each service call returns (its transaction committed) it prints one line and
flushes, so the parent knows exactly what was committed when it kills this process:

    COMMITTED - person <person id>
    COMMITTED <case number> case <person id>
    COMMITTED <case number> event <event id>
    COMMITTED <case number> follow_up <follow-up id>
    COMMITTED <case number> status <new status>
    COMMITTED <case number> person_update <person id>
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from models import cases, people, timeline
from models.vault import unlock_vault

FAMILY = ["Асанов", "Токтогулова", "Жээнбеков", "Абдыкадыров", "Сооронбаева", "Осмонов"]
GIVEN = ["Айбек", "Нургүл", "Бакыт", "Жылдыз", "Эрлан", "Айгерим"]
CATEGORIES = ["registration", "unpaid_wages", "documents_withheld", "entry_ban", "fraud"]


def _say(*words: object) -> None:
    sys.stdout.write("COMMITTED " + " ".join(str(w) for w in words) + "\n")
    sys.stdout.flush()


def run(vault: Path, *, username: str, password: str, seed: int, lock: bool) -> None:
    """Write a never-ending stream of changes, reporting each commit on stdout."""
    rng = random.Random(seed)
    opened = unlock_vault(vault, username=username, password=password, lock=lock)
    db, actor = opened.db, opened.actor
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    n = 0
    while True:
        n += 1
        person = people.create_person(
            db=db,
            actor=actor,
            data={
                "family_name": f"{rng.choice(FAMILY)}{seed}x{n}",
                "given_name": rng.choice(GIVEN),
                "phones": [f"+99670{rng.randrange(10**7):07d}"],
                "birth_year": rng.randint(1960, 2004),
                "sex": rng.choice(["male", "female"]),
                "oblast": rng.choice(["batken", "chuy"]),
            },
        )
        _say("-", "person", person.id)
        case = cases.open_case(
            db=db,
            actor=actor,
            data={
                "person_id": person.id,
                "categories": rng.sample(CATEGORIES, rng.randint(1, 2)),
                "destination_country": rng.choice(["ru", "kz"]),
                "employer_name": "ООО Стройка " * rng.randint(1, 8),
                "consent_store": True,
                "details": {"note": "ы" * rng.randint(0, 3000)},  # rows of varied size
            },
        )
        _say(case.number, "case", person.id)
        for _ in range(rng.randint(1, 3)):
            event = timeline.add_event(
                db=db,
                actor=actor,
                case_id=case.id,
                data={"kind": "call", "text": "Звонок клиенту. " * rng.randint(1, 200)},
            )
            _say(case.number, "event", event.id)
        follow_up = timeline.add_follow_up(
            db=db,
            actor=actor,
            case_id=case.id,
            data={"title": "Проверить регистрацию", "due_on": date.today() + timedelta(days=30)},
        )
        _say(case.number, "follow_up", follow_up.id)
        case = cases.change_status(
            db=db,
            actor=actor,
            case_id=case.id,
            version=case.version,
            data={"status": "in_progress"},
        )
        _say(case.number, "status", "in_progress")
        person = people.update_person(
            db=db,
            actor=actor,
            person_id=person.id,
            version=person.version,
            data={"phones": [*person.phones, f"+7900{rng.randrange(10**7):07d}"]},
        )
        _say(case.number, "person_update", person.id)
        if rng.random() < 0.5:
            case = cases.change_status(
                db=db,
                actor=actor,
                case_id=case.id,
                version=case.version,
                data={"status": "closed", "closure_reason": "resolved"},
            )
            _say(case.number, "status", "closed")


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and write until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--username", default="coordinator")
    parser.add_argument("--password", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-lock", dest="lock", action="store_false")
    args = parser.parse_args(argv)
    run(args.vault, username=args.username, password=args.password, seed=args.seed, lock=args.lock)


if __name__ == "__main__":
    main()
