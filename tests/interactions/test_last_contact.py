"""person.last_contacted_at follows the interactions, so the start page need not group them all."""
from datetime import datetime, timezone

from crm.extensions import db
from crm.interactions.models import Interaction


def _at(day, hour=9):
    return datetime(2026, 11, day, hour, 0, tzinfo=timezone.utc)


def _same(value, expected):
    return value is not None and value.replace(tzinfo=value.tzinfo or timezone.utc) == expected


def test_logging_an_interaction_sets_the_last_contact(client, login, mayor):
    login("staff")
    response = client.post("/interaktionen/neu", data={
        "kind": "phone", "occurred_at": "2026-11-23T08:25", "subject": "Dorfladen", "person_ids": [mayor.id],
        "project_id": 0, "followup_assignee": 0})
    assert response.status_code == 302
    db.session.expire_all()
    assert _same(mayor.last_contacted_at, datetime(2026, 11, 23, 7, 25, tzinfo=timezone.utc))  # 08:25 in Berlin


def test_last_contact_follows_changes_and_removals(make_person, session):
    anna, bernd = make_person("Vogel", "Anna"), make_person("Beispiel", "Bernd")
    early = Interaction(subject="Besuch", persons=[anna, bernd], occurred_at=_at(3))
    late = Interaction(subject="Telefonat", persons=[anna], occurred_at=_at(20))
    session.add_all([early, late])
    session.commit()
    assert _same(anna.last_contacted_at, _at(20)) and _same(bernd.last_contacted_at, _at(3))

    late.occurred_at = _at(25)
    session.commit()
    assert _same(anna.last_contacted_at, _at(25))

    early.persons = [anna]  # Bernd was not there after all
    session.commit()
    assert bernd.last_contacted_at is None

    session.delete(late)
    session.commit()
    assert _same(anna.last_contacted_at, _at(3))


def test_a_merged_person_keeps_the_newer_last_contact(make_person, session):
    from crm.duplicates.merge import merge_records

    keep, gone = make_person("Zöller", "Thomas"), make_person("Zoeller", "Thomas")
    session.add_all([Interaction(subject="alt", persons=[keep], occurred_at=_at(2)),
                     Interaction(subject="neu", persons=[gone], occurred_at=_at(28))])
    session.commit()
    merge_records("person", keep.id, gone.id, {})
    session.commit()
    assert _same(keep.last_contacted_at, _at(28))


def test_refresh_for_everyone_after_a_bulk_load(make_person, session):
    from sqlalchemy import insert

    from crm.interactions.models import interaction_person
    from crm.interactions.services import refresh_last_contacted

    anna, bernd = make_person("Vogel", "Anna"), make_person("Beispiel", "Bernd")
    conn = session.connection()
    ids = conn.execute(insert(Interaction.__table__).returning(Interaction.__table__.c.id),
                       [{"subject": "Import", "kind": "note", "results": "", "occurred_at": _at(d), "created_at": _at(d),
                         "updated_at": _at(d)} for d in (4, 9)]).scalars().all()
    conn.execute(insert(interaction_person), [{"interaction_id": i, "person_id": anna.id} for i in ids])
    refresh_last_contacted(None)
    session.commit()
    assert _same(anna.last_contacted_at, _at(9)) and bernd.last_contacted_at is None
