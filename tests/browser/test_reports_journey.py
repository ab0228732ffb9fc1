"""Journey: the regional manager opens the monitoring page from the "More" menu, sees the charts drawn
(every image loaded), filters by a field of action, tries an end before the start, writes an activity
report with an introduction and downloads it as Word (read back with python-docx). Looked at in 1280
and 1024 pixels wide, without sideways scrolling."""
import io
from datetime import datetime, timedelta, timezone

from docx import Document
from playwright.sync_api import expect

from crm.extensions import db


def _activity(live_server) -> tuple[int, str, int, int]:
    """Talks and advisory sessions of this year in two fields of action; also what earlier tests of the run
    left this year (all and in the first field), which the page counts too."""
    from crm.contacts.models import FieldOfAction, Person
    from crm.core import time as clock
    from crm.interactions.models import Interaction

    with live_server.app.app_context():
        fields = list(db.session.scalars(db.select(FieldOfAction).order_by(FieldOfAction.position)))
        if len(fields) < 2:
            fields = [FieldOfAction(name="Tourismus (Reise)", position=1), FieldOfAction(name="Klima (Reise)",
                                                                                       position=2)]
            db.session.add_all(fields)
        persons = list(db.session.scalars(db.select(Person).order_by(Person.id).limit(10)))
        year = clock.today().year
        this_year = Interaction.occurred_at.between(datetime(year, 1, 2, tzinfo=timezone.utc),
                                                    datetime(year, 12, 30, tzinfo=timezone.utc))
        before = db.session.scalar(db.select(db.func.count()).select_from(Interaction).where(this_year)) or 0
        before_field = sum(1 for i in db.session.scalars(db.select(Interaction).where(this_year))
                           if fields[0].id in {f.id for f in i.fields_of_action})
        start = datetime(year, 1, 15, 9, tzinfo=timezone.utc)
        for i in range(24):
            interaction = Interaction(kind=("talk", "advice", "phone")[i % 3], subject=f"Reise-Gespräch {i}",
                                      occurred_at=start + timedelta(days=13 * i))
            interaction.fields_of_action = [fields[i % 2]]
            interaction.persons = [persons[i % len(persons)]]
            db.session.add(interaction)
        db.session.commit()
        field = (fields[0].id, fields[0].name, before, before_field)
        db.session.remove()
    return field


def _charts_drawn(page) -> int:
    images = page.locator("figure.chart img")
    count = images.count()
    for i in range(count):
        images.nth(i).scroll_into_view_if_needed()
        expect(images.nth(i)).to_be_visible()
    drawn = "Array.from(document.querySelectorAll('figure.chart img')).map(img => img.complete && img.naturalWidth)"
    for _attempt in range(100):  # (wait_for_function evaluates a string: the page's CSP forbids that)
        widths = page.evaluate(drawn)
        if all(widths):
            break
        page.wait_for_timeout(100)
    assert widths and all(w > 0 for w in widths), widths
    return count


def _no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_monitoring_charts_and_word_report(page, live_server, log_in, shot):
    field_id, field_name, before, before_field = _activity(live_server)
    log_in("staff")
    page.click("nav a.dropdown-toggle:has-text('Mehr')")
    page.get_by_role("link", name="Monitoring").click()
    expect(page.get_by_role("heading", name="Kennzahlen")).to_be_visible()
    assert _charts_drawn(page) == 6
    expect(page.locator(".key-figure[data-key=interactions]")).to_contain_text(str(before + 24))
    for width, height in ((1280, 800), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        assert _no_sideways_scrolling(page), width
        shot(f"monitoring-{width}")
    page.set_viewport_size({"width": 1280, "height": 800})

    # a field of action: the figures of that field only
    page.select_option("#f-field", str(field_id))
    page.locator(".monitoring-filter").get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(field_name)
    expect(page.locator(".key-figure[data-key=interactions]")).to_contain_text(str(before_field + 12))
    _charts_drawn(page)
    shot("monitoring-field")
    # the records behind a figure
    page.locator(".key-figure[data-key=interactions]").click()
    expect(page.locator("table")).to_contain_text("Reise-Gespräch 0")
    page.go_back()

    # an end before the start is refused
    page.fill("#f-from", "2026-12-31")
    page.fill("#f-to", "2026-01-01")
    page.locator(".monitoring-filter").get_by_role("button", name="Anzeigen").click()
    expect(page.locator(".alert-danger")).to_have_text("Das Ende des Zeitraums liegt vor seinem Beginn.")
    shot("monitoring-refused")

    # the activity report of this year
    page.goto("/monitoring")
    page.get_by_role("link", name="Neuer Tätigkeitsbericht").click()
    page.get_by_label("Einleitung").fill("Ein Jahr der Beratung.\n\nMit vielen Gesprächen.")
    page.get_by_label("Ausblick").fill("Im nächsten Jahr geht es weiter.")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".alert")).to_contain_text("Der Bericht wurde gespeichert.")
    for width, height in ((1280, 800), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        assert _no_sideways_scrolling(page), width
        shot(f"report-{width}")
    # the document is made by a background job: its page shows the progress, then the download
    page.get_by_role("button", name="Als Word herunterladen").click()
    expect(page.locator("#job-download")).to_be_visible(timeout=30_000)
    expect(page.locator("h1")).to_contain_text("Tätigkeitsbericht")
    shot("report-job")
    with page.expect_download() as download:
        page.locator("#job-download").click()
    doc = Document(io.BytesIO(open(download.value.path(), "rb").read()))
    texts = [p.text for p in doc.paragraphs]
    assert "Ein Jahr der Beratung." in texts and "Im nächsten Jahr geht es weiter." in texts
    assert any(p.style.name == "Heading 2" and p.text == "Interaktionen nach Handlungsfeld und Art"
               for p in doc.paragraphs)
    assert len(doc.inline_shapes) >= 2 and len(doc.tables) >= 4  # empty sections say so instead of a table
    page.goto("/berichte")
    expect(page.locator("table.report-list")).to_contain_text("Tätigkeitsbericht")
    shot("reports-list")
    assert page.js_errors == []
