"""flask crm find-duplicates (declared in crm/duplicates/__init__.py)."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.extensions import db


@click.command("find-duplicates", help=_l("Search for possible duplicates (the list under Duplicates in the web"
                                                 " interface)."))
@click.option("--kind", type=click.Choice(["person", "organisation"]), default="person", show_default=True)
@with_appcontext
def find_duplicates_command(kind: str):
    from crm.duplicates.finder import scan_duplicates

    count = scan_duplicates(kind)
    db.session.commit()
    click.echo(_("%(count)s possible duplicates found.", count=count))
