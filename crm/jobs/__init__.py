"""Background jobs: long work (sending a campaign, later imports and exports) in a worker, with its
progress in the database. RQ on Redis when REDIS_URL is set (`flask crm worker` runs the worker),
otherwise a thread of the app, so `make run` needs no Redis. See services.py."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.jobs import cli, models, views

    registry.blueprint(views.bp)
    registry.command(cli.worker)
    registry.labels(entities={"job": _l("Background job")}, values={"job.status": models.JOB_STATUSES})
