"""Is this app process fit to serve? Database, migrations at head, Redis (when configured).

`/health` answers 200 when every check passes and 503 otherwise, which is what load balancers
(nginx upstream checks, HAProxy, Kubernetes probes) understand. The same checks run once when an
app or worker process starts (:func:`report_at_start`), so that a missing database or Redis is
said plainly in the log at start instead of as the first user's error page.
"""
import logging
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from crm.extensions import db

log = logging.getLogger("crm.health")

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class Check:
    name: str  # database, migrations, redis: the key in /health's JSON
    ok: bool
    message: str

    @property
    def label(self) -> str:
        return {"database": _("Database"), "migrations": _("Database schema"), "redis": "Redis"}[self.name]


def _safe_url(url: str) -> str:
    """The database address without its password, for log lines."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparseable URL is shown as the scheme only
        return url.split(":", 1)[0]


def _reason(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]


def check_database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
        return Check("database", True, _("reachable"))
    except Exception as error:  # noqa: BLE001 - any failure means "not fit", with its reason
        db.session.rollback()
        url = _safe_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
        return Check("database", False, _("not reachable (%(url)s): %(reason)s", url=url, reason=_reason(error)))


def _script_heads() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(config).get_heads())


def check_migrations() -> Check:
    try:
        # Read directly (Alembic's MigrationContext would log "Context impl ..." at every check).
        connection = db.session.connection()
        current = (set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
                   if inspect(connection).has_table("alembic_version") else set())
    except Exception as error:  # noqa: BLE001
        db.session.rollback()
        return Check("migrations", False, _("cannot be read: %(reason)s", reason=_reason(error)))
    heads = _script_heads()
    if current == heads:
        return Check("migrations", True, _("at the newest state (%(revision)s)", revision=", ".join(sorted(heads))))
    return Check("migrations", False, _(
        "database at %(current)s, code expects %(heads)s: run “flask db upgrade”",
        current=", ".join(sorted(current)) or _("no schema"), heads=", ".join(sorted(heads))))


def redis_connection(url: str | None = None, for_worker: bool = False):
    """A Redis client that gives up quickly (REDIS_TIMEOUT seconds) when the server is not there: an
    unreachable Redis is reported, never waited for. The worker's own connection has no read timeout:
    it waits for jobs with a blocking pop."""
    import redis

    timeout = float(current_app.config.get("REDIS_TIMEOUT", 1.0))
    return redis.Redis.from_url(url or current_app.config["REDIS_URL"], socket_connect_timeout=timeout,
                                socket_timeout=None if for_worker else 2 * timeout)


def check_redis() -> Check | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    try:
        redis_connection(url).ping()
        return Check("redis", True, _("reachable"))
    except Exception as error:  # noqa: BLE001
        reason = _reason(error)
        return Check("redis", False, _("not reachable (%(url)s): %(reason)s", url=_safe_url(url), reason=reason))


def run_checks() -> list[Check]:
    database = check_database()
    checks = [database, check_migrations() if database.ok else Check("migrations", False, _("not checked"))]
    if (redis_check := check_redis()) is not None:
        checks.append(redis_check)
    return checks


def report_at_start(app, process: str) -> bool:
    """Log each check once when a process starts; False when one failed (the process still starts:
    /health then tells the load balancer, and the process recovers when the service comes back)."""
    with app.app_context():
        checks = run_checks()
        db.session.remove()
        for check in checks:
            if check.ok:
                log.info("%s – %s: %s", process, check.label, check.message)
            else:
                log.error("%s – %s: %s", process, check.label, check.message)
    return all(check.ok for check in checks)
