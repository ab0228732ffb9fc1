"""flask crm seed-demo / reindex."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from crm.extensions import db


@click.command("seed-demo", help=_l("Load a realistic LEADER region (Spessart-Mainland) with people and functions."))
@click.option("--persons", default=300, show_default=True, help=_l("Number of persons."))
@click.option("--organisations", type=int, default=None, help=_l("Number of organisations (default: from persons)."))
@click.option("--seed", default=1, show_default=True, help=_l("Random seed; same seed, same region."))
@click.option("--if-empty", is_flag=True, help=_l("Do nothing when contacts exist already."))
@with_appcontext
def seed_demo_command(persons, organisations, seed, if_empty):
    from crm.contacts.demo import generate_region
    from crm.contacts.models import Person
    from crm.core.registry import current_registry

    if if_empty and db.session.scalar(select(func.count()).select_from(Person)):
        click.echo(_("Contacts exist already; the demo region was not loaded."))
        return
    counts = generate_region(persons=persons, organisations=organisations, seed=seed)
    for loader in current_registry().demo_loaders:  # bodies, projects ... of the other parts
        loader.load(seed=seed)
    db.session.commit()
    click.echo(_("Demo region loaded: %(organisations)s organisations, %(persons)s persons, %(functions)s functions.",
                 organisations=counts["organisations"], persons=counts["persons"], functions=counts["affiliations"]))


@click.command("reindex", help=_l("Rebuild the quick-search index from the database."))
@with_appcontext
def reindex_command():
    from crm.contacts.search import reindex_all

    reindex_all(db.session.connection())
    db.session.commit()
    click.echo(_("Search index rebuilt."))
