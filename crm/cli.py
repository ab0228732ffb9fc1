"""flask crm ... commands for admins. They answer in the default language (German): messages are
English msgids translated with the app's catalogue, as in the web interface."""
import os

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.core.permissions import ROLES
from crm.extensions import db

crm_cli = AppGroup("crm", help="RegioNetz administration.")


@crm_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--name", "full_name", default="", help="Full name shown in the app.")
@click.option("--email", default="")
@click.password_option(prompt="Password", help="Omit to be asked.")
def create_user_command(username, role, full_name, email, password):
    """Create a login (roles: admin, manager, staff, viewer)."""
    from crm.auth.services import create_user, find_user

    from crm.core.labels import role_label

    if find_user(username):
        raise click.ClickException(_("The user “%(username)s” exists already.", username=username))
    if len(password) < 8:
        raise click.ClickException(_("The password needs at least 8 characters."))
    create_user(username, password, role=role, full_name=full_name, email=email)
    db.session.commit()
    click.echo(_("User “%(username)s” created with the role %(role)s.", username=username, role=role_label(role)))


@crm_cli.command("seed-demo")
@click.option("--persons", default=300, show_default=True, help="Number of persons.")
@click.option("--organisations", type=int, default=None, help="Number of organisations (default: from persons).")
@click.option("--seed", default=1, show_default=True, help="Random seed; same seed, same region.")
@click.option("--if-empty", is_flag=True, help="Do nothing when contacts exist already.")
def seed_demo_command(persons, organisations, seed, if_empty):
    """Load a realistic LEADER region (Spessart-Mainland) with people and functions."""
    from crm.contacts.demo import generate_region
    from crm.contacts.models import Person

    if if_empty and db.session.scalar(select(func.count()).select_from(Person)):
        click.echo(_("Contacts exist already; the demo region was not loaded."))
        return
    from crm.network.demo import generate_bodies
    from crm.projects.demo import generate_projects

    counts = generate_region(persons=persons, organisations=organisations, seed=seed)
    generate_bodies(seed=seed)
    generate_projects(seed=seed)
    db.session.commit()
    click.echo(_("Demo region loaded: %(organisations)s organisations, %(persons)s persons, %(functions)s functions.",
                 organisations=counts["organisations"], persons=counts["persons"], functions=counts["affiliations"]))


@crm_cli.command("reindex")
def reindex_command():
    """Rebuild the quick-search index from the database."""
    from crm.contacts.search import reindex_all

    reindex_all(db.session.connection())
    db.session.commit()
    click.echo(_("Search index rebuilt."))


@crm_cli.command("demo-login")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), help="Host the app is served on.")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT") or 5000),
              help="Port the app is served on (default: $PORT, else 5000).")
def demo_login_command(host, port):
    """Create the demo administrator (development only) and print how to log in."""
    from flask import current_app

    from crm.auth.services import create_user, find_user

    if current_app.config["CONFIG_NAME"] == "production":
        raise click.ClickException(_("The demo login exists only in development."))
    username, password = "demo", "regionetz-demo"
    if find_user(username) is None:
        create_user(username, password, role="admin", full_name="Sabine Keller (Demo)")
        db.session.commit()
    address = current_app.config.get("SERVER_NAME") or f"{host}:{port}"
    click.echo("")
    click.echo("  " + _("RegioNetz: open http://%(address)s/ and log in as “%(username)s” with the password “%(password)s”.",
                        address=address, username=username, password=password))
    click.echo("")


def register_cli(app: Flask) -> None:
    app.cli.add_command(crm_cli)
