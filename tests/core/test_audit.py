from crm.contacts.models import Person, Tag
from crm.contacts.services import archive, restore
from crm.core.audit import AuditLog, history_for
from crm.extensions import db


def rows(entity_type, entity_id):
    return list(reversed(history_for(entity_type, entity_id)))


def test_create_change_archive_restore_are_recorded_with_old_and_new_values(make_person, session):
    person = make_person("Huber", "Anna")
    person.last_name = "Huber-Maier"
    person.tags.append(Tag(name="Presse"))
    session.commit()
    archive(person)
    session.commit()
    restore(person)
    session.commit()

    history = rows("person", person.id)
    assert [r.action for r in history] == ["create", "update", "archive", "restore"]
    assert history[0].changes["last_name"] == [None, "Huber"]
    assert history[1].changes["last_name"] == ["Huber", "Huber-Maier"]
    assert history[1].changes["tags"] == [[], ["Presse"]]
    assert "sort_name" not in history[1].changes and "updated_at" not in history[1].changes
    assert history[1].label == "Anna Huber-Maier"
    assert all(r.user_name == "System" for r in history)


def test_unchanged_save_writes_no_row(make_person, session):
    person = make_person("Leer")
    before = len(rows("person", person.id))
    person.last_name = "Leer"
    session.commit()
    assert len(rows("person", person.id)) == before


def test_changes_through_the_ui_name_the_user(client, login, make_person):
    user = login("staff", full_name="Sabine Keller")
    person = make_person("Keller", "Tom", gender="male")
    response = client.post(f"/personen/{person.id}/bearbeiten", data={
        "gender": "male", "last_name": "Keller", "first_name": "Thomas", "formal": "1", "country": "DE",
        "legal_basis": "art6_1e",
    })
    assert response.status_code == 302
    last = rows("person", person.id)[-1]
    assert last.user_id == user.id and last.user_name == "Sabine Keller"
    assert last.changes["first_name"] == ["Tom", "Thomas"]
    assert last.changes["legal_basis"] == ["", "art6_1e"]

    page = client.get(f"/personen/{person.id}/verlauf").get_data(as_text=True)
    assert "Sabine Keller" in page and "Thomas" in page and "Tom" in page


def test_a_new_audited_model_needs_no_extra_code(session):
    """Every table whose model inherits Audited is covered by the one session hook."""
    from crm.core.audit import Audited

    audited = {m.class_.__tablename__ for m in db.Model.registry.mappers if issubclass(m.class_, Audited)}
    assert {"person", "organisation", "affiliation", "user", "function_title"} <= audited
    before = session.scalar(db.select(db.func.count()).select_from(AuditLog))
    session.add(Person(last_name="Neu"))
    session.commit()
    assert session.scalar(db.select(db.func.count()).select_from(AuditLog)) == before + 1
