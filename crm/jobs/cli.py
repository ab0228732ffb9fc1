"""`flask crm worker`: the RQ worker for background jobs (needs REDIS_URL)."""
import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


@click.command("worker", help=_l("Run the worker for background jobs (imports, letters, campaign sending); "
                                 "needs REDIS_URL."))
@click.option("--burst", is_flag=True, help=_l("Stop when the queue is empty."))
@with_appcontext
def worker(burst: bool) -> None:
    from redis.exceptions import RedisError

    from crm.jobs import services

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(_("REDIS_URL is not set: without Redis, jobs run in a thread of the app and "
                                     "need no worker."))
    problem = services.queue_problem()
    if problem:
        raise click.ClickException(problem)
    click.echo(_("Worker for the queue “%(queue)s” on %(url)s", queue=services.queue_name(),
                 url=services.shown_url(current_app.config["REDIS_URL"])))
    try:
        services.run_worker(burst=burst)
    except RedisError as error:
        raise click.ClickException(str(error)) from error
