"""flask crm send-task-digest."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


@click.command("send-task-digest", help=_l("E-mail every user who asked for it their due and overdue tasks"
                                                  " (run daily, e.g. from cron)."))
@with_appcontext
def send_task_digest_command():
    from crm.interactions import services

    sent = services.send_task_digests()
    click.echo(_("Task digest sent to %(count)s users.", count=sent))
