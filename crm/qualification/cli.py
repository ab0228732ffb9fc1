"""flask crm send-course-reminders."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


@click.command("send-course-reminders", help=_l("Send the reminder to the participants of offers whose first "
                                                "session begins within the next days (run daily)."))
@click.option("--days", default=2, show_default=True, type=int)
@with_appcontext
def send_course_reminders_command(days: int):
    from flask import current_app

    from crm.extensions import db
    from crm.qualification import mailing

    due = mailing.due_reminders(days)
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost"
    with current_app.test_request_context(base_url=base):
        sent, failures = mailing.send(due, "reminder")
    db.session.commit()
    click.echo(_("%(sent)s reminders sent.", sent=sent))
    for failure in failures:
        click.echo(_("Not delivered: %(failure)s", failure=failure), err=True)
