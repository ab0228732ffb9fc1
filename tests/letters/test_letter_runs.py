"""A mail merge walked to the end as a regional manager does it: a Verteiler of 140 contacts, the
preview with who is left out and why, the letters as one Word file, and the letter on every
recipient's timeline."""
import io
import re
import zipfile
from datetime import date

from docx import Document
from sqlalchemy import func, select

from crm.contacts.salutation import address_block, letter_salutation
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.letters.models import LetterRun


def _token(client, url):
    """The form's one-time token (CSRF is off in tests; tests/auth checks it)."""
    html = client.get(url).get_data(as_text=True)
    return "", re.search(r'data-once-token="([0-9a-f]{32})"', html).group(1)


def _post_run(client, segment_id, action, once=None, **fields):
    csrf, fresh = _token(client, f"/briefe/neu?segment={segment_id}")
    once = once or fresh
    data = {"csrf_token": csrf, "once_token": once, "segment_id": segment_id, "ids": "",
            "rule": "at_organisation", "template": "builtin", "letter_date": "2026-12-02",
            "subject": "Einladung zum Regionalforum", "body": "{Briefanrede}\n\nwir laden Sie herzlich ein.",
            "closing": "Mit freundlichen Grüßen", "signature": "Sabine Keller", "action": action}
    data.update(fields)
    return client.post("/briefe/neu", data=data)


def _all_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                         if n.startswith("word/") and n.endswith(".xml"))


def test_mail_merge_to_a_verteiler_of_140_contacts(client, login, district, fixed_list):
    login("staff")
    preview = _post_run(client, fixed_list.id, "preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "120 Briefe" in html
    assert "20 Kontakte erhalten keinen Brief" in html
    assert "Widerspruch gegen Kontaktaufnahme" in html and "keine Postanschrift" in html
    first = district["letters"][0]
    # the first letters in name order, as they will read: Döring0x0 before Heß0
    assert "Sehr geehrter Herr Döring0x0," in html and "Herrn Gemeinderat" not in html
    assert "Markt Musterhausen 1<br>Herrn Max Döring0x0<br>Rathausplatz 1<br>63820 Musterhausen 1<br>" in html
    assert db.session.scalar(select(func.count()).select_from(LetterRun)) == 0  # a preview writes nothing

    created = _post_run(client, fixed_list.id, "create", once="ab" * 16)
    assert created.status_code == 302
    run = db.session.scalars(select(LetterRun)).one()
    assert run.recipient_count == 120 and run.excluded_count == 20
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Einladung zum Regionalforum" in page and "Alle Gemeinden" in page

    download = client.get(f"/briefe/{run.id}/briefe.docx")
    assert download.status_code == 200
    doc = Document(io.BytesIO(download.data))
    assert len(doc.sections) == 120
    text = _all_text(download.data)
    assert "{Briefanrede}" not in text and "MERGEFIELD" not in text
    for person in district["letters"][:15]:
        affiliation = person.primary_affiliation
        addressee = person.addressee(affiliation)
        assert letter_salutation(addressee) in text
        assert address_block(addressee)[1] in text  # "Frau Erste Bürgermeisterin" / "Herrn Max Döring…"
    assert "Heß0" in text  # never folded to "Hess"
    for person in district["objecting"] + district["no_address"]:
        assert person.last_name not in text

    # the letter is on every recipient's timeline, and on no excluded one's
    interaction = db.session.get(Interaction, run.interaction_id)
    assert interaction.kind == "letter" and interaction.subject == "Brief: Einladung zum Regionalforum"
    assert client.get(f"/personen/{first.id}").get_data(as_text=True).count("Brief: Einladung zum Regionalforum")
    excluded = district["objecting"][0]
    assert "Brief: Einladung" not in client.get(f"/personen/{excluded.id}").get_data(as_text=True)
    db.session.refresh(first)
    assert first.last_contacted_at is not None

    # the same form sent again (back button) makes no second run and no second letter in the history
    again = _post_run(client, fixed_list.id, "create", once="ab" * 16)
    assert again.status_code == 302 and again.headers["Location"] == created.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(LetterRun)) == 1
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 1


def test_a_stored_run_downloads_the_same_document_after_addresses_change(client, login, district, fixed_list):
    login("staff")
    _post_run(client, fixed_list.id, "create")
    run = db.session.scalars(select(LetterRun)).one()
    before = client.get(f"/briefe/{run.id}/briefe.docx").data
    org = district["letters"][0].primary_affiliation.organisation
    org.street = "Neue Straße 9"
    db.session.commit()
    after = client.get(f"/briefe/{run.id}/briefe.docx").data
    assert before == after and "Neue Straße 9" not in _all_text(after)


def test_a_letter_to_one_person_from_her_page(client, login, district):
    person = district["letters"][0]
    login("staff")
    page = client.get(f"/personen/{person.id}").get_data(as_text=True)
    assert f"/briefe/neu?ids=p{person.id}" in page
    form = client.get(f"/briefe/neu?ids=p{person.id}").get_data(as_text=True)
    assert "Empfänger: die in der Liste ausgewählten Kontakte." in form
    csrf, once = _token(client, f"/briefe/neu?ids=p{person.id}")
    response = client.post("/briefe/neu", data={
        "csrf_token": csrf, "once_token": once, "segment_id": 0, "ids": f"p{person.id}", "rule": "at_organisation",
        "template": "builtin", "letter_date": "2026-12-03", "subject": "Rückfrage zum Projekt",
        "body": "{Briefanrede}\n\nbitte rufen Sie mich an.", "closing": "Mit freundlichen Grüßen", "signature": "",
        "action": "create"})
    assert response.status_code == 302
    run = db.session.scalars(select(LetterRun)).one()
    assert run.recipient_count == 1 and run.letter_date == date(2026, 12, 3)
    assert "3. Dezember 2026" in _all_text(run.document)


def test_viewers_see_no_letter_button_and_may_not_write(client, login, district):
    person = district["letters"][0]
    login("viewer")
    assert "/briefe/neu" not in client.get(f"/personen/{person.id}").get_data(as_text=True)
    assert client.get("/briefe/neu").status_code == 403


def test_bad_input_gets_a_german_message_and_writes_nothing(client, login, district, fixed_list):
    login("staff")
    no_list = _post_run(client, 0, "create").get_data(as_text=True)
    assert "Bitte wählen Sie einen Verteiler." in no_list
    unknown = _post_run(client, fixed_list.id, "create", body="{Briefanrede}\n\nIhr {Gehalt} ...").get_data(
        as_text=True)
    assert "{Gehalt}" in unknown and "Unbekannte Seriendruckfelder" in unknown
    no_subject = _post_run(client, fixed_list.id, "create", subject="").get_data(as_text=True)
    assert "Bitte geben Sie einen Betreff ein." in no_subject
    assert db.session.scalar(select(func.count()).select_from(LetterRun)) == 0
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_a_list_where_nobody_can_get_a_letter(client, login, district):
    from crm.segments import services as segments

    segment = segments.save_segment(None, {"name": "Nur Widersprüche", "kind": "fixed"})
    segments.add_members(segment, [p.id for p in district["objecting"]])
    db.session.commit()
    login("staff")
    html = _post_run(client, segment.id, "create").get_data(as_text=True)
    assert "Niemand in dieser Liste kann einen Brief bekommen" in html
    assert db.session.scalar(select(func.count()).select_from(LetterRun)) == 0


def test_letters_to_persons_ticked_in_the_list(client, login, district):
    ticked = district["letters"][:30]
    login("staff")
    response = client.post("/auswahl", data={"kind": "person", "action": "letter",
                                             "ids": [str(p.id) for p in ticked]})
    assert response.status_code == 302
    form_url = response.headers["Location"]
    assert form_url.startswith("/briefe/neu?ids=p")
    html = client.get(form_url).get_data(as_text=True)
    once = re.search(r'data-once-token="([0-9a-f]{32})"', html).group(1)
    ids = re.search(r'id="ids" name="ids" type="hidden" value="([^"]*)"', html).group(1)
    assert ids.count("p") == 30
    created = client.post("/briefe/neu", data={
        "once_token": once, "segment_id": 0, "ids": ids, "rule": "at_organisation", "template": "builtin",
        "letter_date": "2026-12-02", "subject": "Auswahl", "body": "{Briefanrede}", "closing": "Mit freundlichen Grüßen",
        "signature": "", "action": "create"})
    assert created.status_code == 302
    run = db.session.scalars(select(LetterRun)).one()
    assert run.recipient_count == 30 and run.source_label == "Auswahl (30)"
