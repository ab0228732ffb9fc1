"""Configuration classes, chosen by FLASK_CONFIG / create_app(name).

Everything secret or site-specific comes from the environment.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _sqlite_default() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'regionetz.sqlite'}"


def _normalise_db_url(url: str) -> str:
    # Heroku-style URLs and plain "postgresql://" should use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


# The value older versions used when SECRET_KEY was missing; known to anyone, never accepted.
WEAK_SECRET_KEYS = frozenset({"dev-only-not-secret", "testing", "changeme", "secret"})
MIN_SECRET_KEY_LENGTH = 32


class Config:
    # Unset in development: create_app generates one into the instance folder (instance/secret_key).
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(os.environ.get("DATABASE_URL", _sqlite_default()))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch still submits
    BABEL_DEFAULT_LOCALE = "de"
    # The region's time zone: what "today" means (crm.core.time.today) and how times are shown.
    TIMEZONE = os.environ.get("TIMEZONE", "Europe/Berlin")
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = {"de": "Deutsch", "en": "English"}
    # Limits and failed-login counts: in Redis when REDIS_URL is set, so that every app process counts together.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "20 per minute")
    # Failed logins per typed name and client address: the wait grows with the failures.
    LOGIN_FAILURE_LIMITS = os.environ.get("LOGIN_FAILURE_LIMITS", "5 per 5 minutes; 20 per hour; 50 per day")
    # Passwords: at least this many characters, and none from the list of common passwords.
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "8") or 8)
    # Two-factor login (TOTP): administrators without it are led to set it up after logging in.
    TWO_FACTOR_REQUIRED_FOR_ADMINS = os.environ.get("TWO_FACTOR_REQUIRED_FOR_ADMINS", "false").lower() == "true"
    TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "RegioNetz")  # the name the authenticator app shows
    # Wrong current passwords in the password change, per user.
    PASSWORD_FAILURE_LIMITS = "5 per 15 minutes; 20 per day"
    # Reverse proxies in front of the app whose X-Forwarded-For (and -Proto) to trust; 0 = none.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0") or 0)
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", "0") or 0)
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # Log lines as "text" or as JSON lines ("json"), each with the request id; LOG_REQUESTS: one line per request.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    LOG_REQUESTS = os.environ.get("LOG_REQUESTS", "false").lower() == "true"
    # Background jobs (crm/jobs): "rq" with REDIS_URL, else "thread"; "inline" runs them at once (tests).
    JOBS_MODE = os.environ.get("JOBS_MODE", "")
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "regionetz")  # the RQ queue (two instances on one Redis: two names)
    REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "1"))  # seconds before "Redis cannot be reached"
    JOB_STALE_SECONDS = int(os.environ.get("JOB_STALE_SECONDS", "120"))  # no heartbeat: the worker has gone
    # seconds a job waits after each live progress report: 0; tests set it to watch an import's progress
    JOB_PROGRESS_PAUSE = float(os.environ.get("JOB_PROGRESS_PAUSE", "0") or 0)
    # Exports with more rows than this run as a background job (a 100,000-person list takes longer than
    # gunicorn's request timeout); the file is written into EXPORT_DIR (shared by the app processes and the
    # worker of one host) under a random name, offered to the user who started it and removed after
    # EXPORT_KEEP_HOURS (whenever "My jobs", an export's page or a download is opened).
    EXPORT_JOB_THRESHOLD = int(os.environ.get("EXPORT_JOB_THRESHOLD", "20000") or 20000)
    EXPORT_DIR = os.environ.get("EXPORT_DIR", str(INSTANCE_DIR / "exports"))
    EXPORT_KEEP_HOURS = float(os.environ.get("EXPORT_KEEP_HOURS", "24") or 24)
    # Campaign e-mails per minute (0 = as fast as the mail server takes them) and attachments per campaign.
    CAMPAIGN_RATE_PER_MINUTE = int(os.environ.get("CAMPAIGN_RATE_PER_MINUTE", "300"))
    CAMPAIGN_ATTACHMENTS_MAX_BYTES = int(os.environ.get("CAMPAIGN_ATTACHMENTS_MAX_BYTES", str(5 * 1024 * 1024)))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "false").lower() == "true"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "regionetz@localhost")
    # Flask-Mailman backend: "smtp" sends through MAIL_SERVER; "file" writes into MAIL_FILE_PATH.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_FILE_PATH = os.environ.get("MAIL_FILE_PATH", str(INSTANCE_DIR / "mail"))
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "30"))  # seconds; a hanging server fails the message
    PER_PAGE = 50
    # Public links in e-mails sent without a request (campaign jobs): "https://crm.lag-example.de".
    # Empty: built from the address the office uses (as the invitations' personal links).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # Consent texts shown until an admin saves a version of their own (Einwilligungstexte): (version, text).
    CONSENT_WORDINGS = {
        "newsletter": (
            os.environ.get("NEWSLETTER_CONSENT_VERSION", "2026-12"),
            os.environ.get("NEWSLETTER_CONSENT_TEXT",
                           "Ich möchte den Newsletter des Regionalmanagements per E-Mail erhalten. Meine Angaben "
                           "(Name, E-Mail-Adresse) werden nur dafür gespeichert. Die Einwilligung kann ich "
                           "jederzeit widerrufen, z. B. über den Abmeldelink in jedem Newsletter."),
        ),
        # the public registration for qualification offers (/weiterbildung, crm/qualification)
        "qualification": (
            os.environ.get("QUALIFICATION_CONSENT_VERSION", "2026-12"),
            os.environ.get("QUALIFICATION_CONSENT_TEXT",
                           "Ich bin einverstanden, dass das Regionalmanagement meine Angaben (Name, Organisation, "
                           "E-Mail-Adresse) für die Durchführung dieser Veranstaltung und die Teilnahmebescheinigung "
                           "speichert. Die Einwilligung kann ich jederzeit widerrufen."),
        ),
    }
    CONSENT_CONFIRM_DAYS = int(os.environ.get("CONSENT_CONFIRM_DAYS", "7"))  # validity of the double opt-in link
    # Uploads: the import takes files up to IMPORT_MAX_BYTES; no request may be larger than
    # MAX_CONTENT_LENGTH (the file plus the form around it), whatever the page.
    IMPORT_MAX_BYTES = 10 * 1024 * 1024
    MAX_CONTENT_LENGTH = IMPORT_MAX_BYTES + 512 * 1024
    PHONE_DEFAULT_REGION = "DE"
    # Data protection (crm/privacy): contacts not reviewed or not contacted for this many years are listed
    # for review; the deletion period the processing record names (Verzeichnis der Verarbeitungstätigkeiten).
    PRIVACY_REVIEW_YEARS = int(os.environ.get("PRIVACY_REVIEW_YEARS", "3") or 3)
    PRIVACY_CONTROLLER = os.environ.get("PRIVACY_CONTROLLER", "")  # Verantwortlicher; empty: the letterhead's sender
    PRIVACY_OFFICER = os.environ.get("PRIVACY_OFFICER", "")  # Datenschutzbeauftragte(r), name and contact


class DevelopmentConfig(Config):
    DEBUG = True
    # Invitations of a development instance land as files in instance/mail/, nothing leaves the machine.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing"  # fixed on purpose: tests only, never served
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(
        os.environ.get("TEST_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'test.sqlite'}")
    )
    WTF_CSRF_ENABLED = False  # tests that check CSRF switch it on for themselves
    RATELIMIT_ENABLED = False
    SERVER_NAME = None
    LOG_TO_STDERR = False  # pytest collects log records itself
    JOBS_MODE = os.environ.get("JOBS_MODE", "inline")  # jobs run at once, inside the test's transaction
    CAMPAIGN_RATE_PER_MINUTE = int(os.environ.get("CAMPAIGN_RATE_PER_MINUTE", "0"))


class ProductionConfig(Config):
    LOG_REQUESTS = os.environ.get("LOG_REQUESTS", "true").lower() == "true"
    TWO_FACTOR_REQUIRED_FOR_ADMINS = os.environ.get("TWO_FACTOR_REQUIRED_FOR_ADMINS", "true").lower() == "true"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "true").lower() == "true"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @classmethod
    def check(cls) -> None:
        key = os.environ.get("SECRET_KEY", "")
        if not key:
            raise RuntimeError("SECRET_KEY must be set in the environment for production.")
        if len(key) < MIN_SECRET_KEY_LENGTH or key in WEAK_SECRET_KEYS:
            raise RuntimeError(
                f"SECRET_KEY is too weak for production: use at least {MIN_SECRET_KEY_LENGTH} random characters, "
                "e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
