"""Backup and restore of the whole database: `flask crm backup OUT` and `flask crm restore IN`."""


def register(registry) -> None:
    from crm.backup import cli

    registry.command(cli.backup_command)
    registry.command(cli.restore_command)
