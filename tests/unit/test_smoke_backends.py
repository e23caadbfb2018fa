"""Both backends open, migrate and accept a case through the services."""

from models import cases, people
from models.audit import verify_chain


def test_case_round_trip(db, actor):
    person = people.create_person(
        db=db, actor=actor, data={"family_name": "Жээнбеков", "given_name": "Нурлан"}
    )
    case = cases.open_case(
        db=db,
        actor=actor,
        data={"person_id": person.id, "categories": ["unpaid_wages"], "consent_store": True},
    )
    assert case.number.startswith("KG-")
    with db.read() as session:
        assert verify_chain(session).ok
