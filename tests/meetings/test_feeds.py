"""Calendar download and feeds: PUBLISH without e-mail addresses, ETag and 304, revoked and wrong
tokens answer 404 alike, who sees which meetings."""
from datetime import timedelta

import icalendar
import vobject

from crm.core import time as clock
from crm.extensions import db
from crm.meetings import feeds, services
from crm.meetings.models import CalendarFeed


def _future(days=40):
    return (clock.utcnow() + timedelta(days=days)).replace(hour=16, minute=0, second=0, microsecond=0)


def test_meeting_download_is_publish_without_addresses(client, login, make_meeting):
    login("viewer")
    meeting = make_meeting(starts_at=_future(), ends_at=_future() + timedelta(hours=2))
    response = client.get(f"/termine/{meeting.id}/termin.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="termin-')
    text = response.get_data(as_text=True)
    assert "METHOD:PUBLISH" in text and "mailto:" not in text and "@example.org" not in text
    cal = icalendar.Calendar.from_ical(response.data)
    assert str(cal.walk("VEVENT")[0]["UID"]) == meeting.uid
    assert vobject.readOne(text).vevent.location.value.startswith("Markt Kleinwallstadt, Marktplatz 1")


def test_body_feed_etag_304_revoke_and_renew(client, login, lag, make_meeting):
    first = make_meeting(title="Sitzung im Frühjahr", starts_at=_future(40), ends_at=_future(40) + timedelta(hours=2))
    make_meeting(title="Netzwerktreffen ohne Gremium", body=False, kind="network",
                 starts_at=_future(50), ends_at=_future(50) + timedelta(hours=2))
    login("staff")
    assert client.post(f"/kalender/gremium/{lag.body.id}/neu").status_code == 302
    feed = feeds.active_feed(body=lag.body)

    anonymous = client.application.test_client()  # calendar apps have no session
    url = f"/kalender/{feed.token}.ics"
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    etag = response.headers["ETag"]
    text = response.get_data(as_text=True)
    assert "X-WR-CALNAME:LAG-Entscheidungsgremium" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text and "X-PUBLISHED-TTL:PT1H" in text
    assert "Sitzung im Frühjahr" in text and "Netzwerktreffen ohne Gremium" not in text
    assert "@example.org" not in text and "mailto:" not in text and "/antwort/" not in text
    assert "ATTENDEE" not in text
    parsed = vobject.readOne(text)
    assert [e.uid.value for e in parsed.contents["vevent"]] == [first.uid]

    again = anonymous.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""

    first.title = "Sitzung im Frühjahr (verschoben)"
    db.session.commit()
    changed = anonymous.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag

    assert client.post(f"/kalender/gremium/{lag.body.id}/neu").status_code == 302
    renewed = feeds.active_feed(body=lag.body)
    assert renewed.token != feed.token
    gone = anonymous.get(url)
    wrong = anonymous.get("/kalender/" + "x" * 32 + ".ics")
    assert gone.status_code == wrong.status_code == 404
    assert gone.data == wrong.data  # a revoked token tells nothing more than a wrong one
    assert anonymous.get(f"/kalender/{renewed.token}.ics").status_code == 200
    assert client.post(f"/kalender/gremium/{lag.body.id}/widerrufen").status_code == 302
    assert anonymous.get(f"/kalender/{renewed.token}.ics").status_code == 404
    assert feeds.active_feed(body=lag.body) is None


def test_personal_feed_shows_organised_and_invited_meetings(client, login, lag, make_meeting, make_user):
    doering = lag.members[1]
    user = login("viewer", email="DÖRING1@example.org")  # the e-mail he was invited with, in other case
    invited = make_meeting(title="Sitzung mit Döring", starts_at=_future(30), ends_at=_future(30) + timedelta(hours=1))
    organised = make_meeting(title="Eigenes Netzwerktreffen", body=False, kind="network",
                             starts_at=_future(31), ends_at=_future(31) + timedelta(hours=1))
    organised.organiser_id = user.id
    other = make_meeting(title="Fremder Termin", body=False, kind="network",
                         starts_at=_future(32), ends_at=_future(32) + timedelta(hours=1))
    db.session.commit()
    assert any(i.person_id == doering.id for i in services.invitees_of(invited))
    assert not services.invitees_of(other)

    assert client.post("/kalender/persoenlich/neu").status_code == 302
    feed = db.session.scalar(db.select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    page = client.get("/kalender").get_data(as_text=True)
    assert f"/kalender/{feed.token}.ics" in page and f"webcal://localhost/kalender/{feed.token}.ics" in page
    assert "meetings.js" in page and "<script>" not in page

    text = client.application.test_client().get(f"/kalender/{feed.token}.ics").get_data(as_text=True)
    assert "Sitzung mit Döring" in text and "Eigenes Netzwerktreffen" in text and "Fremder Termin" not in text
    assert "@example.org" not in text

    assert client.post("/kalender/persoenlich/widerrufen").status_code == 302
    assert client.application.test_client().get(f"/kalender/{feed.token}.ics").status_code == 404


def test_only_staff_change_body_feeds(client, login, lag):
    login("viewer")
    assert client.post(f"/kalender/gremium/{lag.body.id}/neu").status_code == 403
    page = client.get("/kalender").get_data(as_text=True)
    assert "LAG-Entscheidungsgremium" in page
    assert f"/kalender/gremium/{lag.body.id}/neu" not in page
