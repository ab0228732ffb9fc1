"""flask crm purge-signups."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


@click.command("purge-signups", help=_l("Delete newsletter sign-ups never confirmed whose link has expired"
                                        " (run daily, e.g. from cron)."))
@with_appcontext
def purge_signups_command():
    from crm.campaigns.consent import purge_expired_requests
    from crm.extensions import db

    count = purge_expired_requests()
    db.session.commit()
    click.echo(_("%(count)s expired sign-ups deleted.", count=count))
