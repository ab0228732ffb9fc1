"""A mail merge in a real browser, as the week in journeys.md has it: the office has the Verteiler
"first mayors in the district + chairs of the working groups", uploads the Word Serienbrief it has
always used, writes the letter from it to the Verteiler, checks who is left out, and downloads the
.docx: one letter per recipient. Then address labels for the same list."""
import io
import re

import pytest
from docx import Document
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NAME = "Bürgermeister im Landkreis und AK-Vorsitz (Brief)"


def _verteiler(live_server) -> dict:
    """The Verteiler (once) and how many letters it must give: its persons minus objections and
    those without postal address, counted here by hand from the contacts themselves."""
    from sqlalchemy import select

    from crm.contacts.models import FunctionTitle, Organisation, Person
    from crm.extensions import db
    from crm.segments import facets, services
    from crm.segments.models import Segment

    with live_server.app.app_context():
        try:
            mayor = db.session.scalar(select(FunctionTitle).where(FunctionTitle.name_male == "Erster Bürgermeister"))
            district = db.session.scalar(select(Organisation).where(Organisation.kind == "district"))
            tree = {"op": "or", "items": [
                {"op": "and", "items": [{"facet": "function", "values": [mayor.id]},
                                        {"facet": "district", "values": [district.ags[:5]]}]},
                {"facet": "body_kind", "values": ["working_group"], "roles": ["chair"]}]}
            segment = db.session.scalar(select(Segment).where(Segment.name == NAME))
            if segment is None:
                segment = services.save_segment(None, {"name": NAME, "kind": "dynamic", "filter": tree})
                db.session.commit()
            ids = [p.id for p in db.session.scalars(select(Person).where(facets.persons_clause(tree)))]
            letters = 0
            for person in db.session.scalars(select(Person).where(Person.id.in_(ids))):
                affiliation = person.primary_affiliation  # the business address of the first function
                if affiliation is None or person.contact_objection:
                    continue
                org = affiliation.organisation
                own = bool(affiliation.street or affiliation.city)
                street = affiliation.street if own else (org.street or org.po_box)
                city = affiliation.city if own else org.city
                letters += bool(street and city)
            return {"id": segment.id, "persons": len(ids), "letters": letters}
        finally:
            db.session.remove()


def test_office_writes_a_mail_merge_from_its_word_template(page, live_server, log_in, shot, screenshot_dir,
                                                            tmp_path):
    from tests.interop.word_files import serienbrief

    expected = _verteiler(live_server)
    assert expected["letters"] >= 20
    log_in("staff")

    # the Word template the office has always used (fields split over runs, as Word writes them)
    template_file = tmp_path / "Einladung Regionalforum.docx"
    template_file.write_bytes(serienbrief())
    page.goto("/briefe")
    page.click("a.nav-link[href$='/briefe/vorlagen']")
    page.fill("#name", "Einladung Regionalforum")
    page.set_input_files("#file", str(template_file))
    page.click("main form[enctype] button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Vorlage „Einladung Regionalforum“ gespeichert")
    expect(page.locator("table.letter-templates")).to_contain_text("Briefanrede")

    # from the Verteiler's page to the letter form
    page.goto(f"/verteiler/{expected['id']}")
    page.click(f"a[href$='/briefe/neu?segment={expected['id']}']")
    expect(page.locator("#segment_id")).to_have_value(str(expected["id"]))
    page.select_option("#template", label="Einladung Regionalforum")
    page.fill("#subject", "Einladung zum Regionalforum 2027")
    page.click("button[name=action][value=preview]")
    expect(page.locator(".letter-preview .card-header")).to_contain_text(f"{expected['letters']} Briefe")
    excluded = expected["persons"] - expected["letters"]
    if excluded:
        expect(page.locator(".letter-preview")).to_contain_text(f"{excluded} Kontakte erhalten keinen Brief")
    for width, height in ((1280, 800), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(screenshot_dir / f"letters-form-{width}x{height}.png"), full_page=True)
        assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.click("button[name=action][value=create]")
    expect(page).to_have_url(re.compile(r"/briefe/\d+$"))
    expect(page.locator(".alert-success")).to_contain_text(f"{expected['letters']} Briefe geschrieben")
    shot("run")
    with page.expect_download() as download:
        page.click("a[href$='/briefe.docx']")
    assert download.value.suggested_filename.endswith(".docx")
    document = Document(io.BytesIO(open(download.value.path(), "rb").read()))
    assert len(document.sections) == expected["letters"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "«" not in text and "Sehr geehrte" in text

    # the same list as address labels, on a sheet whose first three labels are used
    page.goto(f"/verteiler/{expected['id']}")
    page.click(f"a[href$='/briefe/etiketten?segment={expected['id']}']")
    page.fill("#start_position", "4")
    with page.expect_download() as labels:
        page.click("main form.labels-form button[type=submit]")
    sheet = Document(io.BytesIO(open(labels.value.path(), "rb").read())).tables[0]
    cells = [cell.text for row in sheet.rows for cell in row.cells]
    assert cells[:3] == ["", "", ""] and cells[3]
    assert not page.js_errors
