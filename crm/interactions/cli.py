"""flask crm send-task-digest."""
import click
from flask.cli import with_appcontext


@click.command("send-task-digest")
@with_appcontext
def send_task_digest_command():
    """E-mail every user who asked for it their due and overdue tasks (run daily, e.g. from cron)."""
    from crm.interactions import services

    sent = services.send_task_digests()
    click.echo(f"Task digest sent to {sent} users.")
