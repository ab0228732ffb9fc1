"""Capacity and the waitlist at real size: 20 seats, 25 registrations; cancelling moves the first on the
waitlist up and tells them by e-mail (received by aiosmtpd); refusals change nothing."""
from datetime import date, timedelta

import pytest

from crm.core.errors import DomainError
from crm.extensions import db
from crm.qualification import services
from crm.qualification.models import Offer, Registration
from tests.meetings.test_mailing import text_of


def counts(offer):
    rows = db.session.scalars(db.select(Registration).where(Registration.offer_id == offer.id)).all()
    return {s: sum(1 for r in rows if r.status == s) for s in ("registered", "waitlisted", "cancelled")}


def test_twenty_seats_twenty_five_registrations_and_moving_up(app, client, login, make_offer, people, smtp):
    offer = make_offer()
    outcomes = [services.register(offer, p, "staff") for p in people]
    db.session.commit()
    assert [o.seat for o in outcomes] == [True] * 20 + [False] * 5
    assert [o.registration.waitlist_position for o in outcomes[20:]] == [1, 2, 3, 4, 5]
    db.session.refresh(offer)
    assert (offer.seats_taken, offer.status, offer.free_seats) == (20, "full", 0)
    assert counts(offer) == {"registered": 20, "waitlisted": 5, "cancelled": 0}

    # the office cancels the 3rd registration on the offer page: no. 1 of the waitlist moves up, by e-mail
    login("staff")
    third = outcomes[2].registration
    response = client.post(f"/weiterbildungen/anmeldungen/{third.id}/stornieren", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nachgerückt von der Warteliste: Ulla Teilnehmer20" in html
    first_waiting = outcomes[20].registration
    db.session.refresh(first_waiting)
    assert (first_waiting.status, first_waiting.waitlist_position) == ("registered", None)
    assert first_waiting.moved_up_at is not None and first_waiting.confirmation_sent_at is not None
    assert [r.waitlist_position for r in services.waitlist(offer)] == [1, 2, 3, 4]
    assert [r.person.last_name for r in services.waitlist(offer)] == [f"Teilnehmer{i}" for i in range(21, 25)]
    db.session.refresh(offer)
    assert (offer.seats_taken, offer.status) == (20, "full")
    rcpts, message, _peer = smtp.wait_for(1)[0]
    assert rcpts == ["t20@example.org"]
    assert message["Subject"].strip() == "Ein Platz ist für Sie frei geworden: Förderantrag richtig stellen"
    assert "Guten Tag Ulla Teilnehmer20," in text_of(message)
    ics = [part for part in message.iter_attachments() if part.get_filename() == "termine.ics"]
    assert ics and ics[0].get_content().count(b"BEGIN:VEVENT") == 2

    # cancelling a waitlisted registration renumbers the rest; nobody moves up
    services.cancel(services.waitlist(offer)[1])
    db.session.commit()
    assert [r.waitlist_position for r in services.waitlist(offer)] == [1, 2, 3]
    assert counts(offer) == {"registered": 20, "waitlisted": 3, "cancelled": 2}
    # a cancelled registration cannot be cancelled again
    with pytest.raises(DomainError, match="bereits storniert"):
        services.cancel(third)


def test_a_seat_freed_with_an_empty_waitlist_reopens_the_offer(app, make_offer, people):
    offer = make_offer(capacity=2)
    first = services.register(offer, people[0]).registration
    services.register(offer, people[1])
    assert offer.status == "full"
    assert services.cancel(first) == []
    assert (offer.seats_taken, offer.status) == (1, "open")


def test_full_without_waitlist_cancelled_and_late_are_refused_and_change_nothing(app, make_offer, people):
    offer = make_offer(capacity=20, waitlist=False)
    for person in people[:20]:
        services.register(offer, person)
    db.session.commit()
    with pytest.raises(DomainError, match="ausgebucht und hat keine Warteliste"):
        services.register(offer, people[20])
    db.session.rollback()
    assert counts(offer) == {"registered": 20, "waitlisted": 0, "cancelled": 0}
    assert db.session.get(Offer, offer.id).seats_taken == 20

    cancelled = make_offer(title="Ehrenamt digital", status="cancelled")
    with pytest.raises(DomainError, match="abgesagt"):
        services.register(cancelled, people[0])
    late = make_offer(title="Spät dran", deadline=date.today() - timedelta(days=1))
    with pytest.raises(DomainError, match="Anmeldeschluss"):
        services.register(late, people[0], public=True)
    # the office may still register after the deadline (a phone call the day before)
    assert services.register(late, people[0]).seat
    with pytest.raises(DomainError, match="bereits angemeldet"):
        services.register(late, people[0])


def test_capacity_below_the_seats_taken_is_refused(app, make_offer, people):
    offer = make_offer(capacity=5)
    for person in people[:4]:
        services.register(offer, person)
    with pytest.raises(DomainError, match="4 Plätze sind bereits vergeben"):
        services.save_offer(offer, {"title": offer.title, "status": "open", "capacity": 3, "sessions": []})
