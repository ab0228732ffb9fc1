"""The meeting pages as a regional manager uses them: create a body meeting, build the agenda with
documents, invite guests, switch an invitee to a letter."""
from datetime import datetime, timezone

from crm.extensions import db
from crm.meetings.models import AgendaDocument, Invitee, Meeting

from .conftest import DEPUTIES, SEATS, WITHOUT_EMAIL


def _meeting_form(lag, **overrides):
    data = {"title": "Sitzung des LAG-Entscheidungsgremiums", "kind": "session", "body_id": str(lag.body.id),
            "day": "2027-03-18", "start_time": "18:00", "end_time": "20:30",
            "location_organisation_id": str(lag.venue.id), "location_organisation_label": lag.venue.name,
            "location": "Sitzungssaal", "online_url": "", "description": ""}
    data.update(overrides)
    return data


def test_create_a_body_meeting_and_see_its_page(client, login, lag):
    login("staff")
    response = client.post("/termine/neu", data=_meeting_form(lag))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    meeting = db.session.scalar(db.select(Meeting))
    # 18:00 in Berlin in March is 17:00 UTC
    starts = meeting.starts_at if meeting.starts_at.tzinfo else meeting.starts_at.replace(tzinfo=timezone.utc)
    assert starts == datetime(2027, 3, 18, 17, 0, tzinfo=timezone.utc)
    assert meeting.status == "fixed"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Donnerstag, 18. März 2027, 18:00–20:30 Uhr" in page
    assert "Markt Kleinwallstadt, Marktplatz 1, 63839 Kleinwallstadt; Sitzungssaal" in page
    assert f"Eingeladene ({SEATS + DEPUTIES})" in page
    assert f"{SEATS} Mitglieder, {DEPUTIES} Stellvertretungen, 0 Gäste" in page
    assert f"{WITHOUT_EMAIL} per Brief" in page
    assert "Heß" in page and "Vertretung für" in page
    # the invitation period: seven days before the meeting
    assert "11.03.2027" in page
    listing = client.get("/termine").get_data(as_text=True)
    assert "Sitzung des LAG-Entscheidungsgremiums" in listing and "18.03.2027 18:00" in listing


def test_bad_meeting_input_gets_german_messages_and_saves_nothing(client, login, lag):
    login("staff")
    page = client.post("/termine/neu", data=_meeting_form(lag, end_time="17:00")).get_data(as_text=True)
    assert "Das Ende muss nach dem Beginn liegen." in page
    page = client.post("/termine/neu", data=_meeting_form(lag, online_url="javascript:alert(1)")).get_data(as_text=True)
    assert "Der Online-Link muss mit https:// beginnen." in page
    page = client.post("/termine/neu", data=_meeting_form(lag, day="", start_time="18:00")).get_data(as_text=True)
    assert "Bitte geben Sie das Datum ein" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Meeting)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Invitee)) == 0


def test_agenda_with_documents_checked_for_size_and_type(client, login, make_meeting):
    import io

    login("staff")
    meeting = make_meeting()
    for title in ("Begrüßung", "Projektauswahl: Dorfladen Kleinwallstadt", "Verschiedenes"):
        client.post(f"/termine/{meeting.id}/tagesordnung", data={"agenda-title": title, "agenda-needs_vote": "y"})
    items = sorted(meeting.agenda_items, key=lambda i: i.position)
    db.session.refresh(meeting)
    items = meeting.agenda_items
    assert [i.title for i in items] == ["Begrüßung", "Projektauswahl: Dorfladen Kleinwallstadt", "Verschiedenes"]
    client.post(f"/termine/{meeting.id}/tagesordnung/{items[2].id}/verschieben", data={"direction": "up"})
    db.session.expire_all()
    assert [i.title for i in db.session.get(Meeting, meeting.id).agenda_items][1] == "Verschiedenes"
    url = f"/termine/{meeting.id}/tagesordnung/{items[1].id}/dokumente"
    ok = client.post(url, data={"file": (io.BytesIO(b"%PDF-1.4 Kostenschaetzung"), "Kostenschätzung.pdf")},
                     follow_redirects=True).get_data(as_text=True)
    assert "„Kostenschätzung.pdf“ an" in ok
    fake = client.post(url, data={"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "virus.pdf")},
                       follow_redirects=True).get_data(as_text=True)
    assert "„virus.pdf“ ist keine echte PDF-Datei." in fake
    exe = client.post(url, data={"file": (io.BytesIO(b"MZ\x90"), "setup.exe")}, follow_redirects=True)
    assert "ist nichts davon" in exe.get_data(as_text=True)
    big = client.post(url, data={"file": (io.BytesIO(b"%PDF-" + b"0" * (10 * 1024 * 1024 + 200_000)), "gross.pdf")},
                      follow_redirects=True)
    assert "Die Datei ist zu groß (10,2 MB; höchstens 10 MB)." in big.get_data(as_text=True)
    huge = client.post(url, data={"file": (io.BytesIO(b"%PDF-" + b"0" * (12 * 1024 * 1024)), "riesig.pdf")})
    assert huge.status_code == 413 and "Es wurde nichts gespeichert." in huge.get_data(as_text=True)
    documents = db.session.scalars(db.select(AgendaDocument)).all()
    assert [d.filename for d in documents] == ["Kostenschätzung.pdf"]
    download = client.get(f"/termine/{meeting.id}/dokumente/{documents[0].id}")
    assert download.data.startswith(b"%PDF-1.4") and "attachment" in download.headers["Content-Disposition"]


def test_invite_guests_and_switch_to_a_letter(client, login, make_meeting, make_person):
    login("staff")
    meeting = make_meeting(body=False, title="Netzwerktreffen Direktvermarktung", kind="network")
    guest = make_person(last_name="Gärtner", first_name="Greta", email="greta@example.org")
    response = client.post(f"/termine/{meeting.id}/eingeladene", data={
        "person_id": str(guest.id), "person_label": guest.full_name, "organisation_id": "", "organisation_label": "",
        "body_id": "0", "segment_id": "0"}, follow_redirects=True)
    assert "1 zur Einladungsliste hinzugefügt." in response.get_data(as_text=True)
    invitee = db.session.scalar(db.select(Invitee).where(Invitee.person_id == guest.id))
    assert invitee.channel == "email" and invitee.role == "guest"
    client.post(f"/termine/{meeting.id}/eingeladene/{invitee.id}/weg", data={"channel": "letter"})
    db.session.refresh(invitee)
    assert invitee.channel == "letter"
    # a viewer sees the page but cannot change it
    page = client.get(f"/termine/{meeting.id}").get_data(as_text=True)
    assert "Greta Gärtner" in page
    client.post(f"/termine/{meeting.id}/eingeladene/{invitee.id}/entfernen", data={})
    assert db.session.get(Invitee, invitee.id) is None


def test_a_meeting_shows_on_the_timelines(client, login, make_meeting, lag):
    login("viewer")
    meeting = make_meeting()
    invitee = next(i for i in meeting.invitees if i.person_id == lag.members[1].id)
    invitee.rsvp, invitee.rsvp_at = "accepted", datetime(2027, 3, 10, 9, tzinfo=timezone.utc)
    invitee.attended = True
    db.session.commit()
    page = client.get(f"/personen/{lag.members[1].id}").get_data(as_text=True)
    assert "Rückmeldung: zugesagt" in page and "Teilgenommen" in page and meeting.title in page


def test_the_body_page_lists_its_meetings(client, login, make_meeting, lag):
    login("viewer")
    make_meeting(title="Frühjahrssitzung")
    page = client.get(f"/gremien/{lag.body.id}").get_data(as_text=True)
    assert "Frühjahrssitzung" in page and "18.03.2027 18:00" in page
    assert "Alle Termine dieses Gremiums" in page


def test_an_interaction_linked_to_a_meeting(client, login, make_meeting, lag):
    from crm.interactions.models import Interaction

    login("staff")
    meeting = make_meeting()
    form = client.get(f"/interaktionen/neu?meeting={meeting.id}&person={lag.members[0].id}").get_data(as_text=True)
    assert f'<option selected value="{meeting.id}">' in form or f'value="{meeting.id}" selected' in form
    response = client.post("/interaktionen/neu", data={
        "occurred_at": "2027-03-18T20:15", "kind": "talk", "subject": "Nachgespräch zur Sitzung",
        "person_ids": str(lag.members[0].id), "meeting_id": str(meeting.id), "project_id": "0",
        "followup_assignee": "0"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    interaction = db.session.scalar(db.select(Interaction).where(Interaction.subject == "Nachgespräch zur Sitzung"))
    assert interaction.meeting_id == meeting.id
    detail = client.get(f"/interaktionen/{interaction.id}").get_data(as_text=True)
    assert meeting.title in detail
