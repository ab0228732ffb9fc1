"""flask crm create-user / demo-login."""
import click
from flask import current_app
from flask.cli import with_appcontext

from crm.core.permissions import ROLES
from crm.extensions import db


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--name", "full_name", default="", help="Full name shown in the app.")
@click.option("--email", default="")
@click.password_option(prompt="Password", help="Omit to be asked.")
@with_appcontext
def create_user_command(username, role, full_name, email, password):
    """Create a login (roles: admin, manager, staff, viewer)."""
    from crm.auth.services import create_user, find_user

    if find_user(username):
        raise click.ClickException(f"User '{username}' exists already.")
    if len(password) < 8:
        raise click.ClickException("The password needs at least 8 characters.")
    create_user(username, password, role=role, full_name=full_name, email=email)
    db.session.commit()
    click.echo(f"User '{username}' created with role {role}.")


@click.command("demo-login")
@with_appcontext
def demo_login_command():
    """Create the demo administrator (development only) and print how to log in."""
    from crm.auth.services import create_user, find_user

    if current_app.config["CONFIG_NAME"] == "production":
        raise click.ClickException("The demo login exists only in development.")
    username, password = "demo", "regionetz-demo"
    if find_user(username) is None:
        create_user(username, password, role="admin", full_name="Sabine Keller (Demo)")
        db.session.commit()
    host = current_app.config.get("SERVER_NAME") or "127.0.0.1:5000"
    click.echo("")
    click.echo(f"  RegioNetz: open http://{host}/ and log in as '{username}' with password '{password}'.")
    click.echo("")
