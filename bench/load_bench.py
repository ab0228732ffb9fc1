"""A person's page under load: `contact_page_rps`, `contact_page_p95_ms`, `load_errors` (issue 17).

    .venv/bin/python bench/run.py --only load --backend postgresql

On the database seeded by run.py the app runs as production runs it: gunicorn with
crm/deploy/gunicorn.conf.py (FLASK_CONFIG=production, its default workers: 2 x cores + 1), in
processes of its own. A viewer logs in through the real login form (CSRF included); then the load
generator (bench/loadgen.py, a second process, asyncio, `CONNECTIONS` concurrent connections on
loopback) asks for the detail pages of 500 persons picked at random, for a warm-up of 5 s and then
`SECONDS` s measured. Every answer must be 200 and a whole page, else it counts in `load_errors`.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-load-contact-page"
SECONDS = 20
CONNECTIONS = 16


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bench_user(username: str, role: str, full_name: str) -> None:
    """The user the load logs in as; already there when the database is reused (run.py --reuse-database)."""
    from sqlalchemy import select

    from crm.auth.models import User
    from crm.auth.services import create_user
    from crm.extensions import db

    if db.session.scalar(select(User.id).where(User.username == username)) is None:
        create_user(username, PASSWORD, role=role, full_name=full_name)
        db.session.commit()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _login(port: int, username: str) -> str:
    """The session cookie after logging in through the form, as a browser does."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    page = opener.open(f"http://127.0.0.1:{port}/anmelden", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": PASSWORD}).encode()
    try:
        opener.open(f"http://127.0.0.1:{port}/anmelden", data=data, timeout=30)
        raise RuntimeError("login did not redirect (wrong password or form?)")
    except urllib.error.HTTPError as answer:
        if answer.code != 302:
            raise
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _wait_healthy(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn ended with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not become healthy")


def _loadgen(port: int, cookie: str, paths_file: str, seconds: float, connections: int = CONNECTIONS) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "loadgen.py"), "--port", str(port), "--cookie", cookie,
                          "--paths-file", paths_file, "--seconds", str(seconds), "--connections", str(connections)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


class _Server:
    """gunicorn as production starts it (crm/deploy/gunicorn.conf.py) on the bench database."""

    def __init__(self, database_url: str):
        self.port = _free_port()
        env = dict(os.environ, FLASK_CONFIG="production", SECRET_KEY=os.urandom(32).hex(), DATABASE_URL=database_url,
                   GUNICORN_BIND=f"127.0.0.1:{self.port}", SESSION_COOKIE_SECURE="false", LOG_REQUESTS="false",
                   LOG_LEVEL="WARNING", REDIS_URL="", TWO_FACTOR_REQUIRED_FOR_ADMINS="false",
                   LOGIN_RATE_LIMIT="1000 per minute")
        gunicorn = Path(sys.prefix) / "bin" / "gunicorn"
        self.process = subprocess.Popen([str(gunicorn), "-c", str(ROOT / "crm" / "deploy" / "gunicorn.conf.py")],
                                        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def __enter__(self):
        _wait_healthy(self.port, self.process)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=60)


MIXED_USERS, MIXED_SECONDS = 50, 60


def bench_mixed_load(app, database_url: str, queries: list[str], seconds: float = MIXED_SECONDS) -> dict:
    """`load_rps`, `load_errors` (issue 16): 50 concurrent users for 60 s against gunicorn, mixing the quick
    search, the person list (plain and searched), the organisation list, person pages and their edit forms,
    as office staff (the edit forms need the staff role)."""
    from urllib.parse import quote

    from sqlalchemy import select

    from crm.contacts.models import Person
    from crm.extensions import db

    with app.app_context():
        _bench_user("mixbench", "staff", "Bench Gemischt")
        ids = list(db.session.scalars(select(Person.id).where(Person.archived_at.is_(None)).limit(20000)))
        db.session.remove()
    rng = random.Random(11)
    paths = []
    for i in range(600):
        q = quote(rng.choice(queries))
        paths.append([f"/suche/schnell?q={q}", f"/personen?q={q}", "/personen", "/organisationen",
                      f"/personen/{rng.choice(ids)}", f"/personen/{rng.choice(ids)}/bearbeiten"][i % 6])
    with _Server(database_url) as server:
        cookie = _login(server.port, "mixbench")
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("\n".join(paths))
        try:
            log(f"  mixed load: {MIXED_USERS} users, {seconds} s")
            figures = _loadgen(server.port, cookie, handle.name, seconds, MIXED_USERS)
        finally:
            os.unlink(handle.name)
    log(f"  mixed load: {figures}")
    result = {"load_rps": figures["rps"], "load_p95_ms": figures["p95_ms"], "load_mixed_errors": figures["errors"]}
    if figures["first_error"]:
        result["load_mixed_first_error"] = figures["first_error"]
    return result


def bench_contact_page(app, database_url: str, seconds: float = SECONDS) -> dict:
    from sqlalchemy import select

    from crm.contacts.models import Person
    from crm.extensions import db

    with app.app_context():
        _bench_user("loadbench", "viewer", "Bench Last")
        ids = list(db.session.scalars(select(Person.id).where(Person.archived_at.is_(None))))
        db.session.remove()
    paths = [f"/personen/{i}" for i in random.Random(7).sample(ids, min(500, len(ids)))]
    port = _free_port()
    env = dict(os.environ, FLASK_CONFIG="production", SECRET_KEY=os.urandom(32).hex(), DATABASE_URL=database_url,
               GUNICORN_BIND=f"127.0.0.1:{port}", SESSION_COOKIE_SECURE="false", LOG_REQUESTS="false",
               LOG_LEVEL="WARNING", REDIS_URL="")
    gunicorn = Path(sys.prefix) / "bin" / "gunicorn"
    process = subprocess.Popen([str(gunicorn), "-c", str(ROOT / "crm" / "deploy" / "gunicorn.conf.py")], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(port, process)
        cookie = _login(port, "loadbench")
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("\n".join(paths))
        try:
            log(f"  load: warm-up 5 s, then {seconds} s with {CONNECTIONS} connections")
            _loadgen(port, cookie, handle.name, 5)
            figures = _loadgen(port, cookie, handle.name, seconds)
        finally:
            os.unlink(handle.name)
    finally:
        process.terminate()
        process.wait(timeout=60)
    log(f"  load: {figures}")
    result = {"contact_page_rps": figures["rps"], "contact_page_p95_ms": figures["p95_ms"],
              "contact_page_p50_ms": figures["p50_ms"], "load_errors": figures["errors"]}
    if figures["first_error"]:
        result["load_first_error"] = figures["first_error"]
    return result
