"""flask crm seed-demo / reindex."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.extensions import db


@click.command("seed-demo")
@click.option("--persons", default=300, show_default=True, help="Number of persons.")
@click.option("--organisations", type=int, default=None, help="Number of organisations (default: from persons).")
@click.option("--seed", default=1, show_default=True, help="Random seed; same seed, same region.")
@click.option("--if-empty", is_flag=True, help="Do nothing when contacts exist already.")
@with_appcontext
def seed_demo_command(persons, organisations, seed, if_empty):
    """Load a realistic LEADER region (Spessart-Mainland) with people and functions."""
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


@click.command("reindex")
@with_appcontext
def reindex_command():
    """Rebuild the quick-search index from the database."""
    from crm.contacts.search import reindex_all

    reindex_all(db.session.connection())
    db.session.commit()
    click.echo(_("Search index rebuilt."))
