"""`flask crm ...`: the command group; each part declares its commands in crm/<part>/__init__.py."""
from flask import Flask
from flask.cli import AppGroup


def register_cli(app: Flask, commands) -> None:
    group = AppGroup("crm", help="RegioNetz administration.")
    for command in commands:
        group.add_command(command)
    app.cli.add_command(group)
