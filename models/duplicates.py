"""Likely duplicates of a client being recorded: the same phone, or the same name across
scripts and spellings ("Жээнбеков Нурлан" ≈ "Zheenbekov Nurlan" ≈ "Jeenbekov Nurlan").

The intake form calls `likely_duplicates` while someone types a new client's details, so
they can open the existing client instead of recording a second one. It asks the search
index (`models.search`) and only returns clients the actor may see. Each candidate says
why it was found (`reasons`: "phone", "name"; `reason_label` gives the words to show)
and how likely it is the same person (`score`, 0–100; a birth year that agrees raises it,
one that disagrees lowers it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.fuzz import ratio, token_sort_ratio
from sqlalchemy import select
from sqlmodel import Session

from models.actor import Actor
from models.permissions import visible_cases
from models.search import (
    CANDIDATES,
    TOLERANT_CANDIDATES,
    TOLERANT_LETTERS,
    Candidate,
    Term,
    candidates,
    display_name,
)
from models.search_keys import phone_tokens
from models.tables import Case, Person
from models.translit import name_key, name_tokens
from models.validation import normalize_phone
from translations import N_, _

MIN_NAME_SCORE = 85.0
SAME_YEAR_BONUS = 5.0
OTHER_YEAR_PENALTY = 20.0  # birth years two or more apart
OTHER_PATRONYMIC_PENALTY = 10.0
CLOSE_LOOK = 60  # candidates whose names are compared field by field
BAG_PENALTY = 10.0  # a name word matching elsewhere than in its own place counts for less
REASONS = {
    "phone": N_("Same phone number"),
    "name": N_("Similar name"),
}


@dataclass(frozen=True)
class DuplicateCandidate:
    """An existing client who may be the one being recorded.

    `case_id`/`case_number` are their latest case the actor may see (None/"" if none).
    """

    person_id: uuid.UUID
    name: str
    latin_name: str
    birth_year: int | None
    phones: tuple[str, ...]
    case_id: uuid.UUID | None
    case_number: str
    case_count: int
    reasons: tuple[str, ...]
    score: float


def reason_label(code: str) -> str:
    """The translated words for a reason code ("phone", "name")."""
    return _(REASONS[code]) if code in REASONS else code


def likely_duplicates(
    session: Session,
    actor: Actor,
    *,
    family_name: str,
    given_name: str,
    patronymic: str | None = None,
    latin_name: str | None = None,
    phones: Iterable[str] = (),
    birth_year: int | None = None,
    exclude: uuid.UUID | None = None,
    limit: int = 10,
) -> list[DuplicateCandidate]:
    """Existing clients the actor may see who may be this one, most likely first.

    A name needs two words (family and given name, in any script, or a Latin name) before
    it is compared; phones may be typed in any format (unreadable ones are skipped).
    `exclude` leaves out the client being edited.
    """
    found: dict[uuid.UUID, dict] = {}

    def note(candidate: Candidate, reason: str, score: float) -> None:
        entry = found.setdefault(candidate.person_id, {"reasons": [], "score": 0.0})
        if reason not in entry["reasons"]:
            entry["reasons"].append(reason)
        entry["score"] = max(entry["score"], score)

    digits = phone_tokens(_readable_phones(phones))
    if digits:
        terms = [Term("phone_key", d, prefix=False) for d in digits]
        for candidate in candidates(session, actor, terms, any_of=True):
            note(candidate, "phone", 100.0)
    own = name_tokens(family_name) + name_tokens(given_name)
    latin = name_tokens(latin_name)
    rough: dict[uuid.UUID, float] = {}
    for words in (own, latin):
        if len(words) < 2 or not all(w.isalpha() for w in words):
            continue
        for candidate in _name_candidates(session, actor, words):
            score = _rough_similarity(words, candidate.name_key)
            if score >= MIN_NAME_SCORE - BAG_PENALTY:
                rough[candidate.person_id] = max(rough.get(candidate.person_id, 0.0), score)
    closest = sorted(rough, key=lambda pid: -rough[pid])[:CLOSE_LOOK]
    if closest:
        fathers = name_key(patronymic)
        for person in session.scalars(select(Person).where(Person.id.in_(closest))):
            score = name_match(family_name, given_name, latin_name, person)
            if score < MIN_NAME_SCORE:
                continue
            theirs = name_key(person.patronymic)
            if fathers and theirs and ratio(fathers, theirs) < MIN_NAME_SCORE:
                score -= OTHER_PATRONYMIC_PENALTY
            entry = found.setdefault(person.id, {"reasons": [], "score": 0.0})
            entry["reasons"].append("name")
            entry["score"] = max(entry["score"], score)
    found.pop(exclude, None)  # type: ignore[arg-type]
    return _describe(session, actor, found, birth_year)[:limit]


def _readable_phones(phones: Iterable[str]) -> list[str]:
    out = []
    for phone in phones or ():
        try:
            out.append(normalize_phone(phone))
        except ValueError:
            continue
    return out


def _name_candidates(session: Session, actor: Actor, words: Sequence[str]) -> list[Candidate]:
    """Entries with these words exactly, then entries sharing their first letters (typos)."""
    exact = candidates(session, actor, [Term("name_key", w, prefix=False) for w in words])
    short = dict.fromkeys(w[:TOLERANT_LETTERS] for w in words)
    close = candidates(
        session, actor, [Term("name_key", w) for w in short], limit=TOLERANT_CANDIDATES
    )
    seen = {c.entry_id for c in exact}
    return exact[:CANDIDATES] + [c for c in close if c.entry_id not in seen]


def name_match(
    family_name: str | None, given_name: str | None, latin_name: str | None, person: Person
) -> float:
    """How alike (0–100) a typed name is to a client's: family name against family name and
    given name against given name (or the other way round), or a Latin name against
    either spelling of theirs, all compared on their phonetic keys."""
    family, given = name_key(family_name), name_key(given_name)
    latin = name_key(latin_name)
    theirs_family, theirs_given = name_key(person.family_name), name_key(person.given_name)
    theirs_latin = name_key(person.latin_name)
    theirs_full = " ".join(p for p in (theirs_family, theirs_given) if p)
    scores = [0.0]
    if family and given and theirs_family and theirs_given:
        scores.append((ratio(family, theirs_family) + ratio(given, theirs_given)) / 2)
        scores.append((ratio(family, theirs_given) + ratio(given, theirs_family)) / 2)
    for mine in (f"{family} {given}" if family and given else "", latin):
        if len(mine.split()) < 2:
            continue
        for other in (theirs_full, theirs_latin):
            if len(other.split()) >= 2:
                scores.append(token_sort_ratio(mine, other))
    return max(scores)


def _rough_similarity(words: Sequence[str], key: str) -> float:
    """A first, quick guess from an index entry alone. The entry's words start with the
    family name and then the given name (see `models.search_keys.person_terms`): the first
    two typed words are compared with those two, either way round; any word of the entry
    may match too, for less."""
    keys = key.split()
    if not keys:
        return 0.0
    bag = sum(max(ratio(w, k) for k in keys) for w in words) / len(words) - BAG_PENALTY
    if len(keys) < 2:
        return bag
    first, second = words[0], words[1]
    return max(
        bag,
        (ratio(first, keys[0]) + ratio(second, keys[1])) / 2,
        (ratio(first, keys[1]) + ratio(second, keys[0])) / 2,
    )


def _describe(
    session: Session, actor: Actor, found: dict[uuid.UUID, dict], birth_year: int | None
) -> list[DuplicateCandidate]:
    if not found:
        return []
    ids = list(found)
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    cases: dict[uuid.UUID, list[tuple]] = {}
    for person_id, case_id, number in session.execute(
        select(Case.person_id, Case.id, Case.number)
        .where(Case.person_id.in_(ids), *visible_cases(actor))
        .order_by(Case.opened_on.desc(), Case.number.desc())
    ):
        cases.setdefault(person_id, []).append((case_id, number))
    out = []
    for person_id, entry in found.items():
        person = people.get(person_id)
        if person is None:
            continue
        score = entry["score"]
        if birth_year is not None and person.birth_year is not None:
            if abs(person.birth_year - birth_year) >= 2:
                score -= OTHER_YEAR_PENALTY
            elif person.birth_year == birth_year:
                score += SAME_YEAR_BONUS
        if len(entry["reasons"]) > 1:
            score += SAME_YEAR_BONUS
        mine = cases.get(person_id, [])
        case_id, number = mine[0] if mine else (None, "")
        out.append(DuplicateCandidate(
            person_id=person_id, name=display_name(person), latin_name=person.latin_name or "",
            birth_year=person.birth_year, phones=tuple(person.phones or ()), case_id=case_id,
            case_number=number, case_count=len(mine),
            reasons=tuple(r for r in REASONS if r in entry["reasons"]),
            score=round(max(0.0, min(100.0, score)), 1),
        ))  # fmt: skip
    out.sort(key=lambda d: (-d.score, d.name))
    return out


__all__ = ["REASONS", "DuplicateCandidate", "likely_duplicates", "reason_label"]
