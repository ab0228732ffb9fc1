"""Log lines with a request id, as plain text or as JSON lines (LOG_FORMAT=json).

Every request gets an id: the proxy's `X-Request-ID` when it sends a sane one (nginx:
`proxy_set_header X-Request-ID $request_id;`), otherwise a new one. It is returned in the
response's `X-Request-ID` header and is part of every log line written while the request runs,
so that a user's "Fehler um 10:42" is found in the log of whichever app process served it.
With LOG_REQUESTS on, each request is logged once when it ends (method, path, status, duration,
user id) on the logger "crm.request".
"""
import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


def current_request_id() -> str:
    return getattr(g, "request_id", "-") if has_request_context() else "-"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def make_handler(fmt: str, stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    handler._regionetz = True  # noqa: SLF001 - marks our handler so a second create_app does not add another
    return handler


def configure_logging(app: Flask) -> None:
    """Our handler on the root logger (once per process): the app's, SQLAlchemy's and gunicorn's workers'
    messages all come out in the chosen format."""
    fmt = app.config.get("LOG_FORMAT", "text")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_regionetz", False)]:
        root.removeHandler(handler)
    if app.config.get("LOG_TO_STDERR", True):
        root.addHandler(make_handler(fmt))
    level = logging.getLevelName(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    _request_hooks(app)


def _request_hooks(app: Flask) -> None:
    access = logging.getLogger("crm.request")

    @app.before_request
    def _request_id():
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        request_id = getattr(g, "request_id", None)
        if request_id:
            response.headers["X-Request-ID"] = request_id
        if app.config.get("LOG_REQUESTS") and request_id:
            from flask_login import current_user

            duration = (time.perf_counter() - g.request_started) * 1000
            access.info("%s %s %s %.1f ms", request.method, request.path, response.status_code, duration, extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round(duration, 1),
                "user_id": current_user.get_id().partition(":")[0] if current_user.is_authenticated else None})
        return response
