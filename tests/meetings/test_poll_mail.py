"""The date poll by e-mail: everyone with an address gets their personal link once; a reminder reaches only
who has not answered; the invitees by post are named, their links are on the poll page."""
from crm.extensions import db
from crm.meetings import services
from crm.meetings.models import InvitationMessage
from tests.meetings.test_mailing import smtp  # noqa: F401  (the aiosmtpd fixture)
from tests.meetings.test_polls import _answer_through_links, poll_meeting  # noqa: F401

from .conftest import DEPUTIES, SEATS, WITHOUT_EMAIL


def test_poll_links_by_mail_and_a_reminder_for_those_missing(client, login, poll_meeting, smtp):  # noqa: F811
    login("staff")
    meeting = poll_meeting
    by_mail = SEATS + DEPUTIES - WITHOUT_EMAIL
    page = client.post(f"/termine/{meeting.id}/umfrage/senden", follow_redirects=True).get_data(as_text=True)
    assert f"{by_mail} per E-Mail" in page
    assert f"{WITHOUT_EMAIL} Eingeladene haben keine E-Mail-Adresse" in page
    received = smtp.wait_for(by_mail)
    assert len(received) == by_mail
    tokens = {i.person_id: i.token for i in services.invitees_of(meeting)}
    body = received[0][1].get_body(preferencelist=("plain",)).get_content()
    assert "/umfrage/" in body and any(f"/umfrage/{t}" in body for t in tokens.values())
    # sending again reaches nobody twice
    client.post(f"/termine/{meeting.id}/umfrage/senden")
    assert db.session.scalar(db.select(db.func.count()).select_from(InvitationMessage)
                             .where(InvitationMessage.kind == "poll")) == by_mail

    answered = _answer_through_links(client, meeting, services.invitees_of(meeting))
    smtp.messages.clear()
    client.post(f"/termine/{meeting.id}/erinnern")
    missing_by_mail = [i for i in services.invitees_of(meeting)
                       if i.poll_answered_at is None and i.channel == "email"]
    reminded = smtp.wait_for(len(missing_by_mail))
    assert len(reminded) == len(missing_by_mail) > 0
    answered_addresses = {services.email_of(i.person, i.organisation_id) for i in answered}
    assert not any(set(rcpts) & answered_addresses for rcpts, _m, _p in reminded)
