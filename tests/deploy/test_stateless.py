"""App processes keep no state of their own: two app processes and one worker, started as their systemd
units start them, against one PostgreSQL database and one Redis.

A campaign started through the first app process is sent by the worker (RQ on Redis) to an SMTP
server on loopback, and its progress is read through the second process; failed logins counted
by one process brake the other.
"""
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from tests.deploy.test_units import (
    DEPLOY,
    ROOT,
    installed,
    redis_up,
    service_environment,
    stop,
    unit_section,
    wait_for,
)

ADMIN_URL = os.environ.get("STATELESS_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "Ginsterweg-Büro-2026"


def _need(condition: bool, reason: str) -> None:
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _postgres_up() -> bool:
    try:
        with create_engine(ADMIN_URL).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture
def database():
    """A database of its own (the app processes must see committed data, not a test's transaction)."""
    _need(_postgres_up(), f"PostgreSQL at {ADMIN_URL} is needed")
    name = f"regionetz_stateless_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


class Browser:
    """A cookie-keeping client for one app process, filling in the CSRF token as a browser does."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect)

    def get(self, path: str):
        try:
            return self.opener.open(self.base + path, timeout=30)
        except urllib.error.HTTPError as answer:
            return answer

    def post(self, path: str, data: dict, token_from: str):
        page = self.get(token_from).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(dict(data, csrf_token=token)).encode()
        try:
            return self.opener.open(self.base + path, data=body, timeout=30)
        except urllib.error.HTTPError as answer:
            return answer


def _flask(env, *args, **kwargs):
    return subprocess.run([installed("/opt/regionetz/.venv/bin/flask")[0], *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=300, **kwargs)


def test_two_app_processes_and_a_worker_share_jobs_and_login_limits(app, database):
    _need(redis_up(), "Redis on 127.0.0.1:6379 is needed")
    import redis

    redis.Redis(db=13).flushdb()
    from tests.deploy.test_units import free_port

    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    processes = []
    try:
        app_unit = unit_section(DEPLOY / "systemd" / "regionetz.service")
        worker_unit = unit_section(DEPLOY / "systemd" / "regionetz-worker.service")
        base = service_environment(app, app_unit, DATABASE_URL=database, REDIS_URL="redis://127.0.0.1:6379/13",
                                   JOBS_QUEUE=f"stateless-{uuid.uuid4().hex[:6]}", MAIL_SERVER="127.0.0.1",
                                   MAIL_PORT=str(smtp_port), MAIL_USE_TLS="false",
                                   MAIL_USERNAME="", MAIL_PASSWORD="", SESSION_COOKIE_SECURE="false",
                                   GUNICORN_WORKERS="1", CAMPAIGN_RATE_PER_MINUTE="0",
                                   LOGIN_FAILURE_LIMITS="5 per 5 minutes")
        _flask(base, "db", "upgrade")
        _flask(base, "crm", "seed-demo")
        _flask(base, "crm", "create-user", "buero", "--role", "staff", "--password", PASSWORD)

        ports = [free_port(), free_port()]
        for port in ports:
            processes.append(subprocess.Popen(installed(app_unit["ExecStart"]), cwd=ROOT, env=dict(
                base, GUNICORN_BIND=f"127.0.0.1:{port}"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                text=True))
        worker = subprocess.Popen(installed(worker_unit["ExecStart"]), cwd=ROOT, env=base,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        processes.append(worker)
        for port, process in zip(ports, processes):
            assert wait_for(f"http://127.0.0.1:{port}/health", process).status == 200

        first, second = Browser(ports[0]), Browser(ports[1])
        for browser in (first, second):
            answer = browser.post("/anmelden", {"username": "buero", "password": PASSWORD}, "/anmelden")
            assert answer.status == 302, answer.read()[:300]

        engine = create_engine(database)
        with engine.connect() as conn:
            campaign_id = conn.scalar(text("SELECT id FROM campaign WHERE status = 'draft' ORDER BY id LIMIT 1"))
        assert campaign_id, "the demo region has a newsletter draft"
        started = first.post(f"/kampagnen/{campaign_id}/senden", {}, f"/kampagnen/{campaign_id}")
        assert started.status == 302
        with engine.connect() as conn:
            job_id = conn.scalar(text("SELECT job_id FROM campaign WHERE id = :id"), {"id": campaign_id})
        assert job_id

        # The worker runs it; the second app process shows its progress.
        import json

        deadline, progress = time.monotonic() + 120, {}
        while time.monotonic() < deadline:
            progress = json.loads(second.get(f"/auftraege/{job_id}").read())
            if progress["finished"]:
                break
            time.sleep(0.5)
        assert progress["status"] == "done", progress["message"]
        assert progress["total"] > 0 and progress["done"] == progress["total"]
        assert len(inbox.messages) == progress["total"]  # each e-mail once
        page = second.get(f"/kampagnen/{campaign_id}").read().decode()
        assert f'data-job-url="/auftraege/{job_id}"' in page
        engine.dispose()

        # Failed logins counted in Redis: five on either process, the sixth is braked on both.
        for attempt in range(5):
            browser = Browser(ports[attempt % 2])
            answer = browser.post("/anmelden", {"username": "buero", "password": "falsch"}, "/anmelden")
            assert answer.status == 200
        for port in ports:
            answer = Browser(port).post("/anmelden", {"username": "buero", "password": PASSWORD}, "/anmelden")
            assert answer.status == 200 and "Zu viele Fehlversuche" in answer.read().decode(), port
    finally:
        for process in processes:
            if process.poll() is None:
                output = stop(process)
                if process is processes[-1] and output:
                    print("worker:", output[-2000:])
        smtp.stop()
