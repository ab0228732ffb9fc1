"""An import of 140 rows as a job in a thread of the app (as `make run` without Redis), clicked through
in a real browser: the import's page shows the progress bar moving (static/jobs.js polls the job),
reloads itself with the result when the job is done, and “Meine Aufträge” in the user menu lists it."""
import re

import pytest
from playwright.sync_api import expect

from tests.imports import listgen

pytestmark = pytest.mark.browser


@pytest.fixture
def thread_jobs(live_server):
    app = live_server.app
    saved = {key: app.config.get(key) for key in ("JOBS_MODE", "JOB_PROGRESS_PAUSE")}
    app.config.update(JOBS_MODE="thread", JOB_PROGRESS_PAUSE=0.03)  # slow enough to watch the bar move
    try:
        yield
    finally:
        app.config.update(saved)


def test_an_import_runs_as_a_job_and_its_progress_shows(page, live_server, log_in, shot, tmp_path, thread_jobs):
    csv_path = tmp_path / "Adressen Wirtschaftsförderung.csv"
    csv_path.write_bytes(listgen.csv_bytes(listgen.make_rows(140)))
    page.on("dialog", lambda dialog: dialog.accept())
    log_in("staff")
    page.goto("/import")
    page.set_input_files("#file", str(csv_path))
    page.click("main form[enctype] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/import/\d+/spalten$"))
    page.click("main form button.btn-primary[type=submit]")
    expect(page).to_have_url(re.compile(r"/import/\d+/vorschau"))
    batch_id = re.search(r"/import/(\d+)/", page.url).group(1)

    page.click("#commit-import")
    expect(page).to_have_url(re.compile(rf"/import/{batch_id}$"))
    bar = page.locator(".job-progress .progress-bar")
    if bar.count():  # still running when the page came: the bar moves, then the page reloads itself
        expect(page.locator(".job-progress")).to_contain_text("Der Import läuft")
        shot("progress")
        page.wait_for_function("() => { const bar = document.querySelector('.job-progress .progress-bar');"
                               " return !bar || parseInt(bar.textContent) > 0; }", timeout=30000)
    expect(page.locator(".import-summary")).to_be_visible(timeout=60000)
    expect(page.locator(".job-progress")).to_have_count(0)
    expect(page.locator("#count-created")).not_to_have_text("0")
    shot("done")

    page.locator(".user-menu").click()
    page.click("a.dropdown-item[href$='/auftraege/']")
    row = page.locator("tbody tr", has=page.locator(f"a[href$='/import/{batch_id}']"))
    expect(row).to_contain_text("Import")
    expect(row).to_contain_text("Erledigt")
    expect(row).to_contain_text("Import abgeschlossen")
    shot("my-jobs")
