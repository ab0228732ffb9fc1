"""The office's side walked to the end: an offer made through the form, registrations from the person page
and from a Verteiler, attendance per session (statuses, the person's timeline), the Word files read back
with python-docx (participant list, signature list, certificates through the letter engine), reminders
before the first session, suggestions made into a Verteiler, figures per offer and per year."""
import io
from datetime import date, timedelta

from docx import Document

from crm.contacts.models import FieldOfAction, TargetGroup
from crm.extensions import db
from crm.qualification import mailing, matching, services
from crm.qualification.models import Attendance, Offer, Registration
from tests.qualification.conftest import in_days


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_offer_made_and_changed_through_the_form(client, login, make_org, make_person):
    login("staff")
    provider = make_org("Akademie Ländlicher Raum")
    trainer = make_person("Referent", "Rolf", gender="male")
    group = TargetGroup(name="Ehrenamtliche")
    db.session.add(group)
    db.session.commit()
    day = (date.today() + timedelta(days=20)).strftime("%d.%m.%Y")
    response = client.post("/weiterbildungen/neu", data={
        "title": "Ehrenamt digital", "kind": "workshop", "status": "open", "provider_id": provider.id,
        "trainer_ids": [trainer.id], "sessions": f"{day} 09:00-12:30 Werkzeuge\n{day} 13:30-16:00 Praxis",
        "location": "Pfarrheim Eschau", "capacity": "24", "waitlist": "y", "fee": "25,50",
        "registration_deadline": (date.today() + timedelta(days=10)).isoformat(), "target_group_ids": [group.id]})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    offer = db.session.scalar(db.select(Offer).where(Offer.title == "Ehrenamt digital"))
    assert (offer.kind, offer.capacity, str(offer.fee), offer.provider_id) == ("workshop", 24, "25.50", provider.id)
    assert [s.topic for s in offer.sessions] == ["Werkzeuge", "Praxis"] and offer.trainers == [trainer]
    page = client.get(f"/weiterbildungen/{offer.id}").get_data(as_text=True)
    assert "0 von 24 Plätzen vergeben" in page and "25,50 €" in page and "Akademie Ländlicher Raum" in page
    assert "09:00–12:30 Uhr – Werkzeuge" in page and "13:30–16:00 Uhr – Praxis" in page, "Berlin time, as typed"
    edit = client.get(f"/weiterbildungen/{offer.id}/bearbeiten").get_data(as_text=True)
    assert f"{day} 09:00-12:30 Werkzeuge" in edit
    # a bad session line: a German message, nothing changed
    bad = client.post(f"/weiterbildungen/{offer.id}/bearbeiten", data={
        "title": "Ehrenamt digital", "kind": "workshop", "status": "open", "capacity": "24",
        "sessions": "morgen früh"})
    assert bad.status_code == 200 and "Zeile 1: Bitte den Termin so schreiben" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(Offer, offer.id).sessions) == 2


def test_registration_from_the_person_page_and_from_a_verteiler(client, login, make_offer, people, smtp):
    from crm.segments.services import add_members, save_segment

    offer = make_offer(capacity=20)
    login("staff")
    person = people[0]
    card = client.get(f"/personen/{person.id}").get_data(as_text=True)
    assert 'id="qualification"' in card and "Förderantrag richtig stellen" in card
    response = client.post(f"/personen/{person.id}/weiterbildung", data={"offer_id": offer.id},
                           follow_redirects=True)
    assert "Ulla Teilnehmer00 ist angemeldet." in response.get_data(as_text=True)
    assert smtp.wait_for(1)[0][0] == ["t0@example.org"]

    segment = save_segment(None, {"name": "Vereine Mönchberg", "kind": "fixed"})
    add_members(segment, person_ids=[p.id for p in people])
    db.session.commit()
    response = client.post(f"/weiterbildungen/{offer.id}/verteiler-anmelden", data={"segment_id": segment.id},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "19 angemeldet, 5 auf der Warteliste, 1 bereits angemeldet oder abgewiesen" in html
    assert db.session.get(Offer, offer.id).seats_taken == 20
    assert len(smtp.wait_for(25)) == 25  # 20 confirmations with .ics, 5 waitlist notices
    subjects = [m["Subject"].strip() for _r, m, _p in smtp.messages]
    assert subjects.count("Auf der Warteliste: Förderantrag richtig stellen") == 5


def test_attendance_per_session_statuses_timeline_and_documents(client, login, make_offer, people):
    offer = make_offer(capacity=20)
    rows = [services.register(offer, p).registration for p in people[:20]]
    db.session.commit()
    first, second = offer.sessions
    login("staff")
    present_first = [r.id for r in rows[:18]]
    present_second = [r.id for r in rows[:15]]
    assert client.post(f"/weiterbildungen/{offer.id}/termine/{first.id}/anwesenheit",
                       data={"present": present_first}).status_code == 302
    response = client.post(f"/weiterbildungen/{offer.id}/termine/{second.id}/anwesenheit",
                           data={"present": present_second}, follow_redirects=True)
    assert "Anwesenheit gespeichert: 15 anwesend." in response.get_data(as_text=True)
    db.session.expire_all()
    statuses = [db.session.get(Registration, r.id).status for r in rows]
    assert statuses == ["attended"] * 18 + ["no_show"] * 2
    assert db.session.scalar(db.select(db.func.count(Attendance.id))) == 40
    # the person's timeline shows the attendance per session
    timeline = client.get(f"/personen/{people[16].id}").get_data(as_text=True)
    assert "Teilgenommen" in timeline and "Nicht anwesend" in timeline

    certificates = client.get(f"/weiterbildungen/{offer.id}/bescheinigungen.docx")
    assert certificates.status_code == 200
    doc = Document(io.BytesIO(certificates.data))
    text = docx_text(certificates.data)
    assert text.count("Teilnahmebescheinigung") == 18 and len(doc.sections) >= 18
    assert "Jörg Teilnehmer01 hat an der Veranstaltung (Seminar) „Förderantrag richtig stellen“ teilgenommen" in text
    assert "Teilnehmer18" not in text and "Teilnehmer19" not in text  # did not come

    listing = docx_text(client.get(f"/weiterbildungen/{offer.id}/teilnehmerliste.docx").data)
    assert all(f"Teilnehmer{i:02d}" in listing for i in range(20))
    signatures = Document(io.BytesIO(client.get(f"/weiterbildungen/{offer.id}/unterschriftenliste.docx").data))
    assert len(signatures.tables) == 2  # one per session
    assert all(len(t.rows) == 1 + 20 + 3 for t in signatures.tables)


def test_certificates_need_someone_who_attended(client, login, make_offer, people):
    offer = make_offer()
    services.register(offer, people[0])
    db.session.commit()
    login("staff")
    response = client.get(f"/weiterbildungen/{offer.id}/bescheinigungen.docx", follow_redirects=True)
    assert "Noch niemand ist als anwesend eingetragen" in response.get_data(as_text=True)


def test_reminders_before_the_first_session_once(app, make_offer, people, smtp):
    soon = make_offer(title="Bald", sessions=[(in_days(1), in_days(1, 12), "")])
    later = make_offer(title="Später", sessions=[(in_days(9), None, "")])
    for person in people[:3]:
        services.register(soon, person)
        services.register(later, person)
    db.session.commit()
    assert {r.offer_id for r in mailing.due_reminders()} == {soon.id}
    result = app.test_cli_runner().invoke(args=["crm", "send-course-reminders"])
    assert "3 Erinnerungen gesendet." in result.output, result.output
    assert [m["Subject"].strip() for _r, m, _p in smtp.wait_for(3)] == ["Erinnerung: Bald"] * 3
    again = app.test_cli_runner().invoke(args=["crm", "send-course-reminders"])
    assert "0 Erinnerungen gesendet." in again.output


def test_suggestions_become_a_verteiler_and_figures(client, login, make_offer, people):
    group, other = TargetGroup(name="Ehrenamtliche"), TargetGroup(name="Jugend")
    field = FieldOfAction(name="Digitalisierung", position=1)
    db.session.add_all([group, other, field])
    for i, person in enumerate(people):
        if i % 2 == 0:
            person.target_groups = [group]
        if i % 3 == 0:
            person.fields_of_action = [field]
    db.session.commit()
    offer = make_offer(target_group_ids=[group.id], field_ids=[field.id])
    services.register(offer, people[0])
    db.session.commit()
    rows = matching.suggest(offer)
    expected = {p.id for i, p in enumerate(people) if (i % 2 == 0 or i % 3 == 0) and i != 0}
    assert {s.person.id for s in rows} == expected
    assert rows[0].score == 2  # both fit first
    login("staff")
    page = client.get(f"/weiterbildungen/{offer.id}/vorschlaege").get_data(as_text=True)
    assert "Vorgeschlagene Kontakte" in page
    response = client.post(f"/weiterbildungen/{offer.id}/vorschlaege/verteiler", data={"name": "Einladung Förderantrag"})
    assert response.status_code == 302
    from crm.segments.models import Segment

    segment = db.session.scalar(db.select(Segment).where(Segment.name == "Einladung Förderantrag"))
    assert segment.kind == "fixed" and len(segment.members) == len(expected)

    figures = matching.figures([offer.id])
    assert figures.registered == 1 and figures.by_target_group == [("Ehrenamtliche", 1)]
    assert figures.by_sector == [("Zivilgesellschaft", 1)] or figures.by_sector[0][1] == 1
    year = offer.first_start.year
    page = client.get(f"/weiterbildungen/zahlen?jahr={year}").get_data(as_text=True)
    assert "Förderantrag richtig stellen" in page and "Nach Zielgruppe" in page
