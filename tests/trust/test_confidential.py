"""Confidential fields in the person form and the exports."""
import csv
import io

from crm.contacts.models import Person
from crm.core.confidential import is_hidden, may_see_confidential, private_label
from crm.exports import services
from crm.extensions import db


def test_the_office_keeps_confidential_notes_in_the_form(client, login, make_person):
    login("staff")
    person = make_person("Kunz", first_name="Berta")
    html = client.get(f"/personen/{person.id}/bearbeiten").get_data(as_text=True)
    assert "Vertrauliche Notizen" in html
    data = {"gender": "female", "first_name": "Berta", "last_name": "Kunz", "formal": "1", "country": "DE",
            "legal_basis": "", "confidential_notes": "Nur für die Geschäftsstelle", "version": person.version}
    response = client.post(f"/personen/{person.id}/bearbeiten", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Person, person.id).confidential_notes == "Nur für die Geschäftsstelle"
    html = client.get(f"/personen/{person.id}").get_data(as_text=True)
    assert 'id="confidential-notes"' in html and "Nur für die Geschäftsstelle" in html


def test_export_rows_without_the_confidential_columns(app, make_person):
    make_person("Kunz", first_name="Berta", email="b.kunz@privat.example", phone="+4960221234", street="Hof 3",
                postcode="63897", city="Miltenberg")
    with app.test_request_context():
        stmt = services.persons_query()
        session = services.export_session()
        try:
            full = list(services.person_rows(stmt, session))
            redacted = list(services.person_rows(stmt, session, private=False))
        finally:
            session.close()
    assert "b.kunz@privat.example" in full[0] and "Hof 3" in full[0]
    assert "b.kunz@privat.example" not in redacted[0] and "Hof 3" not in redacted[0] and "Miltenberg" not in redacted[0]
    assert len(full[0]) == len(redacted[0])
    out = io.StringIO()
    csv.writer(out).writerows(redacted)
    assert "privat" not in out.getvalue()


def test_the_rule(app, make_user):
    viewer, staff = make_user("viewer"), make_user("staff")
    assert not may_see_confidential(viewer) and may_see_confidential(staff)
    assert is_hidden("person", "city", viewer) and not is_hidden("person", "city", staff)
    assert not is_hidden("person", "last_name", viewer) and not is_hidden("organisation", "city", viewer)
    assert private_label("HOME,VOICE") and private_label("home") and not private_label("WORK,FAX")
