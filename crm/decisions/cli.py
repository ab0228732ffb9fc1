"""flask crm close-ballots: closes the circulation ballots whose deadline has passed (run it from
cron every few minutes, or close them by hand on the ballot's page)."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


@click.command("close-ballots", help=_l("Close and count every circulation ballot whose deadline has passed."))
@with_appcontext
def close_due_ballots_command():
    from crm.decisions import ballots
    from crm.extensions import db

    closed = ballots.close_due()
    db.session.commit()
    click.echo(_("Circulation ballots closed: %(count)s.", count=len(closed)))
