"""gunicorn settings for RegioNetz: `gunicorn -c crm/deploy/gunicorn.conf.py` (as crm/deploy/systemd/regionetz.service).

Everything site-specific comes from the environment (the systemd unit's EnvironmentFile):
GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT.
"""
import multiprocessing
import os

wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
# Letter runs and reports of a large region take their time; longer jobs run in the worker (flask crm worker).
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 120)
graceful_timeout = 30
keepalive = 5
# A worker is replaced after so many requests: memory a long-running process gathers is given back.
max_requests = 2000
max_requests_jitter = 200
# The app writes one line per request itself, with its request id (LOG_REQUESTS, LOG_FORMAT=json).
accesslog = None
errorlog = "-"
# X-Forwarded-* are read by the app (ProxyFix, PROXY_FIX_X_FOR / PROXY_FIX_X_PROTO), not by gunicorn.
forwarded_allow_ips = ""
proc_name = "regionetz"
# gunicorn's control socket would live in the service user's home, which the unit keeps read-only.
control_socket_disable = True

if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own lines (start, worker restarts, timeouts) as JSON lines too, like the app's.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "crm.core.logs.JsonFormatter"}},
        "handlers": {"json_console": {"class": "logging.StreamHandler", "formatter": "json",
                                      "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": []},
        "loggers": {name: {"level": "INFO", "handlers": ["json_console"], "propagate": False}
                    for name in ("gunicorn.error", "gunicorn.access")},
    }


def post_worker_init(worker):
    """Each app process says at start whether the database, its schema and Redis are fit."""
    from crm.core.health import report_at_start

    report_at_start(worker.wsgi, f"App-Prozess {worker.pid}")
