"""Browser tests: the real app on a local port, driven by Debian's Chromium through Playwright.

The live server runs in a background thread against a database of its own (a temp SQLite
file, or a fresh PostgreSQL database next to TEST_DATABASE_URL), built by the migrations,
with CSRF switched on and a small demo region plus one user per role.

Screenshots of the main steps go to $BROWSER_SCREENSHOTS (default: a new temp directory).
"""
import os
import re
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

PASSWORD = "correct horse battery"
USERS = {
    # username: (role, full name shown in the user menu)
    "admin": ("admin", "Anna Admin"),
    "manager": ("manager", "Moritz Manager"),
    "staff": ("staff", "Sabine Schreiber"),
    "viewer": ("viewer", "Volker Leser"),
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=de-DE",  # date inputs as a German user sees them (TT.MM.JJJJ)
]
TIMEOUT_MS = 10_000


def pytest_configure(config):
    try:
        from playwright.sync_api import expect
    except ImportError:
        return
    expect.set_options(timeout=TIMEOUT_MS)


def _chromium_path() -> str | None:
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _skip_or_fail(reason: str):
    print(f"\n[browser tests] {reason}", file=sys.stderr)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium_path()
    if path is None:
        _skip_or_fail("Chromium not found (/usr/bin/chromium or 'chromium' on PATH); browser tests skipped")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _skip_or_fail("the playwright Python package is not installed; browser tests skipped")
    return path


@pytest.fixture(autouse=True)
def _require_chromium(chromium_path):
    """Runs first (autouse), so a missing browser skips before the live server is built."""


# ------------------------------------------------------------------ database


def _live_database(name_prefix: str = "regionetz_browser"):
    """(url, cleanup) of an empty database for the live server, separate from the unit tests' one (also for
    other tests whose server or worker runs in another thread or process: another `name_prefix`)."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base or base.startswith("sqlite"):
        tmp = tempfile.mkdtemp(prefix=name_prefix.replace("_", "-") + "-")
        return f"sqlite:///{tmp}/live.sqlite", lambda: shutil.rmtree(tmp, ignore_errors=True)

    from config import _normalise_db_url

    url = make_url(_normalise_db_url(base))
    # One database per run, so two people running the browser tests at once do not collide.
    name = f"{name_prefix}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def run(sql):
        with admin.connect() as conn:
            conn.execute(text(sql))

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')

    def cleanup():
        try:
            run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), cleanup


def _seed(app) -> None:
    from flask_migrate import upgrade

    from crm.auth.services import create_user
    from crm.contacts.demo import generate_region
    from crm.extensions import db

    with app.app_context():
        upgrade(revision="heads")  # parts developed in parallel may add branches until merged
        generate_region(persons=60, seed=3)
        for username, (role, full_name) in USERS.items():
            create_user(username, PASSWORD, role=role, full_name=full_name)
        db.session.commit()
        db.session.remove()


@dataclass
class LiveServer:
    app: object
    url: str
    database_url: str

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(chromium_path):
    import logging

    from werkzeug.serving import make_server

    from crm import create_app
    from crm.extensions import db

    database_url, cleanup = _live_database()
    try:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, WTF_CSRF_ENABLED=True)
        _seed(app)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the test output
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}", database_url=database_url)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        cleanup()


@pytest.fixture(scope="session")
def app(live_server):
    """Overrides tests/conftest.py's `app` for this directory: the autouse `_transaction` asks for
    `app`, and the browser tests must neither build nor reset the unit tests' database
    (a DROP SCHEMA there deadlocks with anyone running the unit tests at the same time)."""
    return live_server.app


# ------------------------------------------------------------------ browser


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test, pointed at the live server."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="de-DE")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = Path(os.environ.get("BROWSER_SCREENSHOTS") or tempfile.mkdtemp(prefix="regionetz-screens-"))
    path.mkdir(parents=True, exist_ok=True)
    print(f"\n[browser tests] screenshots in {path}", file=sys.stderr)
    return path


@pytest.fixture
def shot(page, screenshot_dir, request):
    """shot("step-name"): a full-page screenshot named after the test and the step."""
    counter = iter(range(1, 100))
    test_name = re.sub(r"[^\w-]+", "_", request.node.name)

    def take(step: str) -> Path:
        path = screenshot_dir / f"{test_name}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def log_in(page):
    """log_in("staff") -> logs the page in through the login form as the user of that name."""

    def do(username: str):
        page.goto("/anmelden")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(r"/$"))
        return USERS[username][1]

    return do
