"""`flask crm ...`: the command group; each part declares its commands in crm/<part>/__init__.py.

Help texts are English msgids (`_l`, so they are extracted) like the web interface's; they are
translated once, into the app's default language, when the group is built, because `--help` runs
without an app context (and click turns option help into plain strings when it is declared)."""
import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext
from flask_babel import lazy_gettext as _l


def _translated(text):
    return gettext(str(text)) if text else text


def _render_help(command: click.Command) -> None:
    command.help = _translated(command.help)
    for param in command.params:
        if isinstance(param, click.Option):
            param.help = _translated(param.help)
            param.prompt = _translated(param.prompt)


def register_cli(app: Flask, commands) -> None:
    group = AppGroup("crm", help=_l("RegioNetz administration."))
    with app.app_context():
        _render_help(group)
        for command in commands:
            _render_help(command)
            group.add_command(command)
    app.cli.add_command(group)
