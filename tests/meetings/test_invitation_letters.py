"""Invitations by post: a Word letter for each invitee without e-mail, with date, place and agenda."""
import io

from docx import Document

from crm.extensions import db
from crm.meetings import services
from crm.meetings.models import InvitationMessage
from tests.meetings.test_mailing import smtp  # noqa: F401  (the aiosmtpd fixture)

from .conftest import WITHOUT_EMAIL


def test_invitees_without_email_get_one_word_file_with_the_agenda(client, login, make_meeting, lag):
    login("staff")
    meeting = make_meeting()
    for title in ("Begrüßung", "Projektauswahl: Dorfladen Kleinwallstadt", "Müller & Söhne <GmbH>: Förderantrag"):
        services.save_agenda_item(meeting, None, {"title": title})
    db.session.commit()
    response = client.post(f"/termine/{meeting.id}/briefe", data={"text": "{Briefanrede}\n\nbitte kommen Sie."})
    assert response.status_code == 302 and "/briefe/" in response.headers["Location"]
    run_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{WITHOUT_EMAIL} Einladungsbriefe geschrieben." in run_page
    assert "Einladung: Sitzung des LAG-Entscheidungsgremiums" in run_page
    docx_url = response.headers["Location"].rstrip("/") + "/briefe.docx"
    document = Document(io.BytesIO(client.get(docx_url).data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert text.count("Tagesordnung:") == WITHOUT_EMAIL
    assert text.count("3. Müller & Söhne <GmbH>: Förderantrag") == WITHOUT_EMAIL
    assert text.count("Donnerstag, 18. März 2027, 18:00–20:00 Uhr") == WITHOUT_EMAIL
    for person in lag.without_email:
        assert person.last_name in text
    messages = db.session.scalars(db.select(InvitationMessage)).all()
    assert len(messages) == WITHOUT_EMAIL and {m.status for m in messages} == {"letter"}
    # a second click writes nothing twice
    again = client.post(f"/termine/{meeting.id}/briefe", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Niemand mehr per Brief einzuladen." in again
    # the letters show on the timeline, linked to the meeting
    from crm.interactions.models import Interaction

    interaction = db.session.scalar(db.select(Interaction).where(Interaction.kind == "letter"))
    assert interaction.meeting_id == meeting.id and len(interaction.persons) == WITHOUT_EMAIL


def test_sending_the_invitation_writes_the_letters_in_the_same_step(client, login, make_meeting, lag, smtp):  # noqa: F811
    from datetime import timedelta

    from crm.core import time as clock

    login("staff")
    start = (clock.utcnow() + timedelta(days=30)).replace(hour=17, minute=0, second=0, microsecond=0)
    meeting = make_meeting(starts_at=start, ends_at=start + timedelta(hours=2))
    response = client.post(f"/termine/{meeting.id}/einladen", data={"text": "{Briefanrede}\n\nbitte kommen Sie."})
    assert "/briefe/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "26 per E-Mail" in page and "Einladung: Sitzung des LAG-Entscheidungsgremiums" in page
    assert len(smtp.wait_for(26)) == 26
    # the letter speaks of no calendar entry and no link: it has its own text, with date, place and agenda
    run_url = response.headers["Location"]
    letters = Document(io.BytesIO(client.get(run_url.rstrip("/") + "/briefe.docx").data))
    text = "\n".join(p.text for p in letters.paragraphs)
    assert text.count("bitte kommen Sie.") == WITHOUT_EMAIL  # the organiser's own text
    assert "Kalender" not in text and "Link" not in text
    for person in lag.without_email:  # the Briefanrede once, not twice
        assert text.count(f"Sehr geehrter Herr {person.last_name},") + \
            text.count(f"Sehr geehrte Frau {person.last_name},") == 1
    statuses = [m.status for m in db.session.scalars(db.select(InvitationMessage))]
    assert statuses.count("sent") == 26 and statuses.count("letter") == WITHOUT_EMAIL and len(statuses) == 30


def test_invitees_by_post_without_an_address_are_named_not_a_500(client, login, make_meeting, make_person):
    login("staff")
    meeting = make_meeting(body=False, title="Netzwerktreffen", kind="network")
    nowhere = make_person(last_name="Ohneadresse", first_name="Otto", gender="male")
    services.invite(meeting, person_ids=[nowhere.id])
    db.session.commit()
    page = client.post(f"/termine/{meeting.id}/briefe", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Kein Brief für: Otto Ohneadresse" in page
    message = db.session.scalar(db.select(InvitationMessage))
    assert message.status == "failed" and message.error
