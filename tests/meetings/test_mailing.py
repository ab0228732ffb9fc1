"""Invitations of the 24-seat LAG body through a real SMTP server on loopback: what arrives, the
calendar invitation read back by icalendar and vobject, changes, cancellation, a refused recipient
and sending again, the Ladungsfrist."""
import socket
import time
from datetime import timedelta, timezone
from email import message_from_bytes, policy

import icalendar
import pytest
import vobject
from aiosmtpd.controller import Controller
from flask_mailman import Mail

from crm.core import time as clock
from crm.core.errors import DomainError
from crm.extensions import db
from crm.meetings import mailing, services
from crm.meetings.models import InvitationMessage, Invitee

BASE = "https://crm.lag-spessart.de"


class Inbox:
    """Takes every message; refuses the addresses in `refuse` with 550 at RCPT, as a real server does."""

    def __init__(self):
        self.messages = []  # (envelope recipients, parsed message, connection's peer)
        self.refuse = set()
        self.raw = []  # the bytes as they came

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope, *args):
        self.raw.append(envelope.content)
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default),
                              session.peer))
        return "250 OK"

    def wait_for(self, count: int) -> list:
        for _ in range(100):
            if len(self.messages) >= count:
                break
            time.sleep(0.02)
        return self.messages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _use_server(app, monkeypatch, port: int) -> None:
    state = Mail.init_mail({**app.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_BACKEND": "smtp",
                            "MAIL_TIMEOUT": 5})
    monkeypatch.setitem(app.extensions, "mailman", state)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")


@pytest.fixture
def smtp(app, monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), enable_SMTPUTF8=True)
    controller.start()
    _use_server(app, monkeypatch, controller.port)
    yield inbox
    controller.stop()


@pytest.fixture
def request_ctx(app):
    with app.test_request_context(base_url=BASE):
        yield


@pytest.fixture
def meeting(make_meeting, request_ctx, make_user):
    """A LAG session five weeks ahead (well before the Ladungsfrist), with an agenda and an organiser."""
    organiser = make_user(username="keller", email="keller@lag-spessart.de", full_name="Anna Keller")
    starts = (clock.utcnow() + timedelta(days=35)).replace(hour=17, minute=0, second=0, microsecond=0)
    m = make_meeting(starts_at=starts, ends_at=starts + timedelta(hours=2))
    m.organiser_id = organiser.id
    services.save_agenda_item(m, None, {"title": "Begrüßung und Feststellung der Beschlussfähigkeit"})
    services.save_agenda_item(m, None, {"title": "Förderantrag „Dorfladen Müller & Söhne“", "needs_vote": True})
    db.session.commit()
    return m


def calendar_parts(message):
    """(the text/calendar alternative, the invite.ics attachment) as bytes."""
    alternative = attachment = None
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            alternative = part
        elif part.get_filename() == "invite.ics":
            attachment = part
    return alternative, attachment


def as_utc(value):
    """SQLite hands back naive UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def by_recipient(inbox, address):
    return next(m for rcpts, m, _peer in inbox.messages if rcpts == [address])


def test_invitation_walk_update_and_cancel(meeting, lag, smtp):
    invitees = services.invitees_of(meeting)
    assert len(invitees) == 30  # 24 members, 6 deputies
    report = mailing.send(meeting, "invitation", actor=None)
    db.session.commit()
    assert (report.sent, report.failed, report.letter) == (26, 0, 4)
    assert {i.person.last_name for i in report.letter_invitees} == {p.last_name for p in lag.without_email}
    smtp.wait_for(26)
    assert len(smtp.messages) == 26
    assert len({peer for _r, _m, peer in smtp.messages}) == 1, "one SMTP connection for the whole run"

    # a mayor: "Sehr geehrter Herr Bürgermeister,", his own link, time, place and agenda in German
    doering = next(i for i in invitees if i.person.last_name == "Döring")
    rcpts = ["döring1@example.org"]
    message = by_recipient(smtp, rcpts[0])  # the envelope has the real address (SMTPUTF8), not an encoded word
    assert message["Subject"].strip().startswith("Einladung: Sitzung des LAG-Entscheidungsgremiums am ")
    assert message.get_content_type() == "multipart/mixed"
    alternative_part = message.get_payload()[0]
    assert alternative_part.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative_part.get_payload()] == ["text/plain", "text/calendar"]
    text = text_of(message)
    assert text.startswith("Sehr geehrter Herr Bürgermeister,\n")
    assert f"{BASE}/antwort/{doering.token}" in text
    assert "Markt Kleinwallstadt, Marktplatz 1, 63839 Kleinwallstadt; Sitzungssaal" in text
    assert "2. Förderantrag „Dorfladen Müller & Söhne“" in text
    from babel.dates import format_date

    from crm.core.formatting import to_berlin
    assert format_date(to_berlin(meeting.starts_at).date(), "EEEE, d. MMMM y", locale="de") in text
    assert "18:00 bis 20:00 Uhr" in text or "19:00 bis 21:00 Uhr" in text
    assert "Anna Keller" in text
    heß = by_recipient(smtp, "heß0@example.org")
    assert text_of(heß).startswith("Sehr geehrte Frau Bürgermeisterin,")

    # the calendar: as alternative with method=REQUEST and as invite.ics, identical
    alternative, attachment = calendar_parts(message)
    assert alternative.get_param("method") == "REQUEST" and alternative.get_content_charset() == "utf-8"
    assert b"; method=REQUEST" in smtp.raw[0]  # unquoted, as Google and Outlook write it
    assert attachment.get_content_disposition() == "attachment"
    ics = alternative.get_payload(decode=True)
    assert attachment.get_payload(decode=True) == ics
    cal = icalendar.Calendar.from_ical(ics)
    vcal = vobject.readOne(ics.decode("utf-8"))
    event = cal.walk("VEVENT")[0]
    assert cal["METHOD"] == "REQUEST" and vcal.method.value == "REQUEST"
    assert str(event["UID"]) == meeting.uid and vcal.vevent.uid.value == meeting.uid
    assert event["SEQUENCE"] == 0
    assert as_utc(event.decoded("DTSTART")) == as_utc(meeting.starts_at)
    assert str(event["URL"]) == f"{BASE}/antwort/{doering.token}"
    attendees = event["ATTENDEE"]
    assert len(attendees) == 26 and len(vcal.vevent.contents["attendee"]) == 26
    roles = {str(a).removeprefix("mailto:"): a.params for a in attendees}
    assert roles["döring1@example.org"]["ROLE"] == "REQ-PARTICIPANT"
    assert roles["vertreter1@example.org"]["ROLE"] == "OPT-PARTICIPANT"
    assert all(p["RSVP"] == "TRUE" and p["PARTSTAT"] == "NEEDS-ACTION" for p in roles.values())
    assert str(event["ORGANIZER"]) == "mailto:keller@lag-spessart.de"
    assert "Förderantrag „Dorfladen Müller & Söhne“" in vcal.vevent.description.value

    rows = db.session.scalars(db.select(InvitationMessage)).all()
    assert sorted(r.status for r in rows) == ["letter"] * 4 + ["sent"] * 26
    assert all(r.sequence == 0 and r.kind == "invitation" for r in rows)

    # invited already: a second run reaches nobody
    assert mailing.send(meeting, "invitation").total == 0

    # change: one hour later, same UID, SEQUENCE 1, to everyone written to
    smtp.messages.clear()
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    report = mailing.send(meeting, "update", text=mailing.update_text(meeting, "Wir beginnen eine Stunde später."))
    db.session.commit()
    assert (report.sent, report.letter) == (26, 4)
    update = by_recipient(smtp.wait_for(26) and smtp, "döring1@example.org")
    assert update["Subject"].strip().startswith("Geändert: ")
    assert "Wir beginnen eine Stunde später." in text_of(update)
    event = icalendar.Calendar.from_ical(calendar_parts(update)[0].get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["UID"]) == meeting.uid and event["SEQUENCE"] == 1 and meeting.sequence == 1
    assert as_utc(event.decoded("DTSTART")) == as_utc(meeting.starts_at)

    # cancellation: METHOD:CANCEL, STATUS:CANCELLED, same UID, SEQUENCE 2, the reason in the text
    smtp.messages.clear()
    with pytest.raises(DomainError):
        mailing.cancel(meeting, "  ")
    report = mailing.cancel(meeting, "Die Förderrichtlinie ist noch nicht veröffentlicht.")
    db.session.commit()
    assert report.sent == 26 and meeting.status == "cancelled" and meeting.sequence == 2
    cancel = by_recipient(smtp.wait_for(26) and smtp, "döring1@example.org")
    assert cancel["Subject"].strip().startswith("Abgesagt: ")
    assert "Die Förderrichtlinie ist noch nicht veröffentlicht." in text_of(cancel)
    alternative, attachment = calendar_parts(cancel)
    assert alternative.get_param("method") == "CANCEL"
    ics = alternative.get_payload(decode=True)
    cal = icalendar.Calendar.from_ical(ics)
    event = cal.walk("VEVENT")[0]
    assert cal["METHOD"] == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == meeting.uid and event["SEQUENCE"] == 2
    assert vobject.readOne(ics.decode()).vevent.status.value == "CANCELLED"
    with pytest.raises(DomainError):
        mailing.send(meeting, "update")  # nothing more for a cancelled meeting


def test_a_refused_recipient_fails_alone_and_is_the_only_one_sent_again(meeting, smtp):
    smtp.refuse.add("schäfer3@example.org")
    report = mailing.send(meeting, "invitation")
    db.session.commit()
    assert (report.sent, report.failed, report.letter) == (25, 1, 4)
    assert report.failures[0].name == "Anna Schäfer" and report.failures[0].reason.startswith("550 5.1.1")
    assert len(smtp.wait_for(25)) == 25
    failed = db.session.scalar(db.select(InvitationMessage).where(InvitationMessage.status == "failed"))
    assert failed.recipient == "schäfer3@example.org"
    assert "550" in failed.error and "User unknown" in failed.error and failed.attempts == 1
    assert mailing.failed_count(meeting) == 1

    smtp.refuse.clear()  # the mailbox is fixed
    report = mailing.retry_failed(meeting)
    db.session.commit()
    assert (report.sent, report.failed) == (1, 0)
    smtp.wait_for(26)
    time.sleep(0.1)
    assert len(smtp.messages) == 26, "the server receives exactly one more message"
    assert smtp.messages[-1][0] == ["schäfer3@example.org"]
    db.session.refresh(failed)
    assert (failed.status, failed.error, failed.attempts) == ("sent", "", 2)
    assert db.session.scalar(db.select(db.func.count()).select_from(InvitationMessage)) == 30
    with pytest.raises(DomainError):
        mailing.retry_failed(meeting)  # nothing failed any more: nobody gets it twice


def test_a_server_without_smtputf8_refuses_only_the_umlaut_addresses(app, monkeypatch, meeting):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), enable_SMTPUTF8=False)
    controller.start()
    try:
        _use_server(app, monkeypatch, controller.port)
        report = mailing.send(meeting, "invitation")
        ascii_addresses = {"fuchs8@example.org", "seidl17@example.org"} | {
            f"vertreter{n}@example.org" for n in range(1, 7)}
        assert report.sent == len(ascii_addresses) and report.failed == 26 - len(ascii_addresses)
        assert "SMTPUTF8" in report.failures[0].reason
        inbox.wait_for(len(ascii_addresses))
        assert {r[0] for r, _m, _p in inbox.messages} == ascii_addresses
    finally:
        controller.stop()


def test_an_unreachable_server_fails_every_message_with_the_reason(app, monkeypatch, meeting):
    _use_server(app, monkeypatch, _free_port())  # nobody listens
    report = mailing.send(meeting, "invitation")
    assert (report.sent, report.failed, report.letter) == (0, 26, 4)
    assert "cannot be reached" in report.failures[0].reason or "nicht erreichbar" in report.failures[0].reason
    assert db.session.scalar(db.select(db.func.count()).select_from(InvitationMessage)
                             .where(InvitationMessage.status == "failed")) == 26


def test_ladungsfrist_needs_a_confirmation(make_meeting, request_ctx, smtp):
    starts = (clock.utcnow() + timedelta(days=3)).replace(microsecond=0)  # 7 days' period: late
    meeting = make_meeting(starts_at=starts, ends_at=starts + timedelta(hours=2))
    assert services.is_late(meeting)
    with pytest.raises(DomainError) as refused:
        mailing.send(meeting, "invitation")
    assert refused.value.field == "confirm_late"
    db.session.rollback()
    assert smtp.messages == [] and db.session.scalar(
        db.select(db.func.count()).select_from(InvitationMessage)) == 0
    assert meeting.late_confirmed_at is None

    report = mailing.send(meeting, "invitation", confirmed_late=True)
    db.session.commit()
    assert report.sent == 26 and meeting.late_confirmed_at is not None
    assert len(smtp.wait_for(26)) == 26


def test_unknown_merge_field_sends_nothing(meeting, smtp):
    with pytest.raises(DomainError) as error:
        mailing.send(meeting, "invitation", text="{Briefanrede}\n\n{Lieblingsfarbe}")
    assert "Lieblingsfarbe" in error.value.message and error.value.field == "text"
    assert smtp.messages == []


def test_personal_text_uses_the_merge_fields_of_letters(meeting, smtp):
    text = "{Briefanrede}\n\nliebe Grüße an {Organisation}, {Ort}. Schreiben Sie an {E-Mail}."
    mailing.send(meeting, "invitation", text=text)
    message = by_recipient(smtp.wait_for(26) and smtp, "jäger9@example.org")
    body = text_of(message)
    assert body.startswith("Sehr geehrte Frau Jäger,\n\nliebe Grüße an Verein Jäger e.V., Miltenberg. "
                           "Schreiben Sie an jäger9@example.org.")


def test_poll_mail_carries_the_poll_link_and_no_calendar(make_meeting, request_ctx, smtp):
    meeting = make_meeting()
    meeting.starts_at = meeting.ends_at = None
    meeting.poll_status = "open"
    db.session.commit()
    report = mailing.send(meeting, "poll")
    assert report.sent == 26
    message = smtp.wait_for(26)[0][1]
    invitee = db.session.scalar(db.select(Invitee).where(Invitee.person.has(last_name="Heß")))
    heß = by_recipient(smtp, "heß0@example.org")
    assert f"{BASE}/umfrage/{invitee.token}" in text_of(heß)
    assert all(calendar_parts(m) == (None, None) for _r, m, _p in smtp.messages)
    assert message["Subject"].strip().startswith("Terminumfrage: ")
