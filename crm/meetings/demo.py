"""Demo meetings (after the bodies): a held LAG meeting with attendance, an upcoming steering-group
meeting with invitations and answers, an open date poll of a working group. Skipped where a meeting of
the same title exists, so running it twice adds nothing."""
import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from crm.core import time as clock
from crm.core.models import utcnow
from crm.extensions import db
from crm.meetings import services
from crm.meetings.models import InvitationMessage, Meeting, PollAnswer, PollSlot
from crm.network.models import Body

LAG_TITLE = "Sitzung des LAG-Entscheidungsgremiums: Projektauswahl"
STEERING_TITLE = "Lenkungsgruppe: Frühjahrssitzung"
POLL_TITLE = "AK Tourismus: Radwegekonzept"


def _at(day, hour: int, minute: int = 0) -> datetime:
    return services.local_datetime_of(day, f"{hour:02d}:{minute:02d}")


def _body(kind: str, name_part: str = "") -> Body | None:
    stmt = select(Body).where(Body.kind == kind, Body.archived_at.is_(None))
    if name_part:
        stmt = stmt.where(Body.name.contains(name_part))
    return db.session.scalar(stmt.order_by(Body.id).limit(1))


def _sent(meeting: Meeting, kind: str, when: datetime) -> None:
    for invitee in meeting.invitees:
        email = services.email_of(invitee.person, invitee.organisation_id) if invitee.channel == "email" else ""
        db.session.add(InvitationMessage(invitee=invitee, kind=kind, channel=invitee.channel, sequence=meeting.sequence,
                                         status="sent" if invitee.channel == "email" else "letter", recipient=email,
                                         subject=meeting.title, attempts=1, created_at=when, sent_at=when))


def _agenda(meeting: Meeting, items: list[tuple[str, bool]]) -> None:
    for title, vote in items:
        services.save_agenda_item(meeting, None, {"title": title, "needs_vote": vote})


def generate_meetings(seed: int = 1) -> dict:
    rng = random.Random(seed)
    existing = set(db.session.scalars(select(Meeting.title)))
    today = clock.today()
    created = 0
    lag = _body("lag_decision")
    if lag is not None and LAG_TITLE not in existing:
        day = today - timedelta(days=21)
        meeting = services.save_meeting(None, {
            "title": LAG_TITLE, "kind": "session", "body_id": lag.id, "starts_at": _at(day, 17),
            "ends_at": _at(day, 19, 30), "location": "Rathaus Mönchberg, Sitzungssaal"})
        _agenda(meeting, [("Begrüßung und Feststellung der Beschlussfähigkeit", False),
                          ("Projektauswahl: Dorfladen Kleinwallstadt", True),
                          ("Projektauswahl: Radweg Mainufer", True),
                          ("Projektauswahl: Streuobst-Erlebnispfad", True), ("Verschiedenes", False)])
        _sent(meeting, "invitation", datetime.combine(day - timedelta(days=10), time(9), tzinfo=clock.region_zone()))
        for invitee in meeting.invitees:
            if invitee.role == "member":
                invitee.rsvp = rng.choice(["accepted"] * 6 + ["declined", "needs_action"])
                invitee.attended = invitee.rsvp == "accepted" and rng.random() < 0.9
            else:
                invitee.attended = rng.random() < 0.2
            if invitee.rsvp != "needs_action":
                invitee.rsvp_at = _at(day - timedelta(days=rng.randint(2, 8)), rng.randint(8, 20))
            if invitee.attended:
                invitee.checked_in_at = _at(day, 16, rng.randint(40, 59))
        meeting.status = "held"
        created += 1
    steering = _body("steering_group")
    if steering is not None and STEERING_TITLE not in existing:
        day = today + timedelta(days=12)
        meeting = services.save_meeting(None, {
            "title": STEERING_TITLE, "kind": "session", "body_id": steering.id, "starts_at": _at(day, 18),
            "ends_at": _at(day, 20), "location": "Landratsamt Miltenberg, Großer Sitzungssaal"})
        _agenda(meeting, [("Bericht des Regionalmanagements", False), ("Jahresplanung 2027", True),
                          ("Bericht aus den Arbeitskreisen", False)])
        _sent(meeting, "invitation", utcnow() - timedelta(days=3))
        for invitee in meeting.invitees:
            invitee.rsvp = rng.choice(["accepted"] * 5 + ["declined", "tentative", "needs_action", "needs_action"])
            if invitee.rsvp != "needs_action":
                invitee.rsvp_at = utcnow() - timedelta(days=rng.randint(0, 2), hours=rng.randint(1, 9))
        created += 1
    tourism = _body("working_group", "Tourismus")
    if tourism is not None and POLL_TITLE not in existing:
        meeting = services.save_meeting(None, {"title": POLL_TITLE, "kind": "working_circle", "body_id": tourism.id,
                                               "location": "Tourist-Info Miltenberg"})
        meeting.poll_status = "open"
        meeting.poll_deadline = _at(today + timedelta(days=7), 12)
        slots = []
        for offset, hour in ((24, 18), (26, 17), (31, 18), (33, 9)):
            day = today + timedelta(days=offset)
            slot = PollSlot(meeting=meeting, starts_at=_at(day, hour), ends_at=_at(day, hour + 2))
            db.session.add(slot)
            slots.append(slot)
        db.session.flush()
        _sent(meeting, "poll", utcnow() - timedelta(days=2))
        for invitee in meeting.invitees[: max(len(meeting.invitees) * 2 // 3, 1)]:
            for slot in slots:
                db.session.add(PollAnswer(invitee=invitee, slot=slot,
                                          answer=rng.choice(["yes", "yes", "maybe", "no"])))
            invitee.poll_answered_at = utcnow() - timedelta(hours=rng.randint(2, 40))
        created += 1
    db.session.flush()
    return {"meetings": created}
