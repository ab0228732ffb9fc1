"""Merging persons and organisations keeps every relation, also those of tables added later."""
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Integer,
    Numeric,
    String,
    Text,
    func,
    insert,
    select,
)

from crm.contacts.models import Organisation, Person
from crm.contacts.services import resolve_tags
from crm.core import time as clock
from crm.core.audit import AuditLog
from crm.duplicates.merge import merge_records
from crm.duplicates.models import DuplicatePair, MergeLog
from crm.extensions import db
from crm.imports.models import ContactDetail


def foreign_keys_to(table_name: str):
    """Every (table, column) in the metadata pointing at table_name.id, found independently of the merge code."""
    found = []
    for table in db.metadata.tables.values():
        for column in table.columns:
            for fk in column.foreign_keys:
                if fk.column.table.name == table_name:
                    found.append((table, column))
    return found


def _check_choices(table, column) -> list:
    """Values allowed by a CHECK constraint like "kind IN ('a', 'b')"."""
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            match = re.search(rf"\b{column.name}\s+IN\s*\(([^)]*)\)", str(constraint.sqltext), re.I)
            if match:
                return [v.strip().strip("'\"") for v in match.group(1).split(",")]
    return []


def fabricate(table, values: dict, people: dict) -> dict:
    """Insert a minimal valid row into any table; referenced rows are fabricated as well."""
    row = dict(values)
    for column in table.columns:
        if column.name in row:
            continue
        single_int_pk = column.primary_key and len(table.primary_key.columns) == 1 and isinstance(column.type, Integer)
        if single_int_pk:
            continue
        if column.foreign_keys:
            target = next(iter(column.foreign_keys)).column.table
            if column.nullable and not column.primary_key:
                continue
            if target.name in people:
                row[column.name] = people[target.name]
                continue
            row[column.name] = fabricate(target, {}, people)["id"]
            continue
        if column.nullable or column.default is not None or column.server_default is not None:
            continue
        choices = _check_choices(table, column)
        t = column.type
        if choices:
            row[column.name] = choices[0]
        elif isinstance(t, Enum):
            row[column.name] = t.enums[0]
        elif isinstance(t, Boolean):
            row[column.name] = False
        elif isinstance(t, Integer):
            row[column.name] = 1
        elif isinstance(t, Numeric):
            row[column.name] = Decimal("1")
        elif isinstance(t, DateTime):
            row[column.name] = datetime.now(timezone.utc)
        elif isinstance(t, Date):
            row[column.name] = clock.today()
        elif isinstance(t, JSON):
            row[column.name] = {}
        elif isinstance(t, (String, Text)):
            row[column.name] = f"x{db.session.scalar(select(func.count()).select_from(table)) + 1}"[: t.length or 50]
        else:
            row[column.name] = "x"
    result = db.session.execute(insert(table).values(**row))
    if "id" in table.c and "id" not in row:
        row["id"] = result.inserted_primary_key[0]
    return row


def _identity(table, row: dict, column) -> dict:
    """How to find the row again after the merge (its id, or the rest of a composite key)."""
    if "id" in table.c and "id" in row:
        return {"id": row["id"]}
    return {c.name: row[c.name] for c in table.primary_key.columns if c is not column}


@pytest.mark.parametrize("kind", ["person", "organisation"])
def test_merge_moves_every_foreign_key_found_in_the_metadata(kind, make_person, make_org, session):
    model = Person if kind == "person" else Organisation
    refs = foreign_keys_to(model.__tablename__)
    names = {f"{t.name}.{c.name}" for t, c in refs}
    expected = {"affiliation.person_id", "person_tag.person_id", "contact_detail.person_id"} if kind == "person" \
        else {"affiliation.organisation_id", "organisation_tag.organisation_id", "organisation.parent_id"}
    assert expected <= names
    if kind == "person":
        winner, loser, third = make_person("Eins", "A"), make_person("Zwei", "B"), make_person("Drei", "C")
        org = make_org("Verein")
        people = {"person": third.id, "organisation": org.id}
    else:
        winner, loser, third = make_org("Eins"), make_org("Zwei"), make_org("Drei")
        person = make_person("Person", "P")
        people = {"organisation": third.id, "person": person.id}
    created = []
    for table, column in refs:
        with db.session.begin_nested():
            row = fabricate(table, {column.name: loser.id}, people)
        created.append((table, column, _identity(table, row, column)))
        # the survivor has the same link already: it must not end up twice (composite keys, unique)
        if "id" not in table.c or len(table.primary_key.columns) > 1:
            with db.session.begin_nested():
                fabricate(table, {**{k: v for k, v in row.items()}, column.name: winner.id}, people)
    session.commit()

    merge_records(kind, winner.id, loser.id, {})
    session.commit()

    conn = db.session.connection()
    for table, column, identity in created:
        where = [table.c[k] == v for k, v in identity.items()]
        values = conn.execute(select(table.c[column.name]).where(*where)).scalars().all()
        assert values, f"{table.name}.{column.name}: the row disappeared"
        assert set(values) == {winner.id}, f"{table.name}.{column.name} still points at the merged-away record"
        assert conn.scalar(select(func.count()).select_from(table).where(table.c[column.name] == loser.id)) == 0
    assert db.session.get(model, loser.id) is None


def test_merging_two_persons_keeps_the_relations_of_both(make_org, make_person, make_function, session):
    rathaus = make_org("Markt Eschau", kind="municipality", sector="public")
    verein = make_org("Heimatverein Eschau e.V.")
    mayor = make_function("Erster Bürgermeister", "Erste Bürgermeisterin", key=True)
    a = make_person("Meier", "Gerhard", gender="male", organisation=rathaus, function=mayor, email="",
                    notes="Kennt alle Vereine.")
    b = make_person("Maier", "Gerhard", gender="male", organisation=verein, email="g.maier@web.de",
                    notes="Mag keine Telefonate.", contact_objection=True)
    a.tags = resolve_tags(["Presse", "Ehrenamt"])
    b.tags = resolve_tags(["Presse", "Streuobst"])
    session.add(ContactDetail(person_id=b.id, kind="phone", label="FAX", value="06093 1234"))
    session.add(DuplicatePair(kind="person", a_id=a.id, b_id=b.id, score=91, reasons=[["phonetic"]]))
    session.commit()

    log = merge_records("person", a.id, b.id, {"email": "b", "notes": "both"}, note="gleiche Person")
    session.commit()
    db.session.expire_all()
    merged = db.session.get(Person, a.id)
    assert merged.last_name == "Meier" and merged.email == "g.maier@web.de"
    assert merged.notes == "Kennt alle Vereine.\n\nMag keine Telefonate."
    assert merged.contact_objection is True  # an objection is never lost
    assert sorted(x.organisation.name for x in merged.affiliations) == ["Heimatverein Eschau e.V.", "Markt Eschau"]
    assert sorted(t.name for t in merged.tags) == ["Ehrenamt", "Presse", "Streuobst"]
    assert db.session.scalar(select(ContactDetail.person_id)) == a.id
    assert db.session.scalar(select(func.count()).select_from(DuplicatePair)) == 0
    # recorded: the merge log with the merged-away record, and the audit trail
    log = db.session.get(MergeLog, log.id)
    assert log.loser_label == "Gerhard Maier" and log.snapshot["record"]["email"] == "g.maier@web.de"
    assert log.moved["affiliation.person_id"] == 1
    assert {"table": "person_tag", "row": {"person_id": b.id, "tag_id": resolve_tags(["Presse"])[0].id}} in \
        log.snapshot["dropped_rows"]
    actions = {(r.action, r.entity_id) for r in db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "person"))}
    assert ("merge", a.id) in actions and ("merged_away", b.id) in actions


def test_a_seat_held_by_one_with_the_other_as_deputy_loses_only_the_deputy(make_person, session):
    if "seat" not in db.metadata.tables:
        pytest.skip("no seats in this build")
    seat = db.metadata.tables["seat"]
    a, b = make_person("Eins", "A"), make_person("Zwei", "B")
    row = fabricate(seat, {"person_id": a.id, "deputy_id": b.id}, {"person": a.id})
    session.commit()
    log = merge_records("person", a.id, b.id, {})
    session.commit()
    person_id, deputy_id = db.session.execute(select(seat.c.person_id, seat.c.deputy_id)
                                              .where(seat.c.id == row["id"])).one()
    assert (person_id, deputy_id) == (a.id, None)
    assert log.moved["seat.deputy_id (cleared)"] == 1


def test_organisation_merge_repoints_children_but_never_to_itself(make_org, session):
    district = make_org("Landkreis Miltenberg", kind="district", sector="public")
    twin = make_org("LRA Miltenberg", kind="authority", sector="public")
    district.parent_id = twin.id
    child = make_org("Markt Eschau", kind="municipality", sector="public", parent_id=twin.id)
    session.commit()
    merge_records("organisation", district.id, twin.id, {"short_name": "b"})
    session.commit()
    db.session.expire_all()
    assert db.session.get(Organisation, child.id).parent_id == district.id
    assert db.session.get(Organisation, district.id).parent_id is None


def test_a_record_cannot_be_merged_with_itself(make_person, session):
    from crm.imports.services import ImportProblem

    a = make_person()
    with pytest.raises(ImportProblem):
        merge_records("person", a.id, a.id, {})


# ----------------------------------------------------------------------------- issue 8.7


def _badges(html: str) -> int:
    return html.count("Hauptfunktion")


def test_merged_person_has_exactly_one_primary_function(client, login, make_org, make_person, make_function, session):
    login("staff")
    rathaus = make_org("Markt Eschau", kind="municipality", sector="public")
    verein = make_org("Obst- und Gartenbauverein Eschau")
    a = make_person("Meier", "Gerhard", gender="male", organisation=rathaus, function=make_function())
    b = make_person("Maier", "Gerhard", gender="male", organisation=verein)
    before = _badges(client.get(f"/personen/{a.id}").get_data(as_text=True))
    assert before >= 1
    merge_records("person", a.id, b.id, {})
    session.commit()
    db.session.expire_all()
    merged = db.session.get(Person, a.id)
    assert [x.organisation.name for x in merged.affiliations if x.is_primary] == ["Markt Eschau"]
    page = client.get(f"/personen/{a.id}").get_data(as_text=True)
    assert "Obst- und Gartenbauverein Eschau" in page
    assert _badges(page) == before


def test_known_values_are_proposed_over_unknown_ones(client, login, make_person, session):
    login("staff")
    a = make_person("Meier", "Gerhard", gender="unknown", phone="")
    b = make_person("Maier", "Gerhard", gender="male", phone="06093 1234")
    page = client.get(f"/duplikate/zusammenfuehren/person/{a.id}/{b.id}?keep={a.id}").get_data(as_text=True)
    assert re.search(r'name="field-gender"[^>]*value="b"[^>]*checked', page)
    # merged without choosing (as a form with only some fields): the known gender wins
    merge_records("person", a.id, b.id, {"last_name": "a"})
    session.commit()
    db.session.expire_all()
    merged = db.session.get(Person, a.id)
    assert merged.gender == "male" and merged.phone == "06093 1234"


def test_known_gender_of_the_survivor_stays(make_person, session):
    a = make_person("Meier", "Gerda", gender="female")
    b = make_person("Meier", "Gerda", gender="unknown")
    merge_records("person", a.id, b.id, {})
    session.commit()
    assert db.session.get(Person, a.id).gender == "female"


@pytest.mark.parametrize("kind", ["person", "organisation"])
def test_the_merged_away_address_leads_to_the_merged_record(kind, client, login, make_person, make_org, session):
    login("staff")
    if kind == "person":
        a, b, c = make_person("Eins", "A"), make_person("Zwei", "B"), make_person("Drei", "C")
        url = "/personen/{}"
    else:
        a, b, c = make_org("Eins"), make_org("Zwei"), make_org("Drei")
        url = "/organisationen/{}"
    merge_records(kind, a.id, b.id, {})
    session.commit()
    response = client.get(url.format(b.id))
    assert response.status_code == 302 and response.headers["Location"].endswith(url.format(a.id))
    # merged on: the old address follows the chain
    merge_records(kind, c.id, a.id, {})
    session.commit()
    assert client.get(url.format(b.id)).headers["Location"].endswith(url.format(c.id))
    assert client.get(url.format(10**9)).status_code == 404


def test_undo_of_a_person_merge_restores_both_records_and_every_relation(client, login, make_org, make_person,
                                                                          make_function, session):
    login("staff")
    rathaus = make_org("Markt Eschau", kind="municipality", sector="public")
    verein = make_org("Heimatverein Eschau e.V.")
    a = make_person("Meier", "Gerhard", gender="unknown", organisation=rathaus, function=make_function(),
                    notes="Kennt alle Vereine.")
    b = make_person("Maier", "Gerd", gender="male", organisation=verein, email="g.maier@web.de",
                    notes="Mag keine Telefonate.", contact_objection=True, data_collected_on=date(2024, 3, 1))
    a.tags = resolve_tags(["Presse", "Ehrenamt"])
    b.tags = resolve_tags(["Presse", "Streuobst"])
    session.add(ContactDetail(person_id=b.id, kind="phone", label="FAX", value="06093 1234"))
    session.commit()
    a_id, b_id = a.id, b.id
    extra = {}
    if "seat" in db.metadata.tables:  # a seat held by a with b as deputy
        extra = fabricate(db.metadata.tables["seat"], {"person_id": a_id, "deputy_id": b_id}, {"person": a_id})
        session.commit()
    log = merge_records("person", a_id, b_id, {"email": "b", "notes": "both"})
    session.commit()
    log_id = log.id

    page = client.get("/duplikate/protokoll").get_data(as_text=True)
    assert "Zusammenführung rückgängig machen" in page
    response = client.post(f"/duplikate/protokoll/{log_id}/rueckgaengig", follow_redirects=True)
    assert "sind wieder zwei Datensätze" in response.get_data(as_text=True)
    db.session.expire_all()
    a, b = db.session.get(Person, a_id), db.session.get(Person, b_id)
    assert b is not None and (b.first_name, b.last_name, b.gender) == ("Gerd", "Maier", "male")
    assert b.email == "g.maier@web.de" and b.contact_objection is True and b.data_collected_on == date(2024, 3, 1)
    assert (a.email, a.notes, a.gender, a.contact_objection) == ("", "Kennt alle Vereine.", "unknown", False)
    assert [x.organisation.name for x in a.affiliations] == ["Markt Eschau"]
    assert [(x.organisation.name, x.is_primary) for x in b.affiliations] == [("Heimatverein Eschau e.V.", True)]
    assert sorted(t.name for t in a.tags) == ["Ehrenamt", "Presse"]
    assert sorted(t.name for t in b.tags) == ["Presse", "Streuobst"]
    assert db.session.scalar(select(ContactDetail.person_id)) == b_id
    if extra:
        seat = db.metadata.tables["seat"]
        assert db.session.execute(select(seat.c.person_id, seat.c.deputy_id)
                                  .where(seat.c.id == extra["id"])).one() == (a_id, b_id)
    assert client.get(f"/personen/{b_id}").status_code == 200
    log = db.session.get(MergeLog, log_id)
    assert log.undone_at is not None
    actions = {(r.action, r.entity_id) for r in db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "person"))}
    assert ("unmerge", a_id) in actions and ("unmerge", b_id) in actions
    # b's own history is back on its page, a second undo is refused
    history = client.get(f"/personen/{b_id}/verlauf").get_data(as_text=True)
    assert "g.maier@web.de" in history
    response = client.post(f"/duplikate/protokoll/{log_id}/rueckgaengig", follow_redirects=True)
    assert "bereits rückgängig gemacht" in response.get_data(as_text=True)


def test_undo_of_an_organisation_merge_restores_members_and_parent(make_org, make_person, session):
    from crm.duplicates.merge import undo_merge

    district = make_org("Landkreis Miltenberg", kind="district", sector="public")
    twin = make_org("LRA Miltenberg", kind="authority", sector="public", phone="09371 5010")
    district.parent_id = twin.id
    child = make_org("Markt Eschau", kind="municipality", sector="public", parent_id=twin.id)
    member = make_person("Scherf", "Jens", gender="male", organisation=twin)
    session.commit()
    log = merge_records("organisation", district.id, twin.id, {"phone": "b"})
    session.commit()
    assert db.session.get(Organisation, district.id).phone == "09371 5010"
    undo_merge(db.session.get(MergeLog, log.id))
    session.commit()
    db.session.expire_all()
    assert db.session.get(Organisation, district.id).parent_id == twin.id
    assert db.session.get(Organisation, district.id).phone == ""
    assert db.session.get(Organisation, child.id).parent_id == twin.id
    assert db.session.get(Organisation, twin.id).phone == "09371 5010"
    assert [x.organisation_id for x in db.session.get(Person, member.id).affiliations] == [twin.id]


def test_only_the_last_merge_of_a_record_can_be_undone(make_person, session):
    from crm.duplicates.merge import undo_merge
    from crm.imports.services import ImportProblem

    a, b, c = make_person("Eins", "A"), make_person("Zwei", "B"), make_person("Drei", "C")
    first = merge_records("person", a.id, b.id, {})
    second = merge_records("person", a.id, c.id, {})
    session.commit()
    with pytest.raises(ImportProblem):
        undo_merge(first)
    undo_merge(second)
    undo_merge(first)
    session.commit()
    assert all(db.session.get(Person, x) is not None for x in (a.id, b.id, c.id))


@pytest.mark.parametrize("kind", ["person", "organisation"])
def test_undo_moves_back_every_foreign_key_found_in_the_metadata(kind, make_person, make_org, session):
    from crm.duplicates.merge import undo_merge

    model = Person if kind == "person" else Organisation
    refs = foreign_keys_to(model.__tablename__)
    if kind == "person":
        winner, loser, third = make_person("Eins", "A"), make_person("Zwei", "B"), make_person("Drei", "C")
        people = {"person": third.id, "organisation": make_org("Verein").id}
    else:
        winner, loser, third = make_org("Eins"), make_org("Zwei"), make_org("Drei")
        people = {"organisation": third.id, "person": make_person("Person", "P").id}
    winner_id, loser_id = winner.id, loser.id
    created = []
    for table, column in refs:
        with db.session.begin_nested():
            row = fabricate(table, {column.name: loser_id}, people)
        created.append((table, column, _identity(table, row, column), loser_id))
        if "id" not in table.c or len(table.primary_key.columns) > 1:  # the survivor's own copy of the link
            with db.session.begin_nested():
                twin = fabricate(table, {**row, column.name: winner_id}, people)
            created.append((table, column, _identity(table, twin, column), winner_id))
    session.commit()
    counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t, _ in refs}

    log = merge_records(kind, winner_id, loser_id, {})
    session.commit()
    undo_merge(db.session.get(MergeLog, log.id))
    session.commit()

    conn = db.session.connection()
    assert db.session.get(model, loser_id) is not None
    for table, column, identity, owner in created:
        where = [table.c[k] == v for k, v in identity.items()] + [table.c[column.name] == owner]
        assert conn.scalar(select(func.count()).select_from(table).where(*where)) == 1, \
            f"{table.name}.{column.name}: the row of #{owner} is not back"
    assert counts == {t.name: db.session.scalar(select(func.count()).select_from(t)) for t, _ in refs}
