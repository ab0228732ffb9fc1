"""Real list sizes through the pages: a 140-row Excel list and a 1,000-row CSV from German Excel
go through upload, column assignment, preview (several pages), choices per row and per field,
commit and undo; known contacts keep their good data (issue 8)."""
import io
import re

from sqlalchemy import func, select

from crm.contacts.models import Affiliation, Organisation, Person
from crm.extensions import db
from crm.imports.fields import organisation_key
from crm.imports.models import ImportBatch, ImportRow
from tests.imports import listgen


def upload(client, data, name):
    return client.post("/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def html(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def run_through_mapping(client, data, name):
    response = upload(client, data, name)
    assert response.status_code == 302 and "/spalten" in response.headers["Location"], html(response)[:2000]
    page = html(client.get(response.headers["Location"]))
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    # the suggested assignment, as the page shows it selected
    form = {f"col-{i}": target for i, target in
            re.findall(r'name="col-(\d+)"[^>]*>(?:(?!</select>).)*?<option value="(\w+)" selected', page, re.S)}
    assert form["col-3"] == "last_name" and form["col-5"] == "organisation"
    response = client.post(f"/import/{batch.id}/spalten", data=form)
    assert response.status_code == 302 and "/vorschau" in response.headers["Location"]
    return batch, page


def rows_of(batch):
    return db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id)
                              .order_by(ImportRow.position)).all()


def check_known_contacts_unharmed(seeded):
    db.session.expire_all()
    for person, (last, first, *_rest) in zip(seeded.persons, listgen.PERSONS):
        person = db.session.get(Person, person.id)
        assert person.last_name == last, (person.last_name, last)  # "Heß" never becomes "Hess"
        assert person.first_name == first
        assert person.degree == ""
        assert person.street and person.city == "Aschaffenburg"  # the address stays whole
        current = [a for a in person.affiliations if a.is_current]
        assert len(current) == 1  # no extra "(keine Funktion)" entry at the same organisation
        aff = current[0]
        assert aff.street and aff.postcode and aff.city, (aff.street, aff.postcode, aff.city)
    for org, (name, *_rest) in zip(seeded.organisations, listgen.ORGANISATIONS):
        # the list's spelling of a known organisation created no second one
        same = [o for o in db.session.scalars(select(Organisation)) if organisation_key(o.name) == organisation_key(name)]
        assert [o.id for o in same] == [org.id], name


def test_140_row_excel_list_through_every_page(client, login, session):
    seeded = listgen.seed_contacts(session)
    persons_before, orgs_before = count(Person), count(Organisation)
    login("staff")
    data = listgen.xlsx_bytes(listgen.make_rows(140))
    batch, mapping_page = run_through_mapping(client, data, "Wirtschaftsförderung Adressen.xlsx")

    # three preview pages, each with working pager links (they need the batch id)
    first = html(client.get(f"/import/{batch.id}/vorschau"))
    assert f"/import/{batch.id}/vorschau?page=2" in first.replace("&amp;", "&")
    for number in (2, 3):
        page = html(client.get(f"/import/{batch.id}/vorschau?page={number}"))
        assert f'id="row-{(number - 1) * 50 + 1}"' in page
    assert "140" in first

    rows = rows_of(batch)
    assert len(rows) == 140
    # the known persons: strong matches, proposed as updates, at the existing organisation
    known = [r for r in rows if r.position % 10 == 4]
    assert known and all(r.action == "update" for r in known), [(r.position, r.matches) for r in known]
    assert all(r.data.get("organisation_id") for r in known)
    # the field comparison on the preview: "Heß" stays, the incomplete address stays
    assert "nur die Schreibweise weicht ab" in first
    assert "die Anschrift in der Datei ist unvollständig" in first
    assert "Was die Aktualisierung ändert" in first

    # choices: one row skipped, one field taken from the file
    skipped = next(r for r in rows if r.action == "create")
    with_notes = next(r for r in known if r.data.get("notes"))
    same_person = [r for r in known if r.target_id == with_notes.target_id and r.data.get("notes")]
    response = client.post(f"/import/{batch.id}/vorschau", data={
        f"action-{skipped.id}": "skip", "save": "1", **{f"field-{r.id}-notes": "old" for r in same_person}})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ImportRow, skipped.id).action == "skip"
    assert db.session.get(ImportRow, with_notes.id).data["field_choices"] == {"notes": "old"}
    assert count(Person) == persons_before  # nothing imported yet

    response = client.post(f"/import/{batch.id}/vorschau", data={"commit": "1"})
    assert response.status_code == 302
    detail = html(client.get(response.headers["Location"]))
    assert "Import abgeschlossen" in detail and "nichts gespeichert" not in detail
    for number in (2, 3):
        assert f'<td>{(number - 1) * 50 + 1}</td>' in html(client.get(f"/import/{batch.id}?page={number}"))
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch.id)
    counts = batch.counts
    created_rows = sum(1 for r in rows_of(batch) if r.action == "create")
    assert counts["created"] == created_rows == count(Person) - persons_before
    assert counts["updated"] + counts.get("unchanged", 0) == len(known)
    check_known_contacts_unharmed(seeded)
    assert db.session.get(Person, with_notes.target_id).notes == ""  # "keep the current value" was chosen
    # new organisations: one per organisation, however the list wrote its legal form
    new_orgs = count(Organisation) - orgs_before
    assert new_orgs == len({organisation_key(n) for n in listgen.NEW_ORGS if
                            any(organisation_key(r.data.get("organisation", "")) == organisation_key(n)
                                for r in rows_of(batch) if r.action == "create")})

    response = client.post(f"/import/{batch.id}/rueckgaengig")
    assert response.status_code == 302
    assert count(Person) == persons_before and count(Organisation) == orgs_before
    check_known_contacts_unharmed(seeded)


def test_1000_row_cp1252_csv_through_every_page(client, login, session):
    seeded = listgen.seed_contacts(session)
    persons_before, orgs_before = count(Person), count(Organisation)
    affiliations_before = count(Affiliation)
    login("staff")
    data = listgen.csv_bytes(listgen.make_rows(1000))
    batch, mapping_page = run_through_mapping(client, data, "Export Excel.csv")
    assert "Windows-1252 (westeuropäisch" in mapping_page and "Semikolon" in mapping_page
    assert "Strauß" in mapping_page or "Süß" in mapping_page or "Bäcker" in mapping_page

    first = html(client.get(f"/import/{batch.id}/vorschau"))
    assert "1.000" in first  # German number format
    for number in (2, 10, 20):
        html(client.get(f"/import/{batch.id}/vorschau?page={number}"))
    for show in ("duplicates", "problems", "update", "skip"):
        html(client.get(f"/import/{batch.id}/vorschau?show={show}"))
    rows = rows_of(batch)
    errors = [r for r in rows if r.errors]
    assert errors and all(r.action == "skip" for r in errors)
    known = [r for r in rows if r.position % 10 == 4]
    assert all(r.action == "update" for r in known)
    # in one row the user prefers the file's spelling of the first name
    chosen = next(r for r in known if r.data["first_name"] != listgen.PERSONS[(r.position // 10) % 8][1])
    client.post(f"/import/{batch.id}/vorschau", data={f"field-{chosen.id}-first_name": "new", "save": "1"})

    response = client.post(f"/import/{batch.id}/vorschau", data={"commit": "1"})
    assert response.status_code == 302
    detail = html(client.get(response.headers["Location"]))
    assert "Import abgeschlossen" in detail
    html(client.get(f"/import/{batch.id}?page=20"))
    db.session.expire_all()
    target = db.session.get(Person, chosen.target_id)
    assert target.first_name == chosen.data["first_name"]  # chosen per field
    target.first_name = listgen.PERSONS[(chosen.position // 10) % 8][1]  # back, for the check below
    db.session.commit()
    check_known_contacts_unharmed(seeded)
    counts = db.session.get(ImportBatch, batch.id).counts
    assert counts["created"] == count(Person) - persons_before > 800
    assert counts["skipped"] == len(errors)
    assert count(Organisation) - orgs_before <= len(listgen.NEW_ORGS)

    # a second commit (another tab) changes nothing
    response = client.post(f"/import/{batch.id}/vorschau", data={"commit": "1"})
    assert response.status_code == 302
    assert counts["created"] == count(Person) - persons_before

    client.post(f"/import/{batch.id}/rueckgaengig")
    assert count(Person) == persons_before and count(Organisation) == orgs_before
    assert count(Affiliation) == affiliations_before
