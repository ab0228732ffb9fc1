"""Background jobs: long work (sending a campaign, the commit and undo of an import, letter runs and
their PDF) in a worker, with its progress in the database; "My jobs" (/auftraege/) lists them. RQ on
Redis when REDIS_URL is set (`flask crm worker` runs the worker), otherwise a thread of the app, so
`make run` needs no Redis. See services.py."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.jobs import cli, models, views

    registry.blueprint(views.bp)
    registry.command(cli.worker)
    registry.labels(entities={"job": _l("Background job")}, values={"job.status": models.JOB_STATUSES})
