"""Art. 17: the page says what happens first; on confirmation the person is anonymised, nothing
personal is left in the person row or the audit trail, and what reports count stays."""
import json

from sqlalchemy import func, select

from crm.campaigns.campaign_models import CampaignRecipient
from crm.campaigns.models import Consent
from crm.contacts.models import Affiliation, Person
from crm.core.audit import AuditLog
from crm.extensions import db
from crm.interactions.models import Task, interaction_person
from crm.meetings.models import Invitee
from crm.network.models import Seat
from crm.projects.models import Project

PERSONAL = ["Wiesmaier", "Theresia", "theresia.wiesmaier@example.org", "Am Mühlbach", "4960221234", "491701112233",
            "Backt den Kuchen", "Pflegt ihre Mutter", "Mitgliederversammlung", "t.wiesmaier@privat.example",
            "Komme mit dem Rad"]


def _report_counts(subject) -> dict:
    """What reports count: attendance per meeting, interactions per person link, seats per body."""
    return {
        "attended": db.session.scalar(select(func.count()).select_from(Invitee).where(
            Invitee.meeting_id == subject.past_meeting.id, Invitee.attended.is_(True))),
        "interaction_links": db.session.scalar(select(func.count()).select_from(interaction_person)),
        "seats": db.session.scalar(select(func.count()).select_from(Seat).where(Seat.body_id == subject.body.id)),
        "affiliations": db.session.scalar(select(func.count()).select_from(Affiliation)),
    }


def test_page_says_what_happens(subject, client, login):
    login("manager")
    html = client.get(f"/personen/{subject.person.id}/loeschen").get_data(as_text=True)
    for expected in ("Was geschieht", "Offene Anmeldungen: 1", "Regionalforum", "Aktuelle Sitze in Gremien: 1",
                     "Lokale Aktionsgruppe Spessart", "hat den Vorsitz", "Offene Aufgaben: 1",
                     "Rückruf wegen Pflanzaktion", "Noch nicht versandte Kampagnen-Empfänger: 1",
                     "Projekte mit der Person als Träger: 1", "Streuobstwiesen am Main", "Endgültig löschen"):
        assert expected in html, expected


def test_erasure_without_confirmation_changes_nothing(subject, client, login):
    login("manager")
    response = client.post(f"/personen/{subject.person.id}/loeschen", data={}, follow_redirects=True)
    assert "Bitte bestätigen Sie die Löschung" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, subject.person.id).last_name == "Wiesmaier"


def test_erasure_anonymises_and_keeps_the_counts(subject, client, login):
    user = login("manager")
    person_id = subject.person.id
    counts_before = _report_counts(subject)
    found = client.get("/personen?q=Wiesmaier&archived=all").get_data(as_text=True)
    assert f'href="/personen/{person_id}"' in found
    response = client.post(f"/personen/{person_id}/loeschen", data={"confirm": "yes"})
    assert response.status_code == 302
    db.session.expire_all()

    row = db.session.execute(select(Person.__table__).where(Person.__table__.c.id == person_id)).one()
    dumped = json.dumps({k: str(v) for k, v in row._mapping.items()}, ensure_ascii=False)
    assert row.last_name == "Gelöscht" and row.first_name == "" and row.archived_at is not None
    assert row.contact_objection is True
    for value in PERSONAL:
        assert value not in dumped, value
    audit = db.session.scalars(select(AuditLog)).all()
    audit_text = json.dumps([[a.label, a.changes] for a in audit], ensure_ascii=False)
    for value in PERSONAL[:6]:
        at = audit_text.find(value)
        assert at < 0, (value, audit_text[max(0, at - 300):at + 100])
    erase_rows = [a for a in audit if a.action == "erase"]
    assert len(erase_rows) == 1 and erase_rows[0].entity_id == person_id and erase_rows[0].label == "Gelöscht"
    assert erase_rows[0].changes["consents"] == [None, 2]  # kept as a count only

    assert _report_counts(subject) == counts_before
    assert db.session.scalar(select(func.count()).select_from(Consent).where(Consent.person_id == person_id)) == 0
    invitees = db.session.scalars(select(Invitee).where(Invitee.person_id == person_id)).all()
    assert [(i.meeting_id, i.attended, i.rsvp_comment) for i in invitees] == [(subject.past_meeting.id, True, "")]
    seat = db.session.scalar(select(Seat).where(Seat.person_id == person_id))
    assert seat.valid_to is not None
    assert db.session.get(Project, subject.project.id).sponsor_person_id is None
    recipient = db.session.scalar(select(CampaignRecipient).where(CampaignRecipient.person_id == person_id))
    assert (recipient.name, recipient.email, recipient.status) == ("Gelöscht", "", "excluded")
    affiliation = db.session.scalar(select(Affiliation).where(Affiliation.person_id == person_id))
    assert affiliation is not None
    # the interaction text naming her is flagged for review, assigned to whoever erased
    review = db.session.scalars(select(Task).where(Task.interaction_id == subject.interaction.id)).all()
    assert len(review) == 1 and review[0].assignee_id == user.id and review[0].status == "open"
    assert "gelöschte Person" in review[0].title
    # the person page and the search no longer show her (only the flagged interaction text, until reviewed)
    html = client.get(f"/personen/{person_id}").get_data(as_text=True)
    assert "wurde gelöscht" in html and html.count("Wiesmaier") == 1
    for value in PERSONAL[2:]:
        assert value not in html, value
    found = client.get("/personen?q=Wiesmaier&archived=all").get_data(as_text=True)
    assert f'href="/personen/{person_id}"' not in found
    # a second erasure is refused
    again = client.post(f"/personen/{person_id}/loeschen", data={"confirm": "yes"}, follow_redirects=True)
    assert "bereits gelöscht" in again.get_data(as_text=True)


def test_erasure_clears_merge_logs(subject, make_person, client, login):
    from crm.duplicates.merge import merge_records, undo_problem
    from crm.duplicates.models import MergeLog

    login("manager")
    twin = make_person("Wiesmaier", "Resi", email="resi@example.org", notes="Doppelt angelegt")
    log = merge_records("person", subject.person.id, twin.id, {"email": "a"})
    db.session.commit()
    assert "Resi" in json.dumps(log.snapshot, ensure_ascii=False)
    client.post(f"/personen/{subject.person.id}/loeschen", data={"confirm": "yes"})
    db.session.expire_all()
    log = db.session.get(MergeLog, log.id)
    assert (log.winner_label, log.loser_label, log.snapshot, log.fields) == ("Gelöscht", "Gelöscht", {}, {})
    assert undo_problem(log) is not None
    audit_text = json.dumps([[a.label, a.changes] for a in db.session.scalars(select(AuditLog))], ensure_ascii=False)
    assert "Wiesmaier" not in audit_text and "Doppelt angelegt" not in audit_text


def test_staff_may_not_erase(subject, client, login):
    login("staff")
    assert client.get(f"/personen/{subject.person.id}/loeschen").status_code == 403
    assert client.post(f"/personen/{subject.person.id}/loeschen", data={"confirm": "yes"}).status_code == 403


def test_an_erased_person_cannot_be_restored(subject, client, login):
    login("manager")
    person_id = subject.person.id
    client.post(f"/personen/{person_id}/loeschen", data={"confirm": "yes"})
    html = client.get(f"/personen/{person_id}").get_data(as_text=True)
    assert "/wiederherstellen" not in html and "Wiederherstellen" not in html
    response = client.post(f"/personen/{person_id}/wiederherstellen", follow_redirects=True)
    assert "wurde gelöscht (Art. 17 DSGVO) und kann nicht wiederhergestellt werden" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, person_id).archived_at is not None


def test_an_archived_person_can_still_be_restored(subject, client, login):
    login("manager")
    person_id = subject.person.id
    client.post(f"/personen/{person_id}/archivieren")
    assert "/wiederherstellen" in client.get(f"/personen/{person_id}").get_data(as_text=True)
    client.post(f"/personen/{person_id}/wiederherstellen")
    db.session.expire_all()
    assert db.session.get(Person, person_id).archived_at is None
