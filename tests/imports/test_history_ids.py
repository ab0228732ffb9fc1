"""Issue 8.4: a new record never shows the history of a deleted one (ids of audited tables are
never handed out twice; the history only lists rows after the last deletion of the id)."""
from sqlalchemy import insert, select

from crm.contacts.models import Organisation, Person
from crm.core.audit import AuditLog, history_for
from crm.extensions import db


def test_recreated_person_gets_a_new_id_and_none_of_the_old_history(client, login, make_person):
    login("staff")
    old = make_person(last_name="Geheim", first_name="Gudrun", email="gudrun@example.org")
    old_id = old.id
    db.session.delete(old)
    db.session.commit()
    new = make_person(last_name="Neu", first_name="Norbert")
    assert new.id > old_id
    page = client.get(f"/personen/{new.id}/verlauf").get_data(as_text=True)
    assert "Neu" in page
    assert "Geheim" not in page and "gudrun@example.org" not in page


def test_recreated_organisation_gets_a_new_id(client, login, make_org):
    login("staff")
    old = make_org(name="Altverein Sommerkahl")
    old_id = old.id
    db.session.delete(old)
    db.session.commit()
    new = make_org(name="Neuverein Blankenbach")
    assert new.id > old_id
    page = client.get(f"/organisationen/{new.id}/verlauf").get_data(as_text=True)
    assert "Altverein" not in page


def test_persons_after_an_undone_import_do_not_show_the_undone_ones(client, login, run_import):
    from crm.imports import services

    login("staff")
    csv = "Vorname;Nachname;E-Mail\nAnna;Abel;abel@example.org\nBerta;Bauer;bauer@example.org\nCarl;Christ;c@example.org\n"
    batch = run_import("liste.csv", csv)
    undone_ids = sorted(batch.created_persons.values())
    services.undo_import(batch)
    db.session.commit()
    assert db.session.scalar(select(Person).where(Person.id.in_(undone_ids))) is None
    again = run_import("neu.csv", "Vorname;Nachname\nDora;Dorn\nEmil;Eck\nFrida;Fink\n")
    new_ids = sorted(again.created_persons.values())
    assert not set(new_ids) & set(undone_ids)
    for pid in new_ids:
        page = client.get(f"/personen/{pid}/verlauf").get_data(as_text=True)
        for leaked in ("Abel", "Bauer", "Christ", "abel@example.org"):
            assert leaked not in page


def test_history_ignores_rows_from_before_the_last_deletion_of_the_id(app, make_person):
    """A database that once reused ids (SQLite before the migration) still shows no foreign history."""
    person = make_person(last_name="Jetzt", first_name="Jana")
    db.session.execute(insert(AuditLog.__table__), [
        {"action": "create", "entity_type": "person", "entity_id": person.id, "label": "Früher Fritz",
         "changes": {"last_name": [None, "Früher"]}, "user_name": "x"},
        {"action": "delete", "entity_type": "person", "entity_id": person.id, "label": "Früher Fritz",
         "changes": {}, "user_name": "x"},
        {"action": "update", "entity_type": "person", "entity_id": person.id, "label": "Jana Jetzt",
         "changes": {"notes": ["", "neu"]}, "user_name": "x"},
    ])
    labels = [row.label for row in history_for("person", person.id)]
    assert "Früher Fritz" not in labels
    assert labels == ["Jana Jetzt"]
    assert history_for("organisation", []) == []
    assert db.session.get(Organisation, 10**9) is None


def test_every_audited_table_never_reuses_ids(app, session):
    """Models declare AUTOINCREMENT for SQLite, and the migrated SQLite schema has it."""
    from sqlalchemy import text

    from crm.core.audit import Audited

    tables = {m.class_.__table__ for m in db.Model.registry.mappers if issubclass(m.class_, Audited)}
    assert {"person", "organisation", "affiliation"} <= {t.name for t in tables}
    for table in tables:
        assert table.dialect_options["sqlite"]["autoincrement"] is True, table.name
    if db.engine.dialect.name == "sqlite":
        for table in tables:
            sql = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": table.name}).scalar()
            assert "AUTOINCREMENT" in sql, table.name
