"""The sending pages as the office uses them: compose with counts, late confirmation, change,
cancellation, the message log with the server's reasons."""
from datetime import timedelta

import pytest

from crm.core import time as clock
from crm.extensions import db
from crm.meetings.models import InvitationMessage
from tests.meetings.test_mailing import smtp  # noqa: F401  (the aiosmtpd fixture)


def _starts(days):
    return (clock.utcnow() + timedelta(days=days)).replace(hour=17, minute=0, second=0, microsecond=0)


@pytest.fixture
def meeting(make_meeting):
    return make_meeting(starts_at=_starts(35), ends_at=_starts(35) + timedelta(hours=2))


def test_compose_counts_sends_and_logs(client, login, meeting, smtp):  # noqa: F811
    login("staff")
    page = client.get(f"/termine/{meeting.id}/einladen").get_data(as_text=True)
    assert "26 per E-Mail" in page and "4 per Brief" in page
    assert "{Briefanrede}" in page and "hiermit lade ich Sie herzlich ein" in page
    assert "Ladungsfrist" not in page
    assert 'class="card shadow-sm mb-3 mail-panel"' in page

    smtp.refuse.add("köhler6@example.org")
    response = client.post(f"/termine/{meeting.id}/einladen",
                           data={"text": "{Briefanrede}\n\nbitte kommen Sie zur Sitzung."})
    assert response.status_code == 302
    log = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "25 per E-Mail" in log and "4 per Brief" in log
    assert "Köhler" in log and "User unknown" in log  # the server's reason, next to the name
    assert "Die 1 fehlgeschlagenen erneut senden" in log
    assert len(smtp.wait_for(25)) == 25

    smtp.refuse.clear()
    response = client.post(f"/termine/{meeting.id}/erneut-senden", follow_redirects=True)
    assert "1 per E-Mail" in response.get_data(as_text=True)
    assert len(smtp.wait_for(26)) == 26
    again = client.get(f"/termine/{meeting.id}/einladen").get_data(as_text=True)
    assert "0 per E-Mail" in again and "30 bereits eingeladen" in again


def test_empty_text_sends_nothing(client, login, meeting, smtp):  # noqa: F811
    login("staff")
    response = client.post(f"/termine/{meeting.id}/einladen", data={"text": "  "})
    assert response.status_code == 200
    assert "Bitte schreiben Sie den Text der Einladung." in response.get_data(as_text=True)
    assert smtp.messages == [] and db.session.scalar(db.select(db.func.count()).select_from(InvitationMessage)) == 0


def test_late_invitation_asks_for_confirmation(client, login, make_meeting, smtp):  # noqa: F811
    meeting = make_meeting(starts_at=_starts(2), ends_at=_starts(2) + timedelta(hours=2))
    login("staff")
    page = client.get(f"/termine/{meeting.id}/einladen").get_data(as_text=True)
    assert "Die Ladungsfrist ist abgelaufen" in page and 'name="confirm_late"' in page
    response = client.post(f"/termine/{meeting.id}/einladen", data={"text": "{Briefanrede}\n\nkurzfristig."})
    assert response.status_code == 200
    assert "Bitte bestätigen Sie, dass Sie trotzdem einladen wollen." in response.get_data(as_text=True)
    assert smtp.messages == []
    response = client.post(f"/termine/{meeting.id}/einladen",
                           data={"text": "{Briefanrede}\n\nkurzfristig.", "confirm_late": "y"})
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert meeting.late_confirmed_at is not None
    assert len(smtp.wait_for(26)) == 26


def test_update_and_cancel_from_the_panel(client, login, meeting, smtp):  # noqa: F811
    login("staff")
    response = client.post(f"/termine/{meeting.id}/aenderung-senden", data={"note": "Neuer Raum."},
                           follow_redirects=True)
    assert "Zu diesem Termin wurde noch niemand angeschrieben." in response.get_data(as_text=True)
    client.post(f"/termine/{meeting.id}/einladen", data={"text": "{Briefanrede}\n\nEinladung."})
    smtp.wait_for(26)
    smtp.messages.clear()
    response = client.post(f"/termine/{meeting.id}/aenderung-senden", data={"note": "Neuer Raum."},
                           follow_redirects=True)
    assert "26 per E-Mail" in response.get_data(as_text=True)
    assert "Neuer Raum." in smtp.wait_for(26)[0][1].get_body(preferencelist=("plain",)).get_content()
    db.session.refresh(meeting)
    assert meeting.sequence == 1

    response = client.post(f"/termine/{meeting.id}/absagen", data={"reason": ""}, follow_redirects=True)
    assert "Bitte nennen Sie den Grund der Absage." in response.get_data(as_text=True)
    db.session.refresh(meeting)
    assert meeting.status != "cancelled" and meeting.sequence == 1
    response = client.post(f"/termine/{meeting.id}/absagen", data={"reason": "Zu wenige Zusagen."},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    # the four invitees by post get their cancellation letter in the same step: the letters come next
    assert "Der Termin ist abgesagt." in page and "Absage: Sitzung des LAG-Entscheidungsgremiums" in page
    assert "Dieser Termin ist abgesagt." in client.get(f"/termine/{meeting.id}").get_data(as_text=True)
    db.session.refresh(meeting)
    assert meeting.status == "cancelled" and meeting.sequence == 2


def test_viewer_reads_the_log_but_sends_nothing(client, login, meeting):
    login("viewer")
    assert client.get(f"/termine/{meeting.id}/nachrichten").status_code == 200
    page = client.get(f"/termine/{meeting.id}/nachrichten").get_data(as_text=True)
    assert "/einladen" not in page and "/absagen" not in page
    for url in ("einladen", "aenderung-senden", "absagen", "erneut-senden"):
        assert client.post(f"/termine/{meeting.id}/{url}").status_code == 403


def test_development_backend_names_its_folder(client, login, meeting, app, monkeypatch, tmp_path):
    from flask_mailman import Mail

    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    monkeypatch.setitem(app.config, "MAIL_FILE_PATH", str(tmp_path))
    monkeypatch.setitem(app.extensions, "mailman", Mail.init_mail(app.config))
    login("staff")
    page = client.get(f"/termine/{meeting.id}/einladen").get_data(as_text=True)
    assert f"als Dateien in {tmp_path} abgelegt" in page
    response = client.post(f"/termine/{meeting.id}/einladen", data={"text": "{Briefanrede}\n\nTest."},
                           follow_redirects=True)
    assert f"in {tmp_path} abgelegt" in response.get_data(as_text=True)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].read_bytes().count(b"Subject: ") == 26


def test_placeholder_personal_links(client, meeting):
    from crm.meetings import services

    invitee = services.invitees_of(meeting)[0]
    assert client.get(f"/antwort/{invitee.token}").status_code == 200
    assert client.get("/antwort/unbekannt").status_code == 404
    assert client.get("/umfrage/unbekannt").status_code == 404
