"""Who a meeting invites: the body's members on the day, their deputies informed, guests added by hand."""
from datetime import date, datetime, timezone

from crm.extensions import db
from crm.meetings import services
from crm.meetings.models import Invitee

from .conftest import DEPUTIES, SEATS, WITHOUT_EMAIL


def test_a_body_meeting_invites_the_members_on_its_day_and_their_deputies(lag, make_meeting):
    from crm.network.models import Seat

    # one member left the body before the meeting, one joins only after it
    gone = db.session.scalar(db.select(Seat).where(Seat.person_id == lag.members[10].id))
    gone.valid_to = date(2027, 2, 28)
    db.session.commit()
    meeting = make_meeting(starts_at=datetime(2027, 3, 18, 17, 0, tzinfo=timezone.utc))
    invitees = services.invitees_of(meeting)
    members = [i for i in invitees if i.role == "member"]
    deputies = [i for i in invitees if i.role == "deputy"]
    assert len(members) == SEATS - 1 and all(i.voting for i in members)
    assert lag.members[10].id not in {i.person_id for i in invitees}
    assert len(deputies) == DEPUTIES and not any(i.voting for i in deputies)
    assert {i.deputy_for_id for i in deputies} == {p.id for p in lag.members[:DEPUTIES]}
    # who has no e-mail address gets a letter; everyone else an e-mail
    letters = {i.person_id for i in invitees if i.channel == "letter"}
    assert letters == {p.id for p in lag.without_email}
    assert len(letters) == WITHOUT_EMAIL
    # personal links are unique and long
    tokens = [i.token for i in invitees]
    assert len(set(tokens)) == len(tokens) and min(len(t) for t in tokens) >= 30
    # inviting again adds nobody twice
    assert services.invite_body_members(meeting) == 0


def test_guests_from_persons_organisations_and_objections(lag, make_meeting, make_person, make_org, make_function):
    meeting = make_meeting(body=False, title="Netzwerktreffen Tourismus", kind="network")
    assert services.invitees_of(meeting) == []
    objecting = make_person(last_name="Nein", first_name="Nora", contact_objection=True)
    guest = make_person(last_name="Gast", first_name="Gustav", email="gast@example.org")
    empty = make_org("Leerer Verein")
    result = services.invite(meeting, person_ids=[guest.id, objecting.id, lag.members[0].id],
                             organisation_ids=[lag.members[9].affiliations[0].organisation_id, empty.id])
    db.session.commit()
    names = {i.person.full_name for i in services.invitees_of(meeting)}
    assert guest.full_name in names and lag.members[0].full_name in names and lag.members[9].full_name in names
    assert objecting.full_name not in names
    assert result.added == 3
    assert any("Nora Nein" in line for line in result.left_out)
    assert any("Leerer Verein" in line for line in result.left_out)
    assert db.session.scalar(db.select(db.func.count()).select_from(Invitee)) == 3


def test_an_end_before_the_start_is_refused_and_nothing_is_saved(lag):
    import pytest

    from crm.core.errors import DomainError
    from crm.meetings.models import Meeting

    start = datetime(2027, 3, 18, 17, 0, tzinfo=timezone.utc)
    with pytest.raises(DomainError) as error:
        services.save_meeting(None, {"title": "Falsch", "starts_at": start, "ends_at": start.replace(hour=16)})
    assert "nach dem Beginn" in str(error.value.message) or "after the start" in str(error.value.message)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Meeting)) == 0
