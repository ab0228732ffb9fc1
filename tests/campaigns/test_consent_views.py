"""The office records a consent given on paper or by phone and a withdrawal on the person page; the admin
saves a new version of the consent text, which the public sign-up then shows."""
import re
from datetime import date, timedelta

from crm.campaigns import consent
from crm.campaigns.models import Consent, ConsentWording
from crm.core import time as clock
from crm.core.audit import AuditLog
from crm.core.formatting import to_berlin
from crm.extensions import db


def consents(person):
    db.session.expire_all()
    return db.session.scalars(db.select(Consent).where(Consent.person_id == person.id)).all()


def test_staff_records_a_paper_consent_and_a_withdrawal(client, login, make_person):
    person = make_person("Papier", "Paula", email="paula@example.org")
    user = login("staff", full_name="Sabine Büro")
    page = client.get(f"/personen/{person.id}")
    html = page.get_data(as_text=True)
    assert "Keine Einwilligung erfasst." in html and f"/personen/{person.id}/einwilligungen/neu" in html

    form = client.get(f"/personen/{person.id}/einwilligungen/neu?zweck=photos")
    assert form.status_code == 200 and re.search(r'<option[^>]*selected[^>]*value="photos"|<option[^>]*value="photos"[^>]*selected', form.get_data(as_text=True))
    version = consent.current_wording("newsletter")[0]
    response = client.post(f"/personen/{person.id}/einwilligungen/neu", data={
        "purpose": "newsletter", "channel": "paper", "given_on": "2026-11-12", "wording_version": version,
        "note": "Formular im Ordner Newsletter 2026"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/personen/{person.id}#consents")
    (row,) = consents(person)
    assert (row.status, row.requested_via, row.wording_version, row.recorded_by, row.confirmed_ip) == (
        "confirmed", "paper", version, user.display_name, "")
    assert row.wording_text == consent.current_wording("newsletter")[1], "the text of that version is kept"
    assert to_berlin(row.confirmed_at).date() == date(2026, 11, 12)
    assert consent.email_blocks([person.id], "newsletter") == {}

    html = client.get(f"/personen/{person.id}").get_data(as_text=True)
    section = html[html.index('id="consents"'):]
    section = section[:section.index("</section>")]
    for text in ("bestätigt", "auf Papier", f"Version {version}", "Sabine Büro", "Formular im Ordner Newsletter 2026",
                 "Widerruf erfassen"):
        assert text in section, text

    response = client.post(f"/einwilligungen/{row.id}/widerrufen", data={"note": "Anruf am 02.12."})
    assert response.status_code == 302
    (row,) = consents(person)
    assert (row.status, row.withdrawn_via, row.note) == ("withdrawn", "staff", "Anruf am 02.12.")
    assert consent.email_blocks([person.id], "newsletter")[person.id].startswith("Einwilligung widerrufen am ")
    # a second withdrawal says so and changes nothing
    client.post(f"/einwilligungen/{row.id}/widerrufen", data={})
    html = client.get(f"/personen/{person.id}").get_data(as_text=True)
    assert "bereits am" in html and consents(person)[0].note == "Anruf am 02.12."
    timeline = html[html.index('id="timeline"'):]
    assert "Einwilligung bestätigt" in timeline and "Einwilligung widerrufen" in timeline and "vom Büro erfasst" in timeline
    changes = db.session.scalars(db.select(AuditLog).where(AuditLog.entity_type == "consent",
                                                           AuditLog.entity_id == row.id)).all()
    assert [c.action for c in changes][:1] == ["create"] and len(changes) >= 2, "the history keeps every state"


def test_bad_input_on_the_record_form_saves_nothing(client, login, make_person):
    person = make_person("Zukunft", "Zora")
    login("staff")
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = client.post(f"/personen/{person.id}/einwilligungen/neu", data={
        "purpose": "newsletter", "channel": "phone", "given_on": tomorrow, "wording_version": "2026-12"})
    assert response.status_code == 200 and "Das Datum liegt in der Zukunft." in response.get_data(as_text=True)
    response = client.post(f"/personen/{person.id}/einwilligungen/neu", data={
        "purpose": "newsletter", "channel": "phone", "given_on": "", "wording_version": ""})
    html = response.get_data(as_text=True)
    assert "Bitte geben Sie das Datum der Einwilligung an." in html
    assert "Bitte geben Sie die Version des Texts an, dem die Person zugestimmt hat." in html
    response = client.post(f"/personen/{person.id}/einwilligungen/neu", data={
        "purpose": "spam", "channel": "fax", "given_on": "2026-11-01", "wording_version": "1"})
    assert response.status_code == 200 and consents(person) == []


def test_a_viewer_sees_the_proof_but_no_buttons(client, login, make_person):
    person = make_person("Nurlesen", "Nina", email="nina@example.org")
    db.session.add(Consent(person=person, purpose="photos", status="confirmed", requested_via="in_person",
                           wording_version="Fotoerlaubnis 2026", confirmed_at=clock.utcnow()))
    db.session.commit()
    login("viewer")
    html = client.get(f"/personen/{person.id}").get_data(as_text=True)
    section = html[html.index('id="consents"'):]
    section = section[:section.index("</section>")]
    assert "Fotos" in section and "Version Fotoerlaubnis 2026" in section and "persönlich" in section
    assert "Einwilligung erfassen" not in section and "Widerruf erfassen" not in section


def test_admin_saves_a_new_wording_version_shown_by_the_sign_up(client, login):
    login("admin")
    page = client.get("/einwilligungen/texte")
    assert page.status_code == 200 and "Einwilligungstexte" in page.get_data(as_text=True)
    response = client.post("/einwilligungen/texte", data={"purpose": "newsletter", "version": "2027-02",
                                                          "text": "Neuer Text für den Newsletter."})
    assert response.status_code == 302
    assert consent.current_wording("newsletter") == ("2027-02", "Neuer Text für den Newsletter.")
    again = client.post("/einwilligungen/texte", data={"purpose": "newsletter", "version": "2027-02",
                                                       "text": "Anders."})
    assert "gibt es schon" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ConsentWording.id))) == 1
    html = client.get("/newsletter").get_data(as_text=True)
    assert "Neuer Text für den Newsletter." in html and "2027-02" in html


def test_merging_two_persons_keeps_the_consent_and_its_block(make_person):
    from crm.duplicates.merge import merge_records

    keep = make_person("Doppelt", "Dora", email="dora@example.org")
    other = make_person("Doppelt", "Dora", email="dora.d@example.org")
    db.session.add(Consent(person=other, purpose="newsletter", status="confirmed", requested_via="signup",
                           wording_version="2026-12", confirmed_at=clock.utcnow(), confirmed_ip="192.0.2.9"))
    db.session.add(Consent(person=keep, purpose="photos", status="withdrawn", withdrawn_at=clock.utcnow(),
                           withdrawn_via="staff"))
    db.session.commit()
    merge_records("person", keep.id, other.id, {})
    db.session.commit()
    rows = {c.purpose: c for c in consents(keep)}
    assert set(rows) == {"newsletter", "photos"} and rows["newsletter"].confirmed_ip == "192.0.2.9"
    assert consent.email_blocks([keep.id], "newsletter") == {}
    assert consent.email_blocks([keep.id], "photos")[keep.id].startswith("Einwilligung widerrufen am ")
