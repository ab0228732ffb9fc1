"""flask crm create-user / demo-login. Commands answer in the default language (German): messages
are English msgids translated with the app's catalogue, as in the web interface."""
import os

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.core.permissions import ROLES
from crm.extensions import db


@click.command("create-user", help=_l("Create a login (roles: admin, manager, staff, viewer)."))
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--name", "full_name", default="", help=_l("Full name shown in the app."))
@click.option("--email", default="")
@click.password_option(prompt=_l("Password"), help=_l("Omit to be asked."))
@with_appcontext
def create_user_command(username, role, full_name, email, password):
    from crm.auth.passwords import password_problem
    from crm.auth.services import create_user, find_user
    from crm.core.labels import role_label

    if find_user(username):
        raise click.ClickException(_("The user “%(username)s” exists already.", username=username))
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    create_user(username, password, role=role, full_name=full_name, email=email)
    db.session.commit()
    click.echo(_("User “%(username)s” created with the role %(role)s.", username=username, role=role_label(role)))


@click.command("demo-login", help=_l("Create the demo administrator (development only) and print how to log in."))
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), help=_l("Host the app is served on."))
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT") or 5000),
              help=_l("Port the app is served on (default: $PORT, else 5000)."))
@with_appcontext
def demo_login_command(host, port):
    from crm.auth.services import create_user, find_user

    if current_app.config["CONFIG_NAME"] == "production":
        raise click.ClickException(_("The demo login exists only in development."))
    username, password = "demo", "regionetz-demo"
    if find_user(username) is None:
        create_user(username, password, role="admin", full_name="Sabine Keller (Demo)")
        db.session.commit()
    address = current_app.config.get("SERVER_NAME") or f"{host}:{port}"
    click.echo("")
    click.echo("  " + _("RegioNetz: open http://%(address)s/ and log in as “%(username)s” with the password "
                        "“%(password)s”.", address=address, username=username, password=password))
    click.echo("")
