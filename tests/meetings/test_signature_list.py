"""The signature list of a real LAG meeting through its route, read back with python-docx."""
import io

from docx import Document


def _read(data: bytes):
    return Document(io.BytesIO(data))


def _body_rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def test_the_route_builds_the_list_of_a_lag_meeting(lag, make_meeting, client, login):
    from crm.extensions import db
    from crm.meetings import services

    login("staff")
    meeting = make_meeting()
    services.invite(meeting, person_ids=[lag.deputies[0].id])  # already a deputy: stays one
    db.session.commit()
    response = client.get(f"/termine/{meeting.id}/anwesenheitsliste.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="Anwesenheitsliste-2027-03-18')
    doc = _read(response.data)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[1:] == ["Stimmberechtigte Mitglieder", "Stellvertretungen", "Gäste"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Donnerstag, 18. März 2027, 18:00 Uhr" in text and "LAG-Entscheidungsgremium" in text
    invitees = services.invitees_of(meeting)
    members, deputies, guests = (_body_rows(t) for t in doc.tables)
    assert [r[1] for r in members] == [i.person.full_name for i in invitees if i.role == "member"]
    assert [r[1] for r in deputies] == [i.person.full_name for i in invitees if i.role == "deputy"]
    assert len(members) == 24 and len(deputies) == 6 and len(guests) == 5
    assert deputies[0][3].startswith("Vertretung für ")
    hess = next(r for r in members if r[1] == lag.members[0].full_name)
    assert hess[2:4] == ["Markt Gemeinde 1", "Erste Bürgermeisterin"]


def test_a_free_meeting_has_one_table(lag, make_meeting, client, login, make_person, make_org):
    from crm.extensions import db
    from crm.meetings import services

    login("staff")
    meeting = make_meeting(body=False, kind="network", title="Netzwerktreffen Tourismus")
    firm = make_org("Müller & Söhne <GmbH>")
    guest = make_person(first_name="Max", last_name="Müller", organisation=firm)
    services.invite(meeting, person_ids=[guest.id, lag.members[0].id])
    db.session.commit()
    doc = _read(client.get(f"/termine/{meeting.id}/anwesenheitsliste.docx").data)
    (table,) = doc.tables
    rows = _body_rows(table)
    assert len(rows) == 2 + 8
    assert [r[1] for r in rows[:2]] == [i.person.full_name for i in services.invitees_of(meeting)]
    assert "Müller & Söhne <GmbH>" in [r[2] for r in rows]
