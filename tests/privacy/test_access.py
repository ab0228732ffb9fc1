"""Art. 15: everything held about a person in one export, JSON and a letter; audited as an export."""
import io
import json
import zipfile

from sqlalchemy import select

from crm.core.audit import AuditLog
from crm.duplicates.merge import references_to
from crm.extensions import db

FILLED = {"affiliation.person_id": 1, "seat.person_id": 1, "invitee.person_id": 2, "interaction_person.person_id": 2,
          "consent.person_id": 2, "task.person_id": 1, "project.sponsor_person_id": 1, "project_contact.person_id": 1,
          "contact_detail.person_id": 1, "person_tag.person_id": 1, "campaign_recipient.person_id": 1}


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml").decode()


def test_json_has_every_referencing_table(app, subject, client, login):
    login("staff")
    person = subject.person
    response = client.get(f"/personen/{person.id}/auskunft.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == f'attachment; filename="auskunft-person-{person.id}.json"'
    data = json.loads(response.data)
    assert data["person"]["last_name"] == "Wiesmaier" and data["person"]["confidential_notes"] == "Pflegt ihre Mutter."
    expected = {f"{t.name}.{c.name}" for t, c in references_to("person")}
    assert set(data["references"]) == expected and len(expected) >= 20
    counts = {key: len(rows) for key, rows in data["references"].items() if rows}
    assert counts == FILLED
    invitee = data["references"]["invitee.person_id"][0]
    assert invitee["token"] == "(technischer Schlüssel, nicht ausgegeben)"  # personal links are not handed out
    assert invitee["rsvp_comment"] == "Komme mit dem Rad, Theresia"
    assert data["audit"] and data["audit"][0]["action"] == "create"
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "export", AuditLog.entity_id == person.id)).all()
    assert len(audit) == 1 and audit[0].changes["format"] == [None, "json"]
    assert audit[0].changes["rows"] == [None, 1 + sum(FILLED.values())]


def test_letter_to_the_person(app, subject, client, login):
    login("staff")
    person = subject.person
    response = client.get(f"/personen/{person.id}/auskunft.docx")
    assert response.status_code == 200
    text = _docx_text(response.data)
    for expected in ("Auskunft nach Art. 15 DSGVO", "Sehr geehrte Frau Wiesmaier", "Am Mühlbach 7", "Zwecke",
                     "Empfänger", "Speicherdauer", "Ihre Rechte", "Art. 17", "theresia.wiesmaier@example.org",
                     "Mitgliederversammlung 2019", "Newsletter: bestätigt"):
        assert expected in text, expected
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "export", AuditLog.entity_id == person.id)).all()
    assert [a.changes["format"][1] for a in audit] == ["docx"]


def test_letter_without_postal_address_goes_by_email(app, make_person, client, login):
    person = make_person("Ohneort", "Olga", email="olga@example.org")
    login("staff")
    response = client.get(f"/personen/{person.id}/auskunft.docx")
    assert response.status_code == 200 and "olga@example.org" in _docx_text(response.data)


def test_viewer_may_not_export(subject, client, login):
    login("viewer")
    assert client.get(f"/personen/{subject.person.id}/auskunft.json").status_code == 403
    assert client.get(f"/personen/{subject.person.id}/auskunft.docx").status_code == 403
