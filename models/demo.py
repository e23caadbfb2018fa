"""The demo database: a vault full of realistic, synthetic cases to try Komok with.

`build_demo()` creates a demo vault (its own coordinator, DEMO_USERNAME / DEMO_PASSWORD),
the shipped institutions plus a few fictional partners, a small team of users, and then
`cases` clients with their cases, timelines, follow-ups and referrals drawn from the
distributions in DOMAIN.md (see `models.demo_rows` and `models.demo_cases`). The same
seed and `today` give the same data. The build happens in a hidden sibling folder that is
renamed into place at the end, so an interrupted build never leaves a half database
where the app looks. Rows are bulk-inserted through the driver connection, with a helper
process for large builds (`models.demo_load`): about 2 minutes for a million cases on two
cores. The helper is started with the "spawn" method, so a frozen (bundled) app must call
`multiprocessing.freeze_support()` at start-up.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from models import audit, demo_rows, errors
from models.actor import Actor
from models.db import Database
from models.demo_load import DemoCancelled, bulk_load
from models.institutions import sync_shipped_institutions
from models.keyslots import KdfParams
from models.tables import Case, CaseEvent, Counter, FollowUp, Institution, Person, Referral, User
from models.vault import DB_NAME, KEYS_DIR, create_vault, vault_exists
from translations import _

__all__ = [
    "DEMO_PASSWORD", "DEMO_USERNAME", "DemoCancelled", "DemoResult", "build_demo", "demo_summary",
]

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "komok-demo"
DEMO_ORGANISATION = "Көмөк демо / Komok demo"
DEMO_PREFIX = "KG"
# Moderate key-slot cost: the demo password is public anyway, but the slot is real.
DEMO_KDF = KdfParams(time_cost=2, memory_cost=32768, parallelism=2)
ANALYSIS_LIMIT = 2000

# The demo team besides the coordinator: (user name, display name, role, language).
DEMO_USERS = (
    ("aigul.s", "Айгүл Сыдыкова", "caseworker", "ky"),
    ("bakyt.t", "Бакыт Токтогулов", "caseworker", "ky"),
    ("elena.k", "Елена Ковалёва", "caseworker", "ru"),
    ("nurlan.m", "Нурлан Мамытов", "volunteer", "ky"),
    ("zhyldyz.a", "Жылдыз Асанова", "volunteer", "ky"),
    ("talant.o", "Талант Осмонов", "volunteer", "ru"),
    ("meerim.k", "Мээрим Касымова", "volunteer", "ky"),
    ("ulan.zh", "Улан Жээнбеков", "volunteer", "ky"),
    ("aibek.i", "Айбек Исаков", "volunteer", "ru"),
)
# Fictional partners: (code, kind, ISO country, city, name en, name ru, name ky).
DEMO_INSTITUTIONS = (
    ("demo_diaspora_moscow", "diaspora", "RU", "Moscow",
     "Demo diaspora association “Yntymak” (Moscow)",
     "Демо-диаспора «Ынтымак» (Москва)", "Демо-диаспора «Ынтымак» (Москва)"),
    ("demo_diaspora_yekaterinburg", "diaspora", "RU", "Yekaterinburg",
     "Demo diaspora association “Meken” (Yekaterinburg)",
     "Демо-диаспора «Мекен» (Екатеринбург)", "Демо-диаспора «Мекен» (Екатеринбург)"),
    ("demo_diaspora_almaty", "diaspora", "KZ", "Almaty",
     "Demo diaspora association “Ala-Too” (Almaty)",
     "Демо-диаспора «Ала-Тоо» (Алматы)", "Демо-диаспора «Ала-Тоо» (Алматы)"),
    ("demo_ngo_bishkek", "ngo_legal_aid", "KG", "Bishkek",
     "Demo NGO “Legal Aid to Migrants” (Bishkek)",
     "Демо-НКО «Правовая помощь мигрантам» (Бишкек)",
     "Демо-ӨЭУ «Мигранттарга укуктук жардам» (Бишкек)"),
)  # fmt: skip


@dataclass
class DemoResult:
    """What was built: where, how many cases, from which seed, how long it took, sign-in."""

    path: Path
    cases: int
    seed: int
    seconds: float
    username: str
    password: str


def build_demo(
    vault: Path,
    *,
    cases: int = 5000,
    seed: int = 1,
    progress: Callable[[int, int], bool | None] | None = None,
    kdf: KdfParams = DEMO_KDF,
    today: date | None = None,
) -> DemoResult:
    """Build a demo vault with `cases` synthetic cases in the folder `vault`.

    Refuses (StoreError) when `vault` already holds a database. `progress(done, total)` is
    called after every batch; returning False cancels the build (DemoCancelled) and
    removes everything it made. Cases are opened over the 24 months up to `today`.
    """
    started = time.perf_counter()
    vault = Path(vault)
    if cases < 0:
        raise errors.ValidationFailed({"cases": _("The number of cases cannot be negative.")})
    if vault_exists(vault):
        raise errors.StoreError(_("A database already exists in {folder}.").format(folder=vault))
    today = today or date.today()
    try:
        vault.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{vault.name}.building-", dir=vault.parent))
    except OSError as exc:
        raise errors.DataDirError(
            _("Cannot create the data folder {folder}: {reason}").format(
                folder=vault.parent, reason=exc.strerror
            )
        ) from exc
    try:
        opened = create_vault(
            work, organisation=DEMO_ORGANISATION, case_prefix=DEMO_PREFIX,
            username=DEMO_USERNAME, display_name="Демо координатор", password=DEMO_PASSWORD,
            language="ky", kdf=kdf, demo=True,
        )
        try:
            _fill(opened.db, opened.actor, cases=cases, seed=seed, today=today, progress=progress)
        finally:
            opened.db.close()
        _move_into_place(work, vault)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return DemoResult(
        path=vault, cases=cases, seed=seed, seconds=time.perf_counter() - started,
        username=DEMO_USERNAME, password=DEMO_PASSWORD,
    )


def _move_into_place(work: Path, vault: Path) -> None:
    """Move the built key slots, then the database file, from `work` into `vault`."""
    with (work / DB_NAME).open("r+b") as fh:  # the build ran without fsync
        os.fsync(fh.fileno())
    if vault_exists(vault):
        raise errors.StoreError(_("A database already exists in {folder}.").format(folder=vault))
    if not vault.exists():
        os.replace(work, vault)
        return
    shutil.rmtree(vault / KEYS_DIR, ignore_errors=True)
    os.replace(work / KEYS_DIR, vault / KEYS_DIR)
    os.replace(work / DB_NAME, vault / DB_NAME)


def _fill(
    db: Database,
    actor: Actor,
    *,
    cases: int,
    seed: int,
    today: date,
    progress: Callable[[int, int], bool | None] | None,
) -> None:
    """Add the team, institutions and cases to a fresh demo database, then audit and analyse."""
    plan = _prepare(db, actor, cases=cases, seed=seed, today=today)
    registers = bulk_load(db, plan, progress)
    calendar = demo_rows.calendar(plan.cases, plan.today)
    with db.write() as session:
        counters = {f"case:{y}": n for y, n in calendar.year_count.items() if n}
        counters.update({f"register:{y}": n for y, n in registers.items()})
        for name, value in sorted(counters.items()):
            session.merge(Counter(name=name, value=value))
        audit.record(
            session, actor=actor, action="demo", entity="database",
            changes={"cases": cases, "seed": seed},
        )
    with db.engine.connect() as conn:
        # Statistics for the query planner, from a sample of each index (fast on big builds).
        conn.exec_driver_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA analysis_limit = 0")
        conn.commit()


def _prepare(db: Database, actor: Actor, *, cases: int, seed: int, today: date):
    """Add institutions and users; return the plan the row generator works from."""
    rng = random.Random(f"komok-demo-setup:{seed}")

    def new_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    start = date.fromordinal(today.toordinal() - demo_rows.DAYS)
    joined = datetime.combine(start, datetime.min.time(), UTC)
    with db.write() as session:
        sync_shipped_institutions(session, actor=actor, new_id=new_id)
        for code, kind, iso, city, en, ru, ky in DEMO_INSTITUTIONS:
            session.add(Institution(
                id=new_id(), code=code, kind=kind, country=iso, city=city, name_en=en,
                name_ru=ru, name_ky=ky, shipped=False, created_at=joined, updated_at=joined,
            ))  # fmt: skip
        for username, display, role, language in DEMO_USERS:
            session.add(User(
                id=new_id(), username=username, display_name=display, role=role,
                language=language, created_at=joined, updated_at=joined,
            ))  # fmt: skip
        session.flush()
        users = session.exec(select(User).order_by(User.username)).all()
        institutions = session.exec(select(Institution).order_by(Institution.code)).all()
        return demo_rows.DemoPlan(
            seed=seed, cases=cases, today=today.toordinal(), prefix=DEMO_PREFIX,
            users=tuple((u.id.hex, u.role) for u in users),
            institutions=tuple(
                (i.code, i.id.hex, i.name_ru, i.name_ky, i.country or "") for i in institutions
            ),
        )


def demo_summary(db: Database) -> dict[str, int]:
    """How many cases, people, timeline events, follow-ups and referrals the database holds."""
    with db.read() as session:
        return {
            name: session.exec(select(func.count()).select_from(table)).one()
            for name, table in (
                ("cases", Case), ("people", Person), ("events", CaseEvent),
                ("follow_ups", FollowUp), ("referrals", Referral),
            )
        }  # fmt: skip
