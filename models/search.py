"""Finding clients and cases by what someone types, as they type it.

`search(session, actor, text)` understands a name in any script and spelling, with typos
("Jeenbekv" finds Жээнбеков), a phone number in any format ("+996 (555) 12-34-56",
"0555 123456", "555 12 34"), and a case number, whole or in part ("KG-2026-00042",
"kg 2026 42", "2026-42", or just the serial "42"). It returns `SearchHit`s, best first:
clients for names and phones, cases for numbers; only what the actor may see (a volunteer:
clients they recorded or whose cases they work on, and those cases).

How: the index (`models.search_index`) is asked for entries whose words begin with the
query's words, newest first, a few hundred at most (on SQLite an FTS5 MATCH, on PostgreSQL
a GIN-indexed tsquery); the candidates are ranked with rapidfuzz on the phonetic keys.
When that finds fewer than a handful, a tolerant pass asks for words sharing only their
first three letters and keeps the close ones (among the newest few hundred such entries);
when even that finds nothing, each word in turn is left out. Ties go to the most recently
recorded client.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.fuzz import ratio
from sqlalchemy import column, exists, literal_column, or_, select, table, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from models.actor import Actor
from models.permissions import has, visible_cases
from models.search_keys import Query, case_terms, phone_prefixes, read_query, user_token
from models.settings import get_setting
from models.tables import Case, Person, SearchEntry

ENTRIES = SearchEntry.__table__
CANDIDATES = 200  # entries read per index query
TOLERANT_CANDIDATES = 600
ENOUGH = 5  # whole-word matches that make a tolerant pass (for typos) unnecessary
TOLERANT_LETTERS = 3  # a tolerant pass matches words on their first letters only
MIN_QUERY_LETTERS = 2
MIN_SCORE = 72.0
# The expression of the GIN index made by migration 0002 (the two must stay identical).
PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, name_key), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, phone_key), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, number_key), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, user_key), 'D'))"
)
_PG_WEIGHT = {"name_key": "A", "phone_key": "B", "number_key": "C", "user_key": "D"}
_FTS = table("search_fts", column("rowid"))


@dataclass(frozen=True)
class SearchHit:
    """One result: a client (`kind` "person") or a case (`kind` "case").

    `name` is the client's full name ("" once anonymized); `case_id`, `case_number` and
    `case_status` are the case's, or for a client those of their latest case the actor may
    see (None/"" when there is none); `case_count` is how many of the client's cases the
    actor may see. `matched` says what matched: "name", "phone" or "number"; `score` is
    0–100.
    """

    kind: str
    person_id: uuid.UUID
    case_id: uuid.UUID | None
    name: str
    latin_name: str
    birth_year: int | None
    case_number: str
    case_status: str
    case_count: int
    matched: str
    score: float


@dataclass(frozen=True)
class Term:
    """One word asked of the index: in a column, whole or as a beginning."""

    column: str
    word: str
    prefix: bool = True


@dataclass(frozen=True)
class Candidate:
    """An index entry that matched, with its keys."""

    entry_id: int
    person_id: uuid.UUID
    name_key: str
    phone_key: str
    number_key: str


def search(session: Session, actor: Actor, text: str, *, limit: int = 20) -> list[SearchHit]:
    """The clients and cases matching `text` that the actor may see, best first."""
    query = read_query(text)
    if query.empty or limit <= 0:
        return []
    hits: list[SearchHit] = []
    if query.number:
        hits = _number_hits(session, actor, query, limit)
    if not hits and query.digits:
        hits = _digit_hits(session, actor, query, limit)
    typed_letters = sum(ch.isalpha() for ch in query.text)
    if not hits and query.names and typed_letters >= MIN_QUERY_LETTERS:
        scored = match_names(session, actor, query.names, limit=limit)
        hits = _person_hits(session, actor, [(c, s, "name") for c, s in scored])
    return hits[:limit]


# --- asking the index ------------------------------------------------------------------


def visible_entries(actor: Actor) -> list[ColumnElement[bool]]:
    """WHERE conditions that limit index entries to clients the actor may see."""
    if has(actor, "all_cases"):
        return []
    person = ENTRIES.c.person_id
    works_on = select(Case.id).where(Case.person_id == person, *visible_cases(actor))
    recorded = select(Person.id).where(Person.id == person, Person.created_by == actor.user_id)
    return [or_(exists(works_on), exists(recorded))]


def candidates(
    session: Session, actor: Actor, terms: Sequence[Term], *, any_of: bool = False,
    limit: int = CANDIDATES,
) -> list[Candidate]:  # fmt: skip
    """Index entries the actor may see that have all `terms` (or any, with `any_of`),
    newest first, at most `limit`.

    For a volunteer the index itself is asked for entries with their user word (fast
    however few clients they have); the permission conditions are then checked again on
    each row, so an entry whose user words lag behind never shows a client to the wrong
    person.
    """
    if not terms:
        return []
    columns = (ENTRIES.c.id, ENTRIES.c.person_id, ENTRIES.c.name_key, ENTRIES.c.phone_key,
               ENTRIES.c.number_key)  # fmt: skip
    mine = [] if has(actor, "all_cases") else [Term("user_key", user_token(actor.user_id), False)]
    if session.get_bind().dialect.name == "sqlite":
        joiner = " OR " if any_of else " AND "
        match = "(" + joiner.join(_fts(t) for t in terms) + ")"
        match = " AND ".join([match, *(_fts(t) for t in mine)])
        stmt = (
            select(*columns)
            .select_from(_FTS.join(ENTRIES, ENTRIES.c.id == _FTS.c.rowid))
            .where(literal_column("search_fts").op("MATCH")(match))
            .order_by(_FTS.c.rowid.desc())
        )
    else:
        joiner = " | " if any_of else " & "
        tsquery = "(" + joiner.join(_pg(t) for t in terms) + ")"
        tsquery = " & ".join([tsquery, *(_pg(t) for t in mine)])
        condition = text(f"{PG_VECTOR} @@ to_tsquery('simple'::regconfig, :tsquery)")
        stmt = (
            select(*columns)
            .where(condition.bindparams(tsquery=tsquery))
            .order_by(ENTRIES.c.id.desc())
        )
    rows = session.execute(stmt.where(*visible_entries(actor)).limit(limit)).all()
    return [Candidate(*row) for row in rows]


def _fts(term: Term) -> str:
    """A term in FTS5 query syntax: `column : "word"*`."""
    return f'{term.column} : "{term.word}"{"*" if term.prefix else ""}'


def _pg(term: Term) -> str:
    """A term in PostgreSQL tsquery syntax, its column given by its weight: `'word':*A`."""
    return f"'{term.word}':{'*' if term.prefix else ''}{_PG_WEIGHT[term.column]}"


def _plain(word: str) -> bool:
    """Whether a word can go into an index query as it is: letters and ASCII digits only."""
    return bool(word) and all(ch.isalpha() or "0" <= ch <= "9" for ch in word)


def _safe(words: Iterable[str]) -> list[str]:
    return [w for w in words if _plain(w)]


# --- names -----------------------------------------------------------------------------


def word_score(word: str, keys: Sequence[str]) -> float:
    """How well a query word matches the best of a client's name keys (0–100): whole 100,
    a beginning a little less, else the rapidfuzz similarity (typos)."""
    best = 0.0
    for key in keys:
        if key == word:
            return 100.0
        if key.startswith(word):
            score = 100.0 - min(10, len(key) - len(word))
        elif len(word) >= TOLERANT_LETTERS:
            score = max(ratio(word, key), ratio(word, key[: len(word)]) - 10)
        else:
            score = 0.0
        best = max(best, score)
    return best


def name_score(words: Sequence[str], key: str) -> float:
    """How well the query words match a client's name key (the mean of `word_score`)."""
    keys = key.split()
    if not words or not keys:
        return 0.0
    return sum(word_score(w, keys) for w in words) / len(words)


def match_names(
    session: Session, actor: Actor, words: Sequence[str], *, limit: int,
    min_score: float = MIN_SCORE,
) -> list[tuple[Candidate, float]]:  # fmt: skip
    """Entries whose names match the phonetic `words` (typos allowed), best first."""
    words = _safe(words)
    if sum(len(w) for w in words) < MIN_QUERY_LETTERS:
        return []
    found: dict[int, tuple[Candidate, float]] = {}

    def consider(rows: list[Candidate]) -> None:
        for row in rows:
            if row.entry_id not in found:
                score = name_score(words, row.name_key)
                if score >= min_score:
                    found[row.entry_id] = (row, score)

    consider(candidates(session, actor, [Term("name_key", w) for w in words]))
    if len(found) < ENOUGH:
        short = [w[:TOLERANT_LETTERS] for w in words]
        tolerant = [Term("name_key", w) for w in dict.fromkeys(short)]
        consider(candidates(session, actor, tolerant, limit=TOLERANT_CANDIDATES))
        if not found and len(tolerant) > 1:
            for skip in range(len(tolerant)):  # a typo in a word's first letters
                others = tolerant[:skip] + tolerant[skip + 1 :]
                consider(candidates(session, actor, others, limit=TOLERANT_CANDIDATES))
    best = sorted(found.values(), key=lambda pair: (-pair[1], -pair[0].entry_id))
    return best[:limit]


# --- phones and case numbers -----------------------------------------------------------


def phone_score(prefixes: Sequence[str], phone_key: str) -> float:
    """How well typed phone digits match a client's phones: whole number 100, else by how
    much of a number they give."""
    best = 0.0
    for phone in phone_key.split():
        for prefix in prefixes:
            if phone == prefix:
                return 100.0
            if phone.startswith(prefix):
                best = max(best, 60.0 + 35.0 * len(prefix) / len(phone))
    return best


def number_score(number: str, serial: str, case_number: str) -> float:
    """How well a typed case number (compact prefix) or serial matches a case's number."""
    tokens = case_terms(case_number).split()
    compact = tokens[0] if tokens else ""
    if number and compact == number:
        return 100.0
    if number and compact.startswith(number):
        return 60.0 + 35.0 * len(number) / len(compact)
    if serial and serial in tokens[1:]:
        return 90.0
    return 0.0


def _digit_hits(session: Session, actor: Actor, query: Query, limit: int) -> list[SearchHit]:
    """Clients whose phone begins with the digits, and cases whose serial they are."""
    prefixes = phone_prefixes(query)
    terms = [Term("phone_key", p) for p in prefixes]
    serial = query.serial
    if serial:
        terms.append(Term("number_key", serial, prefix=False))
    found = candidates(session, actor, _safe_terms(terms), any_of=True)
    people = [(c, phone_score(prefixes, c.phone_key), "phone") for c in found]
    people = sorted((p for p in people if p[1] > 0), key=lambda t: (-t[1], -t[0].entry_id))
    hits = _person_hits(session, actor, people[:limit])
    if serial:
        numbered = [c for c in found if serial in c.number_key.split()]
        hits += _case_hits(session, actor, numbered[:limit], "", serial)
    return sorted(hits, key=lambda h: -h.score)[:limit]


def _number_hits(session: Session, actor: Actor, query: Query, limit: int) -> list[SearchHit]:
    """Cases whose number begins with the typed one."""
    number = query.number
    if query.number_needs_prefix:
        prefix = str(get_setting(session, "case_number_prefix") or "")
        number = "".join(ch for ch in prefix.casefold() if ch.isalnum()) + number
    terms = _safe_terms([Term("number_key", number)])
    found = candidates(session, actor, terms, limit=limit)
    return _case_hits(session, actor, found, number, "")[:limit]


def _safe_terms(terms: list[Term]) -> list[Term]:
    return [t for t in terms if _plain(t.word)]


# --- turning entries into hits ---------------------------------------------------------


def _visible_cases_of(
    session: Session, actor: Actor, person_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[tuple]]:
    """The cases the actor may see of these clients, newest first: (id, number, status)."""
    ids = list(dict.fromkeys(person_ids))
    out: dict[uuid.UUID, list[tuple]] = {pid: [] for pid in ids}
    if not ids:
        return out
    rows = session.execute(
        select(Case.person_id, Case.id, Case.number, Case.status)
        .where(Case.person_id.in_(ids), *visible_cases(actor))
        .order_by(Case.opened_on.desc(), Case.number.desc())
    ).all()
    for person_id, case_id, number, status in rows:
        out[person_id].append((case_id, number, status))
    return out


def _people(session: Session, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Person]:
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}


def display_name(person: Person) -> str:
    """A client's full name as shown in lists: family, given, patronymic."""
    return " ".join(p for p in (person.family_name, person.given_name, person.patronymic) if p)


def _person_hits(
    session: Session, actor: Actor, scored: Sequence[tuple[Candidate, float, str]]
) -> list[SearchHit]:
    ids = [c.person_id for c, _s, _m in scored]
    people = _people(session, ids)
    cases = _visible_cases_of(session, actor, ids)
    hits = []
    for cand, score, matched in sorted(scored, key=lambda t: (-t[1], -t[0].entry_id)):
        person = people.get(cand.person_id)
        if person is None:
            continue
        mine = cases.get(person.id, [])
        case_id, number, status = mine[0] if mine else (None, "", "")
        hits.append(SearchHit(
            kind="person", person_id=person.id, case_id=case_id, name=display_name(person),
            latin_name=person.latin_name or "", birth_year=person.birth_year,
            case_number=number, case_status=status, case_count=len(mine), matched=matched,
            score=round(score, 1),
        ))  # fmt: skip
    return hits


def _case_hits(
    session: Session, actor: Actor, found: Sequence[Candidate], number: str, serial: str
) -> list[SearchHit]:
    ids = [c.person_id for c in found]
    people = _people(session, ids)
    cases = _visible_cases_of(session, actor, ids)
    hits = []
    for cand in found:
        person = people.get(cand.person_id)
        if person is None:
            continue
        mine = cases.get(person.id, [])
        for case_id, case_number, status in mine:
            score = number_score(number, serial, case_number)
            if score <= 0:
                continue
            hits.append(SearchHit(
                kind="case", person_id=person.id, case_id=case_id, name=display_name(person),
                latin_name=person.latin_name or "", birth_year=person.birth_year,
                case_number=case_number, case_status=status, case_count=len(mine),
                matched="number", score=round(score, 1),
            ))  # fmt: skip
    hits.sort(key=lambda h: (-h.score, _reversed(h.case_number)))
    return hits


def _reversed(number: str) -> tuple[int, ...]:
    """A sort key putting later case numbers first."""
    return tuple(-ord(ch) for ch in number)


__all__ = [
    "Candidate", "SearchHit", "Term", "candidates", "display_name", "match_names",
    "name_score", "search", "visible_entries",
]  # fmt: skip
