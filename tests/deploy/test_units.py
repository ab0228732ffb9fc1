"""The shipped deployment files, run as production runs them.

crm/deploy/systemd/regionetz.service is started exactly as systemd would start it: its
ExecStart, its WorkingDirectory, its EnvironmentFile (crm/deploy/regionetz.env.example with the
test's database, a secret key and a free port filled in). nginx runs with the shipped site
configuration in front of it (TLS with a certificate made for the test).
"""
import json
import os
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "crm" / "deploy"
INSTALL_DIR = "/opt/regionetz"


def unit_section(path: Path, section: str = "Service") -> dict[str, str]:
    """The key=value lines of one section of a systemd unit (the last value of a key wins, as in systemd)."""
    values, current = {}, None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section:
            key, _sep, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _sep, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def installed(command: str) -> list[str]:
    """The unit's command with /opt/regionetz as this checkout and its virtualenv as the one running the tests."""
    args = shlex.split(command)
    venv_bin = f"{INSTALL_DIR}/.venv/bin/"
    return [str(Path(sys.prefix) / "bin" / a[len(venv_bin):]) if a.startswith(venv_bin)
            else a.replace(INSTALL_DIR, str(ROOT)) for a in args]


def database_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def service_environment(app, unit: dict, **overrides) -> dict[str, str]:
    assert unit["EnvironmentFile"] == "/etc/regionetz/regionetz.env"
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "HOME", "TMPDIR")}
    env.update(env_file(DEPLOY / "regionetz.env.example"))
    env.update({"SECRET_KEY": os.urandom(32).hex(), "DATABASE_URL": database_url(app),
                "REDIS_URL": "redis://127.0.0.1:6379/14", "GUNICORN_WORKERS": "2"})
    env.update(overrides)
    return env


def wait_for(url: str, process: subprocess.Popen, seconds: float = 40.0, context=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process ended with {process.returncode}: {process.stderr.read()}")
        try:
            return urllib.request.urlopen(url, timeout=5, context=context)
        except urllib.error.HTTPError as error:
            return error
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        _out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate()
    return err


@pytest.fixture
def app_service(app):
    """gunicorn started as regionetz.service starts it; yields (port, process)."""
    if not redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis on 127.0.0.1:6379 is needed (REDIS_URL of the example environment)")
        pytest.skip("no Redis on 127.0.0.1:6379")
    unit = unit_section(DEPLOY / "systemd" / "regionetz.service")
    port = free_port()
    env = service_environment(app, unit, GUNICORN_BIND=f"127.0.0.1:{port}")
    process = subprocess.Popen(installed(unit["ExecStart"]), cwd=unit["WorkingDirectory"].replace(INSTALL_DIR, str(ROOT)),
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield port, process
    finally:
        if process.poll() is None:
            stop(process)


def test_the_app_unit_serves_health_with_json_logs(app_service):
    port, process = app_service
    response = wait_for(f"http://127.0.0.1:{port}/health", process)
    body = json.loads(response.read())
    assert response.status == 200, body
    assert body["status"] == "ok" and set(body["checks"]) == {"database", "migrations", "redis"}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/anmelden", headers={"X-Request-ID": "abcdef0123456789"})
    with urllib.request.urlopen(request, timeout=10) as page:
        assert page.status == 200 and "Anmelden" in page.read().decode()
        assert page.headers["X-Request-ID"] == "abcdef0123456789"
    lines = [line for line in stop(process).splitlines() if line.strip()]
    log = [json.loads(line) for line in lines]  # gunicorn's own lines too: every line is JSON
    assert any(line["logger"] == "gunicorn.error" and "Listening at" in line["message"] for line in log)
    starts = [line for line in log if line["logger"] == "crm.health"]
    assert len([line for line in starts if "Datenbankschema: auf dem neuesten Stand" in line["message"]]) == 2  # 2 workers
    assert all(line["level"] == "INFO" for line in starts)
    login_line = next(line for line in log if line.get("path") == "/anmelden")
    assert login_line["request_id"] == "abcdef0123456789" and login_line["status"] == 200


def test_the_app_unit_says_at_start_that_the_database_is_unreachable(app):
    unit = unit_section(DEPLOY / "systemd" / "regionetz.service")
    port = free_port()
    env = service_environment(app, unit, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1",
                              DATABASE_URL="postgresql://regionetz:geheim@127.0.0.1:9/regionetz", REDIS_URL="")
    process = subprocess.Popen(installed(unit["ExecStart"]), cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        response = wait_for(f"http://127.0.0.1:{port}/health", process)
        assert response.status == 503
        assert json.loads(response.read())["checks"]["database"]["ok"] is False
    finally:
        err = stop(process)
    errors = [json.loads(line) for line in err.splitlines() if line.startswith("{") and '"ERROR"' in line]
    message = next(line["message"] for line in errors if line["logger"] == "crm.health")
    assert "Datenbank: nicht erreichbar (postgresql+psycopg://regionetz:***@127.0.0.1:9/regionetz)" in message
    assert "geheim" not in err


def _certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=crm.example.org", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_nginx_with_the_shipped_site_configuration_in_front_of_the_app(app_service, tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed (Debian package nginx-light, installed by .ci/run)")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    port, process = app_service
    assert wait_for(f"http://127.0.0.1:{port}/health", process).status == 200
    cert, key = _certificate(tmp_path)
    http_port, https_port = free_port(), free_port()
    site = (DEPLOY / "nginx" / "regionetz.conf").read_text(encoding="utf-8")
    site = (site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{port};")
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
            .replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
            .replace("/etc/letsencrypt/live/crm.example.org/fullchain.pem", str(cert))
            .replace("/etc/letsencrypt/live/crm.example.org/privkey.pem", str(key))
            .replace(INSTALL_DIR, str(ROOT)))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / name).mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""  # the static files of this checkout, readable by its owner
    (tmp_path / "nginx.conf").write_text(
        f"{user}daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path}/client_body;\n proxy_temp_path {tmp_path}/proxy;\n"
        f" fastcgi_temp_path {tmp_path}/fastcgi;\n uwsgi_temp_path {tmp_path}/uwsgi;\n scgi_temp_path {tmp_path}/scgi;\n"
        f" types {{ text/css css; application/javascript js; }}\n include {tmp_path}/site.conf;\n}}\n", encoding="utf-8")
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    try:
        response = wait_for(f"https://127.0.0.1:{https_port}/health", proxy, context=context)
        assert response.status == 200
        assert len(response.headers["X-Request-ID"]) == 32  # nginx's $request_id, passed on and kept by the app
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        plain = urllib.request.Request(f"http://127.0.0.1:{http_port}/personen", headers={"Host": "crm.example.org"})
        with pytest.raises(urllib.error.HTTPError) as moved:
            opener.open(plain, timeout=10)
        assert moved.value.code == 301 and moved.value.headers["Location"] == "https://crm.example.org/personen"

        # Static files come from nginx itself (no request id: the app never saw them).
        static = next(p for p in (ROOT / "crm" / "static").rglob("*.css"))
        path = static.relative_to(ROOT / "crm").as_posix()
        with urllib.request.urlopen(f"https://127.0.0.1:{https_port}/{path}", context=context, timeout=10) as css:
            assert css.read() == static.read_bytes() and "X-Request-ID" not in css.headers

    finally:
        stop(proxy)
